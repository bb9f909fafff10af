/* pprof_intern.c — find-or-insert of variable-length keys (strings, stack
 * keys) on top of cd_map64, without another hash table.
 *
 * cd_map64 maps a nonzero u64 to a u32. A key's hash h is used as the map
 * key; when that slot holds a different entry (a 64-bit hash collision, or
 * h already taken), the next candidate is cd_hash64(h), and so on. Lookups
 * walk the same chain, so every entry stays reachable. */
#include "pprof.h"

uint32_t cd_pprof__intern(cd_map64 *m, uint64_t h,
                          int (*eq)(const void *ctx, uint32_t id),
                          const void *ctx, uint32_t next_id, int *added)
{
    uint64_t k = h ? h : 1;
    for (;;) {
        uint32_t id;
        if (!cd_map64_get(m, k, &id)) {
            cd_map64_put(m, k, next_id);
            if (added)
                *added = 1;
            return next_id;
        }
        if (eq(ctx, id)) {
            if (added)
                *added = 0;
            return id;
        }
        k = cd_hash64(k);
        if (!k)
            k = 1;
    }
}
