/* sort.c — LSD radix sort of u64 keys by index (see sort.h). Digits whose
 * value is the same for every key are skipped, so heap addresses (which
 * share their top bits) take few passes. */
#include <stdlib.h>
#include <string.h>

#include "sort.h"
#include "util.h"

/* Counts per digit -> where each digit's run starts (exclusive prefix sums). */
static void counts_to_offsets(size_t *count, size_t ndigits)
{
    size_t sum = 0;
    for (size_t d = 0; d < ndigits; d++) {
        size_t c = count[d];
        count[d] = sum;
        sum += c;
    }
}

void cd_sort_u64_index(const uint64_t *keys, size_t n, uint32_t *perm)
{
    for (size_t i = 0; i < n; i++)
        perm[i] = (uint32_t)i;
    if (n < 2)
        return;
    uint64_t all_or = 0, all_and = ~0ull;
    int sorted = 1;
    for (size_t i = 0; i < n; i++) {
        all_or |= keys[i];
        all_and &= keys[i];
        if (i && keys[i] < keys[i - 1])
            sorted = 0;
    }
    if (sorted)
        return;
    uint64_t varying = all_or ^ all_and;
    uint32_t *tmp = cd_malloc(n * sizeof *tmp);
    size_t *count = cd_malloc(65536 * sizeof *count);
    for (int shift = 0; shift < 64; shift += 16) {
        if (!((varying >> shift) & 0xffff))
            continue;
        memset(count, 0, 65536 * sizeof *count);
        for (size_t i = 0; i < n; i++)
            count[(keys[perm[i]] >> shift) & 0xffff]++;
        counts_to_offsets(count, 65536);
        for (size_t i = 0; i < n; i++)
            tmp[count[(keys[perm[i]] >> shift) & 0xffff]++] = perm[i];
        memcpy(perm, tmp, n * sizeof *perm);
    }
    free(tmp);
    free(count);
}

void cd_sort_pairs_u32(const uint64_t *pairs, size_t n, uint32_t *first, uint32_t *second)
{
    uint32_t *perm = cd_malloc((n + 1) * sizeof *perm);
    cd_sort_u64_index(pairs, n, perm);
    for (size_t k = 0; k < n; k++) {
        first[k] = (uint32_t)(pairs[perm[k]] >> 32);
        second[k] = (uint32_t)pairs[perm[k]];
    }
    free(perm);
}

void cd_sort_u64_index_dense(const uint64_t *keys, size_t n, uint32_t *perm, uint64_t *sorted)
{
    uint64_t min = UINT64_MAX, max = 0;
    int in_order = 1;
    for (size_t i = 0; i < n; i++) {
        min = keys[i] < min ? keys[i] : min;
        max = keys[i] > max ? keys[i] : max;
        if (i && keys[i] < keys[i - 1])
            in_order = 0;
    }
    uint64_t diff_or = 0;
    for (size_t i = 0; i < n; i++)
        diff_or |= keys[i] - min;
    int shift = 0;
    while (diff_or && !(diff_or >> shift & 1))
        shift++;
    if (n < 2 || in_order || ((max - min) >> shift) > UINT32_MAX) {
        cd_sort_u64_index(keys, n, perm);   /* in order already, or too spread */
        for (size_t i = 0; i < n; i++)
            sorted[i] = keys[perm[i]];
        return;
    }
    /* (key << 32 | index) pairs, sorted by 11-bit digits of the key:
       2048 counters stay in the cache, and the pairs are read in order */
    uint32_t range = (uint32_t)((max - min) >> shift);
    int bits = 0;
    while (bits < 32 && (range >> bits))
        bits++;
    uint64_t *a = sorted, *b = cd_malloc(n * sizeof *b);
    for (size_t i = 0; i < n; i++)
        a[i] = ((keys[i] - min) >> shift) << 32 | (uint64_t)i;
    size_t count[2048];
    for (int d = 32; d < 32 + bits; d += 11) {
        memset(count, 0, sizeof count);
        for (size_t i = 0; i < n; i++)
            count[a[i] >> d & 2047]++;
        counts_to_offsets(count, 2048);
        for (size_t i = 0; i < n; i++)
            b[count[a[i] >> d & 2047]++] = a[i];
        uint64_t *t = a;
        a = b;
        b = t;
    }
    for (size_t i = 0; i < n; i++) {
        perm[i] = (uint32_t)a[i];
        sorted[i] = min + ((a[i] >> 32) << shift);
    }
    free(a == sorted ? b : a);
}
