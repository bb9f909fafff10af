/* sort.h — sorting helpers for large arrays (radix sort, no recursion). */
#ifndef CD_SORT_H
#define CD_SORT_H

#include <stddef.h>
#include <stdint.h>

/* perm[0..n) = indices of keys in ascending key order (stable). */
void cd_sort_u64_index(const uint64_t *keys, size_t n, uint32_t *perm);

#endif
