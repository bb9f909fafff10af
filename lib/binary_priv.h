/* binary_priv.h — implementation state shared by binary.c (API, runtime
 * type descriptors), binary_elf.c (ELF image) and binary_dwarf.c (libdwarf
 * walk). Not part of the library's interface: include only from binary*.c. */
#ifndef CD_BINARY_PRIV_H
#define CD_BINARY_PRIV_H

#include <stddef.h>
#include <stdint.h>

#include "binary.h"
#include "util.h"

/* Chunked string arena: pointers stay valid until cd_arena_free. */
typedef struct cd_arena_blk cd_arena_blk;
typedef struct cd_arena {
    cd_arena_blk *head;
} cd_arena;
const char *cd_arena_strndup(cd_arena *a, const char *s, size_t n);
const char *cd_arena_strdup(cd_arena *a, const char *s);
void cd_arena_free(cd_arena *a);

/* One ELF section header, bounds already checked against the file. */
typedef struct bin_section {
    const char *name;     /* in the image's .shstrtab ("" if none) */
    uint32_t type;
    uint64_t flags;
    uint64_t addr, size;  /* virtual address (0 unless SHF_ALLOC), size */
    uint64_t off;         /* file offset (meaningless for SHT_NOBITS) */
    uint32_t link;
    uint64_t entsize;
} bin_section;

/* A SHF_ALLOC section with file contents, for cd_binary_read. */
typedef struct bin_range {
    uint64_t addr, size, off;
} bin_range;

/* Offsets (in bytes) of the fields of a runtime type descriptor, taken from
 * the DWARF struct runtime._type / internal/abi.Type when present. */
typedef struct bin_rtlayout {
    int from_dwarf;
    uint64_t type_size;              /* sizeof(_type) */
    uint64_t size, tflag, kind, str; /* member offsets */
    uint64_t ptr_elem;               /* ptrtype.elem (= slice/chan/array elem) */
    uint64_t map_key, map_elem;      /* maptype.key / .elem */
    uint64_t array_len;              /* arraytype.len */
    uint64_t iface_methods;          /* interfacetype.mhdr/Methods (slice) */
    uint64_t struct_fields;          /* structtype.fields (slice) */
    uint64_t sf_size, sf_name, sf_typ, sf_off;   /* structfield */
    uint32_t string_type, eface_type, iface_type;   /* DWARF type ids */
} bin_rtlayout;

typedef struct bin_priv {
    /* ELF image (read-only mmap of the whole file). */
    const unsigned char *img;
    size_t img_size;
    bin_section *secs;
    size_t nsecs;
    bin_range *ranges;   /* sorted by addr */
    size_t nranges;

    cd_arena arena;
    cd_map64 rtmap;          /* runtime type address -> type id */
    uint32_t *byname;        /* DWARF type ids (1..nbyname) sorted by name */
    size_t nbyname;
    size_t ndwarf_types;     /* types [0, ndwarf_types) came from DWARF */
    uint64_t *sym_maxend;    /* prefix maximum of syms[i].addr+size */
    uint64_t *glob_maxend;   /* same for globals */
    size_t types_cap, fields_cap;

    bin_rtlayout rt;
    uint64_t firstmoduledata;    /* address of runtime.firstmoduledata */
} bin_priv;

static inline bin_priv *bin_p(const cd_binary *bin)
{
    return (bin_priv *)bin->priv;
}

/* binary_elf.c: map path, parse headers, sections, symbols, addresses
 * (ptr_size, byte order, data/bss, types_base/end). */
int cd_binary_elf_load(cd_binary *bin, const char *path, cd_error *err);
void cd_binary_elf_unload(cd_binary *bin);
/* Section by name, NULL if absent. */
const bin_section *cd_binary_section(const cd_binary *bin, const char *name);
/* Go version from .go.buildinfo into bin->go_version (if found). */
void cd_binary_buildinfo_version(cd_binary *bin);
/* Read an unsigned integer of n (1, 2, 4, 8) bytes in the file's byte order. */
uint64_t cd_binary_rdint(const cd_binary *bin, const unsigned char *p, int n);

/* binary_loclists.c: bytes of a section, inflated if compressed (caller
 * frees *out); 0 or -1. */
int cd_binary_section_data(const cd_binary *bin, const bin_section *sec, unsigned char **out,
                           uint64_t *len);
/* Walk .debug_loclists (absent is fine) and return a bitmap of the byte
 * offsets at which a checked location list entry starts (*starts, *nbytes
 * bits; NULL when there is no section or it cannot be read). */
void cd_binary_check_loclists(cd_binary *bin, uint8_t **starts, uint64_t *nbytes);

/* binary_dwarf.c: walk the DWARF with libdwarf and fill types, fields,
 * globals, funcs, vars, locs, and the rt layout. */
int cd_binary_dwarf_load(cd_binary *bin, cd_error *err);


#endif
