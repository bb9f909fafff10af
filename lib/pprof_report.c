/* pprof_report.c — rendering a cd_pprof_result: the pprof -top block
 * (byte-identical to go tool pprof from "Showing nodes" down), a human
 * report that fits 80 columns, and JSON with a fixed key order. */
#include <inttypes.h> /* PRId64 */
#include <stdio.h>    /* fprintf */
#include <stdlib.h>   /* free */
#include <string.h>   /* strlen, memcpy */
#include <time.h>     /* gmtime_r, strftime */

#include "pprof.h"

int cd_pprof_render_top(const cd_pprof_result *r, FILE *f)
{
    const cd_pprof_top *t = &r->top;
    for (size_t i = 0; i < t->nheader; i++)
        fprintf(f, "%s\n", t->header[i]);
    fprintf(f, "%10s %5s%% %5s%% %10s %5s%%\n", "flat", "flat", "sum", "cum",
            "cum");
    for (size_t i = 0; i < t->nrows; i++) {
        const cd_pprof_top_row *w = &t->rows[i];
        fprintf(f, "%10s %s %s %10s %s  %s%s%s\n", w->flat_s, w->flat_pct,
                w->sum_pct, w->cum_s, w->cum_pct, w->name, w->inl[0] ? " " : "",
                w->inl);
    }
    return ferror(f) ? -1 : 0;
}

/* ---- text report ---- */

static void fmt_time(int64_t ns, char *buf, size_t cap)
{
    if (ns == 0) {
        snprintf(buf, cap, "time unknown");
        return;
    }
    time_t s = (time_t)(ns / 1000000000);
    struct tm tm;
    if (!gmtime_r(&s, &tm) || !strftime(buf, cap, "%Y-%m-%d %H:%M:%S UTC", &tm))
        snprintf(buf, cap, "time %" PRId64, ns);
}

/* Signed byte count in pprof's auto units ("+18.75kB", "-16B", "0"). */
static void fmt_bytes(int64_t v, int sign, char *buf, size_t cap)
{
    char tmp[40];
    cd_pprof__scaled_label(v, "bytes", "auto", tmp, sizeof tmp);
    snprintf(buf, cap, "%s%s", sign && v > 0 ? "+" : "", tmp);
}

static void fmt_count(int64_t v, int sign, char *buf, size_t cap)
{
    snprintf(buf, cap, sign && v > 0 ? "+%" PRId64 : "%" PRId64, v);
}

static const char *part_label(int part)
{
    static const char *names[CD_CTX_NPARTS] = {
        "contexts", "closures", "deadline timers", "Done channels",
        "children maps", "other" };
    return names[part];
}

static const char *part_key(int part)
{
    static const char *names[CD_CTX_NPARTS] = {
        "context", "closure", "timer", "done_chan", "children_map", "other" };
    return names[part];
}

static const char *cls_key(int c)
{
    static const char *names[] = { "watcher", "context_wait", "chan_wait",
                                   "other" };
    return names[c];
}

static const char *cls_label(const cd_pprof_gr_group *g)
{
    static const char *names[] = {
        "context watcher (propagateCancel)",
        "waits, context frames on stack",
        "may wait on <-ctx.Done()", "" };
    return names[g->cls];
}

static const char *kind_name(int k)
{
    return k == CD_PPROF_KIND_HEAP ? "heap"
         : k == CD_PPROF_KIND_GOROUTINE ? "goroutine" : "other";
}

/* Cut s to at most w columns (bytes), marking the cut with "...". */
static void put_cut(FILE *f, const char *s, size_t w)
{
    size_t n = strlen(s);
    if (n <= w)
        fputs(s, f);
    else
        fprintf(f, "...%s", s + n - (w - 3));
}

static void text_heap(const cd_pprof_result *r, FILE *f)
{
    fprintf(f, "\nCONTEXTS CREATED, by call site (%s, %s)\n",
            r->ctx_objects_type ? r->ctx_objects_type : "?",
            r->ctx_bytes_type ? r->ctx_bytes_type : "?");
    if (r->nctx == 0) {
        fprintf(f, "  no allocations under package context in either profile\n");
        return;
    }
    fprintf(f, "%-38s %8s %8s %8s %12s\n", "site / what", "before", "after",
            "growth", "bytes growth");
    for (size_t i = 0; i < r->nctx; i++) {
        const cd_pprof_ctx_group *g = &r->ctx[i];
        size_t sl = strlen(g->site);
        if (sl + 2 + strlen(g->api) <= 78) {
            fprintf(f, "%s  %s\n", g->site, g->api);
        } else {
            put_cut(f, g->site, 78);
            fprintf(f, "\n  %s\n", g->api);
        }
        for (int p = 0; p < CD_CTX_NPARTS; p++) {
            const cd_pprof_pair *o = &g->objects[p], *b = &g->bytes[p];
            if (!o->before && !o->after && !b->before && !b->after)
                continue;
            char label[64], cb[24], ca[24], cg[24], bg[48];
            if (p == CD_CTX_OBJECT && g->object_size > 0)
                snprintf(label, sizeof label, "  %s (%" PRId64 " B)",
                         part_label(p), g->object_size);
            else
                snprintf(label, sizeof label, "  %s", part_label(p));
            fmt_count(o->before, 0, cb, sizeof cb);
            fmt_count(o->after, 0, ca, sizeof ca);
            fmt_count(o->after - o->before, 1, cg, sizeof cg);
            fmt_bytes(b->after - b->before, 1, bg, sizeof bg);
            fprintf(f, "%-38s %8s %8s %8s %12s\n", label, cb, ca, cg, bg);
        }
    }
    char cb[24], ca[24], cg[24], bg[48];
    fmt_count(r->ctx_total_objects.before, 0, cb, sizeof cb);
    fmt_count(r->ctx_total_objects.after, 0, ca, sizeof ca);
    fmt_count(r->ctx_total_objects.after - r->ctx_total_objects.before, 1, cg,
              sizeof cg);
    fmt_bytes(r->ctx_total_bytes.after - r->ctx_total_bytes.before, 1, bg,
              sizeof bg);
    fprintf(f, "%-38s %8s %8s %8s %12s\n", "all contexts", cb, ca, cg, bg);
}

static void text_goroutines(const cd_pprof_result *r, FILE *f)
{
    fprintf(f, "\nGOROUTINES, by stack and wait reason (context waits first)\n");
    if (r->ngr == 0) {
        fprintf(f, "  none\n");
        return;
    }
    fprintf(f, "%8s %8s %8s  %-18s %s\n", "growth", "before", "after", "wait",
            "kind");
    size_t shown = 0, hidden = 0;
    int inferred = 0, unknown = 0;
    for (size_t i = 0; i < r->ngr; i++) {
        const cd_pprof_gr_group *g = &r->gr[i];
        int64_t d = g->count.after - g->count.before;
        if ((d == 0 && g->cls == CD_GR_OTHER) || shown >= 40) {
            hidden++;
            continue;
        }
        shown++;
        char cg[24], cb[24], ca[24], wait[64];
        fmt_count(d, 1, cg, sizeof cg);
        fmt_count(g->count.before, 0, cb, sizeof cb);
        fmt_count(g->count.after, 0, ca, sizeof ca);
        snprintf(wait, sizeof wait, "%s%s", g->wait[0] ? g->wait : "?",
                 g->wait_inferred ? "*" : "");
        if (g->max_minutes)
            snprintf(wait + strlen(wait), sizeof wait - strlen(wait), ", %um",
                     g->max_minutes);
        fprintf(f, "%8s %8s %8s  %-18s %s\n", cg, cb, ca, wait,
                cls_label(g));
        inferred |= g->wait_inferred;
        fprintf(f, "%8s ", "");
        put_cut(f, g->top, 70);
        fprintf(f, "\n");
        if (strcmp(g->origin, g->top)) {
            fprintf(f, "%8s   %s ", "", g->origin_created_by ? "created by"
                                                              : "root");
            put_cut(f, g->origin, g->origin_created_by ? 57 : 63);
            fprintf(f, "\n");
        }
        unknown |= !g->wait[0];
    }
    if (hidden)
        fprintf(f, "  ... %zu more groups (unchanged or beyond the first 40)\n",
                hidden);
    char cb[24], ca[24], cg[24];
    fmt_count(r->gr_ctx.after - r->gr_ctx.before, 1, cg, sizeof cg);
    fmt_count(r->gr_ctx.before, 0, cb, sizeof cb);
    fmt_count(r->gr_ctx.after, 0, ca, sizeof ca);
    fprintf(f, "%8s %8s %8s  context-related waits (classes above \"other\")\n",
            cg, cb, ca);
    fmt_count(r->gr_total.after - r->gr_total.before, 1, cg, sizeof cg);
    fmt_count(r->gr_total.before, 0, cb, sizeof cb);
    fmt_count(r->gr_total.after, 0, ca, sizeof ca);
    fprintf(f, "%8s %8s %8s  all goroutines\n", cg, cb, ca);
    if (inferred)
        fprintf(f, "  (* wait reason inferred from runtime frames)\n");
    if (unknown && (r->after_format & 0xff) == CD_PPROF_COUNT_TEXT)
        fprintf(f, "  (? debug=1 text hides the runtime frames: no wait reasons; "
                "use debug=2)\n");
    else if (unknown)
        fprintf(f, "  (? not blocked in a known wait: running, syscall, ...)\n");
}

int cd_pprof_render_text(const cd_pprof_result *r, FILE *f)
{
    char tb[64], ta[64];
    fmt_time(r->before_time, tb, sizeof tb);
    fmt_time(r->after_time, ta, sizeof ta);
    fprintf(f, "ctxdiff: two %s profiles compared (%s)\n", kind_name(r->kind),
            r->top.sample_type);
    fprintf(f, "before  %s\n        %s, %s\n", r->before_path,
            cd_pprof_format_name(r->before_format), tb);
    fprintf(f, "after   %s\n        %s, %s", r->after_path,
            cd_pprof_format_name(r->after_format), ta);
    if (r->before_time && r->after_time)
        fprintf(f, " (%+.0fs)", (double)(r->after_time - r->before_time) / 1e9);
    fprintf(f, "\n");
    if (r->kind == CD_PPROF_KIND_HEAP) {
        if (r->period == 1)
            fprintf(f, "sampling: every allocation (MemProfileRate=1): exact counts\n");
        else if (r->period > 1)
            fprintf(f, "sampling: one per %" PRId64 " bytes on average: counts "
                    "are estimates\n", r->period);
        text_heap(r, f);
    } else if (r->kind == CD_PPROF_KIND_GOROUTINE) {
        text_goroutines(r, f);
    }
    fprintf(f, "\nGROWTH BY FUNCTION, after - before: same rows as\n"
            "  go tool pprof -top -sample_index=%s -base BEFORE AFTER\n",
            r->top.sample_type);
    fprintf(f, "--------------------------------------------------------------"
            "----------------\n");
    cd_pprof_render_top(r, f);
    fprintf(f, "--------------------------------------------------------------"
            "----------------\n");
    return ferror(f) ? -1 : 0;
}

/* ---- JSON ---- */

/* A JSON string; bytes that are not valid UTF-8 (possible in names read
 * from a damaged profile) become U+FFFD, since jansson refuses them. */
static json_t *jstr(const char *s)
{
    json_t *j = json_string(s);
    if (j)
        return j;
    size_t n = strlen(s);
    char *out = cd_malloc(n * 3 + 1);
    size_t o = 0;
    const unsigned char *p = (const unsigned char *)s;
    for (size_t i = 0; i < n;) {
        size_t k = cd_utf8_seq(p + i, n - i);
        int ok = k > 0;
        if (ok) {
            memcpy(out + o, p + i, k);
            o += k;
            i += k;
        } else {
            memcpy(out + o, "\xef\xbf\xbd", 3);
            o += 3;
            i++;
        }
    }
    out[o] = 0;
    j = json_string(out);
    free(out);
    return j ? j : json_string("?");
}

static json_t *pair_json(cd_pprof_pair p)
{
    json_t *o = json_object();
    json_object_set_new(o, "before", json_integer(p.before));
    json_object_set_new(o, "after", json_integer(p.after));
    json_object_set_new(o, "growth", json_integer(p.after - p.before));
    return o;
}

static const char *trim_sp(const char *s)
{
    while (*s == ' ')
        s++;
    return s;
}

static json_t *top_json(const cd_pprof_top *t)
{
    json_t *o = json_object();
    json_object_set_new(o, "sample_index", json_integer(t->sample_index));
    json_object_set_new(o, "sample_type", jstr(t->sample_type));
    json_object_set_new(o, "sample_unit", jstr(t->sample_unit));
    json_object_set_new(o, "output_unit", jstr(t->output_unit));
    json_object_set_new(o, "total", json_integer(t->total));
    json_object_set_new(o, "flat_sum", json_integer(t->flat_sum));
    json_object_set_new(o, "dropped_nodes", json_integer((json_int_t)t->dropped_nodes));
    json_object_set_new(o, "cutoff", json_integer(t->cutoff));
    json_t *h = json_array();
    for (size_t i = 0; i < t->nheader; i++)
        json_array_append_new(h, jstr(t->header[i]));
    json_object_set_new(o, "header", h);
    json_t *rows = json_array();
    for (size_t i = 0; i < t->nrows; i++) {
        const cd_pprof_top_row *w = &t->rows[i];
        json_t *x = json_object();
        json_object_set_new(x, "name", jstr(w->name));
        json_object_set_new(x, "flat", json_integer(w->flat));
        json_object_set_new(x, "flat_pct", jstr(trim_sp(w->flat_pct)));
        json_object_set_new(x, "sum_pct", jstr(trim_sp(w->sum_pct)));
        json_object_set_new(x, "cum", json_integer(w->cum));
        json_object_set_new(x, "cum_pct", jstr(trim_sp(w->cum_pct)));
        json_object_set_new(x, "flat_text", jstr(w->flat_s));
        json_object_set_new(x, "cum_text", jstr(w->cum_s));
        json_object_set_new(x, "inline", jstr(w->inl));
        json_array_append_new(rows, x);
    }
    json_object_set_new(o, "rows", rows);
    return o;
}

static json_t *side_json(const char *path, int format, int64_t t)
{
    json_t *o = json_object();
    json_object_set_new(o, "path", jstr(path));
    json_object_set_new(o, "format", jstr(cd_pprof_format_name(format)));
    json_object_set_new(o, "time_nanos", json_integer(t));
    return o;
}

json_t *cd_pprof_to_json(const cd_pprof_result *r)
{
    json_t *o = json_object();
    if (!o)
        return NULL;
    json_object_set_new(o, "kind", jstr(kind_name(r->kind)));
    json_object_set_new(o, "before", side_json(r->before_path, r->before_format,
                                               r->before_time));
    json_object_set_new(o, "after", side_json(r->after_path, r->after_format,
                                              r->after_time));
    json_object_set_new(o, "period", json_integer(r->period));
    json_object_set_new(o, "top", top_json(&r->top));
    if (r->kind == CD_PPROF_KIND_HEAP) {
        json_t *c = json_object();
        json_object_set_new(c, "objects_type", r->ctx_objects_type
                            ? jstr(r->ctx_objects_type) : json_null());
        json_object_set_new(c, "bytes_type", r->ctx_bytes_type
                            ? jstr(r->ctx_bytes_type) : json_null());
        json_t *tot = json_object();
        json_object_set_new(tot, "objects", pair_json(r->ctx_total_objects));
        json_object_set_new(tot, "bytes", pair_json(r->ctx_total_bytes));
        json_object_set_new(c, "contexts", tot);
        json_t *gs = json_array();
        for (size_t i = 0; i < r->nctx; i++) {
            const cd_pprof_ctx_group *g = &r->ctx[i];
            json_t *x = json_object();
            json_object_set_new(x, "site", jstr(g->site));
            json_object_set_new(x, "api", jstr(g->api));
            json_object_set_new(x, "object_size", json_integer(g->object_size));
            json_t *parts = json_object();
            for (int p = 0; p < CD_CTX_NPARTS; p++) {
                json_t *y = json_object();
                json_object_set_new(y, "objects", pair_json(g->objects[p]));
                json_object_set_new(y, "bytes", pair_json(g->bytes[p]));
                json_object_set_new(parts, part_key(p), y);
            }
            json_object_set_new(x, "parts", parts);
            json_array_append_new(gs, x);
        }
        json_object_set_new(c, "groups", gs);
        json_object_set_new(o, "context_view", c);
    } else if (r->kind == CD_PPROF_KIND_GOROUTINE) {
        json_t *c = json_object();
        json_object_set_new(c, "goroutines", pair_json(r->gr_total));
        json_object_set_new(c, "context_related", pair_json(r->gr_ctx));
        json_t *gs = json_array();
        for (size_t i = 0; i < r->ngr; i++) {
            const cd_pprof_gr_group *g = &r->gr[i];
            json_t *x = json_object();
            json_object_set_new(x, "class", jstr(cls_key(g->cls)));
            json_object_set_new(x, "wait", jstr(g->wait));
            json_object_set_new(x, "wait_inferred", json_boolean(g->wait_inferred));
            json_object_set_new(x, "top", jstr(g->top));
            json_object_set_new(x, "origin", jstr(g->origin));
            json_object_set_new(x, "origin_kind", jstr(g->origin_created_by
                                                       ? "created_by" : "root"));
            json_object_set_new(x, "count", pair_json(g->count));
            json_object_set_new(x, "max_minutes", json_integer(g->max_minutes));
            json_t *st = json_array();
            for (size_t j = 0; j < g->nstack; j++)
                json_array_append_new(st, jstr(g->stack[j]));
            json_object_set_new(x, "stack", st);
            json_array_append_new(gs, x);
        }
        json_object_set_new(c, "groups", gs);
        json_object_set_new(o, "goroutine_view", c);
    }
    return o;
}
