/* test_pprof_fuzz.c — robustness of the pprof readers on damaged input.
 *
 * As a test (meson, run from the source root): takes the hand-made inputs
 * in tests/data/pprof/ and the real fixture profiles (testdata/go1.NN/),
 * plain and gzip, and feeds every prefix of the small ones and thousands
 * of seeded random mutations (bit flips, byte changes, cuts, duplicated
 * spans) through sniff -> load -> compare -> render text -> JSON. Each must
 * succeed or fail with a message; under ASan/UBSan nothing may be read out
 * of bounds, leak or overflow. Deterministic (fixed seeds).
 *
 * As a libFuzzer target, the same entry point:
 *   clang -g -O1 -fsanitize=fuzzer,address,undefined -DCD_LIBFUZZER \
 *     -D_GNU_SOURCE -Ilib tests/test_pprof_fuzz.c lib/pprof_*.c lib/util.c \
 *     lib/error.c -lz -ljansson -lm -o pprof_fuzz && ./pprof_fuzz CORPUS/
 * (4.4 M runs found one bug, a one-byte over-read, fixed in pprof_load.c
 * and kept as a case in test_pprof.c.) */
#include <glob.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <zlib.h>

#include "pprof.h"

static FILE *devnull;

int LLVMFuzzerTestOneInput(const uint8_t *d, size_t n);
int LLVMFuzzerTestOneInput(const uint8_t *d, size_t n)
{
    cd_profile *p;
    cd_error e;
    cd_pprof_sniff(d, n);
    if (cd_pprof_load_mem(d, n, "fuzz", &p, &e) < 0) {
        if (!e.msg[0])
            abort();   /* every failure says why */
        return 0;
    }
    cd_pprof_options o;
    cd_pprof_options_init(&o);
    cd_pprof_result *r;
    if (cd_pprof_compare(p, p, &o, &r, &e) == 0) {
        if (!devnull)
            devnull = fopen("/dev/null", "w");
        cd_pprof_render_text(r, devnull);
        json_t *j = cd_pprof_to_json(r);
        char *s = json_dumps(j, JSON_PRESERVE_ORDER);
        free(s);
        json_decref(j);
        cd_pprof_result_free(r);
    }
    cd_profile_free(p);
    return 0;
}

#ifndef CD_LIBFUZZER

static uint64_t rs = 0x243f6a8885a308d3ull;
static uint64_t rnd(void)
{
    rs ^= rs << 13;
    rs ^= rs >> 7;
    rs ^= rs << 17;
    return rs;
}

static unsigned char *read_file(const char *path, size_t *n)
{
    FILE *f = fopen(path, "rb");
    if (!f)
        return NULL;
    unsigned char *b = NULL;
    size_t cap = 0;
    *n = 0;
    for (;;) {
        if (*n == cap) {
            cap = cap ? cap * 2 : 65536;
            b = realloc(b, cap);
        }
        size_t got = fread(b + *n, 1, cap - *n, f);
        if (!got)
            break;
        *n += got;
    }
    fclose(f);
    return b;
}

/* The inflated bytes of a gzip file, or a copy of a plain one. */
static unsigned char *plain_of(const unsigned char *b, size_t n, size_t *out)
{
    if (n >= 2 && b[0] == 0x1f && b[1] == 0x8b) {
        unsigned char *o;
        cd_error e;
        if (cd_pprof__gunzip(b, n, (size_t)64 << 20, &o, out, "x", &e) == 0)
            return o;
    }
    unsigned char *o = malloc(n ? n : 1);
    memcpy(o, b, n);
    *out = n;
    return o;
}

static size_t runs;

static void mutate_and_run(const unsigned char *b, size_t n, int iters)
{
    unsigned char *m = malloc(n + 64);
    for (int it = 0; it < iters; it++) {
        size_t len = n;
        memcpy(m, b, n);
        int k = 1 + (int)(rnd() % 4);
        for (int j = 0; j < k && len; j++) {
            size_t at = rnd() % len;
            switch (rnd() % 5) {
            case 0: m[at] ^= (unsigned char)(1u << (rnd() % 8)); break;
            case 1: m[at] = (unsigned char)rnd(); break;
            case 2: len = at; break;                            /* cut */
            case 3: {                                           /* 0x80 run */
                size_t l = 1 + rnd() % 12;
                for (size_t x = at; x < len && x < at + l; x++)
                    m[x] = 0x80 | (unsigned char)rnd();
                break;
            }
            default: {                                          /* copy span */
                size_t from = rnd() % len, l = 1 + rnd() % 32;
                if (from + l > len)
                    l = len - from;
                if (at + l > len)
                    l = len - at;
                memmove(m + at, m + from, l);
            }
            }
        }
        LLVMFuzzerTestOneInput(m, len);
        runs++;
    }
    free(m);
}

static void one_file(const char *path, int iters, int prefixes)
{
    size_t n, pn;
    unsigned char *b = read_file(path, &n);
    if (!b)
        return;
    unsigned char *p = plain_of(b, n, &pn);
    if (pn > (size_t)256 << 10)
        pn = (size_t)256 << 10;   /* mutate the first 256 KiB */
    if (prefixes)
        for (size_t i = 0; i <= pn; i++, runs++)
            LLVMFuzzerTestOneInput(p, i);
    mutate_and_run(p, pn, iters);
    mutate_and_run(b, n < ((size_t)64 << 10) ? n : ((size_t)64 << 10), iters / 8);
    free(p);
    free(b);
}

int main(void)
{
    glob_t g;
    size_t files = 0;
    if (glob("tests/data/pprof/*", 0, NULL, &g) == 0) {
        for (size_t i = 0; i < g.gl_pathc; i++, files++)
            one_file(g.gl_pathv[i], 2000, 1);
        globfree(&g);
    }
    static const char *pats[] = {
        "testdata/go1.19/leaky/before.*.pb.gz",
        "testdata/go1.26/leaky/before.*.pb.gz",
        "testdata/go1.19/leaky/before.heap.txt",
        "testdata/go1.22/httpleak/before.goroutine*.txt",
    };
    for (size_t k = 0; k < sizeof pats / sizeof pats[0]; k++) {
        if (glob(pats[k], 0, NULL, &g) != 0)
            continue;
        for (size_t i = 0; i < g.gl_pathc; i++, files++)
            one_file(g.gl_pathv[i], 1500, 0);
        globfree(&g);
    }
    if (devnull)
        fclose(devnull);
    printf("test_pprof_fuzz: %zu inputs from %zu files, no crash\n", runs, files);
    return files ? 0 : 77;
}

#endif
