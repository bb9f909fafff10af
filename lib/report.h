/* report.h — the report model: a JSON document (schema "ctxdiff/1", see
 * man/ctxdiff.1 and schema/ctxdiff-report.schema.json) that every renderer
 * reads, so text, JSON and Markdown always say the same thing.
 *
 * Stage: render input. compare.c builds it from two analyses; render_*.c
 * turn it into bytes; gate.c evaluates thresholds on it. */
#ifndef CD_REPORT_H
#define CD_REPORT_H

#include <jansson.h>

#include "analysis.h"
#include "ctxdiff.h"

struct cd_pprof_result;

struct ctxdiff_report {
    json_t *doc;                     /* the report model (both kinds) */
    struct cd_pprof_result *pprof;   /* for profile pairs, else NULL */
    int top;
    int paths;
};

/* The report document of r (made on first use for profile pairs). */
json_t *cd_report_doc(const ctxdiff_report *r);

typedef struct cd_side {
    const char *path;
    const cd_snapshot *s;
    const cd_typing *t;
    const cd_analysis *a;
    /* drawn from the per-object arrays by cd_side_summarise: the report
       needs nothing else of them, so they can be freed before the other
       snapshot is analysed */
    uint64_t *type_count, *type_bytes;  /* reachable objects by type key (0 untyped) */
    size_t ntypes;
    char **ex_path;                     /* per context: its path (cd_ctx_path) when
                                           the report shows it, else NULL */
    json_t *untyped;                    /* owners of untyped bytes, if asked */
} cd_side;

/* Fill the summary of sd (paths: example paths per group, as
 * ctxdiff_options.paths; untyped: also the owners of untyped bytes, with
 * field names from bin) and free it. */
void cd_side_summarise(cd_side *sd, int paths, const cd_binary *bin, int untyped);
void cd_side_summary_free(cd_side *sd);

/* A new report document with its schema, tool and kind ("heapdump",
 * "pprof") keys. */
json_t *cd_report_new(const char *kind);

/* Build the report document for a heap dump pair (both sides summarised;
 * the after side with its untyped owners). */
json_t *cd_report_heapdumps(const cd_side *before, const cd_side *after,
                            const cd_binary *bin, const ctxdiff_options *o,
                            json_t *warnings);

int cd_render_text(const json_t *doc, FILE *out, int color, int top, int paths);
int cd_render_markdown(const json_t *doc, FILE *out, int top, int paths);
/* Heap dumps only: the leak groups as a gzip-compressed profile.proto
 * (render_pprof.c), or as a Graphviz digraph (render_dot.c). */
int cd_render_pprof(const json_t *doc, FILE *out, cd_error *err);
int cd_render_dot(const json_t *doc, FILE *out, int paths);
/* Both kinds: one self-contained HTML page (render_html.c). */
int cd_render_html(const json_t *doc, FILE *out, int top, int paths);

/* A retention path's root hop ({root, name}) as one label, e.g.
 * "global main.appCtx", "goroutine main.watcher ctx" (a goroutine's number
 * is dropped: it names only one example of the group). */
void cd_path_root_label(const json_t *hop, char *buf, size_t cap);

/* JSON strings safe from any input: invalid UTF-8 and control
 * characters become '?'. */
json_t *cd_jstr(const char *s);
json_t *cd_jstrn(const char *s, size_t n);

/* Small helpers shared by the renderers. */
void cd_human_bytes(int64_t v, int sign, char *buf, size_t cap);
void cd_human_count(int64_t v, int sign, char *buf, size_t cap);

#endif
