/* binary.h — what a Go executable tells ctxdiff: ELF symbols and section
 * bytes, and from DWARF (libdwarf 20210528) a compact table of Go types,
 * global variables, functions and their local variables.
 *
 * Stage: typing input. Built once per binary, read-only afterwards except
 * that cd_binary_type_for_rtaddr may append synthesised types (not thread
 * safe: call it from one thread).
 *
 * All addresses are link-time virtual addresses of the ELF file. For PIE
 * binaries the caller adds its own bias. Type id 0 means "no type". */
#ifndef CD_BINARY_H
#define CD_BINARY_H

#include <stddef.h>
#include <stdint.h>

#include "error.h"

/* Go reflect kinds (DW_AT_go_kind values), plus 0 for unknown. */
enum cd_kind {
    CD_KIND_NONE = 0,
    CD_KIND_BOOL = 1, CD_KIND_INT, CD_KIND_INT8, CD_KIND_INT16, CD_KIND_INT32,
    CD_KIND_INT64, CD_KIND_UINT, CD_KIND_UINT8, CD_KIND_UINT16, CD_KIND_UINT32,
    CD_KIND_UINT64, CD_KIND_UINTPTR, CD_KIND_FLOAT32, CD_KIND_FLOAT64,
    CD_KIND_COMPLEX64, CD_KIND_COMPLEX128,
    CD_KIND_ARRAY = 17, CD_KIND_CHAN = 18, CD_KIND_FUNC = 19,
    CD_KIND_INTERFACE = 20, CD_KIND_MAP = 21, CD_KIND_PTR = 22,
    CD_KIND_SLICE = 23, CD_KIND_STRING = 24, CD_KIND_STRUCT = 25,
    CD_KIND_UNSAFEPTR = 26,
};

typedef struct cd_field {
    const char *name;     /* member name as in DWARF ("mu", "Context") */
    uint32_t type;        /* type id */
    uint32_t embedded;    /* 1 for an embedded field */
    uint64_t offset;      /* byte offset in the struct */
} cd_field;

typedef struct cd_type {
    const char *name;     /* Go name: "context.cancelCtx", "*context.cancelCtx",
                             "map[string]int", "[]uint8", "hash<string,int>" */
    uint64_t size;        /* byte size (0 allowed) */
    uint8_t kind;         /* enum cd_kind; synthesised runtime structs
                             (hash<..>, bucket<..>, hchan<..>) are STRUCT */
    uint8_t eface;        /* INTERFACE: 1 = empty interface (first word is a
                             type pointer), 0 = itab pointer */
    uint8_t synthetic;    /* 1 when built from a runtime type descriptor */
    uint32_t elem;        /* PTR: pointee; SLICE/ARRAY/CHAN: element;
                             MAP: value type */
    uint32_t key;         /* MAP: key type */
    uint32_t impl;        /* MAP: the struct type of the object the map
                             value points to (hash<K,V> for Go <= 1.23,
                             map<K,V> for swiss maps); CHAN: hchan<T>; 0 if
                             unknown */
    uint64_t count;       /* ARRAY: number of elements */
    uint32_t field0;      /* STRUCT, STRING, SLICE, INTERFACE (DWARF gives
                             these as structs): first index in bin->fields */
    uint32_t nfields;
    uint64_t rtaddr;      /* runtime type descriptor address, 0 if none */
} cd_type;

typedef struct cd_global {
    const char *name;     /* "main.globalCtxStore" */
    uint64_t addr;
    uint64_t size;
    uint32_t type;
} cd_global;

/* One piece of a variable at a range of PCs: bytes [piece_off,
 * piece_off+piece_size) of the variable live at CFA + cfa_off.
 * lo = 0, hi = UINT64_MAX when valid at every PC of the function.
 * Register pieces are not stored (parked goroutines keep nothing there). */
typedef struct cd_varloc {
    uint64_t lo, hi;
    int64_t cfa_off;
    uint32_t piece_off, piece_size;
} cd_varloc;

typedef struct cd_var {
    const char *name;     /* "ctx", "&c", "~r0" */
    uint32_t type;
    uint8_t is_param;
    int64_t closure_off;  /* DW_AT_go_closure_offset (Go >= 1.23), -1 if none */
    uint32_t loc0, nloc;  /* range in bin->locs */
} cd_var;

typedef struct cd_func {
    const char *name;     /* "main.worker", "main.main.func1" */
    uint64_t lowpc, highpc;   /* [lowpc, highpc) */
    uint32_t var0, nvars;     /* range in bin->vars (includes vars of
                                 inlined callees and lexical blocks) */
} cd_func;

typedef struct cd_symbol {
    const char *name;
    uint64_t addr, size;
    uint8_t is_func;      /* STT_FUNC */
} cd_symbol;

typedef struct cd_binary {
    char *path;
    char go_version[64];      /* "go1.19.8" from the DWARF producer or buildinfo; "" if unknown */
    int ptr_size;             /* 8 or 4 */
    int big_endian;
    int dwarf_version;        /* 4, 5; 0 if no DWARF */
    uint64_t types_base;      /* runtime.types (type: in 1.20+), 0 if unknown */
    uint64_t types_end;       /* runtime.etypes */
    uint64_t data_addr, data_size;   /* .data section */
    uint64_t bss_addr, bss_size;     /* .bss section */

    cd_type *types;   size_t ntypes;     /* types[0] is the "no type" entry */
    size_t ndwarf_types;                 /* how many of them came from DWARF (the rest
                                            are synthesised on demand) */
    cd_field *fields; size_t nfields;
    cd_global *globals; size_t nglobals; /* sorted by addr */
    cd_func *funcs;   size_t nfuncs;     /* sorted by lowpc */
    cd_var *vars;     size_t nvars;
    cd_varloc *locs;  size_t nlocs;
    cd_symbol *syms;  size_t nsyms;      /* sorted by addr */

    void *priv;       /* implementation state (maps, ELF image, strings) */
} cd_binary;

/* Open path, read its ELF symbols and DWARF. Errors (not ELF, no DWARF, not
 * a Go binary) name the file; returns 0 or -1. */
int cd_binary_open(const char *path, cd_binary **out, cd_error *err);
void cd_binary_free(cd_binary *bin);

/* The type whose runtime descriptor is at addr: the DWARF type with that
 * DW_AT_go_runtime_type, else one synthesised from the descriptor bytes in
 * the file (name, size, kind; PTR elem resolved the same way, bounded).
 * 0 if addr is not a type descriptor. */
uint32_t cd_binary_type_for_rtaddr(cd_binary *bin, uint64_t addr);

/* A type by its Go name ("context.cancelCtx"); 0 if absent. */
uint32_t cd_binary_type_by_name(const cd_binary *bin, const char *name);

/* The field of struct type `type` named `name`; NULL if absent. */
const cd_field *cd_binary_field(const cd_binary *bin, uint32_t type, const char *name);

/* Mark (mark[id] = 1, mark has ntypes entries) every type the marked ones
 * name, transitively: elements, keys, impl structs, field types. */
void cd_binary_type_closure(const cd_binary *bin, uint8_t *mark);

/* Function containing pc, or NULL. */
const cd_func *cd_binary_func_at(const cd_binary *bin, uint64_t pc);

/* Global whose [addr, addr+size) contains addr, or NULL. */
const cd_global *cd_binary_global_at(const cd_binary *bin, uint64_t addr);

/* ELF symbol whose [addr, addr+size) contains addr, or NULL. */
const cd_symbol *cd_binary_symbol_at(const cd_binary *bin, uint64_t addr);

/* A binary without a file, for typed JSON snapshots: types and fields
 * only (no symbols, globals, functions or section bytes). Add types with
 * cd_binary_add_type (ids from 1; names kept with cd_binary_keep) and
 * their fields with cd_binary_add_field, then cd_binary_index_types. */
cd_binary *cd_binary_new_bare(const char *path);
const char *cd_binary_keep(cd_binary *bin, const char *s);
uint32_t cd_binary_add_type(cd_binary *bin, const cd_type *t);
uint32_t cd_binary_add_field(cd_binary *bin, const cd_field *f);
void cd_binary_index_types(cd_binary *bin);

/* Copy n bytes at virtual address addr from the file's loaded sections
 * (.rodata, .data, .noptrdata, .typelink, ...). Returns 0, or -1 if any
 * byte is outside a section with file contents. */
int cd_binary_read(const cd_binary *bin, uint64_t addr, void *buf, size_t n);

#endif
