/* binary_dwarf.c — the DWARF side of cd_binary, with libdwarf 20210528
 * (old API). One pass over the DIEs of every Go compile unit records raw
 * type DIEs (keyed by global .debug_info offset), globals, functions with
 * their variables and decoded locations, and the abstract (inlinable)
 * function DIEs that concrete ones refer to. A second pass turns the raw
 * types into the compact table of binary.h: plain typedefs collapse onto
 * their target, interfaces take the fields of runtime.iface/eface, maps and
 * channels get the synthesised hash/map/hchan struct they point to.
 *
 * See /work/shared/reference/go-dwarf.md §1-2 for what Go emits. */
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <libdwarf/dwarf.h>
#include <libdwarf/libdwarf.h>

#include "binary_priv.h"

#define AT_go_kind 0x2900
#define AT_go_key 0x2901
#define AT_go_elem 0x2902
#define AT_go_embedded_field 0x2903
#define AT_go_runtime_type 0x2904
#define AT_go_closure_offset 0x2907

#define MAX_DEPTH 64            /* DIE nesting we follow */
#define PIECE_WHOLE UINT32_MAX  /* placeholder: the whole variable */

/* A type DIE as read, before ids are assigned. */
typedef struct rawtype {
    uint64_t off;         /* global DIE offset */
    uint64_t ref;         /* DW_AT_type */
    uint64_t key, elem;   /* DW_AT_go_key / DW_AT_go_elem */
    uint64_t rtoff;       /* DW_AT_go_runtime_type */
    uint64_t size, count;
    const char *name;
    uint16_t tag;
    uint8_t gokind;
    uint32_t mem0, nmem;  /* members in walk.mem */
} rawtype;

typedef struct rawmem {
    const char *name;
    uint64_t ref, off;
    uint8_t embedded;
} rawmem;

/* What a variable or function DIE says about itself (abstract DIEs). */
typedef struct absinfo {
    const char *name;
    uint64_t ref;
    int64_t closure_off;
} absinfo;

typedef struct walk {
    cd_binary *bin;
    bin_priv *p;
    Dwarf_Debug dbg;
    const char *path;
    cd_error *err;
    int failed;

    rawtype *rt;
    size_t nrt, crt;
    rawmem *mem;
    size_t nmem, cmem;
    cd_map64 rtidx;       /* DIE offset -> raw type index + 1 */

    absinfo *ab;
    size_t nab, cab;
    cd_map64 abidx;       /* abstract DIE offset -> ab index + 1 */

    uint64_t *var_ref, *var_origin;   /* parallel to bin->vars */
    uint64_t *glob_ref;               /* parallel to bin->globals */
    uint64_t *func_origin;            /* parallel to bin->funcs */
    size_t cvars, cglobs, cfuncs, clocs, cvref, cvorig, cgref, cforig;

    int fb_cfa;           /* current function's frame base is DW_OP_call_frame_cfa */
    int ngocus;
    int cu_version;
    uint8_t *ll_starts;   /* .debug_loclists list starts (binary_loclists.c) */
    uint64_t ll_size;
} walk;

/* Attributes of one DIE that we care about. */
typedef struct dattrs {
    Dwarf_Attribute *list;
    Dwarf_Signed n;
    const char *name;
    uint64_t type, key, elem, origin, rtoff, size, count, upper, memloc, closure;
    uint8_t has_type, has_key, has_elem, has_origin, has_rtoff, has_size, has_count,
        has_upper, has_memloc, has_closure, has_inline, has_lowpc;
    uint8_t gokind, embedded;
    Dwarf_Attribute loc, framebase;
} dattrs;

static void drop(walk *w, Dwarf_Error e)
{
    if (e)
        dwarf_dealloc(w->dbg, e, DW_DLA_ERROR);
}

static int dfail(walk *w, Dwarf_Error e, const char *what)
{
    if (!w->failed)
        cd_fail(w->err, CD_EBINARY, w->path, -1, "bad DWARF (%s): %s", what,
                e ? dwarf_errmsg(e) : "unknown error");
    w->failed = 1;
    drop(w, e);
    return -1;
}

static int get_u(walk *w, Dwarf_Attribute a, uint64_t *out)
{
    Dwarf_Error e = NULL;
    Dwarf_Unsigned u;
    if (dwarf_formudata(a, &u, &e) == DW_DLV_OK) {
        *out = u;
        return 1;
    }
    drop(w, e);
    e = NULL;
    Dwarf_Signed s;
    if (dwarf_formsdata(a, &s, &e) == DW_DLV_OK) {
        *out = (uint64_t)s;
        return 1;
    }
    drop(w, e);
    return 0;
}

static int get_ref(walk *w, Dwarf_Attribute a, uint64_t *out)
{
    Dwarf_Error e = NULL;
    Dwarf_Off off;
    if (dwarf_global_formref(a, &off, &e) == DW_DLV_OK) {
        *out = off;
        return 1;
    }
    drop(w, e);
    return 0;
}

/* Bytes of a block / exprloc attribute. The pointer stays valid until
 * the caller deallocates *blk (may be NULL). */
static int get_block(walk *w, Dwarf_Attribute a, const unsigned char **data, uint64_t *len,
                     Dwarf_Block **blk)
{
    Dwarf_Error e = NULL;
    Dwarf_Half form = 0;
    *blk = NULL;
    if (dwarf_whatform(a, &form, &e) != DW_DLV_OK) {
        drop(w, e);
        return 0;
    }
    if (form == DW_FORM_exprloc) {
        Dwarf_Unsigned l;
        Dwarf_Ptr ptr;
        if (dwarf_formexprloc(a, &l, &ptr, &e) != DW_DLV_OK) {
            drop(w, e);
            return 0;
        }
        *data = ptr;
        *len = l;
        return 1;
    }
    if (form == DW_FORM_block1 || form == DW_FORM_block2 || form == DW_FORM_block4 ||
        form == DW_FORM_block) {
        if (dwarf_formblock(a, blk, &e) != DW_DLV_OK) {
            drop(w, e);
            *blk = NULL;
            return 0;
        }
        *data = (*blk)->bl_data;
        *len = (*blk)->bl_len;
        return 1;
    }
    return 0;
}

static void release_attrs(walk *w, dattrs *a)
{
    for (Dwarf_Signed i = 0; i < a->n; i++)
        dwarf_dealloc_attribute(a->list[i]);
    if (a->list)
        dwarf_dealloc(w->dbg, a->list, DW_DLA_LIST);
    a->list = NULL;
    a->n = 0;
}

static int read_attrs(walk *w, Dwarf_Die die, dattrs *a)
{
    memset(a, 0, sizeof *a);
    Dwarf_Error e = NULL;
    int res = dwarf_attrlist(die, &a->list, &a->n, &e);
    if (res == DW_DLV_NO_ENTRY) {
        a->list = NULL;
        a->n = 0;
        return 0;
    }
    if (res != DW_DLV_OK)
        return dfail(w, e, "attribute list");
    for (Dwarf_Signed i = 0; i < a->n; i++) {
        Dwarf_Attribute at = a->list[i];
        Dwarf_Half num = 0;
        if (dwarf_whatattr(at, &num, &e) != DW_DLV_OK) {
            drop(w, e);
            e = NULL;
            continue;
        }
        switch (num) {
        case DW_AT_name: {
            char *s = NULL;
            if (dwarf_formstring(at, &s, &e) == DW_DLV_OK)
                a->name = s;
            else
                drop(w, e);
            e = NULL;
            break;
        }
        case DW_AT_type:
            a->has_type = (uint8_t)get_ref(w, at, &a->type);
            break;
        case AT_go_key:
            a->has_key = (uint8_t)get_ref(w, at, &a->key);
            break;
        case AT_go_elem:
            a->has_elem = (uint8_t)get_ref(w, at, &a->elem);
            break;
        case DW_AT_abstract_origin:
            a->has_origin = (uint8_t)get_ref(w, at, &a->origin);
            break;
        case AT_go_kind: {
            uint64_t v;
            if (get_u(w, at, &v))
                a->gokind = (uint8_t)v;
            break;
        }
        case AT_go_runtime_type: {
            Dwarf_Addr ad;
            if (dwarf_formaddr(at, &ad, &e) == DW_DLV_OK) {
                a->rtoff = ad;
                a->has_rtoff = 1;
            } else {
                drop(w, e);
                a->has_rtoff = (uint8_t)get_u(w, at, &a->rtoff);
            }
            e = NULL;
            break;
        }
        case AT_go_embedded_field: {
            Dwarf_Bool f = 0;
            if (dwarf_formflag(at, &f, &e) == DW_DLV_OK)
                a->embedded = f != 0;
            else
                drop(w, e);
            e = NULL;
            break;
        }
        case AT_go_closure_offset:
            a->has_closure = (uint8_t)get_u(w, at, &a->closure);
            break;
        case DW_AT_byte_size:
            a->has_size = (uint8_t)get_u(w, at, &a->size);
            break;
        case DW_AT_count:
            a->has_count = (uint8_t)get_u(w, at, &a->count);
            break;
        case DW_AT_upper_bound:
            a->has_upper = (uint8_t)get_u(w, at, &a->upper);
            break;
        case DW_AT_data_member_location:
            a->has_memloc = (uint8_t)get_u(w, at, &a->memloc);
            break;
        case DW_AT_inline:
            a->has_inline = 1;
            break;
        case DW_AT_low_pc:
            a->has_lowpc = 1;
            break;
        case DW_AT_location:
            a->loc = at;
            break;
        case DW_AT_frame_base:
            a->framebase = at;
            break;
        default:
            break;
        }
    }
    return 0;
}

static const char *save(walk *w, const char *s)
{
    return s ? cd_arena_strdup(&w->p->arena, s) : NULL;
}

/* ---- location expressions --------------------------------------------- */

static void add_loc(walk *w, uint64_t lo, uint64_t hi, int64_t off, uint32_t poff, uint32_t psz)
{
    cd_binary *bin = w->bin;
    CD_GROW(bin->locs, w->clocs, bin->nlocs + 1);
    bin->locs[bin->nlocs++] = (cd_varloc){lo, hi, off, poff, psz};
}

typedef struct evslot {
    int64_t v;
    int cfa;
} evslot;

/* One DW_OP_piece as decoded: where it lives (CFA-relative, a register,
 * or something we cannot use) and its size. */
typedef struct evpiece {
    int where;            /* 0 unusable, 1 CFA + v, 2 register v */
    int64_t v;
    uint64_t size;
} evpiece;

#define MAX_PIECES 64

/* Decode one location expression valid at [lo, hi) into CFA-relative
 * pieces. Register pieces and anything we cannot evaluate statically are
 * not stored, but still advance the piece offset.
 *
 * Go 1.19 (regabi) writes every piece of a multi-word parameter twice
 * ("reg0 piece8 reg0 piece8 reg3 piece8 reg3 piece8" for an interface in
 * rax/rbx; "cfa piece8 cfa piece8 fbreg8 piece8 fbreg8 piece8" once
 * spilled). Two adjacent pieces of the same size in the same place cannot
 * both be right, so when every pair is such a duplicate the pairs are
 * collapsed. */
static void decode_expr(walk *w, Dwarf_Locdesc_c desc, Dwarf_Unsigned nops, uint64_t lo,
                        uint64_t hi)
{
    evslot st[8];
    evpiece pc[MAX_PIECES];
    int sp = 0, bad = 0, reg = 0, npc = 0;
    int64_t regno = 0;
    for (Dwarf_Unsigned i = 0; i < nops; i++) {
        Dwarf_Small atom = 0;
        Dwarf_Unsigned op1 = 0, op2 = 0, op3 = 0, r1, r2, r3, br;
        Dwarf_Error e = NULL;
        if (dwarf_get_location_op_value_d(desc, i, &atom, &op1, &op2, &op3, &r1, &r2, &r3, &br,
                                          &e) != DW_DLV_OK) {
            drop(w, e);
            return;
        }
        if (atom == DW_OP_piece) {
            if (npc == MAX_PIECES)
                return;
            evpiece *q = &pc[npc++];
            q->size = op1;
            q->where = 0;
            q->v = 0;
            if (!bad && reg && sp == 0) {
                q->where = 2;
                q->v = regno;
            } else if (!bad && !reg && sp == 1 && st[0].cfa) {
                q->where = 1;
                q->v = st[0].v;
            }
            sp = bad = reg = 0;
            continue;
        }
        if (bad)
            continue;
        if (sp >= 8 || reg) {
            bad = 1;   /* nothing may follow DW_OP_regN but a piece */
            continue;
        }
        if (atom >= DW_OP_lit0 && atom <= DW_OP_lit31) {
            st[sp++] = (evslot){atom - DW_OP_lit0, 0};
            continue;
        }
        if ((atom >= DW_OP_reg0 && atom <= DW_OP_reg31) || atom == DW_OP_regx) {
            reg = 1;
            regno = atom == DW_OP_regx ? (int64_t)op1 : atom - DW_OP_reg0;
            if (sp)
                bad = 1;
            continue;
        }
        switch (atom) {
        case DW_OP_call_frame_cfa:
            st[sp++] = (evslot){0, 1};
            break;
        case DW_OP_fbreg:
            if (w->fb_cfa)
                st[sp++] = (evslot){(int64_t)op1, 1};
            else
                bad = 1;
            break;
        case DW_OP_const1u: case DW_OP_const2u: case DW_OP_const4u: case DW_OP_const8u:
        case DW_OP_constu:
        case DW_OP_const1s: case DW_OP_const2s: case DW_OP_const4s: case DW_OP_const8s:
        case DW_OP_consts:
            st[sp++] = (evslot){(int64_t)op1, 0};
            break;
        case DW_OP_plus_uconst:
            if (sp < 1)
                bad = 1;
            else
                st[sp - 1].v += (int64_t)op1;
            break;
        case DW_OP_plus:
            if (sp < 2 || (st[sp - 1].cfa && st[sp - 2].cfa)) {
                bad = 1;
            } else {
                st[sp - 2].v += st[sp - 1].v;
                st[sp - 2].cfa |= st[sp - 1].cfa;
                sp--;
            }
            break;
        case DW_OP_minus:
            if (sp < 2 || st[sp - 1].cfa) {
                bad = 1;
            } else {
                st[sp - 2].v -= st[sp - 1].v;
                sp--;
            }
            break;
        case DW_OP_nop:
            break;
        default:
            bad = 1;
            break;
        }
    }
    if (npc == 0) {
        if (!bad && !reg && sp == 1 && st[0].cfa)
            add_loc(w, lo, hi, st[0].v, 0, PIECE_WHOLE);
        return;
    }
    int dup = npc % 2 == 0;
    for (int k = 0; dup && k < npc; k += 2)
        dup = pc[k].where != 0 && pc[k].where == pc[k + 1].where && pc[k].v == pc[k + 1].v &&
              pc[k].size == pc[k + 1].size && pc[k].size != 0;
    uint64_t poff = 0;
    for (int k = 0; k < npc; k += dup ? 2 : 1) {
        if (pc[k].where == 1 && poff + pc[k].size <= UINT32_MAX)
            add_loc(w, lo, hi, pc[k].v, (uint32_t)poff, (uint32_t)pc[k].size);
        poff += pc[k].size;
    }
}

/* May libdwarf follow this location attribute? A DWARF 5 list reached by
 * DW_FORM_sec_offset must start at an entry that binary_loclists.c checked
 * (libdwarf 20210528 crashes on damaged lists); if not, the binary is
 * corrupt and loading fails. Other forms (exprloc, DWARF 4 .debug_loc,
 * DW_FORM_loclistx, which Go does not write) go to libdwarf as they are. */
static int location_ok(walk *w, Dwarf_Attribute at)
{
    Dwarf_Half form = 0;
    Dwarf_Error e = NULL;
    if (w->cu_version < 5)
        return 1;
    if (dwarf_whatform(at, &form, &e) != DW_DLV_OK) {
        drop(w, e);
        return 0;
    }
    if (form != DW_FORM_sec_offset)
        return 1;
    Dwarf_Off off = 0;
    if (dwarf_global_formref(at, &off, &e) != DW_DLV_OK) {
        drop(w, e);
        return 0;
    }
    if (w->ll_starts && off < w->ll_size && (w->ll_starts[off / 8] & (1u << (off % 8))))
        return 1;
    if (!w->failed)
        cd_fail(w->err, CD_EBINARY, w->path, -1,
                "corrupt DWARF: damaged location list at .debug_loclists offset %llu",
                (unsigned long long)off);
    w->failed = 1;
    return 0;
}

static void decode_location(walk *w, Dwarf_Attribute at)
{
    Dwarf_Loc_Head_c head = NULL;
    Dwarf_Unsigned count = 0;
    Dwarf_Error e = NULL;
    if (!location_ok(w, at))
        return;
    if (dwarf_get_loclist_c(at, &head, &count, &e) != DW_DLV_OK) {
        drop(w, e);
        return;
    }
    unsigned kind = 0;
    if (dwarf_get_loclist_head_kind(head, &kind, &e) != DW_DLV_OK) {
        drop(w, e);
        e = NULL;
        kind = DW_LKIND_unknown;
    }
    for (Dwarf_Unsigned i = 0; i < count; i++) {
        Dwarf_Small lle = 0, source = 0;
        Dwarf_Unsigned rawlo = 0, rawhi = 0, nops = 0, exproff = 0, descoff = 0;
        Dwarf_Bool unavail = 0;
        Dwarf_Addr lo = 0, hi = 0;
        Dwarf_Locdesc_c desc = NULL;
        if (dwarf_get_locdesc_entry_d(head, i, &lle, &rawlo, &rawhi, &unavail, &lo, &hi, &nops,
                                      &desc, &source, &exproff, &descoff, &e) != DW_DLV_OK) {
            drop(w, e);
            e = NULL;
            continue;
        }
        if (!nops || unavail)
            continue;
        if (kind == DW_LKIND_expression) {
            lo = 0;
            hi = UINT64_MAX;
        } else if (lo >= hi) {
            continue;
        }
        decode_expr(w, desc, nops, lo, hi);
    }
    dwarf_loc_head_c_dealloc(head);
}

/* ---- DIE walk ----------------------------------------------------------- */

typedef enum { CTX_CU, CTX_FUNC, CTX_ABSTRACT } walkctx;

static void walk_die(walk *w, Dwarf_Die die, int depth, walkctx ctx);

static void walk_children(walk *w, Dwarf_Die die, int depth, walkctx ctx)
{
    if (depth > MAX_DEPTH || w->failed)
        return;
    Dwarf_Die child = NULL;
    Dwarf_Error e = NULL;
    int res = dwarf_child(die, &child, &e);
    if (res == DW_DLV_ERROR) {
        dfail(w, e, "child DIE");
        return;
    }
    while (res == DW_DLV_OK && !w->failed) {
        walk_die(w, child, depth, ctx);
        Dwarf_Die sib = NULL;
        res = dwarf_siblingof_b(w->dbg, child, 1, &sib, &e);
        dwarf_dealloc_die(child);
        child = sib;
        if (res == DW_DLV_ERROR) {
            dfail(w, e, "sibling DIE");
            return;
        }
    }
}

static uint64_t die_offset(walk *w, Dwarf_Die die)
{
    Dwarf_Off off = 0;
    Dwarf_Error e = NULL;
    if (dwarf_dieoffset(die, &off, &e) != DW_DLV_OK) {
        drop(w, e);
        return 0;
    }
    return off;
}

static void add_type(walk *w, Dwarf_Die die, Dwarf_Half tag, dattrs *a, int depth)
{
    uint64_t off = die_offset(w, die);
    if (!off)
        return;
    CD_GROW(w->rt, w->crt, w->nrt + 1);
    rawtype *t = &w->rt[w->nrt];
    memset(t, 0, sizeof *t);
    t->off = off;
    t->tag = tag;
    t->name = save(w, a->name);
    t->gokind = a->gokind;
    t->ref = a->has_type ? a->type : 0;
    t->key = a->has_key ? a->key : 0;
    t->elem = a->has_elem ? a->elem : 0;
    t->rtoff = a->has_rtoff ? a->rtoff : 0;
    t->size = a->has_size ? a->size : 0;
    cd_map64_put(&w->rtidx, off, (uint32_t)(w->nrt + 1));
    size_t me = w->nrt++;
    if (tag != DW_TAG_structure_type && tag != DW_TAG_array_type)
        return;
    if (depth + 1 > MAX_DEPTH)
        return;
    /* Members or the array's subrange. */
    uint32_t mem0 = (uint32_t)w->nmem;
    Dwarf_Die child = NULL;
    Dwarf_Error e = NULL;
    int res = dwarf_child(die, &child, &e);
    if (res == DW_DLV_ERROR) {
        dfail(w, e, "child DIE");
        return;
    }
    while (res == DW_DLV_OK) {
        Dwarf_Half ctag = 0;
        if (dwarf_tag(child, &ctag, &e) != DW_DLV_OK) {
            drop(w, e);
            e = NULL;
        }
        if (ctag == DW_TAG_member || ctag == DW_TAG_subrange_type) {
            dattrs ca;
            if (read_attrs(w, child, &ca) == 0) {
                if (ctag == DW_TAG_member) {
                    CD_GROW(w->mem, w->cmem, w->nmem + 1);
                    w->mem[w->nmem++] = (rawmem){save(w, ca.name ? ca.name : ""),
                                                 ca.has_type ? ca.type : 0,
                                                 ca.has_memloc ? ca.memloc : 0, ca.embedded};
                } else if (ca.has_count) {
                    w->rt[me].count = ca.count;
                } else if (ca.has_upper) {
                    w->rt[me].count = ca.upper + 1;
                }
            }
            release_attrs(w, &ca);
        }
        Dwarf_Die sib = NULL;
        res = dwarf_siblingof_b(w->dbg, child, 1, &sib, &e);
        dwarf_dealloc_die(child);
        child = sib;
        if (res == DW_DLV_ERROR) {
            dfail(w, e, "sibling DIE");
            return;
        }
    }
    w->rt[me].mem0 = mem0;
    w->rt[me].nmem = (uint32_t)(w->nmem - mem0);
}

static void add_abstract(walk *w, Dwarf_Die die, dattrs *a)
{
    uint64_t off = die_offset(w, die);
    if (!off)
        return;
    CD_GROW(w->ab, w->cab, w->nab + 1);
    w->ab[w->nab] = (absinfo){save(w, a->name), a->has_type ? a->type : 0,
                              a->has_closure ? (int64_t)a->closure : -1};
    cd_map64_put(&w->abidx, off, (uint32_t)(w->nab + 1));
    w->nab++;
}

static void add_global(walk *w, dattrs *a)
{
    if (!a->loc || !a->name)
        return;
    const unsigned char *d;
    uint64_t len;
    Dwarf_Block *blk;
    if (!get_block(w, a->loc, &d, &len, &blk))
        return;
    int ps = w->bin->ptr_size;
    if (len == 1 + (uint64_t)ps && d[0] == DW_OP_addr) {
        cd_binary *bin = w->bin;
        CD_GROW(bin->globals, w->cglobs, bin->nglobals + 1);
        CD_GROW(w->glob_ref, w->cgref, bin->nglobals + 1);
        cd_global *g = &bin->globals[bin->nglobals];
        g->name = save(w, a->name);
        g->addr = cd_binary_rdint(bin, d + 1, ps);
        g->size = 0;
        g->type = 0;
        w->glob_ref[bin->nglobals++] = a->has_type ? a->type : 0;
    }
    if (blk)
        dwarf_dealloc(w->dbg, blk, DW_DLA_BLOCK);
}

static void add_var(walk *w, Dwarf_Half tag, dattrs *a)
{
    cd_binary *bin = w->bin;
    if (!a->loc)
        return;
    if (bin->nfuncs == 0)
        return;
    CD_GROW(bin->vars, w->cvars, bin->nvars + 1);
    CD_GROW(w->var_ref, w->cvref, bin->nvars + 1);
    CD_GROW(w->var_origin, w->cvorig, bin->nvars + 1);
    cd_var *v = &bin->vars[bin->nvars];
    v->name = save(w, a->name);
    v->type = 0;
    v->is_param = tag == DW_TAG_formal_parameter;
    v->closure_off = a->has_closure ? (int64_t)a->closure : -1;
    v->loc0 = (uint32_t)bin->nlocs;
    decode_location(w, a->loc);   /* grows bin->locs only: v stays valid */
    v->nloc = (uint32_t)(bin->nlocs - v->loc0);
    w->var_ref[bin->nvars] = a->has_type ? a->type : 0;
    w->var_origin[bin->nvars] = a->has_origin ? a->origin : 0;
    bin->nvars++;
    bin->funcs[bin->nfuncs - 1].nvars++;
}

/* Is the frame base exactly DW_OP_call_frame_cfa? */
static int frame_base_is_cfa(walk *w, Dwarf_Attribute at)
{
    if (!at)
        return 0;
    const unsigned char *d;
    uint64_t len;
    Dwarf_Block *blk;
    if (!get_block(w, at, &d, &len, &blk))
        return 0;
    int ok = len == 1 && d[0] == DW_OP_call_frame_cfa;
    if (blk)
        dwarf_dealloc(w->dbg, blk, DW_DLA_BLOCK);
    return ok;
}

static void add_func(walk *w, Dwarf_Die die, dattrs *a, int depth)
{
    cd_binary *bin = w->bin;
    Dwarf_Error e = NULL;
    Dwarf_Addr lo = 0, hi = 0;
    Dwarf_Half form = 0;
    enum Dwarf_Form_Class cls = DW_FORM_CLASS_UNKNOWN;
    if (dwarf_lowpc(die, &lo, &e) != DW_DLV_OK) {
        drop(w, e);
        return;
    }
    e = NULL;
    if (dwarf_highpc_b(die, &hi, &form, &cls, &e) != DW_DLV_OK) {
        drop(w, e);
        return;
    }
    if (cls == DW_FORM_CLASS_CONSTANT)
        hi += lo;
    if (hi < lo)
        return;
    CD_GROW(bin->funcs, w->cfuncs, bin->nfuncs + 1);
    CD_GROW(w->func_origin, w->cforig, bin->nfuncs + 1);
    bin->funcs[bin->nfuncs] = (cd_func){save(w, a->name), lo, hi, (uint32_t)bin->nvars, 0};
    w->func_origin[bin->nfuncs] = a->has_origin && !a->name ? a->origin : 0;
    bin->nfuncs++;
    w->fb_cfa = frame_base_is_cfa(w, a->framebase);
    walk_children(w, die, depth + 1, CTX_FUNC);
}

static void walk_die(walk *w, Dwarf_Die die, int depth, walkctx ctx)
{
    Dwarf_Half tag = 0;
    Dwarf_Error e = NULL;
    if (dwarf_tag(die, &tag, &e) != DW_DLV_OK) {
        dfail(w, e, "DIE tag");
        return;
    }
    int want;
    switch (ctx) {
    case CTX_CU:
        want = tag == DW_TAG_base_type || tag == DW_TAG_structure_type ||
               tag == DW_TAG_pointer_type || tag == DW_TAG_array_type ||
               tag == DW_TAG_typedef || tag == DW_TAG_subroutine_type ||
               tag == DW_TAG_unspecified_type || tag == DW_TAG_variable ||
               tag == DW_TAG_subprogram;
        break;
    default:
        want = tag == DW_TAG_variable || tag == DW_TAG_formal_parameter ||
               tag == DW_TAG_lexical_block || tag == DW_TAG_inlined_subroutine;
        break;
    }
    if (!want)
        return;
    if (ctx != CTX_CU && (tag == DW_TAG_lexical_block || tag == DW_TAG_inlined_subroutine)) {
        walk_children(w, die, depth + 1, ctx);
        return;
    }
    dattrs a;
    if (read_attrs(w, die, &a) < 0)
        return;
    if (ctx == CTX_ABSTRACT) {
        add_abstract(w, die, &a);
    } else if (ctx == CTX_FUNC) {
        add_var(w, tag, &a);
    } else if (tag == DW_TAG_variable) {
        add_global(w, &a);
    } else if (tag == DW_TAG_subprogram) {
        if (a.has_inline) {
            add_abstract(w, die, &a);
            release_attrs(w, &a);
            walk_children(w, die, depth + 1, CTX_ABSTRACT);
            return;
        }
        if (a.has_lowpc)
            add_func(w, die, &a, depth);
    } else {
        add_type(w, die, tag, &a, depth);
    }
    release_attrs(w, &a);
}

/* ---- building the type table -------------------------------------------- */

static int is_plain_typedef(const rawtype *t)
{
    return t->tag == DW_TAG_typedef && t->gokind != CD_KIND_MAP && t->gokind != CD_KIND_CHAN &&
           t->gokind != CD_KIND_INTERFACE;
}

static uint32_t ref_id(walk *w, const uint32_t *ids, uint64_t off)
{
    uint32_t v;
    if (!off || !cd_map64_get(&w->rtidx, off, &v))
        return 0;
    return ids[v - 1];
}

static void build_types(walk *w)
{
    cd_binary *bin = w->bin;
    bin_priv *p = w->p;
    uint32_t *ids = cd_calloc(w->nrt ? w->nrt : 1, sizeof *ids);
    uint32_t *idraw = cd_calloc(w->nrt + 1, sizeof *idraw);   /* id -> raw index */
    size_t n = 1;
    for (size_t i = 0; i < w->nrt; i++)
        if (!is_plain_typedef(&w->rt[i])) {
            idraw[n] = (uint32_t)i;
            ids[i] = (uint32_t)n++;
        }
    /* Plain typedefs take the id of what they (eventually) name. */
    for (size_t i = 0; i < w->nrt; i++) {
        if (!is_plain_typedef(&w->rt[i]))
            continue;
        size_t j = i;
        uint32_t id = 0;
        for (int step = 0; step < 64; step++) {
            uint32_t v;
            if (!w->rt[j].ref || !cd_map64_get(&w->rtidx, w->rt[j].ref, &v))
                break;
            j = v - 1;
            if (!is_plain_typedef(&w->rt[j])) {
                id = ids[j];
                break;
            }
        }
        ids[i] = id;
    }

    bin->ntypes = n;
    p->types_cap = n + 64;
    bin->types = cd_calloc(p->types_cap, sizeof *bin->types);
    bin->types[0].name = "";
    p->fields_cap = w->nmem + 64;
    bin->fields = cd_calloc(p->fields_cap, sizeof *bin->fields);
    bin->nfields = 0;
    int ps = bin->ptr_size;

    for (size_t i = 0; i < w->nrt; i++) {
        const rawtype *r = &w->rt[i];
        if (is_plain_typedef(r))
            continue;
        cd_type *t = &bin->types[ids[i]];
        t->name = r->name ? r->name : "";
        t->size = r->size;
        t->rtaddr = r->rtoff;   /* offset from runtime.types: binary.c rebases it */
        switch (r->tag) {
        case DW_TAG_base_type:
            t->kind = r->gokind;
            break;
        case DW_TAG_pointer_type:
            if (r->gokind == CD_KIND_UNSAFEPTR || !r->ref) {
                t->kind = CD_KIND_UNSAFEPTR;
            } else {
                t->kind = CD_KIND_PTR;
                t->elem = ref_id(w, ids, r->ref);
            }
            if (!t->size)
                t->size = (uint64_t)ps;
            break;
        case DW_TAG_structure_type:
            t->kind = (r->gokind == CD_KIND_SLICE || r->gokind == CD_KIND_STRING)
                          ? r->gokind : CD_KIND_STRUCT;
            if (t->kind == CD_KIND_SLICE)
                t->elem = ref_id(w, ids, r->elem);
            t->field0 = (uint32_t)bin->nfields;
            t->nfields = r->nmem;
            for (uint32_t k = 0; k < r->nmem; k++) {
                const rawmem *m = &w->mem[r->mem0 + k];
                bin->fields[bin->nfields++] =
                    (cd_field){m->name, ref_id(w, ids, m->ref), m->embedded, m->off};
            }
            break;
        case DW_TAG_array_type:
            t->kind = CD_KIND_ARRAY;
            t->elem = ref_id(w, ids, r->ref);
            t->count = r->count;
            break;
        case DW_TAG_subroutine_type:
            t->kind = CD_KIND_FUNC;
            if (!t->size)
                t->size = (uint64_t)ps;
            break;
        case DW_TAG_typedef:
            t->kind = r->gokind;
            if (t->kind == CD_KIND_MAP) {
                t->key = ref_id(w, ids, r->key);
                t->elem = ref_id(w, ids, r->elem);
            } else if (t->kind == CD_KIND_CHAN) {
                t->elem = ref_id(w, ids, r->elem);
            }
            if (!t->size)
                t->size = t->kind == CD_KIND_INTERFACE ? 2 * (uint64_t)ps : (uint64_t)ps;
            break;
        default:
            t->kind = CD_KIND_NONE;
            break;
        }
    }
    /* Second pass: things that need their targets filled in. */
    for (size_t i = 0; i < w->nrt; i++) {
        const rawtype *r = &w->rt[i];
        if (r->tag != DW_TAG_typedef || is_plain_typedef(r))
            continue;
        cd_type *t = &bin->types[ids[i]];
        uint32_t x = ref_id(w, ids, r->ref);
        if (t->kind == CD_KIND_INTERFACE) {
            /* Follow interface-to-interface links (bounded) to the struct. */
            for (int step = 0; step < 8 && x && bin->types[x].kind == CD_KIND_INTERFACE; step++)
                x = ref_id(w, ids, w->rt[idraw[x]].ref);
            if (x && bin->types[x].kind == CD_KIND_STRUCT) {
                t->field0 = bin->types[x].field0;
                t->nfields = bin->types[x].nfields;
                if (bin->types[x].size)
                    t->size = bin->types[x].size;
                t->eface = strcmp(bin->types[x].name, "runtime.eface") == 0;
            }
        } else if (t->kind == CD_KIND_MAP || t->kind == CD_KIND_CHAN) {
            if (x && bin->types[x].kind == CD_KIND_PTR)
                t->impl = bin->types[x].elem;
            else if (x && bin->types[x].kind == CD_KIND_STRUCT)
                t->impl = x;
        }
    }
    /* Arrays without a byte size: count * element size (nested arrays
     * settle after a few rounds). */
    for (int round = 0; round < 4; round++) {
        int changed = 0;
        for (size_t i = 1; i < bin->ntypes; i++) {
            cd_type *t = &bin->types[i];
            if (t->kind == CD_KIND_ARRAY && !t->size && t->count && t->elem &&
                bin->types[t->elem].size && t->count <= UINT64_MAX / bin->types[t->elem].size) {
                t->size = t->count * bin->types[t->elem].size;
                changed = 1;
            }
        }
        if (!changed)
            break;
    }

    /* Variables, globals, functions. */
    size_t nlocs = 0;
    for (size_t i = 0; i < bin->nvars; i++) {
        cd_var *v = &bin->vars[i];
        uint64_t ref = w->var_ref[i];
        uint32_t k;
        if (w->var_origin[i] && cd_map64_get(&w->abidx, w->var_origin[i], &k)) {
            const absinfo *ab = &w->ab[k - 1];
            if (!v->name)
                v->name = ab->name;
            if (!ref)
                ref = ab->ref;
            if (v->closure_off < 0)
                v->closure_off = ab->closure_off;
        }
        if (!v->name)
            v->name = "";
        v->type = ref_id(w, ids, ref);
        /* Whole-variable locations get the type's size; pieces that lie
         * outside the type are dropped (locs are compacted in place:
         * variables are in loc order). */
        uint64_t sz = bin->types[v->type].size;
        uint32_t k0 = (uint32_t)nlocs, l;
        for (l = 0; l < v->nloc; l++) {
            cd_varloc lc = bin->locs[v->loc0 + l];
            if (lc.piece_size == PIECE_WHOLE)
                lc.piece_size = sz < PIECE_WHOLE ? (uint32_t)sz : PIECE_WHOLE - 1;
            else if (v->type && (uint64_t)lc.piece_off + lc.piece_size > sz)
                continue;
            bin->locs[nlocs++] = lc;
        }
        v->loc0 = k0;
        v->nloc = (uint32_t)(nlocs - k0);
    }
    bin->nlocs = nlocs;
    for (size_t i = 0; i < bin->nglobals; i++) {
        cd_global *g = &bin->globals[i];
        g->type = ref_id(w, ids, w->glob_ref[i]);
        g->size = bin->types[g->type].size;
    }
    for (size_t i = 0; i < bin->nfuncs; i++) {
        cd_func *f = &bin->funcs[i];
        uint32_t k;
        if (!f->name && w->func_origin[i] && cd_map64_get(&w->abidx, w->func_origin[i], &k))
            f->name = w->ab[k - 1].name;
        if (!f->name)
            f->name = "";
    }
    free(ids);
    free(idraw);
}

/* ---- entry point ------------------------------------------------------- */

static void producer_version(cd_binary *bin, const char *prod)
{
    if (bin->go_version[0])
        return;
    const char *s = strstr(prod, " go1");
    if (!s)
        s = strstr(prod, "devel ");
    if (!s)
        return;
    s++;
    size_t n = strcspn(s, ";");
    while (n && s[n - 1] == ' ')
        n--;
    if (n >= sizeof bin->go_version)
        n = sizeof bin->go_version - 1;
    memcpy(bin->go_version, s, n);
    bin->go_version[n] = 0;
}

static int walk_units(walk *w)
{
    for (;;) {
        Dwarf_Unsigned cu_len = 0, typeoff = 0, next = 0;
        Dwarf_Half ver = 0, asz = 0, lsz = 0, xsz = 0, cu_type = 0;
        Dwarf_Off abbr = 0;
        Dwarf_Sig8 sig;
        Dwarf_Error e = NULL;
        int res = dwarf_next_cu_header_d(w->dbg, 1, &cu_len, &ver, &abbr, &asz, &lsz, &xsz,
                                         &sig, &typeoff, &next, &cu_type, &e);
        if (res == DW_DLV_NO_ENTRY)
            return 0;
        if (res != DW_DLV_OK)
            return dfail(w, e, "compile unit header");
        Dwarf_Die cu = NULL;
        res = dwarf_siblingof_b(w->dbg, NULL, 1, &cu, &e);
        if (res == DW_DLV_ERROR)
            return dfail(w, e, "compile unit DIE");
        if (res != DW_DLV_OK)
            continue;
        Dwarf_Attribute pa = NULL;
        char *prod = NULL;
        int isgo = 0;
        if (dwarf_attr(cu, DW_AT_producer, &pa, &e) == DW_DLV_OK) {
            if (dwarf_formstring(pa, &prod, &e) == DW_DLV_OK && strstr(prod, "Go cmd/compile")) {
                isgo = 1;
                producer_version(w->bin, prod);
            } else {
                drop(w, e);
            }
            dwarf_dealloc_attribute(pa);
        } else {
            drop(w, e);
        }
        e = NULL;
        if (isgo) {
            w->cu_version = ver;
            if (!w->ngocus)
                w->bin->dwarf_version = ver;
            w->ngocus++;
            walk_children(w, cu, 1, CTX_CU);
        }
        dwarf_dealloc_die(cu);
        if (w->failed)
            return -1;
    }
}

static int func_cmp(const void *a, const void *b)
{
    const cd_func *x = a, *y = b;
    if (x->lowpc != y->lowpc)
        return x->lowpc < y->lowpc ? -1 : 1;
    return x->highpc < y->highpc ? -1 : x->highpc > y->highpc;
}

static int glob_cmp(const void *a, const void *b)
{
    const cd_global *x = a, *y = b;
    if (x->addr != y->addr)
        return x->addr < y->addr ? -1 : 1;
    return strcmp(x->name, y->name);
}

int cd_binary_dwarf_load(cd_binary *bin, cd_error *err)
{
    bin_priv *p = bin_p(bin);
    const char *path = bin->path;
    if (!cd_binary_section(bin, ".debug_info") && !cd_binary_section(bin, ".zdebug_info"))
        return cd_fail(err, CD_EBINARY, path, -1,
                       "no DWARF debug info (.debug_info): the binary was built with "
                       "-ldflags=-w or stripped; rebuild without -w/-s");
    walk w;
    memset(&w, 0, sizeof w);
    cd_binary_check_loclists(bin, &w.ll_starts, &w.ll_size);
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0) {
        free(w.ll_starts);
        return cd_fail(err, CD_EBINARY, path, -1, "cannot reopen binary for DWARF");
    }
    w.bin = bin;
    w.p = p;
    w.path = path;
    w.err = err;
    Dwarf_Error e = NULL;
    int res = dwarf_init_b(fd, DW_DLC_READ, DW_GROUPNUMBER_ANY, NULL, NULL, &w.dbg, &e);
    if (res != DW_DLV_OK) {
        if (res == DW_DLV_NO_ENTRY)
            cd_fail(err, CD_EBINARY, path, -1, "no DWARF debug info (built with -ldflags=-w?)");
        else
            cd_fail(err, CD_EBINARY, path, -1, "cannot read DWARF: %s",
                    e ? dwarf_errmsg(e) : "libdwarf error");
        if (e)
            dwarf_dealloc(NULL, e, DW_DLA_ERROR);
        close(fd);
        free(w.ll_starts);
        return -1;
    }
    int rc = walk_units(&w);
    if (rc == 0 && w.ngocus == 0)
        rc = cd_fail(err, CD_EBINARY, path, -1,
                     "not a Go binary: no compile unit produced by Go cmd/compile in DWARF");
    if (rc == 0 && (w.nrt == 0 || bin->nfuncs == 0))
        rc = cd_fail(err, CD_EBINARY, path, -1,
                     "corrupt DWARF: Go compile units without %s",
                     w.nrt == 0 ? "types" : "functions");
    if (rc == 0) {
        build_types(&w);
        if (bin->nfuncs > 1)
            qsort(bin->funcs, bin->nfuncs, sizeof *bin->funcs, func_cmp);
        if (bin->nglobals > 1)
            qsort(bin->globals, bin->nglobals, sizeof *bin->globals, glob_cmp);
        p->glob_maxend = cd_malloc((bin->nglobals ? bin->nglobals : 1) * sizeof *p->glob_maxend);
        uint64_t m = 0;
        for (size_t i = 0; i < bin->nglobals; i++) {
            uint64_t end = bin->globals[i].addr + bin->globals[i].size;
            if (end > m)
                m = end;
            p->glob_maxend[i] = m;
        }
    }
    dwarf_finish(w.dbg, &e);   /* an error here leaves nothing to free */
    close(fd);
    free(w.rt);
    free(w.mem);
    free(w.ab);
    free(w.var_ref);
    free(w.var_origin);
    free(w.glob_ref);
    free(w.func_origin);
    free(w.ll_starts);
    cd_map64_free(&w.rtidx);
    cd_map64_free(&w.abidx);
    return rc;
}
