/* pprof.h — Go pprof profiles: read heap and goroutine profiles (and any
 * other profile.proto), compare two snapshots of one process the way
 * `go tool pprof -top -base before after` does, and add a context view
 * (where leaked contexts are created, which goroutines wait on them).
 *
 * Formats read (found from the bytes, never from the file name):
 *   - profile.proto, plain or gzip (several gzip members are inflated into
 *     one buffer, as Go's gzip reader does; a second profile in that buffer
 *     is refused like pprof refuses it: "concatenated profiles detected");
 *   - legacy heap text, `/debug/pprof/heap?debug=1` ("heap profile: ..."):
 *     values are unsampled with scaleHeapSample exactly as pprof does;
 *     function names come from the `#` lines (pprof itself ignores them);
 *   - goroutine text `?debug=1` ("goroutine profile: total N", any
 *     "<name> profile: total N" count profile) and `?debug=2`
 *     (runtime.Stack output: "goroutine 1 [running]:" blocks, with the wait
 *     reason).
 * Spec followed: google/pprof proto/profile.proto and the pprof behaviour
 * written down in /work/shared/reference/pprof.md (go1.19.8's vendored
 * pprof, whose -top rows this library reproduces byte for byte).
 *
 * Typical use (what cli/main.c does):
 *
 *     int f = cd_pprof_sniff(head, n);            // 0: not a pprof format
 *     cd_profile *b, *a;  cd_error err;
 *     cd_pprof_load("before.pb.gz", &b, &err);    // -1 and err on failure
 *     cd_pprof_load("after.pb.gz", &a, &err);
 *     cd_pprof_options o;  cd_pprof_options_init(&o);
 *     o.sample_index = "inuse_objects";            // NULL: pprof's default
 *     cd_pprof_result *r;
 *     cd_pprof_compare(b, a, &o, &r, &err);
 *     cd_pprof_render_text(r, stdout);            // or cd_pprof_to_json(r)
 *     cd_pprof_result_free(r); cd_profile_free(a); cd_profile_free(b);
 *
 * Ownership: objects returned through `**out` belong to the caller and are
 * freed with their _free function (NULL is accepted). A result does not
 * point into the profiles it was computed from; free them in any order.
 * Errors: every failing call returns -1 and fills a cd_error naming the
 * file, the byte offset (in the decompressed bytes for gzip input) and the
 * record/field at fault. Nothing prints, nothing exits.
 *
 * Untrusted input: no length or count read from a file allocates more than
 * the bytes that remain justify; gzip output is capped at
 * CD_PPROF_MAX_BYTES; every index and ID is checked before use; nothing
 * recurses on input depth. Decoding is one linear pass over one buffer,
 * and strings are (pointer, length) views into that buffer, not copies.
 *
 * The lower part of this header ("Internals") is shared by lib/pprof_*.c
 * only; names there have a double underscore (cd_pprof__x) and may change.
 */
#ifndef CD_PPROF_H
#define CD_PPROF_H

#include <stddef.h>   /* size_t */
#include <stdint.h>   /* int64_t, uint64_t, uint32_t */
#include <stdio.h>    /* FILE */

#include <jansson.h>  /* json_t */

#include "error.h"    /* cd_error */
#include "util.h"     /* cd_map64 */

/* Largest input accepted, compressed or not, and largest gzip output. */
#define CD_PPROF_MAX_BYTES ((size_t)1 << 30)

/* ===================================================================== */
/* Formats                                                                */
/* ===================================================================== */

/* What cd_pprof_sniff() found. CD_PPROF_GZIPPED is or'ed into the value
 * when the bytes are gzip; the low byte then tells what the inflated head
 * looks like, or is CD_PPROF_MAYBE when too little could be inflated to
 * tell ("maybe": gzip, content unknown). */
enum cd_pprof_format {
    CD_PPROF_NOT = 0,        /* not a pprof-family format */
    CD_PPROF_PROTO = 1,      /* profile.proto */
    CD_PPROF_HEAP_TEXT = 2,  /* legacy heap profile, debug=1 */
    CD_PPROF_COUNT_TEXT = 3, /* goroutine (or other count) profile, debug=1 */
    CD_PPROF_STACKS_TEXT = 4,/* goroutine profile, debug=2 */
    CD_PPROF_MAYBE = 5,      /* gzip whose start did not inflate far enough */
    CD_PPROF_GZIPPED = 0x100,
};

/* What a loaded profile measures. */
enum cd_pprof_kind {
    CD_PPROF_KIND_OTHER = 0,     /* cpu, mutex, ...: -top works, no context view */
    CD_PPROF_KIND_HEAP = 1,      /* heap/allocs: space/bytes period type, or
                                    the alloc_/inuse_ or objects/space columns */
    CD_PPROF_KIND_GOROUTINE = 2, /* goroutine/count */
};

/* Tell whether head[0..n) starts like a pprof-family input. Returns an
 * enum cd_pprof_format value (0 if not). Text formats are told by their
 * first line; profile.proto by its field keys (every key within head must
 * be a Profile field with the schema's wire type). gzip input is peeked at
 * by inflating what head holds (a few KiB of head is plenty); if that
 * gives too few bytes to tell, the answer is CD_PPROF_MAYBE |
 * CD_PPROF_GZIPPED. A Go heap dump ("go1.7 heap dump"), gzip of anything
 * else, and empty input give 0. Allocates only a zlib stream. */
int cd_pprof_sniff(const unsigned char *head, size_t n);

/* Short name of a format value ("profile.proto", "gzip profile.proto",
 * "heap text (debug=1)", "goroutine text (debug=2)", ...). Static. */
const char *cd_pprof_format_name(int format);

/* ===================================================================== */
/* Profile model (read-only for callers)                                  */
/* ===================================================================== */

/* A string: a view into the profile's buffer or a static literal. Not
 * NUL-terminated. Index 0 of every string table is the empty string. */
typedef struct cd_pstr {
    const char *s;
    uint32_t len;
} cd_pstr;

/* profile.proto ValueType: indexes into the string table. */
typedef struct cd_pvaltype {
    uint32_t type, unit;
} cd_pvaltype;

/* profile.proto Mapping: an executable mapping of the profiled process. */
typedef struct cd_pmapping {
    uint64_t id, start, limit, offset;
    uint32_t file, build_id;          /* string indexes */
    uint8_t has_functions, has_filenames, has_line_numbers, has_inline_frames;
} cd_pmapping;

/* profile.proto Function. From text profiles: one per (name, file). */
typedef struct cd_pfunction {
    uint64_t id;
    uint32_t name, system_name, filename;   /* string indexes */
    int64_t start_line;
} cd_pfunction;

/* One Line of a Location: function index (into cd_profile.function) and
 * source line. */
typedef struct cd_pline {
    uint32_t function;
    int64_t line;
} cd_pline;

/* A Location; its lines are line[line_off .. line_off+nline), innermost
 * (inlined) function first. mapping is an index + 1 (0: none). */
typedef struct cd_plocation {
    uint64_t id, address;
    uint32_t mapping;
    uint32_t line_off, nline;
    uint8_t is_folded;
} cd_plocation;

/* A sample label: a string label when str != 0, else a numeric one. */
typedef struct cd_plabel {
    uint32_t key, str, unit;   /* string indexes; unit = num_unit */
    int64_t num;
} cd_plabel;

/* A sample: locations loc[loc_off .. loc_off+nloc) (indexes into
 * cd_profile.location, leaf first), labels label[label_off ..), values
 * value[i*ntype .. i*ntype+ntype). From goroutine text: wait = the wait
 * reason ("select", "chan receive", ...; string index, 0 unknown),
 * created_by = function index + 1 of the "created by" frame (0 none),
 * minutes = how long it was blocked (debug=2, else 0). */
typedef struct cd_psample {
    uint32_t loc_off, nloc;
    uint32_t label_off, nlabel;
    uint32_t wait, created_by;
    uint32_t minutes;
} cd_psample;

/* A decoded profile. Arrays are indexes into each other (ids are
 * resolved at load time). Text profiles are mapped onto the same model:
 * heap debug=1 gets pprof's sample types (alloc_objects, alloc_space,
 * inuse_objects, inuse_space, or objects/space) and a "bytes" label,
 * one location per frame PC (leading runtime.* frames left out, as Go's
 * proto writer does); goroutine text gets one "goroutine"/"count" column,
 * debug=1 one sample per record (with its "# labels"), debug=2 one sample
 * per goroutine with its wait reason, minutes and "created by" frame. */
typedef struct cd_profile {
    char *path;                 /* as given to load, for messages */
    int format;                 /* enum cd_pprof_format it was read as */
    int kind;                   /* enum cd_pprof_kind */
    unsigned char *data;        /* the (inflated) bytes; strings point here */
    size_t data_len;

    cd_pstr *str;               /* string table */
    uint32_t nstr;

    cd_pvaltype *sample_type;   /* one per value column */
    uint32_t ntype;
    cd_pvaltype period_type;
    int64_t period, time_nanos, duration_nanos;
    uint32_t default_sample_type, drop_frames, keep_frames; /* string idx */
    uint32_t *comment;
    uint32_t ncomment;

    cd_pmapping *mapping;   uint32_t nmapping;
    cd_pfunction *function; uint32_t nfunction;
    cd_plocation *location; uint32_t nlocation;
    cd_pline *line;         uint32_t nline;
    cd_psample *sample;     uint32_t nsample;
    uint32_t *loc;          uint32_t nloc;     /* sample location lists */
    int64_t *value;                            /* nsample * ntype */
    cd_plabel *label;       uint32_t nlabel;
} cd_profile;

/* Read the file at path, find its format from its bytes and decode it.
 * On success *out owns the profile; on failure returns -1 and fills err
 * (the file, the byte offset and the record/field at fault). */
int cd_pprof_load(const char *path, cd_profile **out, cd_error *err);

/* Same from memory (copied; data need not outlive the call). name is used
 * in messages. */
int cd_pprof_load_mem(const unsigned char *data, size_t n, const char *name,
                      cd_profile **out, cd_error *err);

/* Free a profile; NULL is fine. */
void cd_profile_free(cd_profile *p);

/* ===================================================================== */
/* Comparison                                                             */
/* ===================================================================== */

typedef struct cd_pprof_options {
    /* Column to compare: a sample type name ("inuse_objects",
     * "alloc_space", "goroutine"; "inuse_" may be left off), or a number.
     * NULL or "": default_sample_type, else the last column (pprof's rule:
     * inuse_space for heap). */
    const char *sample_index;
    double node_fraction;   /* pprof -nodefraction, default 0.005 */
    double edge_fraction;   /* pprof -edgefraction, default 0.001 */
    int node_count;         /* pprof -nodecount; 0 (default) = all rows */
} cd_pprof_options;

/* Set the defaults above. */
void cd_pprof_options_init(cd_pprof_options *o);

/* One row of `go tool pprof -top`. All strings are formatted exactly as
 * pprof prints them. */
typedef struct cd_pprof_top_row {
    int64_t flat, cum;
    char *name;              /* node name, e.g. "context.WithCancel" */
    const char *inl;         /* "", "(inline)" or "(partial-inline)" */
    char flat_s[40], cum_s[40];              /* "450", "512.04kB", "-16B" */
    char flat_pct[24], sum_pct[24], cum_pct[24];  /* "49.29%", " 0.08%" */
} cd_pprof_top_row;

/* The -top block: header lines from "Showing nodes accounting for ..."
 * down (pprof's own wording), then rows in pprof's order. */
typedef struct cd_pprof_top {
    int sample_index;
    char *sample_type, *sample_unit;  /* "inuse_space", "bytes" */
    char *output_unit;                /* unit the values are printed in */
    int64_t total;            /* pprof's total: sum of |merged sample| */
    int64_t flat_sum;         /* sum of flat over the rows */
    size_t dropped_nodes;     /* nodes under the cutoff */
    int64_t cutoff;           /* |cum| cutoff actually applied */
    size_t merged_samples;    /* samples left after merging after - before */
    char **header;            /* "Showing nodes ...", "Dropped ..." lines */
    size_t nheader;
    cd_pprof_top_row *rows;
    size_t nrows;
} cd_pprof_top;

/* What a context-related heap sample holds (from its leaf frame and its
 * "bytes" label). */
enum cd_pprof_ctx_part {
    CD_CTX_OBJECT = 0,    /* the context struct itself (cancelCtx, timerCtx,
                             valueCtx, ...: size matches a context struct) */
    CD_CTX_CLOSURE,       /* closures made by the constructor (the 16 B
                             cancel func; 1.21+ timer funcs, 32 B) */
    CD_CTX_TIMER,         /* time.AfterFunc timer of WithDeadline/Timeout */
    CD_CTX_DONE,          /* Done() channel made lazily by (*cancelCtx).Done */
    CD_CTX_CHILDREN,      /* parent's children map (propagateCancel) */
    CD_CTX_OTHER,         /* anything else allocated under context code */
    CD_CTX_NPARTS
};

/* before/after pair; growth is after - before. */
typedef struct cd_pprof_pair {
    int64_t before, after;
} cd_pprof_pair;

/* Context allocations of one call site and one context API. */
typedef struct cd_pprof_ctx_group {
    char *site;       /* first caller outside package context
                         ("main.leakIntoGlobalMap"; "?" if none) */
    char *api;        /* outermost context function ("context.WithTimeout") */
    cd_pprof_pair objects[CD_CTX_NPARTS];
    cd_pprof_pair bytes[CD_CTX_NPARTS];
    int64_t object_size;   /* bytes label of the context objects, 0 mixed */
} cd_pprof_ctx_group;

/* How a goroutine group relates to contexts (sort order of the view). */
enum cd_pprof_gr_class {
    CD_GR_WATCHER = 0,   /* propagateCancel watcher goroutine (parent is a
                            custom Context type): waits on a parent Done */
    CD_GR_CTX_WAIT,      /* select/chan receive with context frames on the
                            stack */
    CD_GR_CHAN_WAIT,     /* select/chan receive: possibly <-ctx.Done() */
    CD_GR_OTHER,
};

/* Goroutines with one stack (function names) and wait reason. */
typedef struct cd_pprof_gr_group {
    int cls;               /* enum cd_pprof_gr_class */
    char *wait;            /* "select", "chan receive", ...; "" unknown */
    int wait_inferred;     /* wait read off runtime frames, not the text */
    char *top;             /* first frame outside package runtime
                              ("(no stack)" when there is none) */
    char *origin;          /* "created by" function, else the root frame */
    int origin_created_by; /* origin is the "created by" frame (debug=2) */
    char **stack;          /* function names, leaf first, leading runtime
                              frames removed */
    size_t nstack;
    cd_pprof_pair count;
    uint32_t max_minutes;  /* longest wait seen (debug=2), minutes */
} cd_pprof_gr_group;

/* Everything cd_pprof_compare() found; owns all its strings. */
typedef struct cd_pprof_result {
    int kind;                    /* enum cd_pprof_kind (of after) */
    char *before_path, *after_path;
    int before_format, after_format;
    int64_t before_time, after_time;   /* time_nanos, 0 unknown */
    int64_t period;                    /* after's period (heap: sampling rate) */
    cd_pprof_top top;

    /* Heap context view: which value columns it counts (the inuse_ pair,
     * or alloc_ when the compared column is an alloc_ one). */
    char *ctx_objects_type, *ctx_bytes_type;
    cd_pprof_ctx_group *ctx;     /* sorted: context growth desc, byte growth
                                    desc, site, api */
    size_t nctx;
    cd_pprof_pair ctx_total_objects, ctx_total_bytes;   /* CD_CTX_OBJECT */

    /* Goroutine view. */
    cd_pprof_gr_group *gr;       /* sorted: class, growth desc, top, wait */
    size_t ngr;
    cd_pprof_pair gr_total, gr_ctx;   /* all goroutines; classes < OTHER */
} cd_pprof_result;

/* Compare before and after: the pprof -top rows of after - before for the
 * chosen column, plus the context view (heap or goroutine profiles). The
 * profiles must have the same sample types and period type (as pprof
 * requires); a bad sample_index is a CD_EUSAGE error. */
int cd_pprof_compare(const cd_profile *before, const cd_profile *after,
                     const cd_pprof_options *opt, cd_pprof_result **out,
                     cd_error *err);

/* Free a result; NULL is fine. */
void cd_pprof_result_free(cd_pprof_result *r);

/* Human report: header, context view, goroutine view, then the -top rows
 * in a labelled block identical to `go tool pprof -top` output from its
 * "Showing nodes" line down. Fits 80 columns except long names. Returns 0,
 * or -1 if writing failed. */
int cd_pprof_render_text(const cd_pprof_result *r, FILE *f);

/* Only the pprof -top block (from "Showing nodes" down), byte-identical to
 * go tool pprof's output. Returns 0, or -1 if writing failed. */
int cd_pprof_render_top(const cd_pprof_result *r, FILE *f);

/* The result as JSON (new reference). Keys are inserted in a fixed order
 * and arrays are sorted, so json_dumps(j, JSON_PRESERVE_ORDER|...) output is
 * deterministic. Returns NULL only if out of memory. */
json_t *cd_pprof_to_json(const cd_pprof_result *r);

/* ===================================================================== */
/* Internals shared by lib/pprof_*.c (not for the CLI)                    */
/* ===================================================================== */

/* pprof_gzip.c: inflate all gzip members of in[0..n) into a new buffer
 * (*out, *out_len; caller frees). Refuses output larger than max. */
int cd_pprof__gunzip(const unsigned char *in, size_t n, size_t max,
                     unsigned char **out, size_t *out_len, const char *name,
                     cd_error *err);
/* Inflate at most cap bytes from the start of the gzip bytes in[0..n)
 * (which may be cut anywhere). Returns the byte count, -1 on a gzip
 * error; *complete = 1 when the first member ended within them. */
long cd_pprof__gunzip_peek(const unsigned char *in, size_t n,
                           unsigned char *out, size_t cap, int *complete);

/* pprof_proto.c: decode profile.proto in p->data (already set). */
int cd_pprof__decode_proto(cd_profile *p, cd_error *err);
/* pprof_text.c: the text formats, from p->data. The legacy heap profile
 * ("heap profile: ..."), debug=1. */
int cd_pprof__parse_heap_text(cd_profile *p, cd_error *err);
/* A count profile ("goroutine profile: total N"), debug=1. */
int cd_pprof__parse_count_text(cd_profile *p, cd_error *err);
/* All goroutine stacks ("goroutine N [wait]:" blocks), debug=2. */
int cd_pprof__parse_stacks_text(cd_profile *p, cd_error *err);

/* pprof_intern.c: find-or-insert of variable keys over cd_map64. h is the
 * key's hash; eq(ctx, id) says whether entry id equals the key looked up.
 * Returns the entry's id, or next_id (and *added = 1) if it was new. */
uint32_t cd_pprof__intern(cd_map64 *m, uint64_t h,
                          int (*eq)(const void *ctx, uint32_t id),
                          const void *ctx, uint32_t next_id, int *added);

/* pprof_build.c: building a profile from text, with interning. The
 * builder appends to p's arrays (caps kept here) and finds strings,
 * functions and locations met before. */
typedef struct cd_pprof__builder {
    cd_profile *p;
    size_t cap_str, cap_func, cap_loc, cap_line, cap_sample, cap_locs,
           cap_value, cap_label;
    cd_map64 strs, funcs, locs;
} cd_pprof__builder;
/* Start building into p (adds string_table[0] = ""). */
void cd_pprof__builder_init(cd_pprof__builder *b, cd_profile *p);
/* Free the builder's maps (p keeps everything built). */
void cd_pprof__builder_done(cd_pprof__builder *b);
/* String index of s[0..n) (a view: s must live as long as p). */
uint32_t cd_pprof__b_str(cd_pprof__builder *b, const char *s, size_t n);
/* Function index for (name, file) string indexes. */
uint32_t cd_pprof__b_func(cd_pprof__builder *b, uint32_t name, uint32_t file);
/* A location found by key (e.g. a PC, or a hash of function+line; 0 is
 * allowed) holding one line (function index, or UINT32_MAX for none). */
uint32_t cd_pprof__b_loc(cd_pprof__builder *b, uint64_t key, uint64_t addr,
                         uint32_t func, int64_t line);
/* Append a sample with the given values (ntype of them); its locations are
 * added with cd_pprof__b_push_loc, labels with cd_pprof__b_push_label. */
cd_psample *cd_pprof__b_sample(cd_pprof__builder *b, const int64_t *values);
/* Append location loc to the last sample's stack (leaf first). */
void cd_pprof__b_push_loc(cd_pprof__builder *b, uint32_t loc);
/* Append a label to the last sample. */
void cd_pprof__b_push_label(cd_pprof__builder *b, const cd_plabel *l);
/* Set the kind from the sample/period types (after decoding). */
void cd_pprof__set_kind(cd_profile *p);

/* String helpers: a equals the C string lit; a equals b; a starts with
 * lit; a NUL-terminated copy of a (cd_malloc'd). */
int cd_pprof__streq(cd_pstr a, const char *lit);
int cd_pprof__pstreq(cd_pstr a, cd_pstr b);
int cd_pprof__has_prefix(cd_pstr a, const char *lit);
char *cd_pprof__strdup(cd_pstr a);

/* pprof_units.c: pprof's internal/measurement. */
/* ScaledLabel(v, from, to): "%.2f" of the scaled value without ".00", plus
 * the unit; to may be "minimum"/"auto". */
void cd_pprof__scaled_label(int64_t v, const char *from, const char *to,
                            char *buf, size_t cap);
/* The unit Scale(v, from, "minimum") picks ("" if uninteresting). */
const char *cd_pprof__min_unit(int64_t v, const char *from);
/* Percentage(v, total): "  100%", "%5.2f%%" or "%5.2g%%". */
void cd_pprof__percentage(int64_t v, int64_t total, char *buf, size_t cap);
/* Go's int64(float64(v) * f) on amd64 (out of range: INT64_MIN). */
int64_t cd_pprof__mul_trunc(int64_t v, double f);
/* Go's int64(math.Round(float64(v) * -1)), pprof's Scale(-1). */
int64_t cd_pprof__neg_round(int64_t v);
/* Wrapping int64 addition, as Go's. */
static inline int64_t cd_pprof__add(int64_t a, int64_t b)
{
    return (int64_t)((uint64_t)a + (uint64_t)b);
}
/* Go's abs64 (abs64(INT64_MIN) == INT64_MIN). */
static inline int64_t cd_pprof__abs(int64_t v)
{
    return v < 0 ? (int64_t)(0 - (uint64_t)v) : v;
}

/* pprof_top.c: fill *top with the -top block of after - before for value
 * column idx (profiles checked compatible first). */
int cd_pprof__top(const cd_profile *before, const cd_profile *after, int idx,
                  const cd_pprof_options *o, cd_pprof_top *top,
                  cd_error *err);
/* Free what *t owns and zero it. */
void cd_pprof__top_free(cd_pprof_top *t);

/* pprof_context.c: fill the heap or goroutine view of r (r->top must be
 * filled: its sample type picks the inuse_ or alloc_ columns). */
int cd_pprof__context_view(const cd_profile *before, const cd_profile *after,
                           int idx, cd_pprof_result *r, cd_error *err);
/* Free the views' parts of r. */
void cd_pprof__context_free(cd_pprof_result *r);

#endif
