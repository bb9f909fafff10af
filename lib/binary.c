/* binary.c — cd_binary: open/free, lookups, section reads, and types
 * synthesised from runtime type descriptors in the file. The ELF side is
 * binary_elf.c, the DWARF walk binary_dwarf.c; their shared state is in
 * binary_priv.h. */
#include <stdlib.h>
#include <string.h>

#include "binary_priv.h"

#define SYNTH_DEPTH 6            /* nesting of types synthesised for one call */
#define SYNTH_MAX_FIELDS 4096    /* struct fields decoded from a descriptor */
#define NAME_MAX_LEN (1u << 16)  /* longest type/field name read from a descriptor */

/* ---- string arena ---------------------------------------------------- */

struct cd_arena_blk {
    cd_arena_blk *next;
    size_t used, cap;
    char data[];
};

const char *cd_arena_strndup(cd_arena *a, const char *s, size_t n)
{
    cd_arena_blk *b = a->head;
    if (!b || b->cap - b->used < n + 1) {
        size_t cap = n + 1 > 65536 - sizeof *b ? n + 1 : 65536 - sizeof *b;
        b = cd_malloc(sizeof *b + cap);
        b->cap = cap;
        b->used = 0;
        /* A big one-off string goes behind the current block so that the
         * current block keeps filling. */
        if (a->head && n + 1 > 4096) {
            b->next = a->head->next;
            a->head->next = b;
        } else {
            b->next = a->head;
            a->head = b;
        }
    }
    char *p = b->data + b->used;
    memcpy(p, s, n);
    p[n] = 0;
    b->used += n + 1;
    return p;
}

const char *cd_arena_strdup(cd_arena *a, const char *s)
{
    return cd_arena_strndup(a, s, strlen(s));
}

void cd_arena_free(cd_arena *a)
{
    cd_arena_blk *b = a->head;
    while (b) {
        cd_arena_blk *n = b->next;
        free(b);
        b = n;
    }
    a->head = NULL;
}

/* ---- reads ------------------------------------------------------------ */

int cd_binary_read(const cd_binary *bin, uint64_t addr, void *buf, size_t n)
{
    const bin_priv *p = bin_p(bin);
    unsigned char *out = buf;
    while (n) {
        /* Last range starting at or below addr. */
        size_t lo = 0, hi = p->nranges;
        while (lo < hi) {
            size_t mid = lo + (hi - lo) / 2;
            if (p->ranges[mid].addr <= addr)
                lo = mid + 1;
            else
                hi = mid;
        }
        if (lo == 0)
            return -1;
        const bin_range *r = &p->ranges[lo - 1];
        uint64_t in = addr - r->addr;
        if (in >= r->size)
            return -1;
        uint64_t take = r->size - in;
        if (take > n)
            take = n;
        memcpy(out, p->img + r->off + in, (size_t)take);
        out += take;
        n -= (size_t)take;
        addr += take;
    }
    return 0;
}

static int read_word(const cd_binary *bin, uint64_t addr, int n, uint64_t *v)
{
    unsigned char b[8];
    if (n < 1 || n > 8 || cd_binary_read(bin, addr, b, (size_t)n) < 0)
        return -1;
    *v = cd_binary_rdint(bin, b, n);
    return 0;
}

/* ---- lookups ---------------------------------------------------------- */

const cd_func *cd_binary_func_at(const cd_binary *bin, uint64_t pc)
{
    size_t lo = 0, hi = bin->nfuncs;
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        if (bin->funcs[mid].lowpc <= pc)
            lo = mid + 1;
        else
            hi = mid;
    }
    /* Functions do not overlap, but a zero-size one may sit on the same
     * lowpc as the real one: look back a little. */
    for (size_t i = lo; i > 0 && lo - i < 4; i--) {
        const cd_func *f = &bin->funcs[i - 1];
        if (pc >= f->lowpc && pc < f->highpc)
            return f;
    }
    return NULL;
}

/* Index of the last element with addr <= a, or SIZE_MAX. `at` returns the
 * element address; the array is sorted by it. */
#define LAST_LE(arr, n, field, a, out)                        \
    do {                                                      \
        size_t lo_ = 0, hi_ = (n);                            \
        while (lo_ < hi_) {                                   \
            size_t mid_ = lo_ + (hi_ - lo_) / 2;              \
            if ((arr)[mid_].field <= (a))                     \
                lo_ = mid_ + 1;                               \
            else                                              \
                hi_ = mid_;                                   \
        }                                                     \
        (out) = lo_ ? lo_ - 1 : SIZE_MAX;                     \
    } while (0)

const cd_global *cd_binary_global_at(const cd_binary *bin, uint64_t addr)
{
    const bin_priv *p = bin_p(bin);
    size_t i;
    LAST_LE(bin->globals, bin->nglobals, addr, addr, i);
    if (i == SIZE_MAX)
        return NULL;
    for (size_t j = i + 1; j > 0 && p->glob_maxend[j - 1] > addr; j--) {
        const cd_global *g = &bin->globals[j - 1];
        if (addr >= g->addr && addr - g->addr < g->size)
            return g;
    }
    return NULL;
}

const cd_symbol *cd_binary_symbol_at(const cd_binary *bin, uint64_t addr)
{
    const bin_priv *p = bin_p(bin);
    size_t i;
    LAST_LE(bin->syms, bin->nsyms, addr, addr, i);
    if (i == SIZE_MAX)
        return NULL;
    for (size_t j = i + 1; j > 0 && p->sym_maxend[j - 1] > addr; j--) {
        const cd_symbol *s = &bin->syms[j - 1];
        if (addr >= s->addr && addr - s->addr < s->size)
            return s;
    }
    return NULL;
}

typedef struct name_id {
    const char *name;
    uint32_t id;
} name_id;

static int name_id_cmp(const void *a, const void *b)
{
    const name_id *x = a, *y = b;
    int c = strcmp(x->name, y->name);
    if (c)
        return c;
    return x->id < y->id ? -1 : x->id > y->id;
}

uint32_t cd_binary_type_by_name(const cd_binary *bin, const char *name)
{
    const bin_priv *p = bin_p(bin);
    size_t lo = 0, hi = p->nbyname;
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        if (strcmp(bin->types[p->byname[mid]].name, name) < 0)
            lo = mid + 1;
        else
            hi = mid;
    }
    if (lo < p->nbyname && strcmp(bin->types[p->byname[lo]].name, name) == 0)
        return p->byname[lo];
    for (size_t i = p->ndwarf_types; i < bin->ntypes; i++)
        if (strcmp(bin->types[i].name, name) == 0)
            return (uint32_t)i;
    return 0;
}

const cd_field *cd_binary_field(const cd_binary *bin, uint32_t type, const char *name)
{
    if (type == 0 || type >= bin->ntypes)
        return NULL;
    const cd_type *t = &bin->types[type];
    for (uint32_t i = 0; i < t->nfields; i++) {
        const cd_field *f = &bin->fields[t->field0 + i];
        if (strcmp(f->name, name) == 0)
            return f;
    }
    return NULL;
}

void cd_binary_type_closure(const cd_binary *bin, uint8_t *mark)
{
    uint32_t *stack = cd_malloc((bin->ntypes + 1) * sizeof *stack);
    size_t sp = 0;
    for (size_t id = 1; id < bin->ntypes; id++)
        if (mark[id])
            stack[sp++] = (uint32_t)id;
#define SEE(x) do { uint32_t x_ = (x); if (x_ && x_ < bin->ntypes && !mark[x_]) { mark[x_] = 1; stack[sp++] = x_; } } while (0)
    while (sp) {
        const cd_type *t = &bin->types[stack[--sp]];
        SEE(t->elem);
        SEE(t->key);
        SEE(t->impl);
        for (uint32_t f = 0; f < t->nfields; f++)
            SEE(bin->fields[t->field0 + f].type);
    }
#undef SEE
    free(stack);
}

/* ---- synthesised types ------------------------------------------------- */

uint32_t cd_binary_add_type(cd_binary *bin, const cd_type *t)
{
    bin_priv *p = bin_p(bin);
    CD_GROW(bin->types, p->types_cap, bin->ntypes + 1);
    bin->types[bin->ntypes] = *t;
    return (uint32_t)bin->ntypes++;
}

/* Member offset of struct type `name` (first of two spellings), or dflt. */
static uint64_t member_off(const cd_binary *bin, uint32_t st, const char *a, const char *b,
                           uint64_t dflt, int *found)
{
    const cd_field *f = st ? cd_binary_field(bin, st, a) : NULL;
    if (!f && b && st)
        f = cd_binary_field(bin, st, b);
    if (found)
        *found = f != NULL;
    return f ? f->offset : dflt;
}

static uint32_t type_either(const cd_binary *bin, const char *a, const char *b)
{
    uint32_t t = cd_binary_type_by_name(bin, a);
    return t ? t : (b ? cd_binary_type_by_name(bin, b) : 0);
}

/* Descriptor layouts: from DWARF when the structs are there (they are in
 * every binary that has a runtime), else the layout shared by Go 1.17-1.26. */
static void init_rtlayout(cd_binary *bin)
{
    bin_rtlayout *rt = &bin_p(bin)->rt;
    uint64_t ps = (uint64_t)bin->ptr_size;
    uint32_t tt = type_either(bin, "internal/abi.Type", "runtime._type");
    int f1 = 0, f2 = 0, f3 = 0, f4 = 0;
    rt->type_size = tt && bin->types[tt].size ? bin->types[tt].size : 4 * ps + 16;
    rt->size = member_off(bin, tt, "Size_", "size", 0, &f1);
    rt->tflag = member_off(bin, tt, "TFlag", "tflag", 2 * ps + 4, &f2);
    rt->kind = member_off(bin, tt, "Kind_", "kind", 2 * ps + 7, &f3);
    rt->str = member_off(bin, tt, "Str", "str", 4 * ps + 8, &f4);
    rt->from_dwarf = tt && f1 && f2 && f3 && f4;
    uint64_t T = rt->type_size;

    uint32_t x = type_either(bin, "internal/abi.PtrType", "runtime.ptrtype");
    rt->ptr_elem = member_off(bin, x, "Elem", "elem", T, NULL);
    x = type_either(bin, "internal/abi.SwissMapType", "internal/abi.MapType");
    if (!x)
        x = type_either(bin, "internal/abi.OldMapType", "runtime.maptype");
    rt->map_key = member_off(bin, x, "Key", "key", T, NULL);
    rt->map_elem = member_off(bin, x, "Elem", "elem", T + ps, NULL);
    x = type_either(bin, "internal/abi.ArrayType", "runtime.arraytype");
    rt->array_len = member_off(bin, x, "Len", "len", T + 2 * ps, NULL);
    x = type_either(bin, "internal/abi.InterfaceType", "runtime.interfacetype");
    rt->iface_methods = member_off(bin, x, "Methods", "mhdr", T + ps, NULL);
    x = type_either(bin, "internal/abi.StructType", "runtime.structtype");
    rt->struct_fields = member_off(bin, x, "Fields", "fields", T + ps, NULL);
    x = type_either(bin, "internal/abi.StructField", "runtime.structfield");
    rt->sf_size = x && bin->types[x].size ? bin->types[x].size : 3 * ps;
    rt->sf_name = member_off(bin, x, "Name", "name", 0, NULL);
    rt->sf_typ = member_off(bin, x, "Typ", "typ", ps, NULL);
    rt->sf_off = member_off(bin, x, "Offset", "offset", 2 * ps, NULL);
    rt->string_type = cd_binary_type_by_name(bin, "string");
    rt->eface_type = cd_binary_type_by_name(bin, "runtime.eface");
    rt->iface_type = cd_binary_type_by_name(bin, "runtime.iface");
}

/* A runtime name at addr: flag byte, uvarint length, bytes (Go >= 1.17).
 * Returns the arena copy or NULL. */
static const char *read_rtname(cd_binary *bin, uint64_t addr, int dropstar, uint8_t *flags)
{
    unsigned char hdr[11];
    size_t have = sizeof hdr;
    while (have > 1 && cd_binary_read(bin, addr, hdr, have) < 0)
        have--;   /* names near the end of a section */
    if (have < 2)
        return NULL;
    uint64_t len = 0;
    size_t i = 1;
    for (int shift = 0; i < have; shift += 7) {
        uint8_t c = hdr[i++];
        len |= (uint64_t)(c & 0x7f) << shift;
        if (!(c & 0x80))
            break;
        if (shift >= 28)
            return NULL;
    }
    if (len > NAME_MAX_LEN)
        return NULL;
    char *tmp = cd_malloc((size_t)len + 1);
    if (cd_binary_read(bin, addr + i, tmp, (size_t)len) < 0) {
        free(tmp);
        return NULL;
    }
    size_t skip = dropstar && len && tmp[0] == '*';
    const char *s = cd_arena_strndup(&bin_p(bin)->arena, tmp + skip, (size_t)len - skip);
    free(tmp);
    if (flags)
        *flags = hdr[0];
    return s;
}

static void copy_fields(cd_binary *bin, uint32_t id, uint32_t from)
{
    if (from) {
        bin->types[id].field0 = bin->types[from].field0;
        bin->types[id].nfields = bin->types[from].nfields;
    }
}

static uint32_t synth(cd_binary *bin, uint64_t addr, int depth)
{
    bin_priv *p = bin_p(bin);
    uint32_t id;
    if (!addr)
        return 0;
    if (cd_map64_get(&p->rtmap, addr, &id))
        return id;
    if (depth > SYNTH_DEPTH || !bin->types_base || addr < bin->types_base)
        return 0;
    if (bin->types_end && addr >= bin->types_end)
        return 0;
    const bin_rtlayout *rt = &p->rt;
    int ps = bin->ptr_size;
    uint64_t size, tflag, kind, str;
    if (read_word(bin, addr + rt->size, ps, &size) < 0 ||
        read_word(bin, addr + rt->tflag, 1, &tflag) < 0 ||
        read_word(bin, addr + rt->kind, 1, &kind) < 0 ||
        read_word(bin, addr + rt->str, 4, &str) < 0)
        return 0;
    kind &= 31;
    if (kind == 0 || kind > CD_KIND_UNSAFEPTR)
        return 0;
    const char *name = read_rtname(bin, bin->types_base + (uint64_t)(int64_t)(int32_t)str,
                                   (tflag & 2) != 0, NULL);
    if (!name)
        return 0;
    cd_type t;
    memset(&t, 0, sizeof t);
    t.name = name;
    t.size = size;
    t.kind = (uint8_t)kind;
    t.synthetic = 1;
    t.rtaddr = addr;
    id = cd_binary_add_type(bin, &t);
    cd_map64_put(&p->rtmap, addr, id);

    uint64_t a = 0, b = 0;
    switch (kind) {
    case CD_KIND_PTR:
    case CD_KIND_SLICE:
    case CD_KIND_CHAN:
    case CD_KIND_ARRAY:
        if (read_word(bin, addr + rt->ptr_elem, ps, &a) == 0) {
            uint32_t e = synth(bin, a, depth + 1);
            bin->types[id].elem = e;
        }
        if (kind == CD_KIND_ARRAY && read_word(bin, addr + rt->array_len, ps, &b) == 0)
            bin->types[id].count = b;
        break;
    case CD_KIND_MAP:
        if (read_word(bin, addr + rt->map_key, ps, &a) == 0) {
            uint32_t k = synth(bin, a, depth + 1);
            bin->types[id].key = k;
        }
        if (read_word(bin, addr + rt->map_elem, ps, &b) == 0) {
            uint32_t e = synth(bin, b, depth + 1);
            bin->types[id].elem = e;
        }
        break;
    case CD_KIND_STRING:
        copy_fields(bin, id, rt->string_type);
        break;
    case CD_KIND_INTERFACE:
        if (read_word(bin, addr + rt->iface_methods + (uint64_t)ps, ps, &b) == 0) {
            bin->types[id].eface = b == 0;
            copy_fields(bin, id, b == 0 ? rt->eface_type : rt->iface_type);
        }
        break;
    case CD_KIND_STRUCT: {
        if (read_word(bin, addr + rt->struct_fields, ps, &a) < 0 ||
            read_word(bin, addr + rt->struct_fields + (uint64_t)ps, ps, &b) < 0 ||
            b == 0 || b > SYNTH_MAX_FIELDS)
            break;
        CD_GROW(bin->fields, p->fields_cap, bin->nfields + b);
        uint32_t f0 = (uint32_t)bin->nfields;
        bin->nfields += b;
        for (uint64_t i = 0; i < b; i++) {
            uint64_t sf = a + i * rt->sf_size, np = 0, tp = 0, off = 0;
            uint8_t fl = 0;
            const char *fname = NULL;
            if (read_word(bin, sf + rt->sf_name, ps, &np) == 0)
                fname = read_rtname(bin, np, 0, &fl);
            read_word(bin, sf + rt->sf_off, ps, &off);
            uint32_t ft = 0;
            if (read_word(bin, sf + rt->sf_typ, ps, &tp) == 0)
                ft = synth(bin, tp, depth + 1);
            bin->fields[f0 + i] = (cd_field){fname ? fname : "", ft, (fl & 8) != 0, off};
        }
        bin->types[id].field0 = f0;
        bin->types[id].nfields = (uint32_t)b;
        break;
    }
    default:
        break;
    }
    return id;
}

uint32_t cd_binary_type_for_rtaddr(cd_binary *bin, uint64_t addr)
{
    return synth(bin, addr, 0);
}

/* ---- open / free ------------------------------------------------------- */

/* The name index (cd_binary_type_by_name) over the types so far; types
 * added later are synthesised ones, found by a linear search. */
void cd_binary_index_types(cd_binary *bin)
{
    bin_priv *p = bin_p(bin);
    free(p->byname);
    p->nbyname = 0;
    p->ndwarf_types = bin->ntypes;
    bin->ndwarf_types = bin->ntypes;
    p->byname = cd_malloc((bin->ntypes ? bin->ntypes : 1) * sizeof *p->byname);
    name_id *ni = cd_malloc((bin->ntypes ? bin->ntypes : 1) * sizeof *ni);
    for (size_t i = 1; i < bin->ntypes; i++)
        if (bin->types[i].name[0])
            ni[p->nbyname++] = (name_id){bin->types[i].name, (uint32_t)i};
    qsort(ni, p->nbyname, sizeof *ni, name_id_cmp);
    for (size_t i = 0; i < p->nbyname; i++)
        p->byname[i] = ni[i].id;
    free(ni);
}

cd_binary *cd_binary_new_bare(const char *path)
{
    cd_binary *bin = cd_calloc(1, sizeof *bin);
    bin->priv = cd_calloc(1, sizeof(bin_priv));
    bin->path = cd_strdup(path);
    cd_type none;
    memset(&none, 0, sizeof none);
    none.name = "";
    cd_binary_add_type(bin, &none);
    return bin;
}

const char *cd_binary_keep(cd_binary *bin, const char *s)
{
    return cd_arena_strdup(&bin_p(bin)->arena, s);
}

uint32_t cd_binary_add_field(cd_binary *bin, const cd_field *f)
{
    bin_priv *p = bin_p(bin);
    CD_GROW(bin->fields, p->fields_cap, bin->nfields + 1);
    bin->fields[bin->nfields] = *f;
    return (uint32_t)bin->nfields++;
}

/* types_base from runtime.firstmoduledata.types when .symtab lacks it. */
static void types_from_moduledata(cd_binary *bin)
{
    bin_priv *p = bin_p(bin);
    uint64_t md = p->firstmoduledata;
    if (!md) {
        for (size_t i = 0; i < bin->nglobals; i++)
            if (strcmp(bin->globals[i].name, "runtime.firstmoduledata") == 0)
                md = bin->globals[i].addr;
    }
    uint32_t mt = cd_binary_type_by_name(bin, "runtime.moduledata");
    const cd_field *ft = cd_binary_field(bin, mt, "types");
    const cd_field *fe = cd_binary_field(bin, mt, "etypes");
    uint64_t v;
    if (!md || !ft)
        return;
    if (!bin->types_base && read_word(bin, md + ft->offset, bin->ptr_size, &v) == 0)
        bin->types_base = v;
    if (fe && !bin->types_end && read_word(bin, md + fe->offset, bin->ptr_size, &v) == 0)
        bin->types_end = v;
}

int cd_binary_open(const char *path, cd_binary **out, cd_error *err)
{
    *out = NULL;
    cd_binary *bin = cd_calloc(1, sizeof *bin);
    bin_priv *p = cd_calloc(1, sizeof *p);
    bin->priv = p;
    bin->path = cd_strdup(path);
    if (cd_binary_elf_load(bin, path, err) < 0 || cd_binary_dwarf_load(bin, err) < 0) {
        cd_binary_free(bin);
        return -1;
    }
    if (!bin->go_version[0])
        cd_binary_buildinfo_version(bin);

    cd_binary_index_types(bin);

    /* DW_AT_go_runtime_type values are offsets from runtime.types. */
    types_from_moduledata(bin);
    for (size_t i = 1; i < bin->ntypes; i++) {
        cd_type *t = &bin->types[i];
        if (!t->rtaddr)
            continue;
        if (!bin->types_base) {
            t->rtaddr = 0;
            continue;
        }
        /* Go <= 1.22 writes an absolute address for the uintptr DIE (the
         * linker makes that one by hand): take a value that does not fit
         * as an offset but lies in [types, etypes) as absolute. */
        uint64_t off = t->rtaddr, end = bin->types_end;
        if (!end || (off < end - bin->types_base))
            t->rtaddr = bin->types_base + off;
        else if (off >= bin->types_base && off < end)
            t->rtaddr = off;
        else {
            t->rtaddr = 0;
            continue;
        }
        uint32_t old;
        if (!cd_map64_get(&p->rtmap, t->rtaddr, &old))
            cd_map64_put(&p->rtmap, t->rtaddr, (uint32_t)i);
    }
    init_rtlayout(bin);
    *out = bin;
    return 0;
}

void cd_binary_free(cd_binary *bin)
{
    if (!bin)
        return;
    bin_priv *p = bin_p(bin);
    if (p) {
        cd_binary_elf_unload(bin);
        cd_arena_free(&p->arena);
        cd_map64_free(&p->rtmap);
        free(p->byname);
        free(p->glob_maxend);
        free(p);
    }
    free(bin->path);
    free(bin->types);
    free(bin->fields);
    free(bin->globals);
    free(bin->funcs);
    free(bin->vars);
    free(bin->locs);
    free(bin->syms);
    free(bin);
}
