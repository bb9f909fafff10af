/* fuzz_binary.c — the ELF + DWARF loader (cd_binary_open) on mutated small
 * binaries, then the lookups the typing stage uses. */
#include "binary.h"
#include "fuzz.h"

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
    (void)argc; (void)argv;
    return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    char path[64];
    int fd = fuzz_memfile(data, size, path, sizeof path);
    cd_binary *bin = NULL;
    cd_error err;
    if (cd_binary_open(path, &bin, &err) == 0) {
        (void)cd_binary_type_by_name(bin, "context.cancelCtx");
        for (size_t i = 0; i < bin->nglobals && i < 64; i++)
            (void)cd_binary_global_at(bin, bin->globals[i].addr);
        for (size_t i = 0; i < bin->nfuncs && i < 64; i++)
            (void)cd_binary_func_at(bin, bin->funcs[i].lowpc);
        /* a few runtime type descriptors: synthesised types read the image */
        for (size_t i = 1; i < bin->ntypes && i < 4096; i += 7)
            if (bin->types[i].rtaddr)
                (void)cd_binary_type_for_rtaddr(bin, bin->types[i].rtaddr);
        if (bin->types_base)
            for (uint64_t a = bin->types_base; a < bin->types_end && a < bin->types_base + 4096; a += 8)
                (void)cd_binary_type_for_rtaddr(bin, a);
        unsigned char buf[64];
        (void)cd_binary_read(bin, bin->data_addr, buf, sizeof buf);
        cd_binary_free(bin);
    }
    close(fd);
    return 0;
}
