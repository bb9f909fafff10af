/* core_info — prints what a snapshot (heap dump or core file) holds, for
 * comparing the two readers: counts, roots by kind, goroutines with their
 * frames, and (with -o ADDR) one object's edges.
 *
 * usage: core_info BINARY SNAPSHOT [-g] [-o HEXADDR] [-s]
 *   -s  one line per object: address, size, shape (hash of its pointer-slot
 *       offsets), edge count: tests/core.sh compares dump and core by it */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "binary.h"
#include "core.h"
#include "snapshot.h"

int main(int argc, char **argv)
{
    if (argc < 3) {
        fprintf(stderr, "usage: core_info BINARY SNAPSHOT [-g] [-o HEXADDR] [-s]\n");
        return 2;
    }
    cd_error err;
    cd_binary *bin;
    if (cd_binary_open(argv[1], &bin, &err) < 0) {
        fprintf(stderr, "%s: %s\n", err.file, err.msg);
        return 2;
    }
    FILE *f = fopen(argv[2], "rb");
    unsigned char head[64] = {0};
    size_t n = f ? fread(head, 1, sizeof head, f) : 0;
    if (f)
        fclose(f);
    cd_load_options lo = {bin->types_base, bin->types_end};
    cd_snapshot *s;
    int rc = cd_core_sniff(head, n) ? cd_core_load(argv[2], bin, &lo, &s, &err)
                                    : cd_heapdump_load(argv[2], &lo, &s, &err);
    if (rc < 0) {
        fprintf(stderr, "%s: %s\n", err.file, err.msg);
        cd_binary_free(bin);
        return 2;
    }
    size_t kinds[9] = {0};
    for (size_t i = 0; i < s->nroots; i++)
        kinds[s->roots[i].kind < 9 ? s->roots[i].kind : 0]++;
    printf("version %s objects %zu bytes %llu edges %zu dyn %zu interior %zu itabs %zu rtypes %zu\n",
           s->go_version, s->nobj, (unsigned long long)s->bytes_total, s->nedge, s->ndyn, s->noff,
           s->itabs.len, s->nrtypes);
    printf("finalizers %zu\n", s->nfinalizers);
    printf("roots %zu: data %zu bss %zu frame %zu finalizer %zu other %zu\n", s->nroots,
           kinds[CD_ROOT_DATA], kinds[CD_ROOT_BSS], kinds[CD_ROOT_FRAME], kinds[CD_ROOT_FINALIZER],
           s->nroots - kinds[CD_ROOT_DATA] - kinds[CD_ROOT_BSS] - kinds[CD_ROOT_FRAME] - kinds[CD_ROOT_FINALIZER]);
    printf("data 0x%llx+%llu bss 0x%llx+%llu goroutines %zu frames %zu\n",
           (unsigned long long)s->data.addr, (unsigned long long)s->data.size,
           (unsigned long long)s->bss.addr, (unsigned long long)s->bss.size, s->ngoroutines, s->nframes);
    for (int a = 3; a < argc; a++) {
        if (strcmp(argv[a], "-s") == 0) {
            for (size_t i = 0; i < s->nobj; i++) {
                uint32_t o = s->by_addr[i];
                printf("%llx %u %08x %llu\n", (unsigned long long)cd_obj_addr(s, o), s->obj_size[o],
                       s->obj_shape ? s->obj_shape[o] : 0,
                       (unsigned long long)(s->obj_edge[o + 1] - s->obj_edge[o]));
            }
        } else if (strcmp(argv[a], "-g") == 0) {
            for (size_t i = 0; i < s->ngoroutines; i++) {
                const cd_goroutine *g = &s->goroutines[i];
                printf("g %llu status %llu sys %d reason \"%s\"\n", (unsigned long long)g->goid,
                       (unsigned long long)g->status, g->system, cd_strtab_get(&s->strings, g->wait_reason));
                for (uint32_t k = 0; k < g->nframes; k++) {
                    const cd_frame *fr = &s->frames[g->frame0 + k];
                    printf("   %u %s sp 0x%llx size %llu pc 0x%llx entry 0x%llx\n", fr->depth,
                           cd_strtab_get(&s->strings, fr->func), (unsigned long long)fr->sp,
                           (unsigned long long)fr->size, (unsigned long long)fr->pc,
                           (unsigned long long)fr->entry_pc);
                }
            }
        } else if (strcmp(argv[a], "-o") == 0 && a + 1 < argc) {
            uint64_t addr = strtoull(argv[++a], NULL, 16);
            uint32_t o = cd_snapshot_find(s, addr);
            if (o == CD_NONE32) {
                printf("no object at 0x%llx\n", (unsigned long long)addr);
                continue;
            }
            printf("object 0x%llx size %u\n", (unsigned long long)cd_obj_addr(s, o), s->obj_size[o]);
            for (uint64_t e = s->obj_edge[o]; e < s->obj_edge[o + 1]; e++)
                printf("  +%u -> 0x%llx+%u dyn %u (0x%llx)\n", s->edge_off[e],
                       (unsigned long long)cd_obj_addr(s, s->edge_dst[e]), cd_edge_dst_off(s, e),
                       cd_edge_dyn(s, e), (unsigned long long)s->rtypes[cd_edge_dyn(s, e)]);
        }
    }
    cd_snapshot_free(s);
    cd_binary_free(bin);
    return 0;
}
