/* util.h — small shared helpers: checked allocation, growable arrays,
 * hashing. Every stage uses these instead of writing its own. */
#ifndef CD_UTIL_H
#define CD_UTIL_H

#include <stddef.h>
#include <stdint.h>

/* Allocation that aborts with a message on failure (out of memory is not a
 * recoverable input error for a CLI tool). Sizes are checked for overflow. */
/* u64 values packed as a base per block of 64 plus a u32 offset each
 * (4.1 bytes a value instead of 8), for values that cluster, as object
 * addresses and file offsets do. A block whose values span 4 GiB or more,
 * or reach 2^63, keeps them whole in a side table. */
typedef struct cd_u64pack {
    uint64_t *base;    /* per block: its smallest value, or 2^63 | index in wide */
    uint32_t *low;     /* per value: value - base */
    uint64_t *wide;    /* the whole values of the wide blocks, 64 a block */
    size_t n, nwide;
} cd_u64pack;
void cd_u64pack_build(cd_u64pack *p, const uint64_t *v, size_t n);
void cd_u64pack_free(cd_u64pack *p);
static inline uint64_t cd_u64pack_get(const cd_u64pack *p, size_t i)
{
    uint64_t b = p->base[i >> 6];
    return b >> 63 ? p->wide[(b & ~(1ull << 63)) + (i & 63)] : b + p->low[i];
}

/* Free p and forget it (p is evaluated twice: a plain lvalue only). */
#define CD_FREE(p) (free(p), (p) = NULL)

/* Start loading the cache line of p (random accesses a few steps ahead). */
#if defined(__GNUC__) || defined(__clang__)
#define CD_PREFETCH(p) __builtin_prefetch(p)
#else
#define CD_PREFETCH(p) ((void)0)
#endif

void *cd_malloc(size_t n);
void *cd_calloc(size_t n, size_t size);
void *cd_realloc(void *p, size_t n);
void *cd_reallocarray(void *p, size_t n, size_t size);
char *cd_strdup(const char *s);
char *cd_strndup(const char *s, size_t n);

/* Grow *arr (element size esz) so that it holds at least need elements;
 * *cap is updated. Doubling growth. */
void cd_grow(void **arr, size_t *cap, size_t need, size_t esz);
#define CD_GROW(arr, cap, need) cd_grow((void **)&(arr), &(cap), (need), sizeof *(arr))

/* 64-bit mixing hash (splitmix64 finaliser) and FNV-1a over bytes. */
static inline uint64_t cd_hash64(uint64_t x)
{
    x += 0x9e3779b97f4a7c15ull;
    x = (x ^ (x >> 30)) * 0xbf58476d1ce4e5b9ull;
    x = (x ^ (x >> 27)) * 0x94d049bb133111ebull;
    return x ^ (x >> 31);
}
uint64_t cd_hash_bytes(const void *p, size_t n, uint64_t seed);
/* Random per process (same in every thread): seeds the hash tables. */
uint64_t cd_hash_seed(void);

/* Length (1-4) of the valid UTF-8 sequence at p (n bytes available), 0
 * if the bytes there are not one (bad lead or continuation, overlong,
 * surrogate, past U+10FFFF). */
size_t cd_utf8_seq(const unsigned char *p, size_t n);

/* Open-addressing map u64 -> u32 (keys must not be 0). Used for address
 * lookups (itab -> type, type address -> type id, ...). */
typedef struct cd_map64 {
    uint64_t *keys;
    uint32_t *vals;
    size_t cap;   /* power of two, 0 when empty */
    size_t len;
    uint64_t seed;  /* cd_hash_seed(), taken on first insert */
} cd_map64;
void cd_map64_put(cd_map64 *m, uint64_t key, uint32_t val);
/* Returns 1 and sets *val when found, 0 otherwise. */
int cd_map64_get(const cd_map64 *m, uint64_t key, uint32_t *val);
void cd_map64_free(cd_map64 *m);

#endif
