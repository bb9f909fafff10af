/* test_limits.c — bounded allocation on hostile inputs. Hand-made heap
 * dumps and profiles (built byte by byte below, not from a Go runtime)
 * whose lengths and counts claim far more than the input holds: an object
 * of 2^40 bytes, a memprof stack of 10^12 frames, frame/segment/name
 * lengths of 2^40, a pprof field of 2^40 bytes. Each must be an error
 * naming the file and an offset, before anything that size is allocated:
 * in the plain build the address space is limited (RLIMIT_AS), so an
 * attempt would abort the test; under ASan an allocation that large is a
 * report. Also: finalizer records repeated for one pointer-heavy object
 * must not multiply the roots (a quadratic blow-up found while reading the
 * reader for this test). */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <unistd.h>

#include "pprof.h"
#include "snapshot.h"

static int passed, failed;

#define CHECK(cond, ...) do { if (cond) passed++; else { failed++; printf("FAIL: " __VA_ARGS__); printf("\n"); } } while (0)

/* ---- a byte buffer that hand-made dumps are written into ---- */
typedef struct buf {
    unsigned char *b;
    size_t n, cap;
} buf;

static void put(buf *o, const void *p, size_t n)
{
    if (o->n + n > o->cap) {
        o->cap = (o->n + n) * 2 + 64;
        o->b = realloc(o->b, o->cap);
        if (!o->b)
            abort();
    }
    memcpy(o->b + o->n, p, n);
    o->n += n;
}

static void uv(buf *o, uint64_t x)
{
    unsigned char t[10];
    size_t k = 0;
    while (x >= 0x80) {
        t[k++] = (unsigned char)(x | 0x80);
        x >>= 7;
    }
    t[k++] = (unsigned char)x;
    put(o, t, k);
}

static void str(buf *o, const char *s)
{
    uv(o, strlen(s));
    put(o, s, strlen(s));
}

/* header + params record of a little-endian 64-bit go1.19.8 dump */
static void dump_start(buf *o)
{
    put(o, "go1.7 heap dump\n", 16);
    uv(o, 6);             /* params */
    uv(o, 0);             /* little endian */
    uv(o, 8);             /* pointer size */
    uv(o, 0xc000000000);  /* heap start */
    uv(o, 0xc000400000);  /* heap end */
    str(o, "amd64");
    str(o, "go1.19.8");
    uv(o, 2);             /* ncpu */
}

static const char *tmp_path(void)
{
    static char path[64];
    if (!path[0])
        snprintf(path, sizeof path, "/tmp/ctxdiff-test-limits-%d.heapdump", (int)getpid());
    return path;
}

/* Load o as a heap dump: returns the loader's rc, fills err (and *out when
 * out is not NULL and the load worked). */
static int load(const buf *o, cd_error *err, cd_snapshot **out)
{
    FILE *f = fopen(tmp_path(), "wb");
    if (!f || fwrite(o->b, 1, o->n, f) != o->n || fclose(f) != 0)
        abort();
    cd_snapshot *s = NULL;
    memset(err, 0, sizeof *err);
    int rc = cd_heapdump_load(tmp_path(), NULL, &s, err);
    if (out)
        *out = s;
    else
        cd_snapshot_free(s);
    return rc;
}

static void expect_error(const buf *o, const char *name, const char *needle)
{
    cd_error err;
    int rc = load(o, &err, NULL);
    CHECK(rc < 0 && err.kind == CD_EFORMAT, "%s: rc %d kind %d (%s)", name, rc, err.kind, err.msg);
    CHECK(strcmp(err.file, tmp_path()) == 0 && err.offset >= 0 && (uint64_t)err.offset <= o->n,
          "%s: error names %s at %lld", name, err.file, (long long)err.offset);
    CHECK(!needle || strstr(err.msg, needle), "%s: message '%s' lacks '%s'", name, err.msg, needle);
}

static void t_object_2_40(void)
{
    buf o = {0};
    dump_start(&o);
    uv(&o, 1);                     /* object */
    uv(&o, 0xc000001000);
    uv(&o, (uint64_t)1 << 40);     /* contents: 2^40 bytes claimed */
    put(&o, "\0\0\0\0\0\0\0\0", 8);
    uv(&o, 0);
    expect_error(&o, "object of 2^40 bytes", "exceeds");
    free(o.b);
}

static void t_memprof_10_12(void)
{
    buf o = {0};
    dump_start(&o);
    uv(&o, 16);                    /* memprof bucket */
    uv(&o, 0x1234);                /* bucket address */
    uv(&o, 64);                    /* alloc size */
    uv(&o, 1000000000000ull);      /* stack depth: 10^12 frames claimed */
    str(&o, "main.f");
    str(&o, "main.go");
    uv(&o, 7);
    uv(&o, 0);
    expect_error(&o, "stack of 10^12 frames", "stack depth");
    free(o.b);
}

static void t_other_lengths(void)
{
    const uint64_t big = (uint64_t)1 << 40;
    buf o = {0};
    /* frame contents */
    dump_start(&o);
    uv(&o, 4);                     /* goroutine */
    for (int i = 0; i < 8; i++)
        uv(&o, i < 3 ? 0x1000 + (uint64_t)i : 0);
    str(&o, "chan receive");
    for (int i = 0; i < 4; i++)
        uv(&o, 0);
    uv(&o, 5);                     /* stack frame */
    uv(&o, 0xc000100000); uv(&o, 0); uv(&o, 0);
    uv(&o, big);
    expect_error(&o, "frame of 2^40 bytes", "exceeds");
    /* segment */
    o.n = 0;
    dump_start(&o);
    uv(&o, 13);
    uv(&o, 0x500000);
    uv(&o, big);
    expect_error(&o, "bss of 2^40 bytes", "exceeds");
    /* type name */
    o.n = 0;
    dump_start(&o);
    uv(&o, 3);
    uv(&o, 0x400000); uv(&o, 8);
    uv(&o, big);
    expect_error(&o, "type name of 2^40 bytes", "exceeds");
    /* varint longer than 64 bits */
    o.n = 0;
    dump_start(&o);
    uv(&o, 1);
    put(&o, "\xff\xff\xff\xff\xff\xff\xff\xff\xff\xff\x01", 11);
    expect_error(&o, "overlong varint", "varint");
    /* GOARCH of 2^40 bytes in params */
    o.n = 0;
    put(&o, "go1.7 heap dump\n", 16);
    uv(&o, 6); uv(&o, 0); uv(&o, 8); uv(&o, 0); uv(&o, 0);
    uv(&o, big);
    expect_error(&o, "GOARCH of 2^40 bytes", "exceeds");
    free(o.b);
}

/* F finalizer records for one object of N pointer slots: the object's
 * referents are roots once, not F times. */
static void t_repeated_finalizers(void)
{
    enum { N = 512, F = 4000 };
    buf o = {0};
    dump_start(&o);
    uv(&o, 1);
    uv(&o, 0xc000001000);
    uv(&o, 8 * N);
    for (int i = 0; i < N; i++) {
        uint64_t self = 0xc000001000;   /* little-endian pointer to itself */
        unsigned char w[8];
        for (int k = 0; k < 8; k++)
            w[k] = (unsigned char)(self >> (8 * k));
        put(&o, w, 8);
    }
    for (int i = 0; i < N; i++) {
        uv(&o, 1);
        uv(&o, 8 * (uint64_t)i);
    }
    uv(&o, 0);
    for (int i = 0; i < F; i++) {
        uv(&o, 7);
        uv(&o, 0xc000001000); uv(&o, 0); uv(&o, 0); uv(&o, 0); uv(&o, 0);
    }
    uv(&o, 0);
    cd_error err;
    cd_snapshot *s = NULL;
    int rc = load(&o, &err, &s);
    CHECK(rc == 0, "repeated finalizers: %s", err.msg);
    if (s) {
        CHECK(s->nedge == N, "repeated finalizers: %zu edges", s->nedge);
        CHECK(s->nroots <= (size_t)N + F, "repeated finalizers: %zu roots for %d slots and %d records",
              s->nroots, N, F);
        CHECK(s->nfinalizers == F, "repeated finalizers: %zu counted", s->nfinalizers);
    }
    cd_snapshot_free(s);
    free(o.b);
}

/* profile.proto whose first field claims 2^40 bytes, plain and gzipped
 * would be the same: the decoder must refuse it from the bytes left. */
static void t_pprof_2_40(void)
{
    buf o = {0};
    uv(&o, (1 << 3) | 2);          /* Profile.sample_type, length-delimited */
    uv(&o, (uint64_t)1 << 40);
    put(&o, "\x08\x01\x10\x02", 4);
    cd_profile *p = NULL;
    cd_error err;
    memset(&err, 0, sizeof err);
    int rc = cd_pprof_load_mem(o.b, o.n, "handmade-2^40.pb", &p, &err);
    CHECK(rc < 0 && err.kind == CD_EFORMAT, "pprof field of 2^40 bytes: rc %d (%s)", rc, err.msg);
    cd_profile_free(p);
    /* a sample whose packed location list claims 2^40 bytes */
    o.n = 0;
    uv(&o, (2 << 3) | 2);          /* Profile.sample */
    uv(&o, 6);
    uv(&o, (1 << 3) | 2);          /* Sample.location_id, packed */
    uv(&o, (uint64_t)1 << 40);
    rc = cd_pprof_load_mem(o.b, o.n, "handmade-packed-2^40.pb", &p, &err);
    CHECK(rc < 0 && err.kind == CD_EFORMAT, "pprof packed ids of 2^40 bytes: rc %d (%s)", rc, err.msg);
    cd_profile_free(p);
    /* goroutine text claiming 10^12 goroutines in one record */
    const char *txt = "goroutine profile: total 1000000000000\n"
                      "1000000000000 @ 0x1 0x2\n"
                      "#\t0x1\tmain.f+0x1\t/x/main.go:1\n\n";
    rc = cd_pprof_load_mem((const unsigned char *)txt, strlen(txt), "handmade-goroutine1.txt", &p, &err);
    CHECK(rc == 0 || err.kind == CD_EFORMAT, "goroutine text with 10^12: rc %d (%s)", rc, err.msg);
    cd_profile_free(p);
    free(o.b);
}

int main(void)
{
#if defined(__SANITIZE_ADDRESS__)
    const int asan = 1;
#elif defined(__has_feature)
#if __has_feature(address_sanitizer)
    const int asan = 1;
#else
    const int asan = 0;
#endif
#else
    const int asan = 0;
#endif
    if (!asan) {
        /* 1 GiB of address space: an allocation of what the inputs claim
           (2^40 bytes, 10^12 frames) fails, and cd_malloc aborts */
        struct rlimit rl = {(rlim_t)1 << 30, (rlim_t)1 << 30};
        CHECK(setrlimit(RLIMIT_AS, &rl) == 0, "setrlimit");
    }
    t_object_2_40();
    t_memprof_10_12();
    t_other_lengths();
    t_repeated_finalizers();
    t_pprof_2_40();
    unlink(tmp_path());
    printf("%d passed, %d failed\n", passed, failed);
    return failed ? 1 : 0;
}
