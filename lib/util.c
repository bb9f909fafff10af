/* util.c — checked allocation, growable arrays, hashing, u64 map. */
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/random.h>
#include <time.h>
#include <unistd.h>

#include "util.h"

static void out_of_memory(size_t n)
{
    fprintf(stderr, "ctxdiff: out of memory (allocating %zu bytes)\n", n);
    exit(2);
}

/* The per-object arrays of a big snapshot are tens to hundreds of MB,
 * filled once and read at random: in 4 KiB pages, faulting them in and
 * missing the TLB cost a tenth of the run. Ask for huge pages where the
 * system gives them on request (transparent_hugepage=madvise); only the
 * 2 MiB-aligned inside of a block is advised. */
#define HUGE_MIN ((size_t)8 << 20)
static void *advise_huge(void *p, size_t n)
{
#if defined(MADV_HUGEPAGE)
    if (p && n >= HUGE_MIN) {
        const uintptr_t huge = (uintptr_t)2 << 20;
        uintptr_t a = ((uintptr_t)p + huge - 1) & ~(huge - 1);
        uintptr_t e = ((uintptr_t)p + n) & ~(huge - 1);
        if (e > a)
            (void)madvise((void *)a, e - a, MADV_HUGEPAGE);
    }
#else
    (void)n;
#endif
    return p;
}

void *cd_malloc(size_t n)
{
    void *p = malloc(n ? n : 1);
    if (!p)
        out_of_memory(n);
    return advise_huge(p, n);
}

void *cd_calloc(size_t n, size_t size)
{
    void *p = calloc(n ? n : 1, size ? size : 1);
    if (!p)
        out_of_memory(n * size);
    return advise_huge(p, n * size);
}

void *cd_realloc(void *p, size_t n)
{
    void *q = realloc(p, n ? n : 1);
    if (!q)
        out_of_memory(n);
    return q;  /* not advised: arrays that grow are remapped as they go */
}

void *cd_reallocarray(void *p, size_t n, size_t size)
{
    if (size && n > SIZE_MAX / size)
        out_of_memory(SIZE_MAX);
    return cd_realloc(p, n * size);
}

char *cd_strdup(const char *s)
{
    return cd_strndup(s, strlen(s));
}

char *cd_strndup(const char *s, size_t n)
{
    char *p = cd_malloc(n + 1);
    memcpy(p, s, n);
    p[n] = 0;
    return p;
}

void cd_grow(void **arr, size_t *cap, size_t need, size_t esz)
{
    if (need <= *cap)
        return;
    size_t c = *cap ? *cap : 16;
    while (c < need) {
        if (c > SIZE_MAX / 2)
            out_of_memory(SIZE_MAX);
        c *= 2;
    }
    *arr = cd_reallocarray(*arr, c, esz);
    *cap = c;
}

/* A random seed per process for the hash tables, so that a hostile dump
 * cannot choose keys that all collide. Output never depends on it: no
 * table is iterated. */
static uint64_t hash_seed;
static pthread_once_t hash_seed_once = PTHREAD_ONCE_INIT;

static void init_hash_seed(void)
{
    uint64_t s = 0;
    /* CTXDIFF_HASH_SEED fixes the seed: tests check that output does not depend on it */
    const char *fixed = getenv("CTXDIFF_HASH_SEED");
    if (fixed && *fixed) {
        hash_seed = cd_hash64(strtoull(fixed, NULL, 0)) | 1;
        return;
    }
    if (getrandom(&s, sizeof s, GRND_NONBLOCK) != (ssize_t)sizeof s) {
        struct timespec ts;
        clock_gettime(CLOCK_MONOTONIC, &ts);
        s = (uint64_t)ts.tv_nsec ^ ((uint64_t)ts.tv_sec << 32) ^ (uint64_t)getpid() ^
            (uint64_t)(uintptr_t)&s;
    }
    hash_seed = cd_hash64(s) | 1;
}

uint64_t cd_hash_seed(void)
{
    pthread_once(&hash_seed_once, init_hash_seed);
    return hash_seed;
}

void cd_u64pack_build(cd_u64pack *p, const uint64_t *v, size_t n)
{
    size_t nb = (n + 63) / 64;
    p->n = n;
    p->base = cd_malloc((nb + 1) * sizeof *p->base);
    p->low = cd_malloc((n + 1) * sizeof *p->low);
    p->wide = NULL;
    p->nwide = 0;
    size_t wcap = 0;
    for (size_t b = 0; b < nb; b++) {
        size_t lo = b * 64, hi = lo + 64 < n ? lo + 64 : n;
        uint64_t min = UINT64_MAX, max = 0;
        for (size_t i = lo; i < hi; i++) {
            min = v[i] < min ? v[i] : min;
            max = v[i] > max ? v[i] : max;
        }
        if (max - min <= UINT32_MAX && !(max >> 63)) {
            p->base[b] = min;
            for (size_t i = lo; i < hi; i++)
                p->low[i] = (uint32_t)(v[i] - min);
            continue;
        }
        CD_GROW(p->wide, wcap, p->nwide + 64);
        p->base[b] = 1ull << 63 | p->nwide;
        for (size_t i = lo; i < hi; i++) {
            p->wide[p->nwide + (i - lo)] = v[i];
            p->low[i] = 0;
        }
        p->nwide += 64;
    }
}

void cd_u64pack_free(cd_u64pack *p)
{
    free(p->base);
    free(p->low);
    free(p->wide);
    memset(p, 0, sizeof *p);
}

uint64_t cd_hash_bytes(const void *p, size_t n, uint64_t seed)
{
    /* eight bytes a step (paths' signatures run to kilobytes), then a
       full mix: tables index by the low bits */
    const unsigned char *s = p;
    uint64_t h = 0xcbf29ce484222325ull ^ seed ^ ((uint64_t)n * 0x9e3779b97f4a7c15ull);
    uint64_t w;
    for (; n >= 8; n -= 8, s += 8) {
        memcpy(&w, s, 8);
        h = (h ^ w) * 0x9e3779b97f4a7c15ull;
        h ^= h >> 32;
    }
    if (n) {
        w = 0;
        memcpy(&w, s, n);
        h = (h ^ w) * 0x9e3779b97f4a7c15ull;
    }
    return cd_hash64(h);
}

static void map64_rehash(cd_map64 *m, size_t ncap)
{
    uint64_t *ok = m->keys;
    uint32_t *ov = m->vals;
    size_t ocap = m->cap;
    m->keys = cd_calloc(ncap, sizeof *m->keys);
    m->vals = cd_calloc(ncap, sizeof *m->vals);
    m->cap = ncap;
    for (size_t i = 0; i < ocap; i++) {
        if (!ok[i])
            continue;
        size_t j = cd_hash64(ok[i] ^ m->seed) & (ncap - 1);
        while (m->keys[j])
            j = (j + 1) & (ncap - 1);
        m->keys[j] = ok[i];
        m->vals[j] = ov[i];
    }
    free(ok);
    free(ov);
}

void cd_map64_put(cd_map64 *m, uint64_t key, uint32_t val)
{
    if (!m->cap)
        m->seed = cd_hash_seed();
    if ((m->len + 1) * 2 > m->cap)
        map64_rehash(m, m->cap ? m->cap * 2 : 64);
    size_t j = cd_hash64(key ^ m->seed) & (m->cap - 1);
    while (m->keys[j] && m->keys[j] != key)
        j = (j + 1) & (m->cap - 1);
    if (!m->keys[j]) {
        m->keys[j] = key;
        m->len++;
    }
    m->vals[j] = val;
}

int cd_map64_get(const cd_map64 *m, uint64_t key, uint32_t *val)
{
    if (!m->cap || !key)
        return 0;
    size_t j = cd_hash64(key ^ m->seed) & (m->cap - 1);
    while (m->keys[j]) {
        if (m->keys[j] == key) {
            *val = m->vals[j];
            return 1;
        }
        j = (j + 1) & (m->cap - 1);
    }
    return 0;
}

void cd_map64_free(cd_map64 *m)
{
    free(m->keys);
    free(m->vals);
    m->keys = NULL;
    m->vals = NULL;
    m->cap = m->len = 0;
}

size_t cd_utf8_seq(const unsigned char *p, size_t n)
{
    if (!n)
        return 0;
    unsigned c = p[0];
    size_t len = c < 0x80 ? 1 : (c >> 5) == 6 ? 2 : (c >> 4) == 14 ? 3 : (c >> 3) == 30 ? 4 : 0;
    if (!len || len > n)
        return 0;
    for (size_t k = 1; k < len; k++)
        if ((p[k] >> 6) != 2)
            return 0;
    if (len == 2 && c < 0xc2)
        return 0;   /* overlong */
    if (len == 3 && ((c == 0xe0 && p[1] < 0xa0) || (c == 0xed && p[1] >= 0xa0)))
        return 0;   /* overlong, surrogate */
    if (len == 4 && ((c == 0xf0 && p[1] < 0x90) || c > 0xf4 || (c == 0xf4 && p[1] >= 0x90)))
        return 0;   /* overlong, past U+10FFFF */
    return len;
}
