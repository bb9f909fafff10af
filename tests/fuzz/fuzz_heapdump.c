/* fuzz_heapdump.c — the Go heap dump reader (cd_heapdump_load) on
 * arbitrary bytes, then every accessor of the model it built. */
#include "fuzz.h"
#include "snapshot.h"

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
    (void)argc; (void)argv;
    return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    char path[64];
    int fd = fuzz_memfile(data, size, path, sizeof path);
    /* a types range as a binary would give it, so type words are looked at */
    cd_load_options lo = {0x400000, 0x800000};
    cd_snapshot *s = NULL;
    cd_error err;
    if (cd_heapdump_load(path, size & 1 ? &lo : NULL, &s, &err) == 0) {
        unsigned char buf[64];
        for (size_t i = 0; i < s->nobj && i < 64; i++) {
            uint32_t o = s->by_addr[i];
            /* every object holds its own address (zero-size ones hold none) */
            if (s->obj_size[o] && cd_snapshot_find(s, cd_obj_addr(s, o)) != o)
                abort();
            cd_snapshot_read(s, o, 0, buf, s->obj_size[o] < sizeof buf ? s->obj_size[o] : sizeof buf, &err);
        }
        for (uint64_t e = 0; e < s->nedge && e < 256; e++) {
            (void)cd_edge_dyn(s, e);
            (void)cd_edge_dst_off(s, e);
        }
        cd_snapshot_free(s);
    }
    close(fd);
    return 0;
}
