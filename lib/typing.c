/* typing.c — gives heap objects their Go types (see typing.h).
 *
 * Propagation is a FIFO worklist over objects, seeded from roots in root
 * order, so the result is deterministic. An object keeps the first type it
 * gets. For each pointer slot of a typed object, cd_word_target walks the
 * DWARF layout down to the word and says what the word points at. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "reader.h"
#include "typing.h"
#include "util.h"

#define MAX_DEPTH 64
#define CLOSURE_BIT CD_CLOSURE_BIT

enum word_kind { W_NONE = 0, W_PTR = 1, W_DYN = 2, W_CLOSURE = 3 };

static const cd_type *ty(const cd_binary *bin, uint32_t id)
{
    return id && id < bin->ntypes ? &bin->types[id] : NULL;
}

static int has_prefix(const char *s, const char *p)
{
    return s && strncmp(s, p, strlen(p)) == 0;
}

/* "sync/atomic.Pointer[sync.readOnly]" -> type id of sync.readOnly. */
static uint32_t bracket_type(const cd_binary *bin, const char *name, char open, char close)
{
    const char *a = strchr(name, open);
    const char *b = strrchr(name, close);
    if (!a || !b || b <= a + 1 || b - a > 400)
        return 0;
    char buf[512];
    memcpy(buf, a + 1, (size_t)(b - a - 1));
    buf[b - a - 1] = 0;
    return cd_binary_type_by_name(bin, buf);
}

/* The field of struct t that covers byte off, or NULL. */
static const cd_field *field_at(const cd_binary *bin, const cd_type *t, uint64_t off)
{
    const cd_field *best = NULL;
    for (uint32_t i = 0; i < t->nfields; i++) {
        const cd_field *f = &bin->fields[t->field0 + i];
        const cd_type *ft = ty(bin, f->type);
        uint64_t sz = ft ? ft->size : 0;
        if (f->offset <= off && off < f->offset + sz)
            if (!best || f->offset >= best->offset)
                best = f;
    }
    return best;
}

int cd_word_target(cd_binary *bin, uint32_t type, uint64_t off,
                   uint32_t *target, int *array, uint32_t *unused)
{
    (void)unused;
    *target = 0;
    *array = 0;
    const uint64_t ps = (uint64_t)bin->ptr_size;
    for (int depth = 0; depth < MAX_DEPTH; depth++) {
        const cd_type *t = ty(bin, type);
        if (!t)
            return W_NONE;
        switch (t->kind) {
        case CD_KIND_PTR:
            if (off != 0)
                return W_NONE;
            *target = t->elem;
            return *target ? W_PTR : W_NONE;
        case CD_KIND_MAP:
        case CD_KIND_CHAN:
            if (off != 0)
                return W_NONE;
            *target = t->impl;
            return *target ? W_PTR : W_NONE;
        case CD_KIND_FUNC:
            return off == 0 ? W_CLOSURE : W_NONE;
        case CD_KIND_SLICE:
            if (off != 0)
                return W_NONE;
            *target = t->elem;
            *array = 1;
            return *target ? W_PTR : W_NONE;
        case CD_KIND_STRING:
            if (off != 0)
                return W_NONE;
            *target = cd_binary_type_by_name(bin, "uint8");
            *array = 1;
            return *target ? W_PTR : W_NONE;
        case CD_KIND_INTERFACE:
            return off == ps ? W_DYN : W_NONE;
        case CD_KIND_ARRAY: {
            const cd_type *e = ty(bin, t->elem);
            if (!e || !e->size || off >= t->size)
                return W_NONE;
            off %= e->size;
            type = t->elem;
            continue;
        }
        case CD_KIND_STRUCT: {
            const cd_field *f = field_at(bin, t, off);
            if (!f)
                return W_NONE;
            const cd_type *ft = ty(bin, f->type);
            /* Pointers the DWARF layout types as unsafe.Pointer but whose
               target is known by convention. */
            if (ft && ft->kind == CD_KIND_UNSAFEPTR && off == f->offset) {
                if (strcmp(t->name, "sync.entry") == 0 && strcmp(f->name, "p") == 0) {
                    *target = cd_binary_type_by_name(bin, "interface {}");
                    return *target ? W_PTR : W_NONE;
                }
                if (has_prefix(t->name, "sync/atomic.Pointer[") && strcmp(f->name, "v") == 0) {
                    *target = bracket_type(bin, t->name, '[', ']');
                    return *target ? W_PTR : W_NONE;
                }
                if (has_prefix(t->name, "hchan<") && strcmp(f->name, "buf") == 0) {
                    *target = bracket_type(bin, t->name, '<', '>');
                    *array = 1;
                    return *target ? W_PTR : W_NONE;
                }
            }
            off -= f->offset;
            type = f->type;
            continue;
        }
        default:
            return W_NONE;
        }
    }
    return W_NONE;
}

void cd_field_name(const cd_binary *bin, uint32_t type, uint64_t off, int array,
                   char *buf, size_t cap)
{
    size_t n = 0;
    buf[0] = 0;
    if (array) {
        const cd_type *t = ty(bin, type);
        if (t && t->size) {
            n += (size_t)snprintf(buf + n, cap - n, "[i]");
            off %= t->size;
        }
    }
    for (int depth = 0; depth < MAX_DEPTH && n < cap; depth++) {
        const cd_type *t = ty(bin, type);
        if (!t)
            break;
        if (t->kind == CD_KIND_ARRAY) {
            const cd_type *e = ty(bin, t->elem);
            if (!e || !e->size)
                break;
            n += (size_t)snprintf(buf + n, cap - n, "[i]");
            off %= e->size;
            type = t->elem;
            continue;
        }
        if (t->kind != CD_KIND_STRUCT)
            break;
        const cd_field *f = field_at(bin, t, off);
        if (!f)
            break;
        /* runtime-made structs (hash<K,V>, bucket<K,V>) keep their field names */
        n += (size_t)snprintf(buf + n, cap - n, ".%s", f->name);
        off -= f->offset;
        type = f->type;
    }
    if (n >= cap)
        buf[cap - 1] = 0;
}

/* ---- the propagation state ---- */

typedef struct typer {
    const cd_snapshot *s;
    cd_binary *bin;
    cd_typing *t;
    uint32_t *queue; size_t qhead, qtail;
    uint32_t uint8_type;
    struct region *regions; size_t nregions;
    cd_map64 word_memo;     /* (type, offset) -> what the word points at */
    uint32_t **word_tab;    /* per binary type (small ones): the same by
                               word index, 0 = not yet known (word_of) */
    size_t nword_tab;
    uint8_t *sparse;        /* bitmap: objects with interface words or interior
                               pointers among their edges (sparse_objects) */
} typer;

/* Most objects have neither an interface data word nor an interior pointer
 * among their edges; marking those that do spares the others the search
 * for their place in the two sparse tables. */
static uint8_t *sparse_objects(const cd_snapshot *s)
{
    uint8_t *bits = cd_calloc(s->nobj / 8 + 1, 1);
    size_t i = 0, j = 0;
    for (uint32_t o = 0; o < s->nobj; o++) {
        uint64_t end = s->obj_edge[o + 1];
        int any = 0;
        for (; i < s->ndyn && s->dyn_edge[i] < end; i++)
            any = 1;
        for (; j < s->noff && s->off_edge[j] < end; j++)
            any = 1;
        if (any)
            bits[o >> 3] |= (uint8_t)(1u << (o & 7));
    }
    return bits;
}

/* The binary type of a runtime type the dump mentions: resolved for all of
 * them by cd_type_prepare, so that typing never grows bin->types (and two
 * snapshots can be typed at once, on two threads). */
static uint32_t rtype_to_btype(typer *k, uint32_t rt)
{
    if (!rt || !k->bin || rt >= k->s->nrtypes || !k->s->rtype_btype)
        return 0;
    return k->s->rtype_btype[rt];
}

void cd_type_prepare(cd_snapshot *s, cd_binary *bin)
{
    free(s->rtype_btype);
    s->rtype_btype = cd_calloc(s->nrtypes + 1, sizeof *s->rtype_btype);
    for (uint32_t rt = 1; bin && rt < s->nrtypes; rt++)
        s->rtype_btype[rt] = cd_binary_type_for_rtaddr(bin, s->rtypes[rt]);
}

/* Offset of the first data byte in object o (8 for Go 1.22+ header objects). */
static uint32_t data_start(const cd_snapshot *s, uint32_t o)
{
    return s->obj_hdr && s->obj_hdr[o] ? (uint32_t)s->ptr_size : 0;
}

static void set_type(typer *k, uint32_t o, uint32_t btype, int array)
{
    const cd_snapshot *s = k->s;
    if (o >= s->nobj || k->t->obj_btype[o] || !btype)
        return;
    const cd_type *tp = ty(k->bin, btype);
    if (!tp)
        return;
    uint64_t avail = s->obj_size[o] - data_start(s, o);
    if (tp->size > avail)
        return;  /* does not fit: wrong guess */
    if (tp->size && avail / tp->size >= 2)
        array = 1;
    k->t->obj_btype[o] = btype;
    k->t->obj_array[o] = (uint8_t)array;
    k->queue[k->qtail++] = o;
}

/* A word whose static type is known points at (dst, dst_off): type dst. */
static void type_target(typer *k, int wk, uint32_t target, int array, uint32_t dyn,
                        uint32_t dst, uint32_t dst_off)
{
    const cd_snapshot *s = k->s;
    if (dst >= s->nobj || k->t->obj_btype[dst])
        return;
    uint32_t start = data_start(s, dst);
    if (wk == W_DYN) {
        uint32_t d = rtype_to_btype(k, dyn);
        const cd_type *dt = ty(k->bin, d);
        if (!dt)
            return;
        switch (dt->kind) {
        case CD_KIND_PTR: target = dt->elem; array = 0; break;
        case CD_KIND_MAP: case CD_KIND_CHAN: target = dt->impl; array = 0; break;
        case CD_KIND_FUNC: wk = W_CLOSURE; break;
        case CD_KIND_UNSAFEPTR: return;
        default: target = d; array = 0; break;  /* value boxed in the heap */
        }
        if (wk != W_CLOSURE)
            wk = W_PTR;
    }
    if (wk == W_CLOSURE) {
        if (dst_off != start)
            return;
        unsigned char b[8];
        cd_error e;
        if (cd_snapshot_read(s, dst, start, b, (size_t)s->ptr_size, &e) < 0)
            return;
        uint64_t pc = cd_snapshot_word(s, b);
        const cd_func *f = k->bin ? cd_binary_func_at(k->bin, pc) : NULL;
        if (!f)
            return;
        k->t->obj_btype[dst] = CLOSURE_BIT | (uint32_t)(f - k->bin->funcs);
        k->queue[k->qtail++] = dst;
        return;
    }
    const cd_type *tt = ty(k->bin, target);
    if (!tt)
        return;
    /* Go 1.24+ sync.Map (internal/sync.HashTrieMap): a *node[K,V] points at
       an entry[K,V] or an indirect[K,V], told apart by node.isEntry. */
    if (dst_off == start && tt->name[0] == 'i' && has_prefix(tt->name, "internal/sync.node[")) {
        unsigned char isentry;
        cd_error e;
        if (cd_snapshot_read(s, dst, start, &isentry, 1, &e) < 0)
            return;
        char name[512];
        snprintf(name, sizeof name, "internal/sync.%s%s", isentry ? "entry" : "indirect",
                 tt->name + strlen("internal/sync.node"));
        uint32_t real = cd_binary_type_by_name(k->bin, name);
        if (real) {
            target = real;
            tt = ty(k->bin, real);
        }
    }
    if (dst_off == start) {
        set_type(k, dst, target, array);
    } else if (tt->size && (dst_off - start) % tt->size == 0 && dst_off > start) {
        set_type(k, dst, target, 1);  /* pointer into an array */
    }
}


#define WORD_TAB_MAX 4096   /* words: larger types use the hash memo */

/* What the word at offset off of a value of type bt (t) points at
 * (cd_word_target), remembered: the same (type, offset) comes back for
 * every object of a type. Types up to WORD_TAB_MAX words get a table
 * indexed by word, the rest share a hash map. An entry is 1 + (kind |
 * array << 2 | target << 3); targets past 2^28 are not remembered. */
static int word_of(typer *k, uint32_t bt, const cd_type *t, uint64_t off, uint32_t *target, int *arr)
{
    uint32_t *slot = NULL;
    uint64_t mk = 0;
    uint32_t mv = 0;
    const uint64_t ps = (uint64_t)k->s->ptr_size;
    if (bt < k->nword_tab && t->size / ps <= WORD_TAB_MAX && off % ps == 0) {
        if (!k->word_tab[bt])
            k->word_tab[bt] = cd_calloc(t->size / ps + 1, sizeof **k->word_tab);
        slot = &k->word_tab[bt][off / ps];
        mv = *slot;
    } else if (off < UINT32_MAX) {
        mk = ((uint64_t)bt << 32 | off) + 1;
        if (cd_map64_get(&k->word_memo, mk, &mv))
            mv++;
        else
            mv = 0;
    }
    if (mv) {
        mv--;
        *arr = (int)((mv >> 2) & 1);
        *target = mv >> 3;
        return (int)(mv & 3);
    }
    int wk = cd_word_target(k->bin, bt, off, target, arr, NULL);
    if (*target < (1u << 28)) {
        uint32_t v = (uint32_t)wk | (uint32_t)*arr << 2 | *target << 3;
        if (slot)
            *slot = v + 1;
        else if (mk)
            cd_map64_put(&k->word_memo, mk, v);
    }
    return wk;
}

/* Type the targets of object o's pointer slots. */
static void scan_object(typer *k, uint32_t o)
{
    const cd_snapshot *s = k->s;
    uint32_t bt = k->t->obj_btype[o];
    uint32_t start = data_start(s, o);
    if (bt & CLOSURE_BIT) {
        /* Go 1.23+: captured variables carry DW_AT_go_closure_offset. */
        const cd_func *f = &k->bin->funcs[bt & ~CLOSURE_BIT];
        for (uint64_t e = s->obj_edge[o]; e < s->obj_edge[o + 1]; e++) {
            uint64_t off = s->edge_off[e];
            for (uint32_t v = 0; v < f->nvars; v++) {
                const cd_var *var = &k->bin->vars[f->var0 + v];
                const cd_type *vt = ty(k->bin, var->type);
                if (var->closure_off < 0 || !vt || off < (uint64_t)var->closure_off ||
                    off >= (uint64_t)var->closure_off + vt->size)
                    continue;
                uint32_t target;
                int array;
                int wk = cd_word_target(k->bin, var->type, off - (uint64_t)var->closure_off,
                                        &target, &array, NULL);
                if (wk)
                    type_target(k, wk, target, array, cd_edge_dyn(s, e), s->edge_dst[e],
                                cd_edge_dst_off(s, e));
                break;
            }
        }
        return;
    }
    const cd_type *t = ty(k->bin, bt);
    if (!t)
        return;
    int array = k->t->obj_array[o];
    cd_edge_cursor cur = {s->ndyn, s->noff};  /* at the end: no entries */
    if (k->sparse[o >> 3] >> (o & 7) & 1)
        cd_edge_cursor_at(s, s->obj_edge[o], &cur);
    for (uint64_t e = s->obj_edge[o], end = s->obj_edge[o + 1]; e < end; e++) {
        uint64_t off = s->edge_off[e];
        if (off < start)
            continue;
        off -= start;
        if (array || off >= t->size) {
            if (!t->size)
                continue;
            off %= t->size;
        }
        if (e + 4 < end) {  /* the targets are read at random */
            CD_PREFETCH(&k->t->obj_btype[s->edge_dst[e + 4]]);
            CD_PREFETCH(&s->obj_size[s->edge_dst[e + 4]]);
        }
        uint32_t target;
        int arr;
        int wk = word_of(k, bt, t, off, &target, &arr);
        if (wk && !k->t->obj_btype[s->edge_dst[e]])
            type_target(k, wk, target, arr, wk == W_DYN ? cd_cursor_dyn(s, &cur, e) : 0,
                        s->edge_dst[e], cd_cursor_dst_off(s, &cur, e));
    }
}

/* Scan the queue in order. The objects are scattered over the heap, so
 * the loads of each are started a few objects ahead: the object's edge
 * range and type first, then its edges. */
static void drain(typer *k)
{
    const cd_snapshot *s = k->s;
    while (k->qhead < k->qtail) {
        if (k->qhead + 8 < k->qtail) {
            uint32_t o = k->queue[k->qhead + 8];
            CD_PREFETCH(&s->obj_edge[o]);
            CD_PREFETCH(&k->t->obj_btype[o]);
        }
        if (k->qhead + 4 < k->qtail) {
            uint64_t e = s->obj_edge[k->queue[k->qhead + 4]];
            CD_PREFETCH(&s->edge_dst[e]);
            CD_PREFETCH(&s->edge_off[e]);
        }
        scan_object(k, k->queue[k->qhead++]);
    }
}

/* ---- roots ---- */

/* A global such as `var h = &T{...}` keeps the T itself in data or bss under
 * no name; name that region through the pointer global that points at it. */
typedef struct region { uint64_t start, end; uint32_t type; const char *name; } region;

static uint64_t segment_word(const cd_snapshot *s, uint64_t addr, int *ok)
{
    const cd_segment *segs[2] = {&s->data, &s->bss};
    unsigned char b[8];
    cd_error e;
    *ok = 0;
    for (int i = 0; i < 2; i++) {
        const cd_segment *g = segs[i];
        if (addr >= g->addr && addr + (uint64_t)s->ptr_size <= g->addr + g->size) {
            if (cd_pread_at(s->fd, s->path, g->content_off + (addr - g->addr), b,
                            (size_t)s->ptr_size, &e) < 0)
                return 0;
            *ok = 1;
            return cd_snapshot_word(s, b);
        }
    }
    return 0;
}

static int in_segments(const cd_snapshot *s, uint64_t a)
{
    return (a >= s->data.addr && a < s->data.addr + s->data.size) ||
           (a >= s->bss.addr && a < s->bss.addr + s->bss.size);
}

static void find_regions(typer *k)
{
    const cd_snapshot *s = k->s;
    size_t cap = 0;
    for (size_t i = 0; i < k->bin->nglobals; i++) {
        const cd_global *g = &k->bin->globals[i];
        const cd_type *t = ty(k->bin, g->type);
        if (!t || t->kind != CD_KIND_PTR || !ty(k->bin, t->elem) || !in_segments(s, g->addr))
            continue;
        int ok;
        uint64_t v = segment_word(s, g->addr, &ok);
        if (!ok || !v || !in_segments(s, v) || cd_binary_global_at(k->bin, v))
            continue;
        CD_GROW(k->regions, cap, k->nregions + 1);
        k->regions[k->nregions++] = (region){v, v + ty(k->bin, t->elem)->size, t->elem, g->name};
    }
}

static const region *region_at(const typer *k, uint64_t a)
{
    for (size_t i = 0; i < k->nregions; i++)
        if (a >= k->regions[i].start && a < k->regions[i].end)
            return &k->regions[i];
    return NULL;
}

static uint32_t name_root_segment(typer *k, const cd_root *r, uint32_t *btype, int *wk,
                                  uint32_t *target, int *array)
{
    const cd_snapshot *s = k->s;
    char buf[1024];
    const char *seg = r->kind == CD_ROOT_DATA ? "data" : "bss";
    uint64_t base = r->kind == CD_ROOT_DATA ? s->data.addr : s->bss.addr;
    const cd_global *g = k->bin ? cd_binary_global_at(k->bin, r->slot) : NULL;
    const region *rg = g || !k->bin ? NULL : region_at(k, r->slot);
    if (g) {
        char fld[512] = "";
        /* inside a standard-library value (sync.Map, ...) the global's own
           name is what a user knows */
        const cd_type *gt = ty(k->bin, g->type);
        if (gt && gt->kind == CD_KIND_STRUCT && strncmp(gt->name, "main.", 5) == 0)
            cd_field_name(k->bin, g->type, r->slot - g->addr, 0, fld, sizeof fld);
        snprintf(buf, sizeof buf, "%s%s", g->name, fld);
        *btype = g->type;
        *wk = cd_word_target(k->bin, g->type, r->slot - g->addr, target, array, NULL);
    } else if (rg) {
        char fld[512];
        cd_field_name(k->bin, rg->type, r->slot - rg->start, 0, fld, sizeof fld);
        snprintf(buf, sizeof buf, "%s%s via %s", k->bin->types[rg->type].name, fld, rg->name);
        *btype = rg->type;
        *wk = cd_word_target(k->bin, rg->type, r->slot - rg->start, target, array, NULL);
    } else {
        const cd_symbol *sym = k->bin ? cd_binary_symbol_at(k->bin, r->slot) : NULL;
        if (sym && sym->addr == r->slot)
            snprintf(buf, sizeof buf, "%s", sym->name);
        else if (sym)
            snprintf(buf, sizeof buf, "%s+0x%llx", sym->name,
                     (unsigned long long)(r->slot - sym->addr));
        else
            snprintf(buf, sizeof buf, "%s+0x%llx", seg, (unsigned long long)(r->slot - base));
    }
    return cd_strtab_add(&k->t->names, buf, strlen(buf));
}

/* Find the DWARF variable of frame f (or a parameter of its callee) that
 * covers the stack slot at address a. */
static const cd_var *frame_var(typer *k, const cd_frame *f, uint64_t cfa, uint64_t a,
                               int params_only, uint64_t *voff)
{
    if (!k->bin)
        return NULL;
    const cd_func *fn = cd_binary_func_at(k->bin, f->entry_pc);
    if (!fn)
        return NULL;
    uint64_t pc = f->pc == f->entry_pc ? f->pc : f->pc - 1;
    for (uint32_t i = 0; i < fn->nvars; i++) {
        const cd_var *v = &k->bin->vars[fn->var0 + i];
        if (params_only && !v->is_param)
            continue;
        for (uint32_t j = 0; j < v->nloc; j++) {
            const cd_varloc *l = &k->bin->locs[v->loc0 + j];
            if (pc < l->lo || pc >= l->hi)
                continue;
            uint64_t pa = cfa + (uint64_t)l->cfa_off;
            if (a >= pa && a < pa + l->piece_size) {
                *voff = l->piece_off + (a - pa);
                return v;
            }
        }
    }
    return NULL;
}

static uint32_t name_root_frame(typer *k, const cd_root *r, uint32_t *btype, int *wk,
                                uint32_t *target, int *array, uint8_t *goid)
{
    const cd_snapshot *s = k->s;
    char buf[1024];
    if (r->frame == CD_NONE32) {
        snprintf(buf, sizeof buf, "goroutine closure context");
        return cd_strtab_add(&k->t->names, buf, strlen(buf));
    }
    const cd_frame *f = &s->frames[r->frame];
    const cd_goroutine *g = &s->goroutines[f->goroutine];
    const char *fname = cd_strtab_get(&s->strings, f->func);
    uint64_t voff = 0;
    const cd_var *v = frame_var(k, f, f->sp + f->size, r->slot, 0, &voff);
    if (!v && r->frame > 0 && f->depth > 0) {
        const cd_frame *callee = &s->frames[r->frame - 1];
        if (callee->goroutine == f->goroutine)
            v = frame_var(k, callee, callee->sp + callee->size, r->slot, 1, &voff);
        if (v)
            fname = cd_strtab_get(&s->strings, callee->func);
    }
    /* the name without the goroutine's id, shared by every goroutine of
       the same function (cd_root_name puts the id back): one string per
       goroutine would be the biggest table of a dump with 100k of them */
    (void)g;
    if (v) {
        char fld[512];
        cd_field_name(k->bin, v->type, voff, 0, fld, sizeof fld);
        snprintf(buf, sizeof buf, "goroutine %s %s%s", fname, v->name, fld);
        *btype = v->type;
        *wk = cd_word_target(k->bin, v->type, voff, target, array, NULL);
    } else {
        snprintf(buf, sizeof buf, "goroutine %s sp+%llu", fname, (unsigned long long)(r->slot - f->sp));
    }
    *goid = 1;
    return cd_strtab_add(&k->t->names, buf, strlen(buf));
}

static void type_roots(typer *k)
{
    const cd_snapshot *s = k->s;
    static const char *const kinds[] = {"?", "data", "bss", "frame", "finalizer",
                                        "queued finalizer", "defer", "panic", "other root"};
    for (size_t i = 0; i < s->nroots; i++) {
        const cd_root *r = &s->roots[i];
        uint32_t btype = 0, target = 0;
        int wk = 0, array = 0;
        uint32_t name;
        if (r->kind == CD_ROOT_DATA || r->kind == CD_ROOT_BSS)
            name = name_root_segment(k, r, &btype, &wk, &target, &array);
        else if (r->kind == CD_ROOT_FRAME)
            name = name_root_frame(k, r, &btype, &wk, &target, &array, &k->t->root_goid[i]);
        else
            name = cd_strtab_add(&k->t->names, kinds[r->kind < 9 ? r->kind : 0],
                                 strlen(kinds[r->kind < 9 ? r->kind : 0]));
        k->t->root_name[i] = name;
        k->t->root_btype[i] = btype;
        if (!wk && r->dyn)
            wk = W_DYN;  /* an interface word the layout did not tell */
        if (wk && k->bin)
            type_target(k, wk, target, array, r->dyn, r->dst, r->dst_off);
    }
}

/* ---- shapes ---- */

static const uint32_t SIZE_CLASSES[] = {
    8, 16, 24, 32, 48, 64, 80, 96, 112, 128, 144, 160, 176, 192, 208, 224, 240,
    256, 288, 320, 352, 384, 416, 448, 480, 512, 576, 640, 704, 768, 896, 1024,
    1152, 1280, 1408, 1536, 1792, 2048, 2304, 2688, 3072, 3200, 3456, 4096, 4864,
    5376, 6144, 6528, 6784, 6912, 8192, 9472, 9728, 10240, 10880, 12288, 13568,
    14336, 16384, 18432, 19072, 20480, 21760, 24576, 27264, 28672, 32768,
};

static uint64_t size_class(uint64_t n)
{
    for (size_t i = 0; i < sizeof SIZE_CLASSES / sizeof *SIZE_CLASSES; i++)
        if (n <= SIZE_CLASSES[i])
            return SIZE_CLASSES[i];
    return (n + 8191) & ~8191ull;
}

typedef struct ptrs { uint64_t *off; size_t n, cap; int overflow; } ptrs;

/* Pointer words of type t at base, as the GC bitmap lists them (interface
 * and eface type words are not pointers in the dump). Explicit stack. */
static void collect_ptrs(const cd_binary *bin, uint32_t type, ptrs *out)
{
    struct item { uint32_t type; uint64_t base; } stack[256];
    int sp = 0;
    stack[sp++] = (struct item){type, 0};
    while (sp > 0 && !out->overflow) {
        struct item it = stack[--sp];
        const cd_type *t = ty(bin, it.type);
        if (!t)
            continue;
        switch (t->kind) {
        case CD_KIND_PTR: case CD_KIND_MAP: case CD_KIND_CHAN: case CD_KIND_FUNC:
        case CD_KIND_UNSAFEPTR: case CD_KIND_STRING: case CD_KIND_SLICE:
            CD_GROW(out->off, out->cap, out->n + 1);
            out->off[out->n++] = it.base;
            break;
        case CD_KIND_INTERFACE:
            CD_GROW(out->off, out->cap, out->n + 1);
            out->off[out->n++] = it.base + (uint64_t)bin->ptr_size;
            break;
        case CD_KIND_ARRAY: {
            const cd_type *e = ty(bin, t->elem);
            if (!e || !e->size)
                break;
            if (t->count > 512) { out->overflow = 1; break; }
            for (uint64_t i = t->count; i-- > 0 && sp < 255;)
                stack[sp++] = (struct item){t->elem, it.base + i * e->size};
            break;
        }
        case CD_KIND_STRUCT:
            for (uint32_t i = t->nfields; i-- > 0;) {
                if (sp >= 255) { out->overflow = 1; break; }
                const cd_field *f = &bin->fields[t->field0 + i];
                stack[sp++] = (struct item){f->type, it.base + f->offset};
            }
            break;
        default:
            break;
        }
    }
}

static int cmp_u64(const void *a, const void *b)
{
    uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;
    return x < y ? -1 : x > y;
}

#define AMBIGUOUS UINT32_MAX

/* Map (size class, shape hash) -> the one runtime type with that shape. */
/* The types snapshot s may see: those of DWARF, and those synthesised from
 * the runtime types s mentions (with their element, key and field types),
 * not those another snapshot's cd_type_prepare added: a snapshot is typed
 * the same whether it is compared with another or converted alone. */
static uint8_t *visible_types(const cd_snapshot *s, const cd_binary *bin)
{
    uint8_t *vis = cd_calloc(bin->ntypes + 1, 1);
    for (size_t rt = 1; s->rtype_btype && rt < s->nrtypes; rt++)
        if (s->rtype_btype[rt] < bin->ntypes)
            vis[s->rtype_btype[rt]] = 1;
    cd_binary_type_closure(bin, vis);
    for (size_t id = 0; id < bin->ndwarf_types && id < bin->ntypes; id++)
        vis[id] = 1;
    return vis;
}

static void build_shapes(const cd_snapshot *s, const cd_binary *bin, cd_map64 *m)
{
    ptrs p = {0};
    uint8_t *vis = visible_types(s, bin);
    for (uint32_t id = 1; id < bin->ntypes; id++) {
        const cd_type *t = &bin->types[id];
        if (!vis[id] || !t->rtaddr || t->kind != CD_KIND_STRUCT || !t->size || t->size > 32768)
            continue;
        p.n = 0;
        p.overflow = 0;
        collect_ptrs(bin, id, &p);
        if (p.overflow || p.n == 0)
            continue;
        qsort(p.off, p.n, sizeof *p.off, cmp_u64);
        uint64_t h = 0;
        for (size_t i = 0; i < p.n; i++)
            h = cd_hash64(h ^ (p.off[i] + 1));
        uint64_t key = (size_class(t->size) << 32) | (uint32_t)h;
        uint32_t old;
        if (cd_map64_get(m, key, &old))
            cd_map64_put(m, key, old == id ? id : AMBIGUOUS);
        else
            cd_map64_put(m, key, id);
    }
    free(p.off);
    free(vis);
}

static void type_by_shape(typer *k)
{
    const cd_snapshot *s = k->s;
    if (!s->obj_shape)
        return;
    cd_map64 m = {0};
    build_shapes(s, k->bin, &m);
    for (uint32_t o = 0; o < s->nobj; o++) {
        if (k->t->obj_btype[o] || (s->obj_hdr && s->obj_hdr[o]))
            continue;
        uint64_t key = ((uint64_t)s->obj_size[o] << 32) | s->obj_shape[o];
        uint32_t id;
        if (cd_map64_get(&m, key, &id) && id != AMBIGUOUS)
            set_type(k, o, id, 0);
    }
    cd_map64_free(&m);
    drain(k);
}

/* ---- names ---- */

static uint32_t key_for(typer *k, uint32_t o)
{
    const cd_snapshot *s = k->s;
    char buf[1024];
    uint32_t bt = k->t->obj_btype[o];
    if (!bt)
        return 0;
    if (bt & CLOSURE_BIT)
        snprintf(buf, sizeof buf, "func %s (closure)", k->bin->funcs[bt & ~CLOSURE_BIT].name);
    else
        snprintf(buf, sizeof buf, "%s%s", k->t->obj_array[o] ? "[]" : "",
                 k->bin->types[bt].name);
    (void)s;
    return cd_strtab_add(&k->t->names, buf, strlen(buf));
}

/* Without a binary: interface words give the dump's own type names. */
static void type_degraded(typer *k)
{
    const cd_snapshot *s = k->s;
    char buf[512];
    for (size_t i = 0; i < s->nroots + s->ndyn; i++) {
        uint32_t dyn, dst, dst_off;
        if (i < s->nroots) {
            dyn = s->roots[i].dyn; dst = s->roots[i].dst; dst_off = s->roots[i].dst_off;
        } else {
            uint64_t e = s->dyn_edge[i - s->nroots];
            dyn = s->dyn_type[i - s->nroots]; dst = s->edge_dst[e]; dst_off = cd_edge_dst_off(s, e);
        }
        if (!dyn || dst_off != data_start(s, dst) || k->t->obj_type[dst])
            continue;
        const char *n = cd_strtab_get(&s->strings, s->rtype_name[dyn]);
        if (!*n)
            continue;
        size_t len = strlen(n);
        /* "context." is how the dump names every *context.T: say so */
        if (len && n[len - 1] == '.')
            snprintf(buf, sizeof buf, "*%s? (%llu B)", n, (unsigned long long)s->obj_size[dst]);
        else
            snprintf(buf, sizeof buf, "%s", n);
        k->t->obj_type[dst] = cd_strtab_add(&k->t->names, buf, strlen(buf));
    }
}

int cd_type_snapshot(cd_snapshot *s, cd_binary *bin, cd_typing **out, cd_error *err)
{
    if (bin && !s->rtype_btype)
        cd_type_prepare(s, bin);
    (void)err;
    cd_typing *t = cd_calloc(1, sizeof *t);
    size_t n = s->nobj ? s->nobj : 1;
    t->snap = s;
    t->bin = bin;
    t->obj_type = cd_calloc(n, sizeof *t->obj_type);
    t->obj_btype = cd_calloc(n, sizeof *t->obj_btype);
    t->obj_array = cd_calloc(n, sizeof *t->obj_array);
    t->root_name = cd_calloc(s->nroots ? s->nroots : 1, sizeof *t->root_name);
    t->root_goid = cd_calloc(s->nroots ? s->nroots : 1, sizeof *t->root_goid);
    t->root_btype = cd_calloc(s->nroots ? s->nroots : 1, sizeof *t->root_btype);
    cd_strtab_init(&t->names);
    t->degraded = bin == NULL;

    typer k = {0};
    k.s = s;
    k.bin = bin;
    k.t = t;
    /* with a binary, the queue lives in obj_type until the keys go there
       (each object is queued once, when it gets its type) */
    k.queue = bin ? t->obj_type : cd_malloc(n * sizeof *k.queue);
    k.sparse = bin ? sparse_objects(s) : NULL;   /* for scan_object, which needs the binary */
    if (bin) {
        k.nword_tab = bin->ntypes;
        k.word_tab = cd_calloc(k.nword_tab + 1, sizeof *k.word_tab);
    }

    if (bin) {
        /* Go 1.22+ malloc headers type their objects directly. */
        if (s->obj_hdr)
            for (uint32_t o = 0; o < s->nobj; o++)
                if (s->obj_hdr[o])
                    set_type(&k, o, rtype_to_btype(&k, s->obj_hdr[o]), 0);
        find_regions(&k);
        type_roots(&k);
        drain(&k);
        type_by_shape(&k);
        /* one name per (type, array) pair, not one string per object */
        cd_map64 keys = {0};
        for (uint32_t o = 0; o < s->nobj; o++) {
            uint32_t bt = t->obj_btype[o];
            if (!bt) {
                t->obj_type[o] = 0;
                continue;
            }
            uint64_t kk = ((uint64_t)bt << 1 | t->obj_array[o]) + 1;
            uint32_t id;
            if (!cd_map64_get(&keys, kk, &id)) {
                id = key_for(&k, o);
                cd_map64_put(&keys, kk, id);
            }
            t->obj_type[o] = id;
        }
        cd_map64_free(&keys);
    } else {
        type_roots(&k);
        type_degraded(&k);
    }
    if (k.queue != t->obj_type)
        free(k.queue);
    free(k.sparse);
    free(k.regions);
    cd_map64_free(&k.word_memo);
    for (size_t i = 0; i < k.nword_tab; i++)
        free(k.word_tab[i]);
    free(k.word_tab);
    *out = t;
    return 0;
}

const char *cd_root_name(const cd_typing *t, uint32_t r, char *buf, size_t cap)
{
    const cd_snapshot *s = t->snap;
    if (!t->root_name || r >= s->nroots)
        return "?";   /* released, or no such root */
    const char *name = cd_strtab_get(&t->names, t->root_name[r]);
    if (!t->root_goid || !t->root_goid[r] || s->roots[r].frame >= s->nframes ||
        strncmp(name, "goroutine ", 10) != 0)
        return name;
    const cd_goroutine *g = &s->goroutines[s->frames[s->roots[r].frame].goroutine];
    snprintf(buf, cap, "goroutine %llu %s", (unsigned long long)g->goid, name + 10);
    return buf;
}

void cd_typing_release(cd_typing *t)
{
    CD_FREE(t->obj_type);
    CD_FREE(t->obj_btype);
    CD_FREE(t->obj_array);
    CD_FREE(t->root_name);
    CD_FREE(t->root_goid);
    CD_FREE(t->root_btype);
    CD_FREE(t->facts);
    t->nfacts = 0;
}

void cd_typing_free(cd_typing *t)
{
    if (!t)
        return;
    cd_typing_release(t);
    cd_strtab_free(&t->names);
    free(t);
}
