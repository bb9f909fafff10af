/* test_pprof.c — unit tests of the pprof readers and comparison on
 * hand-made inputs: protobuf decoder edge cases (packed/unpacked repeated
 * fields, bad string indexes, truncated varints, lengths past the end, wire
 * types, ids), gzip (multi-member, not gzip, trailing bytes, truncation,
 * output bound), sniffing, the text formats (tests/data/pprof/), pprof's
 * unit formatting, and the -top rows of small hand-computed cases. Every
 * prefix and many one-byte corruptions of a valid profile must load or fail
 * cleanly (run under ASan/UBSan in CI). Run from the source root. */
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <zlib.h>

#include "pprof.h"

static int failures;

#define CHECK(cond) check((cond), #cond, __FILE__, __LINE__)
static void check(int ok, const char *what, const char *file, int line)
{
    if (!ok) {
        fprintf(stderr, "%s:%d: check failed: %s\n", file, line, what);
        failures++;
    }
}

/* ---- a tiny protobuf writer ---- */

typedef struct pb {
    unsigned char *b;
    size_t n, cap;
} pb;

static void pb_raw(pb *p, const void *d, size_t n)
{
    if (n == 0)
        return;
    if (p->n + n > p->cap) {
        p->cap = (p->n + n) * 2 + 64;
        p->b = realloc(p->b, p->cap);
    }
    memcpy(p->b + p->n, d, n);
    p->n += n;
}

static void pb_byte(pb *p, unsigned char c) { pb_raw(p, &c, 1); }

static void pb_varint(pb *p, uint64_t v)
{
    while (v >= 0x80) {
        pb_byte(p, (unsigned char)(v | 0x80));
        v >>= 7;
    }
    pb_byte(p, (unsigned char)v);
}

static void pb_key(pb *p, unsigned field, unsigned wt)
{
    pb_varint(p, (uint64_t)field << 3 | wt);
}

static void pb_u(pb *p, unsigned field, uint64_t v)
{
    pb_key(p, field, 0);
    pb_varint(p, v);
}

static void pb_len(pb *p, unsigned field, const void *d, size_t n)
{
    pb_key(p, field, 2);
    pb_varint(p, n);
    pb_raw(p, d, n);
}

static void pb_msg(pb *p, unsigned field, pb *sub)
{
    pb_len(p, field, sub->b, sub->n);
    free(sub->b);
    memset(sub, 0, sizeof *sub);
}

static void pb_packed(pb *p, unsigned field, const uint64_t *v, size_t n)
{
    pb tmp = { 0 };
    for (size_t i = 0; i < n; i++)
        pb_varint(&tmp, v[i]);
    pb_msg(p, field, &tmp);
}

static const char *strs[] = { "", "alloc_objects", "count", "alloc_space",
    "bytes", "inuse_objects", "inuse_space", "main.f", "context.WithCancel",
    "main.go", "space", "main.main", "context.withCancel" };
enum { S_AO = 1, S_COUNT, S_AS, S_BYTES, S_IO, S_IS, S_F, S_WC, S_FILE,
       S_SPACE, S_MAIN, S_wc };

static void vt(pb *p, unsigned field, uint64_t type, uint64_t unit)
{
    pb s = { 0 };
    pb_u(&s, 1, type);
    pb_u(&s, 2, unit);
    pb_msg(p, field, &s);
}

static void func(pb *p, uint64_t id, uint64_t name)
{
    pb s = { 0 };
    pb_u(&s, 1, id);
    pb_u(&s, 2, name);
    pb_u(&s, 3, name);
    pb_u(&s, 4, S_FILE);
    pb_msg(p, 5, &s);
}

/* A location with lines (function ids, innermost first). */
static void loc(pb *p, uint64_t id, uint64_t addr, const uint64_t *fns, size_t n)
{
    pb s = { 0 };
    pb_u(&s, 1, id);
    pb_u(&s, 3, addr);
    for (size_t i = 0; i < n; i++) {
        pb l = { 0 };
        pb_u(&l, 1, fns[i]);
        pb_u(&l, 2, 10 + i);
        pb_msg(&s, 4, &l);
    }
    pb_u(&s, 2, 1);
    pb_msg(p, 4, &s);
}

static void sample(pb *p, const uint64_t *locs, size_t nl, const int64_t *v,
                   size_t nv, int packed, int64_t bytes)
{
    pb s = { 0 };
    if (packed) {
        pb_packed(&s, 2, (const uint64_t *)v, nv);
        pb_packed(&s, 1, locs, nl);
    } else {
        for (size_t i = 0; i < nv; i++)
            pb_u(&s, 2, (uint64_t)v[i]);
        for (size_t i = 0; i < nl; i++)
            pb_u(&s, 1, locs[i]);
    }
    if (bytes) {
        pb l = { 0 };
        pb_u(&l, 1, S_BYTES);
        pb_u(&l, 3, (uint64_t)bytes);
        pb_msg(&s, 3, &l);
    }
    pb_msg(p, 2, &s);
}

static void header(pb *p)
{
    vt(p, 11, S_SPACE, S_BYTES);
    pb_u(p, 12, 1);
    vt(p, 1, S_AO, S_COUNT);
    vt(p, 1, S_AS, S_BYTES);
    vt(p, 1, S_IO, S_COUNT);
    vt(p, 1, S_IS, S_BYTES);
}

static void strings(pb *p)
{
    for (size_t i = 0; i < sizeof strs / sizeof strs[0]; i++)
        pb_len(p, 6, strs[i], strlen(strs[i]));
}

/* A heap profile: main.main -> main.f -> context.WithCancel allocating n
 * 64 B contexts and n 16 B closures; plus `extra` objects in main.f. */
static pb heap_profile(int64_t n, int64_t extra, int packed, int64_t time)
{
    pb p = { 0 };
    header(&p);
    func(&p, 1, S_WC);
    func(&p, 2, S_F);
    func(&p, 3, S_MAIN);
    uint64_t f1[] = { 1 }, f2[] = { 2 }, f3[] = { 3 };
    loc(&p, 1, 0x1000, f1, 1);
    loc(&p, 2, 0x2000, f2, 1);
    loc(&p, 3, 0x3000, f3, 1);
    loc(&p, 4, 0x2100, f2, 1);
    uint64_t stk[] = { 1, 2, 3 }, stk2[] = { 4, 3 };
    int64_t v1[] = { n, 64 * n, n, 64 * n };
    int64_t v2[] = { n, 16 * n, n, 16 * n };
    int64_t v3[] = { extra, 32 * extra, extra, 32 * extra };
    sample(&p, stk, 3, v1, 4, packed, 64);
    sample(&p, stk, 3, v2, 4, packed, 16);
    if (extra)
        sample(&p, stk2, 2, v3, 4, packed, 32);
    {
        pb m = { 0 };
        pb_u(&m, 1, 1);
        pb_u(&m, 2, 0x400000);
        pb_u(&m, 3, 0x500000);
        pb_u(&m, 5, S_FILE);
        pb_u(&m, 7, 1);
        pb_msg(&p, 3, &m);
    }
    if (time)
        pb_u(&p, 9, (uint64_t)time);
    strings(&p);
    return p;
}

static int load(const pb *p, cd_profile **out, cd_error *err)
{
    memset(err, 0, sizeof *err);
    return cd_pprof_load_mem(p->b, p->n, "mem.pb", out, err);
}

static int load_fails(const pb *p, const char *want, int64_t off)
{
    cd_profile *prof = NULL;
    cd_error err;
    int rc = load(p, &prof, &err);
    cd_profile_free(prof);
    if (rc == 0) {
        fprintf(stderr, "  expected failure \"%s\", got success\n", want);
        return 0;
    }
    if (!strstr(err.msg, want) || (off >= 0 && err.offset != off)) {
        fprintf(stderr, "  expected \"%s\" at %lld, got \"%s\" at %lld\n", want,
                (long long)off, err.msg, (long long)err.offset);
        return 0;
    }
    return 1;
}

/* ---- gzip helper ---- */

static pb gzip_of(const unsigned char *d, size_t n)
{
    z_stream z;
    memset(&z, 0, sizeof z);
    deflateInit2(&z, 6, Z_DEFLATED, 16 + MAX_WBITS, 8, Z_DEFAULT_STRATEGY);
    pb out = { 0 };
    out.cap = deflateBound(&z, n) + 64;
    out.b = malloc(out.cap);
    z.next_in = (unsigned char *)d;
    z.avail_in = (uInt)n;
    z.next_out = out.b;
    z.avail_out = (uInt)out.cap;
    deflate(&z, Z_FINISH);
    out.n = out.cap - z.avail_out;
    deflateEnd(&z);
    return out;
}

/* ---- tests ---- */

static void t_basic(void)
{
    for (int packed = 0; packed < 2; packed++) {
        pb p = heap_profile(7, 3, packed, 123);
        cd_profile *prof;
        cd_error err;
        CHECK(load(&p, &prof, &err) == 0);
        if (!prof) {
            fprintf(stderr, "  %s\n", err.msg);
            free(p.b);
            continue;
        }
        CHECK(prof->kind == CD_PPROF_KIND_HEAP);
        CHECK(prof->format == CD_PPROF_PROTO);
        CHECK(prof->ntype == 4 && prof->nsample == 3 && prof->nlocation == 4);
        CHECK(prof->nfunction == 3 && prof->nmapping == 1);
        CHECK(prof->time_nanos == 123 && prof->period == 1);
        CHECK(prof->value[0] == 7 && prof->value[3] == 7 * 64);
        CHECK(prof->value[4 + 1] == 7 * 16);
        CHECK(prof->sample[0].nloc == 3 && prof->loc[prof->sample[0].loc_off] == 0);
        CHECK(prof->sample[2].nloc == 2);
        CHECK(prof->sample[0].nlabel == 1 &&
              prof->label[prof->sample[0].label_off].num == 64);
        CHECK(prof->location[0].mapping == 1);
        CHECK(cd_pprof__streq(prof->str[prof->function[0].name],
                              "context.WithCancel"));
        cd_profile_free(prof);
        free(p.b);
    }
}

/* Repeated scalars appended across packed and unpacked occurrences. */
static void t_mixed_packing(void)
{
    pb p = { 0 };
    header(&p);
    func(&p, 1, S_F);
    uint64_t f1[] = { 1 };
    loc(&p, 1, 0x10, f1, 1);
    loc(&p, 2, 0x20, f1, 1);
    pb s = { 0 };
    uint64_t two[] = { 1, 2 };
    pb_packed(&s, 1, two, 2);      /* packed */
    pb_u(&s, 1, 1);                /* then unpacked */
    pb_u(&s, 2, 5);
    uint64_t three[] = { 6, 7, 8 };
    pb_packed(&s, 2, three, 3);
    pb_msg(&p, 2, &s);
    pb_u(&p, 13, 1);               /* comment unpacked */
    uint64_t cm[] = { 2, 3 };
    pb_packed(&p, 13, cm, 2);      /* and packed */
    strings(&p);
    cd_profile *prof;
    cd_error err;
    CHECK(load(&p, &prof, &err) == 0);
    if (prof) {
        CHECK(prof->sample[0].nloc == 3);
        CHECK(prof->loc[0] == 0 && prof->loc[1] == 1 && prof->loc[2] == 0);
        CHECK(prof->value[0] == 5 && prof->value[3] == 8);
        CHECK(prof->ncomment == 3 && prof->comment[2] == 3);
    } else {
        fprintf(stderr, "  %s\n", err.msg);
    }
    cd_profile_free(prof);
    free(p.b);
}

static void t_unknown_fields(void)
{
    pb p = heap_profile(1, 0, 1, 0);
    pb_u(&p, 100, 5);
    pb_key(&p, 101, 1);
    pb_raw(&p, "12345678", 8);
    pb_key(&p, 102, 5);
    pb_raw(&p, "1234", 4);
    pb_len(&p, 103, "xyz", 3);
    pb_u(&p, 15, 0);   /* doc_url (newer pprof) */
    cd_profile *prof;
    cd_error err;
    CHECK(load(&p, &prof, &err) == 0);
    cd_profile_free(prof);
    free(p.b);
}

static void t_string_index(void)
{
    pb p = { 0 };
    header(&p);
    pb f = { 0 };
    pb_u(&f, 1, 1);
    size_t at_in_f = f.n;
    pb_u(&f, 2, 99);
    size_t fstart = p.n + 2;   /* key + 1-byte length */
    pb_msg(&p, 5, &f);
    strings(&p);
    CHECK(load_fails(&p, "string index 99 out of range",
                     (int64_t)(fstart + at_in_f)));
    CHECK(load_fails(&p, "function #0: name", -1));
    free(p.b);

    pb q = heap_profile(1, 0, 1, 0);
    vt(&q, 11, 1000, S_BYTES);   /* period_type type out of range */
    CHECK(load_fails(&q, "period_type: type: string index 1000", -1));
    free(q.b);

    pb r = heap_profile(1, 0, 1, 0);
    pb_u(&r, 14, (uint64_t)-1);  /* default_sample_type negative */
    CHECK(load_fails(&r, "default_sample_type: string index -1", -1));
    free(r.b);

    pb s = { 0 };
    header(&s);
    pb_len(&s, 6, "x", 1);
    CHECK(load_fails(&s, "string_table[0] must be \"\"", -1));
    free(s.b);

    pb t = { 0 };
    header(&t);
    CHECK(load_fails(&t, "no string table", -1));
    free(t.b);
}

static void t_truncation(void)
{
    pb p = heap_profile(1, 0, 1, 0);
    size_t at = p.n;
    pb_byte(&p, 0x48);   /* time_nanos, varint */
    pb_byte(&p, 0xff);   /* continuation, then end of input */
    CHECK(load_fails(&p, "truncated varint", (int64_t)at));
    free(p.b);

    pb q = heap_profile(1, 0, 1, 0);
    at = q.n;
    pb_byte(&q, 0x48);
    for (int i = 0; i < 11; i++)
        pb_byte(&q, 0x81);
    pb_byte(&q, 0x01);
    CHECK(load_fails(&q, "varint longer than 10 bytes", (int64_t)at));
    free(q.b);

    pb r = heap_profile(1, 0, 1, 0);
    at = r.n;
    pb_key(&r, 2, 2);
    pb_varint(&r, 100);
    pb_raw(&r, "abc", 3);
    CHECK(load_fails(&r, "length 100 runs past the end (3 bytes left)",
                     (int64_t)at));
    free(r.b);

    /* length past the end of the enclosing message (not of the file) */
    pb s = { 0 };
    header(&s);
    pb inner = { 0 };
    pb_key(&inner, 4, 2);     /* Location.line, claims 50 bytes */
    pb_varint(&inner, 50);
    pb_raw(&inner, "ab", 2);
    pb_msg(&s, 4, &inner);
    strings(&s);
    CHECK(load_fails(&s, "location #0: field 4: length 50 runs past the end", -1));
    free(s.b);

    pb t = heap_profile(1, 0, 1, 0);
    pb_key(&t, 9, 1);          /* fixed64 cut short */
    pb_raw(&t, "1234", 4);
    CHECK(load_fails(&t, "fixed64 past the end", -1));
    free(t.b);

    /* packed field with a truncated element */
    pb u = { 0 };
    header(&u);
    pb sm = { 0 };
    pb_key(&sm, 1, 2);
    pb_varint(&sm, 1);
    pb_byte(&sm, 0x81);
    pb_msg(&u, 2, &sm);
    strings(&u);
    CHECK(load_fails(&u, "packed location_id: truncated varint", -1));
    free(u.b);
}

static void t_wire_types(void)
{
    pb p = { 0 };
    vt(&p, 11, S_SPACE, S_BYTES);
    size_t at = p.n;
    pb_u(&p, 1, 5);   /* sample_type as a varint */
    strings(&p);
    CHECK(load_fails(&p, "sample_type (field 1) has wire type varint, expected "
                         "length-delimited", (int64_t)at));
    free(p.b);
    /* a first field that is no Profile field: not a profile at all */
    pb p2 = { 0 };
    pb_u(&p2, 1, 5);
    strings(&p2);
    CHECK(load_fails(&p2, "not a pprof profile", 0));
    free(p2.b);

    pb q = heap_profile(1, 0, 1, 0);
    pb_key(&q, 7, 3);   /* group start */
    CHECK(load_fails(&q, "unknown wire type 3", -1));
    free(q.b);

    pb r = { 0 };
    header(&r);
    pb sm = { 0 };
    pb_key(&sm, 2, 5);   /* value as fixed32 */
    pb_raw(&sm, "abcd", 4);
    pb_msg(&r, 2, &sm);
    strings(&r);
    CHECK(load_fails(&r, "sample #0: value (field 2) has wire type fixed32", -1));
    free(r.b);
}

static void t_ids(void)
{
    pb p = { 0 };
    header(&p);
    func(&p, 1, S_F);
    uint64_t f1[] = { 1 };
    loc(&p, 1, 0x10, f1, 1);
    uint64_t stk[] = { 42 };
    int64_t v[] = { 1, 2, 3, 4 };
    size_t at = p.n;
    sample(&p, stk, 1, v, 4, 0, 0);
    strings(&p);
    (void)at;
    CHECK(load_fails(&p, "sample #0: location_id 42 names no location", -1));
    free(p.b);

    pb q = { 0 };
    header(&q);
    uint64_t f7[] = { 7 };
    loc(&q, 1, 0x10, f7, 1);
    strings(&q);
    CHECK(load_fails(&q, "function_id 7 names no function", -1));
    free(q.b);

    pb r = { 0 };
    header(&r);
    loc(&r, 1, 0x10, NULL, 0);
    loc(&r, 1, 0x20, NULL, 0);
    strings(&r);
    CHECK(load_fails(&r, "location #1: id 1 is used by location #0 too", -1));
    free(r.b);

    pb s = { 0 };
    header(&s);
    func(&s, 0, S_F);
    strings(&s);
    CHECK(load_fails(&s, "function #0: id 0 is reserved", -1));
    free(s.b);

    /* a mapping_id that names no mapping is dropped, as pprof does */
    pb t = { 0 };
    header(&t);
    pb l = { 0 };
    pb_u(&l, 1, 1);
    pb_u(&l, 2, 9);
    pb_msg(&t, 4, &l);
    strings(&t);
    cd_profile *prof;
    cd_error err;
    CHECK(load(&t, &prof, &err) == 0);
    CHECK(prof && prof->location[0].mapping == 0);
    cd_profile_free(prof);
    free(t.b);

    /* large, sparse ids go through the map */
    pb u = { 0 };
    header(&u);
    func(&u, 1ull << 40, S_F);
    uint64_t fb[] = { 1ull << 40 };
    loc(&u, 0xffffffffffffull, 0x10, fb, 1);
    uint64_t stk2[] = { 0xffffffffffffull };
    sample(&u, stk2, 1, v, 4, 1, 0);
    strings(&u);
    CHECK(load(&u, &prof, &err) == 0);
    CHECK(prof && prof->nsample == 1 && prof->loc[0] == 0);
    cd_profile_free(prof);
    free(u.b);
}

static void t_values(void)
{
    pb p = { 0 };
    header(&p);
    int64_t v3[] = { 1, 2, 3 };
    sample(&p, NULL, 0, v3, 3, 1, 0);
    strings(&p);
    CHECK(load_fails(&p, "sample #0 has 3 values but there are 4 sample_type", -1));
    free(p.b);

    pb q = { 0 };
    header(&q);
    int64_t v5[] = { 1, 2, 3, 4, 5 };
    sample(&q, NULL, 0, v5, 5, 1, 0);
    strings(&q);
    CHECK(load_fails(&q, "more values than the 4 sample_type entries", -1));
    free(q.b);

    pb r = { 0 };
    sample(&r, NULL, 0, v5, 0, 1, 0);
    strings(&r);
    CHECK(load_fails(&r, "missing sample type information", -1));
    free(r.b);

    /* negative values are plain 10-byte varints */
    pb s = { 0 };
    header(&s);
    int64_t vn[] = { -1, INT64_MIN, 0, INT64_MAX };
    sample(&s, NULL, 0, vn, 4, 0, 0);
    strings(&s);
    cd_profile *prof;
    cd_error err;
    CHECK(load(&s, &prof, &err) == 0);
    CHECK(prof && prof->value[0] == -1 && prof->value[1] == INT64_MIN &&
          prof->value[3] == INT64_MAX);
    cd_profile_free(prof);
    free(s.b);
}

static void t_labels(void)
{
    pb p = { 0 };
    header(&p);
    pb s = { 0 };
    int64_t v[] = { 1, 2, 3, 4 };
    pb_packed(&s, 2, (const uint64_t *)v, 4);
    pb l1 = { 0 }, l2 = { 0 }, l3 = { 0 };
    pb_u(&l1, 1, S_F);
    pb_u(&l1, 2, S_MAIN);           /* string label */
    pb_msg(&s, 3, &l1);
    pb_u(&l2, 1, S_BYTES);
    pb_u(&l2, 3, 48);
    pb_u(&l2, 4, S_BYTES);          /* numeric, with unit */
    pb_msg(&s, 3, &l2);
    pb_u(&l3, 1, S_F);              /* all zero but the key: ignored */
    pb_msg(&s, 3, &l3);
    pb_msg(&p, 2, &s);
    strings(&p);
    cd_profile *prof;
    cd_error err;
    CHECK(load(&p, &prof, &err) == 0);
    if (prof) {
        CHECK(prof->nlabel == 2);
        CHECK(prof->label[0].str == S_MAIN && prof->label[1].num == 48 &&
              prof->label[1].unit == S_BYTES && prof->label[1].str == 0);
    }
    cd_profile_free(prof);
    free(p.b);
}

static void t_concat(void)
{
    pb a = heap_profile(1, 0, 1, 111);
    pb b = heap_profile(1, 0, 1, 222);
    pb both = { 0 };
    pb_raw(&both, a.b, a.n);
    pb_raw(&both, b.b, b.n);
    CHECK(load_fails(&both, "concatenated profiles detected", -1));
    /* as two gzip members, as a careless `cat a.gz b.gz` makes */
    pb ga = gzip_of(a.b, a.n), gb = gzip_of(b.b, b.n);
    pb gz = { 0 };
    pb_raw(&gz, ga.b, ga.n);
    pb_raw(&gz, gb.b, gb.n);
    CHECK(load_fails(&gz, "concatenated profiles detected", -1));
    free(a.b);
    free(b.b);
    free(both.b);
    free(ga.b);
    free(gb.b);
    free(gz.b);
}

static void t_gzip(void)
{
    pb p = heap_profile(5, 2, 1, 77);
    cd_profile *plain, *prof;
    cd_error err;
    CHECK(load(&p, &plain, &err) == 0);

    /* one profile split over three gzip members */
    size_t cut1 = p.n / 3, cut2 = 2 * p.n / 3;
    pb m1 = gzip_of(p.b, cut1), m2 = gzip_of(p.b + cut1, cut2 - cut1),
       m3 = gzip_of(p.b + cut2, p.n - cut2);
    pb gz = { 0 };
    pb_raw(&gz, m1.b, m1.n);
    pb_raw(&gz, m2.b, m2.n);
    pb_raw(&gz, m3.b, m3.n);
    CHECK(load(&gz, &prof, &err) == 0);
    CHECK(prof && prof->format == (CD_PPROF_PROTO | CD_PPROF_GZIPPED));
    CHECK(prof && plain && prof->nsample == plain->nsample &&
          prof->data_len == plain->data_len &&
          !memcmp(prof->data, plain->data, prof->data_len));
    cd_profile_free(prof);

    /* trailing bytes that are not a gzip member */
    pb tr = { 0 };
    pb_raw(&tr, m1.b, m1.n);
    pb_raw(&tr, "junk", 4);
    CHECK(load_fails(&tr, "are not another gzip member", (int64_t)m1.n));

    /* truncated member */
    pb tc = { 0 };
    pb_raw(&tc, m3.b, m3.n - 5);
    CHECK(load_fails(&tc, "gzip: truncated", -1));

    /* gzip magic, then garbage */
    pb ng = { 0 };
    pb_raw(&ng, "\x1f\x8b\x08\x00garbage-garbage-garbage", 27);
    CHECK(load_fails(&ng, "gzip:", -1));

    /* a corrupted CRC */
    pb cr = { 0 };
    pb_raw(&cr, m1.b, m1.n);
    cr.b[cr.n - 6] ^= 0x55;
    CHECK(load_fails(&cr, "gzip: member at offset 0: incorrect data check", -1));

    /* the output bound */
    unsigned char zeros[5000] = { 0 };
    pb z = gzip_of(zeros, sizeof zeros);
    unsigned char *out = NULL;
    size_t outn = 0;
    memset(&err, 0, sizeof err);
    CHECK(cd_pprof__gunzip(z.b, z.n, 1000, &out, &outn, "bomb.gz", &err) < 0);
    CHECK(strstr(err.msg, "exceeds") != NULL);
    CHECK(cd_pprof__gunzip(z.b, z.n, 5000, &out, &outn, "ok.gz", &err) == 0 &&
          outn == 5000);
    free(out);

    /* empty content */
    pb e = gzip_of((const unsigned char *)"", 0);
    CHECK(load_fails(&e, "inflates to nothing", -1));

    cd_profile_free(plain);
    free(p.b);
    free(m1.b);
    free(m2.b);
    free(m3.b);
    free(gz.b);
    free(tr.b);
    free(tc.b);
    free(ng.b);
    free(cr.b);
    free(z.b);
    free(e.b);
}

static void t_sniff(void)
{
    pb p = heap_profile(1, 0, 1, 0);
    CHECK(cd_pprof_sniff(p.b, p.n) == CD_PPROF_PROTO);
    CHECK(cd_pprof_sniff(p.b, 3) == CD_PPROF_PROTO);
    pb g = gzip_of(p.b, p.n);
    CHECK(cd_pprof_sniff(g.b, g.n) == (CD_PPROF_PROTO | CD_PPROF_GZIPPED));
    CHECK(cd_pprof_sniff(g.b, 12) == (CD_PPROF_MAYBE | CD_PPROF_GZIPPED));
    const char *dump = "go1.7 heap dump\n\x01\x02";
    CHECK(cd_pprof_sniff((const unsigned char *)dump, strlen(dump)) == 0);
    pb gd = gzip_of((const unsigned char *)dump, strlen(dump));
    CHECK(cd_pprof_sniff(gd.b, gd.n) == 0);
    CHECK(cd_pprof_sniff((const unsigned char *)"", 0) == 0);
    CHECK(cd_pprof_sniff(NULL, 0) == 0);
#define S(txt) cd_pprof_sniff((const unsigned char *)(txt), strlen(txt))
    CHECK(S("heap profile: 1: 2 [3: 4] @ heap/2\n") == CD_PPROF_HEAP_TEXT);
    CHECK(S("goroutine profile: total 5\n") == CD_PPROF_COUNT_TEXT);
    CHECK(S("threadcreate profile: total 5\n") == CD_PPROF_COUNT_TEXT);
    CHECK(S("goroutine 1 [running]:\nmain.main()\n") == CD_PPROF_STACKS_TEXT);
    CHECK(S("\n\ngoroutine 1 [running]:\n") == CD_PPROF_STACKS_TEXT);
    CHECK(S("hello world") == 0);
    CHECK(S("{\"json\": 1}") == 0);
    CHECK(S("goroutine profile:") == 0);
#undef S
    unsigned char junk[] = { 0x1f, 0x8b, 0xff, 0xff, 0xff, 0xff };
    CHECK(cd_pprof_sniff(junk, sizeof junk) == 0);
    free(p.b);
    free(g.b);
    free(gd.b);
}

/* Every prefix, and many one-byte corruptions, load or fail cleanly. */
static void t_fuzzish(void)
{
    pb p = heap_profile(3, 2, 1, 5);
    pb g = gzip_of(p.b, p.n);
    cd_profile *prof;
    cd_error err;
    int ok = 0, bad = 0;
    for (size_t n = 0; n <= p.n; n++) {
        if (cd_pprof_load_mem(p.b, n, "prefix", &prof, &err) == 0) {
            ok++;
            cd_profile_free(prof);
        } else {
            bad++;
            CHECK(err.msg[0] != 0);
        }
    }
    for (size_t n = 0; n < g.n; n++) {
        if (cd_pprof_load_mem(g.b, n, "gzprefix", &prof, &err) == 0)
            cd_profile_free(prof);
        else
            CHECK(err.msg[0] != 0);
    }
    CHECK(ok >= 1 && bad >= 1);
    /* found by libFuzzer: one byte with the varint continuation bit */
    CHECK(cd_pprof_load_mem((const unsigned char *)"\xa0", 1, "a0", &prof, &err) < 0);
    uint64_t x = 88172645463325252ull;
    unsigned char *m = malloc(p.n);
    for (int it = 0; it < 20000; it++) {
        memcpy(m, p.b, p.n);
        for (int k = 0; k < 1 + it % 3; k++) {
            x ^= x << 13;
            x ^= x >> 7;
            x ^= x << 17;
            m[x % p.n] = (unsigned char)(x >> 32);
        }
        if (cd_pprof_load_mem(m, p.n, "mut", &prof, &err) == 0) {
            /* a loadable mutant must also compare and render */
            cd_pprof_result *r;
            if (cd_pprof_compare(prof, prof, NULL, &r, &err) == 0) {
                FILE *devnull = fopen("/dev/null", "w");
                cd_pprof_render_text(r, devnull);
                fclose(devnull);
                json_decref(cd_pprof_to_json(r));
                cd_pprof_result_free(r);
            }
            cd_profile_free(prof);
        }
    }
    free(m);
    free(p.b);
    free(g.b);
}

static void t_units(void)
{
    char b[64];
#define L(v, from, to, want) \
    (cd_pprof__scaled_label((v), (from), (to), b, sizeof b), \
     CHECK(!strcmp(b, (want)) || (fprintf(stderr, "  got %s\n", b), 0)))
    L(0, "bytes", "minimum", "0");
    L(1024, "bytes", "minimum", "1kB");
    L(1536, "bytes", "minimum", "1.50kB");
    L(-16, "bytes", "minimum", "-16B");
    L(524329, "bytes", "kB", "512.04kB");
    L(1048576, "bytes", "MB", "1MB");
    L(100, "bytes", "kB", "0.10kB");
    L(450, "count", "count", "450");
    L(-13108, "count", "count", "-13108");
    L(1500000000, "nanoseconds", "minimum", "1.50s");
    L(7, "goroutine", "goroutine", "7goroutine");
#undef L
#define P(v, t, want) \
    (cd_pprof__percentage((v), (t), b, sizeof b), \
     CHECK(!strcmp(b, (want)) || (fprintf(stderr, "  got '%s'\n", b), 0)))
    P(450, 913, "49.29%");
    P(1, 1231, "0.081%");
    P(0, 913, "    0%");
    P(0, 0, "    0%");
    P(913, 913, "  100%");
    P(-1, 1186, "0.084%");
    P(1, 100000, "0.001%");
    P(1, 10000000, "1e-05%");
#undef P
    CHECK(!strcmp(cd_pprof__min_unit(1023, "bytes"), "B"));
    CHECK(!strcmp(cd_pprof__min_unit(1024, "bytes"), "kB"));
    CHECK(!strcmp(cd_pprof__min_unit(5, "count"), ""));
    CHECK(cd_pprof__neg_round(5) == -5 && cd_pprof__neg_round(INT64_MIN) == INT64_MIN);
    CHECK(cd_pprof__mul_trunc(913, 0.005) == 4);
    CHECK(cd_pprof__abs(INT64_MIN) == INT64_MIN);
}

static cd_profile *load_file(const char *path)
{
    cd_profile *p = NULL;
    cd_error err;
    if (cd_pprof_load(path, &p, &err) < 0) {
        char m[2048];
        cd_error_format(&err, m, sizeof m);
        fprintf(stderr, "  load %s: %s\n", path, m);
        failures++;
    }
    return p;
}

static void t_heap_text(void)
{
    cd_profile *p = load_file("tests/data/pprof/handmade-heap-debug1.txt");
    if (p) {
        CHECK(p->format == CD_PPROF_HEAP_TEXT && p->kind == CD_PPROF_KIND_HEAP);
        CHECK(p->ntype == 4 && p->period == 524288 && p->nsample == 3);
        /* scaleHeapSample(2, 128, 524288) for the inuse pair */
        double s = 1 / (1 - exp(-64.0 / 524288));
        CHECK(p->value[2] == (int64_t)(2 * s) && p->value[3] == (int64_t)(128 * s));
        /* record 2: alloc 3/208 (avg 69.33), inuse 1/64 */
        double s2 = 1 / (1 - exp(-(208.0 / 3) / 524288));
        CHECK(p->value[4] == (int64_t)(3 * s2));
        /* bytes label from the inuse pair */
        CHECK(p->label[p->sample[1].label_off].num == 64);
        /* the leading runtime frame is stripped, names come from # lines */
        const cd_psample *sm = &p->sample[1];
        CHECK(sm->nloc == 2);
        const cd_plocation *l = &p->location[p->loc[sm->loc_off]];
        CHECK(l->address == 0x477584 && l->nline == 1);
        CHECK(cd_pprof__streq(p->str[p->function[p->line[l->line_off].function].name],
                              "context.WithCancel"));
        CHECK(p->line[l->line_off].line == 236);
        /* a record without # lines gets address-only locations (PC - 1) */
        CHECK(p->sample[2].nloc == 1 &&
              p->location[p->loc[p->sample[2].loc_off]].address == 0x500000 &&
              p->location[p->loc[p->sample[2].loc_off]].nline == 0);
    }
    cd_profile_free(p);
    p = load_file("tests/data/pprof/handmade-heap-debug1-rate1-crlf.txt");
    if (p) {
        /* heap/2 -> rate 1: no scaling; the header's alloc pair equals the
         * inuse pair -> pprof makes only objects/space columns */
        CHECK(p->period == 1 && p->ntype == 2 && p->value[0] == 1 &&
              p->value[1] == 64);
    }
    cd_profile_free(p);
    cd_profile *q = NULL;
    cd_error err;
    CHECK(cd_pprof_load("tests/data/pprof/malformed-heap-debug1-zero-count.txt",
                        &q, &err) < 0);
    CHECK(strstr(err.msg, "inuse count was 0 but inuse bytes was 64") &&
          strstr(err.msg, "line 2"));
    CHECK(cd_pprof_load("tests/data/pprof/malformed-heap-debug1-bad-address.txt",
                        &q, &err) < 0);
    CHECK(strstr(err.msg, "bad address list") != NULL && err.offset > 0);
    CHECK(cd_pprof_load("tests/data/pprof/no-such-file", &q, &err) < 0 &&
          err.kind == CD_EIO);
}

static void t_goroutine_text(void)
{
    cd_profile *p = load_file("tests/data/pprof/handmade-goroutine-debug1.txt");
    if (p) {
        CHECK(p->format == CD_PPROF_COUNT_TEXT && p->kind == CD_PPROF_KIND_GOROUTINE);
        CHECK(p->nsample == 2 && p->value[0] == 5 && p->value[1] == 2);
        CHECK(p->sample[0].nlabel == 2);
        const cd_plabel *l = &p->label[p->sample[0].label_off];
        CHECK(cd_pprof__streq(p->str[l[0].key], "req") &&
              cd_pprof__streq(p->str[l[0].str], "a b") &&
              cd_pprof__streq(p->str[l[1].key], "user"));
    }
    cd_profile_free(p);
    cd_profile *q = NULL;
    cd_error err;
    CHECK(cd_pprof_load("tests/data/pprof/malformed-goroutine-debug1-record.txt",
                        &q, &err) < 0 && strstr(err.msg, "line 2"));

    p = load_file("tests/data/pprof/handmade-goroutine-debug2.txt");
    if (p) {
        CHECK(p->format == CD_PPROF_STACKS_TEXT && p->nsample == 5);
        CHECK(cd_pprof__streq(p->str[p->sample[1].wait], "chan receive"));
        CHECK(p->sample[1].minutes == 3 && p->sample[2].minutes == 12);
        CHECK(cd_pprof__streq(p->str[p->sample[3].wait], "select"));
        CHECK(p->sample[1].created_by &&
              cd_pprof__streq(p->str[p->function[p->sample[1].created_by - 1].name],
                              "main.start"));
        const cd_plocation *l = &p->location[p->loc[p->sample[1].loc_off]];
        CHECK(cd_pprof__streq(p->str[p->function[p->line[l->line_off].function].name],
                              "main.(*T).wait") && p->line[l->line_off].line == 40);
        CHECK(p->sample[3].nloc == 2);
        CHECK(p->sample[4].nloc == 0);
    }
    /* the goroutine view */
    cd_pprof_result *r = NULL;
    if (p && cd_pprof_compare(p, p, NULL, &r, &err) == 0) {
        CHECK(r->ngr == 4);
        CHECK(r->gr[0].cls == CD_GR_WATCHER &&
              !strcmp(r->gr[0].top, "context.propagateCancel.func1") &&
              !strcmp(r->gr[0].origin, "context.propagateCancel"));
        CHECK(r->gr[1].cls == CD_GR_CHAN_WAIT && r->gr[1].count.after == 2 &&
              r->gr[1].max_minutes == 12);
    } else {
        CHECK(0);
    }
    cd_pprof_result_free(r);
    cd_profile_free(p);
}

/* A hand-computed -top: after has 10 contexts + 10 closures under
 * main.main -> main.f -> context.WithCancel, and 4 objects at the other
 * main.f location; before has 3 + 3 and 6. inuse_objects:
 * merged samples: ctx +7, closure +7, main.f -2 -> total 16;
 * WithCancel flat 14; main.f flat -2 cum 12; main.main cum 12. */
static void t_top(void)
{
    pb b = heap_profile(3, 6, 1, 1);
    pb a = heap_profile(10, 4, 0, 2);
    cd_profile *pb_, *pa;
    cd_error err;
    CHECK(load(&b, &pb_, &err) == 0);
    CHECK(load(&a, &pa, &err) == 0);
    cd_pprof_options o;
    cd_pprof_options_init(&o);
    o.sample_index = "inuse_objects";
    cd_pprof_result *r;
    CHECK(cd_pprof_compare(pb_, pa, &o, &r, &err) == 0);
    char *buf = NULL;
    size_t len = 0;
    FILE *f = open_memstream(&buf, &len);
    cd_pprof_render_top(r, f);
    fclose(f);
    const char *want =
        "Showing nodes accounting for 12, 75.00% of 16 total\n"
        "      flat  flat%   sum%        cum   cum%\n"
        "        14 87.50% 87.50%         14 87.50%  context.WithCancel\n"
        "        -2 12.50% 75.00%         12 75.00%  main.f\n"
        "         0     0% 75.00%         12 75.00%  main.main\n";
    CHECK(!strcmp(buf, want) || (fprintf(stderr, "got:\n%s", buf), 0));
    free(buf);
    /* the context view: 7 more contexts and 7 more closures at main.f */
    CHECK(r->nctx == 1 && !strcmp(r->ctx[0].site, "main.f") &&
          !strcmp(r->ctx[0].api, "context.WithCancel") &&
          r->ctx[0].objects[CD_CTX_OBJECT].before == 3 &&
          r->ctx[0].objects[CD_CTX_OBJECT].after == 10 &&
          r->ctx[0].objects[CD_CTX_CLOSURE].after == 10 &&
          r->ctx[0].object_size == 64 &&
          r->ctx[0].bytes[CD_CTX_OBJECT].after == 640);
    /* JSON is deterministic */
    json_t *j1 = cd_pprof_to_json(r), *j2 = cd_pprof_to_json(r);
    char *s1 = json_dumps(j1, JSON_PRESERVE_ORDER), *s2 = json_dumps(j2, JSON_PRESERVE_ORDER);
    CHECK(s1 && s2 && !strcmp(s1, s2));
    CHECK(s1 && strstr(s1, "\"kind\": \"heap\", \"before\"") != NULL);
    free(s1);
    free(s2);
    json_decref(j1);
    json_decref(j2);
    cd_pprof_result_free(r);

    /* bytes: units chosen like pprof (-unit=minimum) */
    o.sample_index = "inuse_space";
    CHECK(cd_pprof_compare(pb_, pa, &o, &r, &err) == 0);
    CHECK(r && !strcmp(r->top.output_unit, "B") &&
          !strcmp(r->top.rows[0].flat_s, "560B") &&
          !strcmp(r->top.rows[0].name, "context.WithCancel"));
    cd_pprof_result_free(r);

    /* default: the last column */
    CHECK(cd_pprof_compare(pb_, pa, NULL, &r, &err) == 0);
    CHECK(r && r->top.sample_index == 3);
    cd_pprof_result_free(r);
    o.sample_index = "1";
    CHECK(cd_pprof_compare(pb_, pa, &o, &r, &err) == 0 && r->top.sample_index == 1);
    cd_pprof_result_free(r);
    o.sample_index = "objects";
    CHECK(cd_pprof_compare(pb_, pa, &o, &r, &err) < 0 && err.kind == CD_EUSAGE &&
          strstr(err.msg, "must be one of: [alloc_objects alloc_space "
                 "inuse_objects inuse_space]"));
    o.sample_index = "4";
    CHECK(cd_pprof_compare(pb_, pa, &o, &r, &err) < 0 &&
          strstr(err.msg, "outside the range [0..3]"));

    /* a heap profile and a goroutine profile do not compare */
    cd_profile *g = load_file("tests/data/pprof/handmade-goroutine-debug1.txt");
    CHECK(g && cd_pprof_compare(g, pa, NULL, &r, &err) < 0 &&
          strstr(err.msg, "incompatible profiles"));
    cd_profile_free(g);
    cd_profile_free(pb_);
    cd_profile_free(pa);
    free(a.b);
    free(b.b);
}

/* Inlining: a location with lines [context.withCancel, context.WithCancel]
 * gives "context.withCancel (inline)", and the context view still finds
 * the WithCancel call site. */
static void t_inline(void)
{
    pb p[2];
    for (int k = 0; k < 2; k++) {
        pb *q = &p[k];
        memset(q, 0, sizeof *q);
        header(q);
        func(q, 1, S_wc);
        func(q, 2, S_WC);
        func(q, 3, S_F);
        uint64_t inl[] = { 1, 2 }, f3[] = { 3 };
        loc(q, 1, 0x1000, inl, 2);
        loc(q, 2, 0x2000, f3, 1);
        uint64_t stk[] = { 1, 2 };
        int64_t n = k ? 50 : 10;
        int64_t v[] = { n, 80 * n, n, 80 * n };
        sample(q, stk, 2, v, 4, 1, 80);
        strings(q);
    }
    cd_profile *b, *a;
    cd_error err;
    CHECK(load(&p[0], &b, &err) == 0 && load(&p[1], &a, &err) == 0);
    cd_pprof_options o;
    cd_pprof_options_init(&o);
    o.sample_index = "inuse_objects";
    cd_pprof_result *r;
    CHECK(cd_pprof_compare(b, a, &o, &r, &err) == 0);
    CHECK(r->top.nrows == 3 && !strcmp(r->top.rows[0].name, "context.withCancel") &&
          !strcmp(r->top.rows[0].inl, "(inline)") &&
          !strcmp(r->top.rows[1].name, "context.WithCancel") &&
          !strcmp(r->top.rows[1].inl, ""));
    CHECK(r->nctx == 1 && !strcmp(r->ctx[0].site, "main.f") &&
          !strcmp(r->ctx[0].api, "context.WithCancel") &&
          r->ctx[0].objects[CD_CTX_OBJECT].after == 50 &&
          r->ctx[0].object_size == 80);
    cd_pprof_result_free(r);
    cd_profile_free(a);
    cd_profile_free(b);
    free(p[0].b);
    free(p[1].b);
}

int main(void)
{
    t_basic();
    t_mixed_packing();
    t_unknown_fields();
    t_string_index();
    t_truncation();
    t_wire_types();
    t_ids();
    t_values();
    t_labels();
    t_concat();
    t_gzip();
    t_sniff();
    t_units();
    t_heap_text();
    t_goroutine_text();
    t_top();
    t_inline();
    t_fuzzish();
    if (failures) {
        fprintf(stderr, "test_pprof: %d check(s) failed\n", failures);
        return 1;
    }
    printf("test_pprof: all checks passed\n");
    return 0;
}
