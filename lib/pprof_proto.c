/* pprof_proto.c — decoder for profile.proto (perftools.profiles.Profile),
 * as specified by google/pprof proto/profile.proto and decoded by pprof's
 * profile/encode.go + proto.go (go1.19 vendored copy).
 *
 * Three linear passes over the one buffer p->data:
 *   A. top level only: check framing and wire types, count each repeated
 *      field (so arrays are sized by what is really there), read scalars;
 *   B. string table (views into the buffer) and the ids of mappings,
 *      functions and locations, so that references can be checked at once
 *      whatever order the writer used (Go interleaves locations with
 *      samples and writes the string table last);
 *   C. everything else, checking every string index and id reference where
 *      it is read, so an error names the exact byte offset.
 * Rules kept from pprof: unknown fields are skipped by wire type; a known
 * field with the wrong wire type, wire types 3/4/6/7, a varint longer than
 * 10 bytes, or a length past the end of the enclosing message are errors;
 * repeated scalars may be packed or not and append; scalars: last wins; a
 * second nonzero time_nanos means concatenated profiles; a mapping_id that
 * names no mapping is dropped (pprof ignores it too). */
#include <stdarg.h>   /* va_list */
#include <stdio.h>    /* vsnprintf */
#include <stdlib.h>   /* free */
#include <string.h>   /* memset */

#include "pprof.h"

enum { WT_VARINT = 0, WT_FIXED64 = 1, WT_LEN = 2, WT_FIXED32 = 5 };

typedef struct fld {
    uint64_t num;                 /* field number */
    unsigned wt;                  /* wire type */
    uint64_t u;                   /* value of varint/fixed fields */
    const unsigned char *d;       /* payload of WT_LEN */
    size_t n;
    const unsigned char *at;      /* first byte of the key */
} fld;

/* An id table: small ids in a dense array (as pprof does), others in a map.
 * Values are index + 1. */
typedef struct idtab {
    uint32_t *dense;
    uint32_t ndense;              /* ids 1..ndense-1 go in dense */
    cd_map64 map;
} idtab;

typedef struct dec {
    cd_profile *p;
    const unsigned char *base;
    cd_error *err;
    const char *name;
    idtab maps, funcs, locs;
    size_t cap_line, cap_loc, cap_label, cap_value, cap_comment;
    const unsigned char *period_type;  /* last period_type payload */
    size_t period_type_n;
    const unsigned char *period_type_at;
    int64_t drop_x, keep_x, default_x;
    const unsigned char *drop_at, *keep_at, *default_at;
    /* The record being decoded, formatted into what[] only on failure
     * (formatting it for every record would cost more than decoding). */
    const char *rk, *sk;
    uint32_t ri, si;
    char what[96];
} dec;

static void set_rec(dec *c, const char *rk, uint32_t ri)
{
    c->rk = rk;
    c->ri = ri;
    c->sk = NULL;
}

static void set_sub(dec *c, const char *sk, uint32_t si)
{
    c->sk = sk;
    c->si = si;
}

static int fail(dec *c, const unsigned char *at, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
static int fail(dec *c, const unsigned char *at, const char *fmt, ...)
{
    char msg[768];
    if (c->rk && c->sk)
        snprintf(c->what, sizeof c->what, "%s #%u %s %u", c->rk, c->ri, c->sk,
                 c->si);
    else if (c->rk)
        snprintf(c->what, sizeof c->what, "%s #%u", c->rk, c->ri);
    else
        snprintf(c->what, sizeof c->what, "Profile");
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    return cd_fail(c->err, CD_EFORMAT, c->name,
                   at ? (int64_t)(at - c->base) : -1, "profile.proto: %s", msg);
}

/* 0 ok; 1 truncated; 2 longer than 10 bytes. */
static inline int rd_varint(const unsigned char **pp, const unsigned char *end,
                            uint64_t *v)
{
    const unsigned char *p = *pp;
    if (p < end && *p < 0x80) {   /* one byte: the common case */
        *v = *p;
        *pp = p + 1;
        return 0;
    }
    uint64_t u = 0;
    for (int i = 0;; i++) {
        if (i >= 10)
            return 2;
        if (p + i >= end)
            return 1;
        u |= (uint64_t)(p[i] & 0x7f) << (7 * i);
        if (!(p[i] & 0x80)) {
            *pp = p + i + 1;
            *v = u;
            return 0;
        }
    }
}

static const char *varint_err(int rc)
{
    return rc == 1 ? "truncated varint" : "varint longer than 10 bytes";
}

/* Read the next field of the message in [*pp, end). what names the message
 * for errors ("sample #3"). Returns 1 (got one), 0 (end), -1 (error). */
static int next_field(dec *c, const unsigned char **pp,
                      const unsigned char *end, fld *f, const char *what)
{
    const unsigned char *p = *pp;
    if (p >= end)
        return 0;
    f->at = p;
    uint64_t key;
    int rc = rd_varint(&p, end, &key);
    if (rc)
        return fail(c, f->at, "%s: field key: %s", what, varint_err(rc));
    f->num = key >> 3;
    f->wt = (unsigned)(key & 7);
    f->d = NULL;
    f->n = 0;
    f->u = 0;
    switch (f->wt) {
    case WT_VARINT:
        rc = rd_varint(&p, end, &f->u);
        if (rc)
            return fail(c, f->at, "%s: field %llu: %s", what,
                        (unsigned long long)f->num, varint_err(rc));
        break;
    case WT_FIXED64:
        if (end - p < 8)
            return fail(c, f->at, "%s: field %llu: fixed64 past the end",
                        what, (unsigned long long)f->num);
        for (int i = 7; i >= 0; i--)
            f->u = f->u << 8 | p[i];
        p += 8;
        break;
    case WT_FIXED32:
        if (end - p < 4)
            return fail(c, f->at, "%s: field %llu: fixed32 past the end",
                        what, (unsigned long long)f->num);
        f->u = (uint64_t)p[0] | (uint64_t)p[1] << 8 | (uint64_t)p[2] << 16 |
               (uint64_t)p[3] << 24;
        p += 4;
        break;
    case WT_LEN: {
        uint64_t n;
        rc = rd_varint(&p, end, &n);
        if (rc)
            return fail(c, f->at, "%s: field %llu: length: %s", what,
                        (unsigned long long)f->num, varint_err(rc));
        if (n > (uint64_t)(end - p))
            return fail(c, f->at,
                        "%s: field %llu: length %llu runs past the end "
                        "(%zu bytes left)", what, (unsigned long long)f->num,
                        (unsigned long long)n, (size_t)(end - p));
        f->d = p;
        f->n = (size_t)n;
        p += n;
        break;
    }
    default:
        return fail(c, f->at, "%s: field %llu: unknown wire type %u", what,
                    (unsigned long long)f->num, f->wt);
    }
    *pp = p;
    return 1;
}

static const char *wt_name(unsigned wt)
{
    switch (wt) {
    case WT_VARINT: return "varint";
    case WT_FIXED64: return "fixed64";
    case WT_LEN: return "length-delimited";
    default: return "fixed32";
    }
}

/* pprof's checkType: a known field must have the wire type of the schema
 * (repeated scalars: varint or packed). */
static int want_wt(dec *c, const fld *f, unsigned wt, int packed_ok,
                   const char *what, const char *field)
{
    if (f->wt == wt || (packed_ok && f->wt == WT_LEN))
        return 0;
    return fail(c, f->at, "%s: %s (field %llu) has wire type %s, expected %s",
                what, field, (unsigned long long)f->num, wt_name(f->wt),
                wt_name(wt));
}

/* Check a string index (an int64 field) and return it as uint32. */
static int str_idx(dec *c, const fld *f, int64_t x, const char *what,
                   const char *field, uint32_t *out)
{
    if (x < 0 || (uint64_t)x >= c->p->nstr)
        return fail(c, f ? f->at : NULL,
                    "%s: %s: string index %lld out of range (string table "
                    "has %u entries)", what, field, (long long)x, c->p->nstr);
    *out = (uint32_t)x;
    return 0;
}

/* ---- id tables ---- */

static void idtab_init(idtab *t, uint32_t count)
{
    t->ndense = count + 1;
    t->dense = cd_calloc(t->ndense, sizeof *t->dense);
}

static void idtab_free(idtab *t)
{
    free(t->dense);
    cd_map64_free(&t->map);
}

/* Returns index + 1, 0 if absent. */
static uint32_t idtab_get(const idtab *t, uint64_t id)
{
    if (id < t->ndense)
        return t->dense[id];
    uint32_t v;
    return cd_map64_get(&t->map, id, &v) ? v : 0;
}

static void idtab_put(idtab *t, uint64_t id, uint32_t idx1)
{
    if (id < t->ndense)
        t->dense[id] = idx1;
    else
        cd_map64_put(&t->map, id, idx1);
}

/* ---- pass A: top level ---- */

static int pass_a(dec *c)
{
    cd_profile *p = c->p;
    const unsigned char *q = c->base, *end = c->base + p->data_len;
    fld f;
    int rc;
    uint32_t nst = 0, ns = 0, nm = 0, nl = 0, nf = 0, nstr = 0;
    size_t sample_bytes = 0, loc_bytes = 0;
    while ((rc = next_field(c, &q, end, &f, "Profile")) == 1) {
        switch (f.num) {
        case 1: case 2: case 3: case 4: case 5: case 6: case 11: {
            static const char *names[] = { "", "sample_type", "sample",
                "mapping", "location", "function", "string_table", "", "",
                "", "", "period_type" };
            if (want_wt(c, &f, WT_LEN, 0, "Profile", names[f.num]))
                return -1;
            uint32_t *cnt = f.num == 1 ? &nst : f.num == 2 ? &ns :
                            f.num == 3 ? &nm : f.num == 4 ? &nl :
                            f.num == 5 ? &nf : f.num == 6 ? &nstr : NULL;
            if (cnt && *cnt == UINT32_MAX)
                return fail(c, f.at, "Profile: too many entries");
            if (cnt)
                (*cnt)++;
            if (f.num == 2)
                sample_bytes += f.n;
            if (f.num == 4)
                loc_bytes += f.n;
            if (f.num == 11) {
                c->period_type = f.d;
                c->period_type_n = f.n;
                c->period_type_at = f.at;
            }
            break;
        }
        case 7: case 8: case 9: case 10: case 12: case 14: {
            static const char *names[] = { "", "", "", "", "", "", "",
                "drop_frames", "keep_frames", "time_nanos", "duration_nanos",
                "", "period", "", "default_sample_type" };
            if (want_wt(c, &f, WT_VARINT, 0, "Profile", names[f.num]))
                return -1;
            int64_t v = (int64_t)f.u;
            if (f.num == 7) { c->drop_x = v; c->drop_at = f.at; }
            if (f.num == 8) { c->keep_x = v; c->keep_at = f.at; }
            if (f.num == 9) {
                if (p->time_nanos != 0)
                    return fail(c, f.at, "concatenated profiles detected "
                                "(a second time_nanos; pprof refuses this "
                                "input too)");
                p->time_nanos = v;
            }
            if (f.num == 10) p->duration_nanos = v;
            if (f.num == 12) p->period = v;
            if (f.num == 14) { c->default_x = v; c->default_at = f.at; }
            break;
        }
        case 13:
            if (want_wt(c, &f, WT_VARINT, 1, "Profile", "comment"))
                return -1;
            break;
        default:
            break;
        }
    }
    if (rc < 0)
        return -1;
    p->ntype = nst;
    p->nsample = ns;
    p->nmapping = nm;
    p->nlocation = nl;
    p->nfunction = nf;
    p->nstr = nstr;
    p->sample_type = cd_calloc(nst, sizeof *p->sample_type);
    p->sample = cd_calloc(ns, sizeof *p->sample);
    p->mapping = cd_calloc(nm, sizeof *p->mapping);
    p->location = cd_calloc(nl, sizeof *p->location);
    p->function = cd_calloc(nf, sizeof *p->function);
    p->str = cd_calloc(nstr, sizeof *p->str);
    /* Upper bounds from the payload sizes (every element takes at least
     * one byte, a label or line two), so decoding never reallocates; pages
     * never written are never touched. */
    c->cap_loc = sample_bytes + 1;
    c->cap_value = (size_t)ns * nst < sample_bytes ? (size_t)ns * nst : sample_bytes;
    c->cap_value += 1;
    c->cap_label = sample_bytes / 2 + 1;
    c->cap_line = loc_bytes / 2 + 1;
    p->loc = cd_malloc(c->cap_loc * sizeof *p->loc);
    p->value = cd_malloc(c->cap_value * sizeof *p->value);
    p->label = cd_malloc(c->cap_label * sizeof *p->label);
    p->line = cd_malloc(c->cap_line * sizeof *p->line);
    return 0;
}

/* ---- pass B: strings and ids ---- */

/* The id (field 1) of a Mapping/Location/Function payload. */
static int sub_id(dec *c, const fld *outer, const char *what, uint64_t *id)
{
    const unsigned char *q = outer->d, *end = outer->d + outer->n;
    fld f;
    int rc;
    *id = 0;
    while ((rc = next_field(c, &q, end, &f, what)) == 1) {
        if (f.num == 1) {
            if (want_wt(c, &f, WT_VARINT, 0, what, "id"))
                return -1;
            *id = f.u;
            return 0;   /* pass C refuses a second, different id */
        }
    }
    return rc;
}

/* An id field met again in pass C must repeat the first one (pass B
 * registered the first). */
static int same_id(dec *c, const fld *f, uint64_t *id)
{
    if (*id && *id != f->u)
        return fail(c, f->at, "%s: id given twice (%llu, then %llu)", c->what,
                    (unsigned long long)*id, (unsigned long long)f->u);
    *id = f->u;
    return 0;
}

static int pass_b(dec *c)
{
    cd_profile *p = c->p;
    const unsigned char *q = c->base, *end = c->base + p->data_len;
    fld f;
    uint32_t ns = 0, nm = 0, nl = 0, nf = 0;
    idtab_init(&c->maps, p->nmapping);
    idtab_init(&c->funcs, p->nfunction);
    idtab_init(&c->locs, p->nlocation);
    const char *what = c->what;
    while (next_field(c, &q, end, &f, "Profile") == 1) {
        idtab *t = NULL;
        uint32_t idx = 0;
        const char *kind = NULL;
        if (f.num == 6) {
            if (ns == 0 && f.n != 0)
                return fail(c, f.at, "string_table[0] must be \"\" (it has "
                            "%zu bytes)", f.n);
            if (f.n > UINT32_MAX)
                return fail(c, f.at, "string_table[%u]: too long", ns);
            p->str[ns].s = (const char *)f.d;
            p->str[ns].len = (uint32_t)f.n;
            ns++;
            continue;
        }
        if (f.num == 3) { t = &c->maps; idx = nm++; kind = "mapping"; }
        if (f.num == 4) { t = &c->locs; idx = nl++; kind = "location"; }
        if (f.num == 5) { t = &c->funcs; idx = nf++; kind = "function"; }
        if (!t)
            continue;
        set_rec(c, kind, idx);
        uint64_t id;
        if (sub_id(c, &f, c->what, &id) < 0)
            return -1;
        if (id == 0)
            return fail(c, f.at, "%s: id 0 is reserved", what);
        /* (what is filled by fail() from the record set above) */
        uint32_t prev = idtab_get(t, id);
        if (prev)
            return fail(c, f.at, "%s: id %llu is used by %s #%u too", what,
                        (unsigned long long)id, kind, prev - 1);
        idtab_put(t, id, idx + 1);
    }
    set_rec(c, NULL, 0);
    return 0;
}

/* ---- pass C: messages ---- */

static int dec_valtype(dec *c, const unsigned char *d, size_t n,
                       const char *what, cd_pvaltype *vt)
{
    const unsigned char *q = d, *end = d + n;
    fld f;
    int rc;
    int64_t tx = 0, ux = 0;
    const unsigned char *tat = d, *uat = d;
    while ((rc = next_field(c, &q, end, &f, what)) == 1) {
        if (f.num == 1 || f.num == 2) {
            if (want_wt(c, &f, WT_VARINT, 0, what, f.num == 1 ? "type" : "unit"))
                return -1;
            if (f.num == 1) { tx = (int64_t)f.u; tat = f.at; }
            else { ux = (int64_t)f.u; uat = f.at; }
        }
    }
    if (rc < 0)
        return -1;
    fld ft = { .at = tat }, fu = { .at = uat };
    if (str_idx(c, &ft, tx, what, "type", &vt->type) ||
        str_idx(c, &fu, ux, what, "unit", &vt->unit))
        return -1;
    return 0;
}

static int dec_mapping(dec *c, const fld *outer, uint32_t i)
{
    set_rec(c, "mapping", i);
    const char *what = c->what;
    cd_pmapping *m = &c->p->mapping[i];
    const unsigned char *q = outer->d, *end = outer->d + outer->n;
    fld f;
    int rc;
    int64_t fx = 0, bx = 0;
    fld ffile = { .at = outer->at }, fbid = { .at = outer->at };
    static const char *names[] = { "", "id", "memory_start", "memory_limit",
        "file_offset", "filename", "build_id", "has_functions",
        "has_filenames", "has_line_numbers", "has_inline_frames" };
    while ((rc = next_field(c, &q, end, &f, what)) == 1) {
        if (f.num < 1 || f.num > 10)
            continue;
        if (want_wt(c, &f, WT_VARINT, 0, what, names[f.num]))
            return -1;
        switch (f.num) {
        case 1:
            if (same_id(c, &f, &m->id))
                return -1;
            break;
        case 2: m->start = f.u; break;
        case 3: m->limit = f.u; break;
        case 4: m->offset = f.u; break;
        case 5: fx = (int64_t)f.u; ffile = f; break;
        case 6: bx = (int64_t)f.u; fbid = f; break;
        case 7: m->has_functions = f.u != 0; break;
        case 8: m->has_filenames = f.u != 0; break;
        case 9: m->has_line_numbers = f.u != 0; break;
        case 10: m->has_inline_frames = f.u != 0; break;
        }
    }
    if (rc < 0)
        return -1;
    if (str_idx(c, &ffile, fx, what, "filename", &m->file) ||
        str_idx(c, &fbid, bx, what, "build_id", &m->build_id))
        return -1;
    return 0;
}

static int dec_function(dec *c, const fld *outer, uint32_t i)
{
    set_rec(c, "function", i);
    const char *what = c->what;
    cd_pfunction *fn = &c->p->function[i];
    const unsigned char *q = outer->d, *end = outer->d + outer->n;
    fld f;
    int rc;
    int64_t x[6] = { 0 };
    fld at[6];
    static const char *names[] = { "", "id", "name", "system_name",
                                   "filename", "start_line" };
    for (int k = 0; k < 6; k++)
        at[k].at = outer->at;
    while ((rc = next_field(c, &q, end, &f, what)) == 1) {
        if (f.num < 1 || f.num > 5)
            continue;
        if (want_wt(c, &f, WT_VARINT, 0, what, names[f.num]))
            return -1;
        if (f.num == 1) {
            if (same_id(c, &f, &fn->id))
                return -1;
        }
        else if (f.num == 5)
            fn->start_line = (int64_t)f.u;
        else {
            x[f.num] = (int64_t)f.u;
            at[f.num] = f;
        }
    }
    if (rc < 0)
        return -1;
    if (str_idx(c, &at[2], x[2], what, "name", &fn->name) ||
        str_idx(c, &at[3], x[3], what, "system_name", &fn->system_name) ||
        str_idx(c, &at[4], x[4], what, "filename", &fn->filename))
        return -1;
    return 0;
}

static int dec_line(dec *c, const fld *outer, const char *lwhat)
{
    cd_profile *p = c->p;
    const unsigned char *q = outer->d, *end = outer->d + outer->n;
    fld f, ffn = *outer;
    int rc;
    uint64_t fid = 0;
    int64_t line = 0;
    while ((rc = next_field(c, &q, end, &f, lwhat)) == 1) {
        if (f.num == 1 || f.num == 2) {
            if (want_wt(c, &f, WT_VARINT, 0, lwhat,
                        f.num == 1 ? "function_id" : "line"))
                return -1;
            if (f.num == 1) { fid = f.u; ffn = f; }
            else line = (int64_t)f.u;
        }
    }
    if (rc < 0)
        return -1;
    uint32_t fi = fid ? idtab_get(&c->funcs, fid) : 0;
    if (!fi)
        return fail(c, ffn.at, "%s: function_id %llu names no function "
                    "(pprof: \"line with nil function\")", lwhat,
                    (unsigned long long)fid);
    if (p->nline >= c->cap_line)
        CD_GROW(p->line, c->cap_line, (size_t)p->nline + 1);
    p->line[p->nline].function = fi - 1;
    p->line[p->nline].line = line;
    p->nline++;
    return 0;
}

static int dec_location(dec *c, const fld *outer, uint32_t i)
{
    set_rec(c, "location", i);
    const char *what = c->what, *lwhat = c->what;
    cd_profile *p = c->p;
    cd_plocation *l = &p->location[i];
    const unsigned char *q = outer->d, *end = outer->d + outer->n;
    fld f;
    int rc;
    uint64_t mid = 0;
    static const char *names[] = { "", "id", "mapping_id", "address", "line",
                                   "is_folded" };
    l->line_off = p->nline;
    while ((rc = next_field(c, &q, end, &f, what)) == 1) {
        if (f.num < 1 || f.num > 5)
            continue;
        if (want_wt(c, &f, f.num == 4 ? WT_LEN : WT_VARINT, 0, what,
                    names[f.num]))
            return -1;
        switch (f.num) {
        case 1:
            if (same_id(c, &f, &l->id))
                return -1;
            break;
        case 2: mid = f.u; break;
        case 3: l->address = f.u; break;
        case 4:
            set_sub(c, "line", p->nline - l->line_off);
            if (p->nline == UINT32_MAX)
                return fail(c, f.at, "too many lines");
            if (dec_line(c, &f, lwhat))
                return -1;
            set_sub(c, NULL, 0);
            break;
        case 5: l->is_folded = f.u != 0; break;
        }
    }
    if (rc < 0)
        return -1;
    l->nline = p->nline - l->line_off;
    l->mapping = mid ? idtab_get(&c->maps, mid) : 0;
    return 0;
}

static int dec_label(dec *c, const fld *outer, const char *what)
{
    cd_profile *p = c->p;
    const unsigned char *q = outer->d, *end = outer->d + outer->n;
    fld f;
    int rc;
    int64_t x[5] = { 0 };
    fld at[5];
    static const char *names[] = { "", "key", "str", "num", "num_unit" };
    for (int k = 0; k < 5; k++)
        at[k] = *outer;
    while ((rc = next_field(c, &q, end, &f, what)) == 1) {
        if (f.num < 1 || f.num > 4)
            continue;
        if (want_wt(c, &f, WT_VARINT, 0, what, names[f.num]))
            return -1;
        x[f.num] = (int64_t)f.u;
        at[f.num] = f;
    }
    if (rc < 0)
        return -1;
    cd_plabel lb = { 0, 0, 0, 0 };
    if (str_idx(c, &at[1], x[1], what, "key", &lb.key))
        return -1;
    if (x[2] != 0) {
        if (str_idx(c, &at[2], x[2], what, "str", &lb.str))
            return -1;
    } else if (x[3] != 0 || x[4] != 0) {
        lb.num = x[3];
        if (x[4] != 0 && str_idx(c, &at[4], x[4], what, "num_unit", &lb.unit))
            return -1;
    } else {
        return 0;   /* an all-zero label: pprof ignores it */
    }
    if (p->nlabel == UINT32_MAX)
        return fail(c, outer->at, "too many labels");
    if (p->nlabel >= c->cap_label)
        CD_GROW(p->label, c->cap_label, (size_t)p->nlabel + 1);
    p->label[p->nlabel++] = lb;
    return 0;
}

/* A repeated scalar field, unpacked (one varint) or packed. Calls put for
 * each element; put returns -1 on error. */
static int each_scalar(dec *c, const fld *f, const char *what,
                       const char *field,
                       int (*put)(dec *, const fld *, uint64_t, void *),
                       void *arg)
{
    if (f->wt == WT_VARINT)
        return put(c, f, f->u, arg);
    const unsigned char *q = f->d, *end = f->d + f->n;
    while (q < end) {
        fld e = *f;
        e.at = q;
        uint64_t v;
        int rc = rd_varint(&q, end, &v);
        if (rc)
            return fail(c, e.at, "%s: packed %s: %s", what, field,
                        varint_err(rc));
        if (put(c, &e, v, arg))
            return -1;
    }
    return 0;
}

typedef struct sctx {
    const char *what;
    uint32_t idx;     /* sample index */
    uint32_t nval;    /* values read so far */
} sctx;

static int put_loc(dec *c, const fld *f, uint64_t id, void *arg)
{
    sctx *s = arg;
    cd_profile *p = c->p;
    uint32_t li = idtab_get(&c->locs, id);
    if (!li)
        return fail(c, f->at, "%s: location_id %llu names no location "
                    "(pprof: \"sample has nil location\")", s->what,
                    (unsigned long long)id);
    if (p->nloc == UINT32_MAX)
        return fail(c, f->at, "too many sample locations");
    p->loc[p->nloc++] = li - 1;   /* room reserved by dec_sample */
    return 0;
}

static int put_val(dec *c, const fld *f, uint64_t v, void *arg)
{
    sctx *s = arg;
    cd_profile *p = c->p;
    if (s->nval >= p->ntype)
        return fail(c, f->at, "%s: more values than the %u sample_type "
                    "entries", s->what, p->ntype);
    size_t at = (size_t)s->idx * p->ntype + s->nval++;
    if (at >= c->cap_value)
        CD_GROW(p->value, c->cap_value, at + 1);
    p->value[at] = (int64_t)v;
    return 0;
}

static int dec_sample(dec *c, const fld *outer, uint32_t i)
{
    set_rec(c, "sample", i);
    const char *what = c->what, *lwhat = c->what;
    cd_profile *p = c->p;
    cd_psample *s = &p->sample[i];
    const unsigned char *q = outer->d, *end = outer->d + outer->n;
    fld f;
    int rc;
    sctx sc = { what, i, 0 };
    static const char *names[] = { "", "location_id", "value", "label" };
    s->loc_off = p->nloc;
    s->label_off = p->nlabel;
    while ((rc = next_field(c, &q, end, &f, what)) == 1) {
        if (f.num < 1 || f.num > 3)
            continue;
        if (want_wt(c, &f, f.num == 3 ? WT_LEN : WT_VARINT, f.num != 3, what,
                    names[f.num]))
            return -1;
        if (f.num == 1 && f.wt == WT_LEN) {
            /* packed: at most one id per byte; reserve that much */
            if (p->nloc + f.n >= c->cap_loc)
                CD_GROW(p->loc, c->cap_loc, (size_t)p->nloc + f.n + 1);
            const unsigned char *q2 = f.d, *e2 = f.d + f.n;
            while (q2 < e2) {
                const unsigned char *at = q2;
                uint64_t id;
                int rc2 = rd_varint(&q2, e2, &id);
                if (rc2)
                    return fail(c, at, "%s: packed location_id: %s", what,
                                varint_err(rc2));
                uint32_t li = idtab_get(&c->locs, id);
                if (!li || p->nloc == UINT32_MAX) {
                    fld e = f;
                    e.at = at;
                    return put_loc(c, &e, id, &sc);   /* reports it */
                }
                p->loc[p->nloc++] = li - 1;
            }
        } else if (f.num == 1) {
            if (p->nloc + 1 >= c->cap_loc)
                CD_GROW(p->loc, c->cap_loc, (size_t)p->nloc + 2);
            if (put_loc(c, &f, f.u, &sc))
                return -1;
        } else if (f.num == 2) {
            if (each_scalar(c, &f, what, "value", put_val, &sc))
                return -1;
        } else {
            set_sub(c, "label", p->nlabel - s->label_off);
            if (dec_label(c, &f, lwhat))
                return -1;
            set_sub(c, NULL, 0);
        }
    }
    if (rc < 0)
        return -1;
    if (sc.nval != p->ntype)
        return fail(c, outer->at, "%s has %u values but there are %u "
                    "sample_type entries%s", what, sc.nval, p->ntype,
                    p->ntype ? "" : " (pprof: \"missing sample type "
                    "information\")");
    s->nloc = p->nloc - s->loc_off;
    s->nlabel = p->nlabel - s->label_off;
    return 0;
}

static int put_comment(dec *c, const fld *f, uint64_t v, void *arg)
{
    cd_profile *p = c->p;
    uint32_t si = 0;
    if (str_idx(c, f, (int64_t)v, "Profile", "comment", &si))
        return -1;
    CD_GROW(p->comment, c->cap_comment, (size_t)p->ncomment + 1);
    p->comment[p->ncomment++] = si;
    return 0;
}

static int pass_c(dec *c)
{
    cd_profile *p = c->p;
    const unsigned char *q = c->base, *end = c->base + p->data_len;
    fld f;
    uint32_t nst = 0, ns = 0, nm = 0, nl = 0, nf = 0;
    while (next_field(c, &q, end, &f, "Profile") == 1) {
        set_rec(c, NULL, 0);
        switch (f.num) {
        case 1:
            set_rec(c, "sample_type", nst);
            if (dec_valtype(c, f.d, f.n, c->what, &p->sample_type[nst++]))
                return -1;
            break;
        case 2:
            if (dec_sample(c, &f, ns++))
                return -1;
            break;
        case 3:
            if (dec_mapping(c, &f, nm++))
                return -1;
            break;
        case 4:
            if (dec_location(c, &f, nl++))
                return -1;
            break;
        case 5:
            if (dec_function(c, &f, nf++))
                return -1;
            break;
        case 13:
            if (each_scalar(c, &f, "Profile", "comment", put_comment, NULL))
                return -1;
            break;
        default:
            break;
        }
    }
    set_rec(c, NULL, 0);
    if (c->period_type &&
        dec_valtype(c, c->period_type, c->period_type_n, "period_type",
                    &p->period_type))
        return -1;
    fld fd = { .at = c->drop_at }, fk = { .at = c->keep_at },
        fdst = { .at = c->default_at };
    if (str_idx(c, &fd, c->drop_x, "Profile", "drop_frames", &p->drop_frames) ||
        str_idx(c, &fk, c->keep_x, "Profile", "keep_frames", &p->keep_frames) ||
        str_idx(c, &fdst, c->default_x, "Profile", "default_sample_type",
                &p->default_sample_type))
        return -1;
    return 0;
}

int cd_pprof__decode_proto(cd_profile *p, cd_error *err)
{
    dec c;
    memset(&c, 0, sizeof c);
    c.p = p;
    c.base = p->data;
    c.err = err;
    c.name = p->path;
    if (p->data_len == 0)
        return cd_fail(err, CD_EFORMAT, p->path, -1,
                       "profile.proto: empty input");
    int rc = pass_a(&c);
    if (!rc && p->nstr == 0)
        rc = fail(&c, NULL, "no string table (string_table[0] must be \"\")");
    if (!rc && p->nsample > 0 && p->ntype == 0)
        rc = fail(&c, NULL, "%u samples but no sample_type (pprof: \"missing "
                  "sample type information\")", p->nsample);
    if (!rc)
        rc = pass_b(&c);
    if (!rc)
        rc = pass_c(&c);
    idtab_free(&c.maps);
    idtab_free(&c.funcs);
    idtab_free(&c.locs);
    if (rc)
        return -1;
    cd_pprof__set_kind(p);
    return 0;
}
