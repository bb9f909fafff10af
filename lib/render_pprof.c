/* render_pprof.c — the leak groups as a pprof profile (profile.proto,
 * gzip-compressed), for `go tool pprof` and every viewer that reads it.
 *
 * One stack per leak group, from its first example path: the root at the
 * bottom ("global main.appCtx"), then one frame per hop ("type" followed by
 * the field it holds the next object by, as in the text report), and the
 * leaf: the context kind with the group's verdict
 * ("context.cancelCtx orphan-child"). Sample types: contexts/count,
 * bytes/bytes (the contexts' own bytes) and retained/bytes (what they keep
 * alive); the default is contexts. Each group gives two samples on the
 * same stack: the after values, and the before values negated with the
 * label pprof::base=true — the form of `go tool pprof -diff_base` — so
 * the profile reads as the change (pprof takes its percentages from the
 * before side). Labels: group (number), verdict, holder.
 *
 * Encoded here (varints, string table, no dependencies but zlib); the same
 * document gives the same bytes. Groups without a verdict are left out. */
#include <string.h>
#include <zlib.h>

#include "error.h"
#include "report.h"
#include "strtab.h"
#include "util.h"

#define GET_I(o, k) ((int64_t)json_integer_value(json_object_get((o), (k))))
#define GET_S(o, k) (json_string_value(json_object_get((o), (k))) ? json_string_value(json_object_get((o), (k))) : "")

/* ---- protobuf wire format ---- */

typedef struct pbuf { unsigned char *p; size_t n, cap; } pbuf;

static void pb_byte(pbuf *b, unsigned char c)
{
    CD_GROW(b->p, b->cap, b->n + 1);
    b->p[b->n++] = c;
}

static void pb_bytes(pbuf *b, const void *s, size_t n)
{
    CD_GROW(b->p, b->cap, b->n + n);
    if (n)
        memcpy(b->p + b->n, s, n);
    b->n += n;
}

static void pb_varint(pbuf *b, uint64_t v)
{
    while (v >= 0x80) {
        pb_byte(b, (unsigned char)(v | 0x80));
        v >>= 7;
    }
    pb_byte(b, (unsigned char)v);
}

enum { WT_VARINT = 0, WT_LEN = 2 };

static void pb_key(pbuf *b, unsigned field, unsigned wt)
{
    pb_varint(b, (uint64_t)field << 3 | wt);
}

/* int64 fields are varints of the two's complement (10 bytes if negative). */
static void pb_int(pbuf *b, unsigned field, int64_t v)
{
    if (v == 0)
        return;  /* proto3 default */
    pb_key(b, field, WT_VARINT);
    pb_varint(b, (uint64_t)v);
}

static void pb_len(pbuf *b, unsigned field, const void *s, size_t n)
{
    pb_key(b, field, WT_LEN);
    pb_varint(b, n);
    pb_bytes(b, s, n);
}

/* A nested message: m is appended as field, then emptied for reuse. */
static void pb_msg(pbuf *b, unsigned field, pbuf *m)
{
    pb_len(b, field, m->p, m->n);
    m->n = 0;
}

/* profile.proto field numbers */
enum {
    PROFILE_SAMPLE_TYPE = 1, PROFILE_SAMPLE = 2, PROFILE_MAPPING = 3, PROFILE_LOCATION = 4,
    PROFILE_FUNCTION = 5, PROFILE_STRING_TABLE = 6, PROFILE_TIME_NANOS = 9,
    PROFILE_DURATION_NANOS = 10, PROFILE_PERIOD_TYPE = 11, PROFILE_PERIOD = 12,
    PROFILE_COMMENT = 13, PROFILE_DEFAULT_SAMPLE_TYPE = 14,
    VALUETYPE_TYPE = 1, VALUETYPE_UNIT = 2,
    SAMPLE_LOCATION_ID = 1, SAMPLE_VALUE = 2, SAMPLE_LABEL = 3,
    LABEL_KEY = 1, LABEL_STR = 2, LABEL_NUM = 3,
    MAPPING_ID = 1, MAPPING_FILENAME = 5, MAPPING_HAS_FUNCTIONS = 7,
    LOCATION_ID = 1, LOCATION_MAPPING_ID = 2, LOCATION_LINE = 4,
    LINE_FUNCTION_ID = 1,
    FUNCTION_ID = 1, FUNCTION_NAME = 2,
};

/* ---- the profile ---- */

enum { NVALUES = 3 };  /* contexts, bytes, retained */

typedef struct enc {
    cd_strtab strs;           /* the profile's string table; id 0 is "" */
    uint32_t *func_of_str;    /* string id -> function id (0: none yet) */
    size_t func_cap;
    uint32_t *func_names;     /* function id - 1 -> string id */
    size_t nfunc, func_names_cap;
    pbuf samples;             /* encoded Sample messages, back to back */
    pbuf tmp, tmp2;
} enc;

static uint32_t str_id(enc *e, const char *s)
{
    return cd_strtab_add(&e->strs, s, strlen(s));
}

/* Function (and location: one each, same id) for a frame name. */
static uint32_t frame_id(enc *e, const char *name)
{
    uint32_t s = str_id(e, name);
    if (s >= e->func_cap) {
        size_t old = e->func_cap;
        CD_GROW(e->func_of_str, e->func_cap, (size_t)s + 1);
        memset(e->func_of_str + old, 0, (e->func_cap - old) * sizeof *e->func_of_str);
    }
    if (!e->func_of_str[s]) {
        CD_GROW(e->func_names, e->func_names_cap, e->nfunc + 1);
        e->func_names[e->nfunc++] = s;
        e->func_of_str[s] = (uint32_t)e->nfunc;
    }
    return e->func_of_str[s];
}

static void label_str(enc *e, pbuf *sample, const char *key, const char *val)
{
    pb_int(&e->tmp2, LABEL_KEY, str_id(e, key));
    pb_int(&e->tmp2, LABEL_STR, str_id(e, val));
    pb_msg(sample, SAMPLE_LABEL, &e->tmp2);
}

/* One sample: locs leaf first, values, labels. */
static void add_sample(enc *e, const uint32_t *locs, size_t nlocs, const int64_t *v,
                       const json_t *g, int base)
{
    pbuf *s = &e->tmp;
    pbuf *packed = &e->tmp2;
    for (size_t i = 0; i < nlocs; i++)
        pb_varint(packed, locs[i]);
    pb_msg(s, SAMPLE_LOCATION_ID, packed);
    for (int i = 0; i < NVALUES; i++)
        pb_varint(packed, (uint64_t)v[i]);
    pb_msg(s, SAMPLE_VALUE, packed);
    pb_int(packed, LABEL_KEY, str_id(e, "group"));
    pb_int(packed, LABEL_NUM, GET_I(g, "id"));
    pb_msg(s, SAMPLE_LABEL, packed);
    label_str(e, s, "verdict", GET_S(g, "verdict"));
    label_str(e, s, "holder", GET_S(g, "holder"));
    if (base)
        label_str(e, s, "pprof::base", "true");
    pb_msg(&e->samples, PROFILE_SAMPLE, s);
}

void cd_path_root_label(const json_t *hop, char *buf, size_t cap)
{
    const char *kind = GET_S(hop, "root"), *name = GET_S(hop, "name");
    /* "goroutine 63 main.watcher ctx": the number names one example */
    if (strncmp(name, "goroutine ", 10) == 0) {
        const char *p = name + 10;
        while (*p >= '0' && *p <= '9')
            p++;
        if (p > name + 10 && *p == ' ') {
            snprintf(buf, cap, "%s%sgoroutine %s", kind, *kind ? " " : "", p + 1);
            return;
        }
    }
    snprintf(buf, cap, "%s%s%s", kind, *kind ? " " : "", name);
}

/* The group's stack, leaf first, into locs (capacity cap); returns the count. */
static size_t group_stack(enc *e, const json_t *g, uint32_t **locs, size_t *cap)
{
    const json_t *path = json_array_get(json_object_get(g, "paths"), 0);
    size_t n = json_array_size(path), k = 0;
    char name[4096];
    CD_GROW(*locs, *cap, n + 2);
    snprintf(name, sizeof name, "%s %s", GET_S(g, "kind"), GET_S(g, "verdict"));
    (*locs)[k++] = frame_id(e, name);
    /* hops between the root and the context itself, innermost first */
    for (size_t i = n >= 2 ? n - 2 : 0; i >= 1 && i < n; i--) {
        const json_t *h = json_array_get(path, i);
        snprintf(name, sizeof name, "%s%s", GET_S(h, "type"), GET_S(h, "field"));
        (*locs)[k++] = frame_id(e, name);
    }
    if (n) {
        cd_path_root_label(json_array_get(path, 0), name, sizeof name);
    } else {
        snprintf(name, sizeof name, "%s", GET_S(g, "holder"));  /* no example path */
    }
    (*locs)[k++] = frame_id(e, name);
    return k;
}

static void value_type(enc *e, pbuf *out, unsigned field, const char *type, const char *unit)
{
    pb_int(&e->tmp, VALUETYPE_TYPE, str_id(e, type));
    pb_int(&e->tmp, VALUETYPE_UNIT, str_id(e, unit));
    pb_msg(out, field, &e->tmp);
}

static int gzip_to(FILE *out, const pbuf *raw)
{
    z_stream z;
    memset(&z, 0, sizeof z);
    /* 15 + 16: a gzip wrapper; zlib writes mtime 0, so the bytes are stable */
    if (deflateInit2(&z, 9, Z_DEFLATED, 15 + 16, 8, Z_DEFAULT_STRATEGY) != Z_OK)
        return -1;
    size_t cap = deflateBound(&z, (uLong)raw->n) + 64;
    unsigned char *buf = cd_malloc(cap);
    z.next_in = raw->p;
    z.avail_in = (uInt)raw->n;
    z.next_out = buf;
    z.avail_out = (uInt)cap;
    int zr = deflate(&z, Z_FINISH);
    size_t n = cap - z.avail_out;
    deflateEnd(&z);
    int rc = zr == Z_STREAM_END && fwrite(buf, 1, n, out) == n ? 0 : -1;
    free(buf);
    return rc;
}

int cd_render_pprof(const json_t *doc, FILE *out, cd_error *err)
{
    enc e;
    memset(&e, 0, sizeof e);
    cd_strtab_init(&e.strs);
    pbuf prof = {0};

    value_type(&e, &prof, PROFILE_SAMPLE_TYPE, "contexts", "count");
    value_type(&e, &prof, PROFILE_SAMPLE_TYPE, "bytes", "bytes");
    value_type(&e, &prof, PROFILE_SAMPLE_TYPE, "retained", "bytes");

    uint32_t *locs = NULL;
    size_t locs_cap = 0;
    size_t i;
    const json_t *g;
    json_array_foreach(json_object_get(doc, "leaks"), i, g) {
        if (!json_is_true(json_object_get(g, "leak")))
            continue;
        size_t n = group_stack(&e, g, &locs, &locs_cap);
        const json_t *a = json_object_get(g, "after"), *b = json_object_get(g, "before");
        int64_t va[NVALUES] = {GET_I(a, "count"), GET_I(a, "bytes"), GET_I(a, "retained_bytes")};
        int64_t vb[NVALUES] = {-GET_I(b, "count"), -GET_I(b, "bytes"), -GET_I(b, "retained_bytes")};
        add_sample(&e, locs, n, va, g, 0);
        if (vb[0] || vb[1] || vb[2])
            add_sample(&e, locs, n, vb, g, 1);
    }
    free(locs);
    pb_bytes(&prof, e.samples.p, e.samples.n);

    /* One mapping that says the functions are already known, so that pprof
     * does not look for a binary to symbolize with. */
    pb_int(&e.tmp, MAPPING_ID, 1);
    pb_int(&e.tmp, MAPPING_FILENAME, str_id(&e, "ctxdiff"));
    pb_int(&e.tmp, MAPPING_HAS_FUNCTIONS, 1);
    pb_msg(&prof, PROFILE_MAPPING, &e.tmp);
    for (size_t f = 0; f < e.nfunc; f++) {
        pb_int(&e.tmp, LOCATION_ID, (int64_t)f + 1);
        pb_int(&e.tmp, LOCATION_MAPPING_ID, 1);
        pb_int(&e.tmp2, LINE_FUNCTION_ID, (int64_t)f + 1);
        pb_msg(&e.tmp, LOCATION_LINE, &e.tmp2);
        pb_msg(&prof, PROFILE_LOCATION, &e.tmp);
    }
    for (size_t f = 0; f < e.nfunc; f++) {
        pb_int(&e.tmp, FUNCTION_ID, (int64_t)f + 1);
        pb_int(&e.tmp, FUNCTION_NAME, e.func_names[f]);
        pb_msg(&prof, PROFILE_FUNCTION, &e.tmp);
    }

    const json_t *snaps = json_object_get(doc, "snapshots");
    int64_t t0 = GET_I(json_object_get(snaps, "before"), "last_gc_unix_ns");
    int64_t t1 = GET_I(json_object_get(snaps, "after"), "last_gc_unix_ns");
    pb_int(&prof, PROFILE_TIME_NANOS, t1 > 0 ? t1 : 0);
    pb_int(&prof, PROFILE_DURATION_NANOS, t0 > 0 && t1 > t0 ? t1 - t0 : 0);
    value_type(&e, &prof, PROFILE_PERIOD_TYPE, "contexts", "count");
    pb_int(&prof, PROFILE_PERIOD, 1);
    char c[2048];
    snprintf(c, sizeof c, "ctxdiff %s: leaking contexts by retention path, %s -> %s",
             GET_S(json_object_get(doc, "tool"), "version"),
             GET_S(json_object_get(snaps, "before"), "path"), GET_S(json_object_get(snaps, "after"), "path"));
    pb_int(&prof, PROFILE_COMMENT, str_id(&e, c));
    pb_int(&prof, PROFILE_COMMENT,
           str_id(&e, "samples labelled pprof::base=true are the before snapshot, negated"));
    pb_int(&prof, PROFILE_DEFAULT_SAMPLE_TYPE, str_id(&e, "contexts"));

    /* the string table last: every string is interned by now */
    for (uint32_t s = 0; s < e.strs.n; s++) {
        const char *str = cd_strtab_get(&e.strs, s);
        pb_len(&prof, PROFILE_STRING_TABLE, str, strlen(str));
    }

    int rc = gzip_to(out, &prof);
    free(prof.p);
    free(e.samples.p);
    free(e.tmp.p);
    free(e.tmp2.p);
    free(e.func_of_str);
    free(e.func_names);
    cd_strtab_free(&e.strs);
    if (rc < 0)
        return cd_fail(err, CD_EIO, NULL, -1, "cannot write the profile");
    return 0;
}
