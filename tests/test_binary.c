/* test_binary.c — unit tests for lib/binary*.c on the committed Go test
 * binaries tests/data/binary/ctxprog-go1.19 (DWARF 4) and ctxprog-go1.26
 * (DWARF 5), built from tests/data/binary/main.go.
 *
 * Checks the ELF side (sections, symbols, runtime.types, reads), the type
 * table (context.cancelCtx per version, pointers, interfaces, maps with
 * their hash/swiss struct, channels, slices, arrays, embedded fields,
 * generics), globals, functions and variable locations, the fallback that
 * decodes runtime type descriptors, and errors for garbage, truncated,
 * DWARF-less and non-Go files. Extra binaries given on the command line get
 * the version-independent checks. Prints one line per check and
 * "N passed, M failed"; exits 1 on any failure. Run from the repository
 * root (meson does). */
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <zlib.h>

#include "binary.h"
#include "binary_priv.h"
#include "util.h"

#include "check.h"

static double now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return ts.tv_sec + ts.tv_nsec * 1e-9;
}

static char tmpdir[256];

static void tmp_path(char *buf, size_t cap, const char *name)
{
    snprintf(buf, cap, "%s/%s", tmpdir, name);
}

static unsigned char *slurp(const char *path, size_t *n)
{
    FILE *f = fopen(path, "rb");
    if (!f)
        return NULL;
    fseek(f, 0, SEEK_END);
    long sz = ftell(f);
    fseek(f, 0, SEEK_SET);
    unsigned char *b = cd_malloc(sz > 0 ? (size_t)sz : 1);
    size_t got = fread(b, 1, (size_t)sz, f);
    fclose(f);
    *n = got;
    return b;
}

static int spit(const char *path, const void *b, size_t n)
{
    FILE *f = fopen(path, "wb");
    if (!f)
        return -1;
    size_t put = fwrite(b, 1, n, f);
    return fclose(f) == 0 && put == n ? 0 : -1;
}

static int gunzip(const char *from, const char *to)
{
    gzFile in = gzopen(from, "rb");
    FILE *out = fopen(to, "wb");
    int rc = in && out ? 0 : -1;
    char buf[65536];
    int k;
    while (rc == 0 && (k = gzread(in, buf, sizeof buf)) > 0)
        if (fwrite(buf, 1, (size_t)k, out) != (size_t)k)
            rc = -1;
    if (rc == 0 && k < 0)
        rc = -1;
    if (in)
        gzclose(in);
    if (out && fclose(out) != 0)
        rc = -1;
    return rc;
}

static const cd_symbol *sym(const cd_binary *b, const char *name)
{
    for (size_t i = 0; i < b->nsyms; i++)
        if (strcmp(b->syms[i].name, name) == 0)
            return &b->syms[i];
    return NULL;
}

static const cd_global *global(const cd_binary *b, const char *name)
{
    for (size_t i = 0; i < b->nglobals; i++)
        if (strcmp(b->globals[i].name, name) == 0)
            return &b->globals[i];
    return NULL;
}

static const cd_func *func(const cd_binary *b, const char *name)
{
    for (size_t i = 0; i < b->nfuncs; i++)
        if (strcmp(b->funcs[i].name, name) == 0)
            return &b->funcs[i];
    return NULL;
}

static const cd_var *var(const cd_binary *b, const cd_func *f, const char *name)
{
    for (uint32_t i = 0; f && i < f->nvars; i++)
        if (strcmp(b->vars[f->var0 + i].name, name) == 0)
            return &b->vars[f->var0 + i];
    return NULL;
}

static const char *tname(const cd_binary *b, uint32_t id)
{
    return id < b->ntypes ? b->types[id].name : "<bad id>";
}

/* Field `name` of type `t` has offset off, kind kind (and is embedded). */
static const cd_field *check_field(const cd_binary *b, uint32_t t, const char *name,
                                   uint64_t off, int kind, int embedded)
{
    const cd_field *f = cd_binary_field(b, t, name);
    check(f && f->offset == off && b->types[f->type].kind == kind &&
              f->embedded == (uint32_t)embedded,
          "%s.%s @%" PRIu64 " kind %d%s (got %s @%" PRIu64 " kind %d type %s)", tname(b, t),
          name, off, kind, embedded ? " embedded" : "", f ? "field" : "none",
          f ? f->offset : 0, f ? b->types[f->type].kind : -1, f ? tname(b, f->type) : "-");
    return f;
}

/* ---- checks that hold for any Go binary ---------------------------------- */

static void generic_checks(cd_binary *b, const char *path)
{
    printf("# %s: %s, DWARF %d, %zu types, %zu fields, %zu globals, %zu funcs, %zu vars, "
           "%zu locs, %zu symbols\n", path, b->go_version, b->dwarf_version, b->ntypes,
           b->nfields, b->nglobals, b->nfuncs, b->nvars, b->nlocs, b->nsyms);
    check(strncmp(b->go_version, "go1.", 4) == 0, "%s: go version %s", path, b->go_version);
    check(b->dwarf_version == 4 || b->dwarf_version == 5, "%s: DWARF version %d", path,
          b->dwarf_version);
    check(b->ptr_size == 8 && !b->big_endian, "%s: 64-bit little endian", path);
    const cd_symbol *ts = sym(b, "runtime.types");
    const cd_symbol *te = sym(b, "runtime.etypes");
    check(ts && b->types_base == ts->addr && te && b->types_end == te->addr &&
              b->types_end > b->types_base,
          "%s: types_base %#" PRIx64 " types_end %#" PRIx64 " from runtime.types/etypes", path,
          b->types_base, b->types_end);
    const cd_symbol *sd = sym(b, "runtime.data"), *se = sym(b, "runtime.edata");
    const cd_symbol *sb = sym(b, "runtime.bss"), *sbe = sym(b, "runtime.ebss");
    check(sd && se && b->data_addr == sd->addr && b->data_size == se->addr - sd->addr,
          "%s: .data %#" PRIx64 "+%#" PRIx64 " matches runtime.data..edata", path,
          b->data_addr, b->data_size);
    check(sb && sbe && b->bss_addr == sb->addr && b->bss_size == sbe->addr - sb->addr,
          "%s: .bss %#" PRIx64 "+%#" PRIx64 " matches runtime.bss..ebss", path, b->bss_addr,
          b->bss_size);

    /* Sortedness. */
    int sorted = 1;
    for (size_t i = 1; i < b->nsyms; i++)
        sorted &= b->syms[i - 1].addr <= b->syms[i].addr;
    for (size_t i = 1; i < b->nfuncs; i++)
        sorted &= b->funcs[i - 1].lowpc <= b->funcs[i].lowpc &&
                  b->funcs[i - 1].highpc <= b->funcs[i].lowpc;
    for (size_t i = 1; i < b->nglobals; i++)
        sorted &= b->globals[i - 1].addr <= b->globals[i].addr;
    check(sorted, "%s: symbols, functions (non-overlapping) and globals sorted", path);

    /* Every Go function symbol has a DWARF function at the same pc. */
    size_t nf = 0, hit = 0;
    for (size_t i = 0; i < b->nsyms; i++) {
        const cd_symbol *s = &b->syms[i];
        if (!s->is_func || !s->size || strncmp(s->name, "go:", 3) == 0)
            continue;
        nf++;
        const cd_func *f = cd_binary_func_at(b, s->addr);
        hit += f && f->lowpc == s->addr && f->highpc <= s->addr + s->size + 64;
    }
    check(nf > 100 && hit == nf, "%s: %zu/%zu function symbols have a DWARF function", path, hit,
          nf);
    size_t noname = 0, untyped = 0;
    for (size_t i = 0; i < b->nfuncs; i++)
        noname += !b->funcs[i].name[0];
    for (size_t i = 0; i < b->nvars; i++)
        noname += !b->vars[i].name[0];
    for (size_t i = 0; i < b->nglobals; i++)
        untyped += !b->globals[i].type;
    check(noname == 0, "%s: every function and variable has a name (%zu without)", path, noname);
    check(untyped == 0, "%s: every global has a type (%zu without)", path, untyped);

    /* Globals agree with the symbol table. */
    size_t gs = 0, gok = 0;
    for (size_t i = 0; i < b->nglobals; i++) {
        const cd_global *g = &b->globals[i];
        if (!g->size)
            continue;
        gs++;
        const cd_symbol *s = cd_binary_symbol_at(b, g->addr + g->size - 1);
        gok += s && s->addr == g->addr && s->size == g->size && !strcmp(s->name, g->name) &&
               cd_binary_global_at(b, g->addr + g->size - 1) == g;
    }
    check(gs > 50 && gok == gs, "%s: %zu/%zu globals match their symbol (addr, size, name)", path,
          gok, gs);

    /* Pieces lie inside their variable; PC ranges inside their function
     * (or cover every PC); the vars of all functions tile bin->vars. */
    size_t badloc = 0, nv = 0;
    for (size_t k = 0; k < b->nfuncs; k++) {
        const cd_func *f = &b->funcs[k];
        nv += f->nvars;
        for (uint32_t i = 0; i < f->nvars; i++) {
            const cd_var *v = &b->vars[f->var0 + i];
            uint64_t sz = b->types[v->type].size;
            for (uint32_t l = 0; l < v->nloc; l++) {
                const cd_varloc *lc = &b->locs[v->loc0 + l];
                int every = lc->lo == 0 && lc->hi == UINT64_MAX;
                badloc += lc->lo >= lc->hi || (v->type && lc->piece_off + lc->piece_size > sz) ||
                          (!every && (lc->lo < f->lowpc || lc->hi > f->highpc));
            }
        }
    }
    check(badloc == 0 && nv == b->nvars,
          "%s: all %zu locations lie inside their variable and function", path, b->nlocs);

    /* Every DWARF type with a runtime type maps back to itself. */
    size_t nrt = 0, rtok = 0;
    for (size_t i = 1; i < b->ntypes; i++) {
        if (!b->types[i].rtaddr)
            continue;
        nrt++;
        rtok += cd_binary_type_for_rtaddr(b, b->types[i].rtaddr) == i &&
                b->types[i].rtaddr >= b->types_base && b->types[i].rtaddr < b->types_end;
    }
    check(nrt > 100 && rtok == nrt, "%s: %zu/%zu runtime types map back to their DWARF type",
          path, rtok, nrt);

    /* Basic type shapes. */
    uint32_t str = cd_binary_type_by_name(b, "string");
    check(str && b->types[str].kind == CD_KIND_STRING && b->types[str].size == 16 &&
              b->types[str].nfields == 2,
          "%s: string is STRING, 16 bytes, 2 fields", path);
    check_field(b, str, "len", 8, CD_KIND_INT, 0);
    uint32_t ef = cd_binary_type_by_name(b, "interface {}");
    check(ef && b->types[ef].kind == CD_KIND_INTERFACE && b->types[ef].eface &&
              b->types[ef].size == 16 && b->types[ef].nfields == 2,
          "%s: interface {} is an eface of 16 bytes", path);
    uint32_t er = cd_binary_type_by_name(b, "error");
    check(er && b->types[er].kind == CD_KIND_INTERFACE && !b->types[er].eface &&
              b->types[er].size == 16,
          "%s: error is an iface", path);
    check_field(b, er, "tab", 0, CD_KIND_PTR, 0);
    check_field(b, er, "data", 8, CD_KIND_UNSAFEPTR, 0);
    uint32_t ctx = cd_binary_type_by_name(b, "context.Context");
    check(ctx && b->types[ctx].kind == CD_KIND_INTERFACE && !b->types[ctx].eface,
          "%s: context.Context is an iface", path);
    uint32_t up = cd_binary_type_by_name(b, "unsafe.Pointer");
    check(up && b->types[up].kind == CD_KIND_UNSAFEPTR && b->types[up].size == 8,
          "%s: unsafe.Pointer", path);

    /* cd_binary_read against bytes of a section. */
    unsigned char buf[16];
    check(cd_binary_read(b, b->types_base, buf, sizeof buf) == 0, "%s: read at runtime.types",
          path);
    check(cd_binary_read(b, 0, buf, 1) < 0, "%s: read at address 0 fails", path);
    check(cd_binary_read(b, b->bss_addr, buf, 1) < 0, "%s: read in .bss (no file bytes) fails",
          path);
    check(cd_binary_type_for_rtaddr(b, 0) == 0 && cd_binary_type_for_rtaddr(b, b->types_end) == 0 &&
              cd_binary_type_for_rtaddr(b, b->data_addr) == 0,
          "%s: no type for addresses outside runtime.types", path);
}

/* ---- the test program: version specific ---------------------------------- */

static void ctxprog_checks(cd_binary *b, const char *path, int minor)
{
    /* context.cancelCtx: go-dwarf.md §6. */
    uint32_t cc = cd_binary_type_by_name(b, "context.cancelCtx");
    uint64_t want = minor >= 20 ? 80 : 64;
    check(cc && b->types[cc].kind == CD_KIND_STRUCT && b->types[cc].size == want &&
              b->types[cc].rtaddr,
          "%s: context.cancelCtx is a STRUCT of %" PRIu64 " bytes with a runtime type", path,
          want);
    check_field(b, cc, "Context", 0, CD_KIND_INTERFACE, 1);
    check_field(b, cc, "mu", 16, CD_KIND_STRUCT, 0);
    check_field(b, cc, "done", 24, CD_KIND_STRUCT, 0);
    const cd_field *ch = check_field(b, cc, "children", 40, CD_KIND_MAP, 0);
    check_field(b, cc, "err", 48, minor >= 25 ? CD_KIND_STRUCT : CD_KIND_INTERFACE, 0);
    if (minor >= 20)
        check_field(b, cc, "cause", 64, CD_KIND_INTERFACE, 0);
    if (ch) {
        const cd_type *m = &b->types[ch->type];
        const char *impl = minor >= 24 ? "map<context.canceler,struct {}>"
                                       : "hash<context.canceler,struct {}>";
        check(m->impl && strcmp(b->types[m->impl].name, impl) == 0 &&
                  b->types[m->impl].kind == CD_KIND_STRUCT && m->size == 8 &&
                  b->types[m->key].kind == CD_KIND_INTERFACE && b->types[m->elem].size == 0,
              "%s: cancelCtx.children is %s -> %s (got %s)", path, m->name, impl,
              tname(b, m->impl));
        if (minor >= 24)
            check(cd_binary_field(b, m->impl, "dirPtr") && cd_binary_field(b, m->impl, "dirLen"),
                  "%s: swiss map struct has dirPtr/dirLen", path);
        else
            check(cd_binary_field(b, m->impl, "buckets") && cd_binary_field(b, m->impl, "B"),
                  "%s: hmap struct has buckets/B", path);
    }

    uint32_t pcc = cd_binary_type_by_name(b, "*context.cancelCtx");
    const cd_type *pt = pcc ? &b->types[pcc] : NULL;
    check(pt && pt->kind == CD_KIND_PTR && pt->elem == cc && pt->size == 8 && pt->rtaddr &&
              cd_binary_type_for_rtaddr(b, pt->rtaddr) == pcc,
          "%s: *context.cancelCtx -> cancelCtx, rtaddr %#" PRIx64 " maps back", path,
          pt ? pt->rtaddr : 0);
    uint32_t tc = cd_binary_type_by_name(b, "context.timerCtx");
    check(tc && b->types[tc].size == (minor >= 20 ? 112u : 96u),
          "%s: context.timerCtx size", path);
    check_field(b, tc, "cancelCtx", 0, CD_KIND_STRUCT, 1);

    uint32_t ctx = cd_binary_type_by_name(b, "context.Context");

    /* main.Holder: every shape. */
    uint32_t h = cd_binary_type_by_name(b, "main.Holder");
    check(h && b->types[h].kind == CD_KIND_STRUCT && b->types[h].size == 144 &&
              b->types[h].nfields == 12,
          "%s: main.Holder STRUCT 144 bytes, 12 fields", path);
    check_field(b, h, "Ctx", 0, CD_KIND_INTERFACE, 0);
    check_field(b, h, "Cancel", 16, CD_KIND_FUNC, 0);
    check_field(b, h, "Name", 24, CD_KIND_STRING, 0);
    const cd_field *tags = check_field(b, h, "Tags", 40, CD_KIND_SLICE, 0);
    const cd_field *seen = check_field(b, h, "Seen", 64, CD_KIND_MAP, 0);
    const cd_field *chf = check_field(b, h, "Ch", 72, CD_KIND_CHAN, 0);
    const cd_field *arr = check_field(b, h, "Arr", 80, CD_KIND_ARRAY, 0);
    const cd_field *next = check_field(b, h, "Next", 88, CD_KIND_PTR, 0);
    const cd_field *any = check_field(b, h, "Any", 96, CD_KIND_INTERFACE, 0);
    check_field(b, h, "Err", 112, CD_KIND_INTERFACE, 0);
    check_field(b, h, "mu", 128, CD_KIND_STRUCT, 0);
    check_field(b, h, "Fn", 136, CD_KIND_FUNC, 0);
    if (tags) {
        const cd_type *t = &b->types[tags->type];
        check(strcmp(t->name, "[]string") == 0 && b->types[t->elem].kind == CD_KIND_STRING &&
                  t->size == 24 && t->nfields == 3,
              "%s: []string elem string, 24 bytes", path);
        check_field(b, tags->type, "array", 0, CD_KIND_PTR, 0);
        check_field(b, tags->type, "cap", 16, CD_KIND_INT, 0);
    }
    if (seen) {
        const cd_type *t = &b->types[seen->type];
        const char *impl = minor >= 24 ? "map<string,int>" : "hash<string,int>";
        check(strcmp(t->name, "map[string]int") == 0 &&
                  b->types[t->key].kind == CD_KIND_STRING && b->types[t->elem].kind == CD_KIND_INT &&
                  t->impl && strcmp(b->types[t->impl].name, impl) == 0,
              "%s: map[string]int key string, value int, impl %s (got %s)", path, impl,
              tname(b, t->impl));
    }
    if (chf) {
        const cd_type *t = &b->types[chf->type];
        check(strcmp(t->name, "chan *main.Holder") == 0 && b->types[t->elem].kind == CD_KIND_PTR &&
                  b->types[b->types[t->elem].elem].size == 144 && t->impl &&
                  strcmp(b->types[t->impl].name, "hchan<*main.Holder>") == 0,
              "%s: chan *main.Holder elem *main.Holder, impl hchan<*main.Holder>", path);
        check_field(b, t->impl, "qcount", 0, CD_KIND_UINT, 0);
        check_field(b, t->impl, "buf", 16, CD_KIND_UNSAFEPTR, 0);
    }
    if (arr) {
        const cd_type *t = &b->types[arr->type];
        check(t->count == 4 && t->size == 8 && b->types[t->elem].kind == CD_KIND_UINT16,
              "%s: [4]uint16 count 4 size 8", path);
    }
    check(next && b->types[next->type].elem == h, "%s: Holder.Next is *main.Holder", path);
    check(any && b->types[any->type].eface, "%s: Holder.Any is an eface", path);

    uint32_t o = cd_binary_type_by_name(b, "main.Outer");
    check_field(b, o, "Inner", 0, CD_KIND_STRUCT, 1);
    check_field(b, o, "C", 16, CD_KIND_SLICE, 0);
    uint32_t bx = cd_binary_type_by_name(b, "main.Box[string]");
    check_field(b, bx, "Val", 0, CD_KIND_STRING, 0);
    const cd_field *bn = check_field(b, bx, "Next", 16, CD_KIND_PTR, 0);
    check(bn && b->types[bn->type].elem == bx, "%s: main.Box[string].Next points to itself",
          path);

    /* Globals. */
    const cd_symbol *sx = sym(b, "main.X");
    const cd_global *gx = global(b, "main.X");
    check(sx && gx && gx->addr == sx->addr && gx->size == 144 && gx->type == h &&
              cd_binary_global_at(b, sx->addr + 100) == gx &&
              cd_binary_symbol_at(b, sx->addr + 100) == sx,
          "%s: global main.X at %#" PRIx64 " type main.Holder (lookups by address)", path,
          sx ? sx->addr : 0);
    const cd_global *gg = global(b, "main.G");
    check(gg && gg->type == ctx && gg->size == 16 && gg->addr >= b->bss_addr &&
              gg->addr < b->bss_addr + b->bss_size,
          "%s: global main.G is a context.Context in .bss", path);
    const cd_global *gc = global(b, "main.Counter");
    int64_t cv = 0;
    check(gc && b->types[gc->type].kind == CD_KIND_INT64 &&
              cd_binary_read(b, gc->addr, &cv, 8) == 0 && cv == 42,
          "%s: main.Counter reads 42 from .noptrdata", path);
    const cd_global *gb = global(b, "main.Boxes");
    check(gb && b->types[gb->type].kind == CD_KIND_MAP &&
              b->types[b->types[gb->type].elem].elem == bx,
          "%s: main.Boxes is map[int]*main.Box[string]", path);
    const cd_global *cl = global(b, "context.closedchan");
    check(cl && b->types[cl->type].kind == CD_KIND_CHAN, "%s: context.closedchan is a chan",
          path);

    /* Functions and variables. */
    const cd_func *mm = func(b, "main.main");
    const cd_symbol *smm = sym(b, "main.main");
    check(mm && smm && mm->lowpc == smm->addr && cd_binary_func_at(b, smm->addr) == mm &&
              cd_binary_func_at(b, mm->highpc - 1) == mm &&
              cd_binary_func_at(b, mm->highpc) != mm,
          "%s: main.main at %#" PRIx64 "-%#" PRIx64, path, mm ? mm->lowpc : 0,
          mm ? mm->highpc : 0);
    const cd_var *wg = var(b, mm, "&wg");
    check(wg && !wg->is_param && wg->nloc >= 1 && b->locs[wg->loc0].cfa_off < 0 &&
              b->locs[wg->loc0].piece_off == 0 && b->locs[wg->loc0].piece_size == 8 &&
              b->types[wg->type].kind == CD_KIND_PTR,
          "%s: main.main &wg is a stack slot at CFA%+" PRId64, path,
          wg && wg->nloc ? b->locs[wg->loc0].cfa_off : 0);
    const cd_var *tctx = var(b, mm, "tctx");
    int pieces = 0;
    for (uint32_t l = 0; tctx && l < tctx->nloc; l++) {
        const cd_varloc *lc = &b->locs[tctx->loc0 + l];
        pieces |= lc->piece_size == 8 && lc->piece_off == 8 ? 2 : lc->piece_off == 0 ? 1 : 4;
    }
    check(tctx && tctx->type == ctx && (pieces & 3) && !(pieces & 4),
          "%s: main.main tctx has interface pieces at offsets 0/8 (mask %d)", path, pieces);

    const cd_func *wk = func(b, "main.worker");
    const cd_var *wctx = var(b, wk, "ctx");
    int ok = wctx && wctx->is_param && wctx->type == ctx && wctx->nloc >= 2;
    for (uint32_t l = 0; ok && l < wctx->nloc; l++) {
        const cd_varloc *lc = &b->locs[wctx->loc0 + l];
        ok = lc->piece_size == 8 && lc->piece_off <= 8 &&
             lc->cfa_off == (lc->piece_off == 8 ? 8 : (minor == 21 ? lc->cfa_off : 0));
    }
    check(ok, "%s: main.worker param ctx spilled as two 8-byte pieces (tab, data) at CFA+0/+8",
          path);
    const cd_var *id = var(b, wk, "id");
    check(id && id->is_param && id->nloc >= 1 && b->locs[id->loc0].cfa_off == 16,
          "%s: main.worker param id at CFA+16", path);
    const cd_var *tot = var(b, wk, "&total");
    check(tot && !tot->is_param && tot->nloc && b->locs[tot->loc0].cfa_off < 0,
          "%s: main.worker local &total on the stack", path);
    /* A variable of an inlined callee: itoa's n or time.After's d. */
    check(var(b, wk, "d") != NULL, "%s: main.worker lists inlined time.After's d", path);
    if (minor >= 23) {
        size_t clo = 0;
        for (size_t i = 0; i < b->nvars; i++)
            clo += b->vars[i].closure_off >= 0;
        check(clo > 0, "%s: %zu variables carry DW_AT_go_closure_offset", path, clo);
    }
}

/* The fallback: forget the DWARF runtime types and decode descriptors. */
static void synth_checks(cd_binary *b, const char *path)
{
    uint32_t cc = cd_binary_type_by_name(b, "context.cancelCtx");
    uint32_t pcc = cd_binary_type_by_name(b, "*context.cancelCtx");
    uint32_t ms = cd_binary_type_by_name(b, "map[string]int");
    uint32_t h = cd_binary_type_by_name(b, "main.Holder");
    if (!cc || !pcc || !ms || !h) {
        check(0, "%s: synth: DWARF types missing", path);
        return;
    }
    uint64_t rt_pcc = b->types[pcc].rtaddr, rt_ms = b->types[ms].rtaddr;
    uint64_t rt_h = b->types[h].rtaddr;
    size_t n0 = b->ntypes;
    cd_map64_free(&bin_p(b)->rtmap);

    uint32_t s = cd_binary_type_for_rtaddr(b, rt_pcc);
    const cd_type *t = s ? &b->types[s] : NULL;
    check(t && s >= n0 && t->synthetic && t->kind == CD_KIND_PTR && t->size == 8 &&
              t->rtaddr == rt_pcc && strcmp(t->name, "*context.cancelCtx") == 0,
          "%s: synthesised %s from descriptor %#" PRIx64, path, t ? t->name : "nothing",
          rt_pcc);
    if (t) {
        const cd_type *e = &b->types[t->elem];
        check(t->elem && e->synthetic && e->kind == CD_KIND_STRUCT &&
                  e->size == b->types[cc].size && e->nfields == b->types[cc].nfields &&
                  strcmp(e->name, "context.cancelCtx") == 0,
              "%s: its elem %s STRUCT %" PRIu64 " bytes, %u fields", path, e->name, e->size,
              e->nfields);
        int same = t->elem != 0;
        for (uint32_t i = 0; same && i < e->nfields; i++) {
            const cd_field *a = &b->fields[e->field0 + i], *d = &b->fields[b->types[cc].field0 + i];
            same = !strcmp(a->name, d->name) && a->offset == d->offset &&
                   a->embedded == d->embedded &&
                   b->types[a->type].kind == b->types[d->type].kind;
        }
        check(same, "%s: synthesised cancelCtx fields match DWARF (names, offsets, kinds)", path);
    }
    check(cd_binary_type_for_rtaddr(b, rt_pcc) == s, "%s: second lookup returns the same type",
          path);
    check(cd_binary_type_by_name(b, "*context.cancelCtx") == pcc,
          "%s: type_by_name prefers the DWARF type", path);
    uint32_t m = cd_binary_type_for_rtaddr(b, rt_ms);
    check(m && b->types[m].kind == CD_KIND_MAP && b->types[b->types[m].key].kind == CD_KIND_STRING &&
              b->types[b->types[m].elem].kind == CD_KIND_INT &&
              b->types[b->types[m].key].nfields == 2,
          "%s: synthesised map[string]int has key string (with fields) and value int", path);
    uint32_t hh = cd_binary_type_for_rtaddr(b, rt_h);
    const cd_field *any = cd_binary_field(b, hh, "Any");
    check(hh && b->types[hh].size == 144 && any && any->offset == 96 &&
              b->types[any->type].kind == CD_KIND_INTERFACE && b->types[any->type].eface,
          "%s: synthesised main.Holder.Any is an eface at 96", path);
    const cd_field *ch = cd_binary_field(b, hh, "Ch");
    check(ch && b->types[ch->type].kind == CD_KIND_CHAN && b->types[ch->type].elem &&
              b->types[b->types[ch->type].elem].kind == CD_KIND_PTR,
          "%s: synthesised chan *main.Holder elem is a pointer", path);
    check(cd_binary_type_for_rtaddr(b, b->types_base + 1) == 0 ||
              b->types[cd_binary_type_for_rtaddr(b, b->types_base + 1)].synthetic,
          "%s: a misaligned descriptor address does not crash", path);
}

/* ---- error cases ------------------------------------------------------------ */

static void expect_error(const char *path, const char *what, const char *needle)
{
    cd_binary *b = (cd_binary *)1;
    cd_error err;
    memset(&err, 0, sizeof err);
    int rc = cd_binary_open(path, &b, &err);
    char line[2048];
    cd_error_format(&err, line, sizeof line);
    check(rc < 0 && b == NULL && err.kind == CD_EBINARY && strstr(err.msg, needle) &&
              strcmp(err.file, path) == 0,
          "%s: error \"%s\"", what, line);
    if (rc == 0)
        cd_binary_free(b);
}

static void error_checks(const char *good)
{
    char p[512];
    size_t n = 0;
    unsigned char *img = slurp(good, &n);
    if (!img) {
        check(0, "cannot read %s", good);
        return;
    }
    expect_error("tests/data/binary/does-not-exist", "missing file", "cannot open");

    tmp_path(p, sizeof p, "empty");
    spit(p, "", 0);
    expect_error(p, "empty file", "not an ELF");

    unsigned char junk[8192];
    uint64_t x = 0x1234567890abcdefull;
    for (size_t i = 0; i < sizeof junk; i++) {
        x = x * 6364136223846793005ull + 1442695040888963407ull;
        junk[i] = (unsigned char)(x >> 56);
    }
    tmp_path(p, sizeof p, "garbage");
    spit(p, junk, sizeof junk);
    expect_error(p, "garbage file", "not an ELF");

    /* ELF header only: the section headers would lie past the end. */
    memcpy(junk, img, 64);
    tmp_path(p, sizeof p, "header-only");
    spit(p, junk, 64);
    expect_error(p, "ELF header only", "truncated ELF");

    tmp_path(p, sizeof p, "truncated-4k");
    spit(p, img, 4096);
    expect_error(p, "truncated at 4 KiB", "truncated ELF");
    tmp_path(p, sizeof p, "truncated-half");
    spit(p, img, n / 2);
    expect_error(p, "truncated at half", "truncated ELF");
    tmp_path(p, sizeof p, "truncated-last");
    spit(p, img, n - 1);
    expect_error(p, "truncated by one byte", "truncated ELF");

    /* Section headers that point outside the file. */
    unsigned char *bad = cd_malloc(n);
    memcpy(bad, img, n);
    uint64_t shoff, big = (uint64_t)n * 4;
    memcpy(&shoff, bad + 0x28, 8);
    memcpy(bad + shoff + 64 + 0x18, &big, 8);   /* section 1's sh_offset */
    tmp_path(p, sizeof p, "bad-shoff");
    spit(p, bad, n);
    expect_error(p, "section offset past end of file", "truncated ELF");

    /* No DWARF: what -ldflags=-w gives, simulated by renaming .debug_*
     * (and .zdebug_*) in .shstrtab. */
    memcpy(bad, img, n);
    for (size_t i = 0; i + 7 < n; i++)
        if (memcmp(bad + i, ".debug_", 7) == 0 || memcmp(bad + i, ".zdebug", 7) == 0)
            bad[i + 1] = 'X';
    tmp_path(p, sizeof p, "no-dwarf");
    spit(p, bad, n);
    expect_error(p, "no DWARF (like -ldflags=-w)", "no DWARF");
    free(bad);
    free(img);

    /* A real -ldflags=-w build (kept gzipped). */
    tmp_path(p, sizeof p, "ctxprog-nodwarf");
    if (gunzip("tests/data/binary/ctxprog-nodwarf.gz", p) == 0)
        expect_error(p, "-ldflags=-w binary", "no DWARF");
    else
        check(0, "cannot unpack tests/data/binary/ctxprog-nodwarf.gz");

    /* An ELF that is not Go: this test program (has DWARF in debug builds). */
    char self[1024];
    ssize_t k = readlink("/proc/self/exe", self, sizeof self - 1);
    if (k > 0) {
        self[k] = 0;
        cd_binary *b = NULL;
        cd_error err;
        int rc = cd_binary_open(self, &b, &err);
        check(rc < 0 && err.kind == CD_EBINARY &&
                  (strstr(err.msg, "not a Go binary") || strstr(err.msg, "no DWARF")),
              "C program: error \"%s\"", rc < 0 ? err.msg : "none");
        cd_binary_free(b);
    }
}

/* A corrupt .debug_loclists (DWARF 5): libdwarf 20210528 would crash on an
 * unknown DW_LLE kind, binary_loclists.c must turn it into an error. The
 * section is SHF_COMPRESSED: inflate, break the first entry, deflate again
 * (level 9 is smaller than Go's BestSpeed, so it fits in place). */
static void loclists_checks(const char *good)
{
    size_t n = 0;
    unsigned char *img = slurp(good, &n);
    if (!img || n < 64)
        return;
    uint64_t shoff;
    uint16_t shnum, shstrndx;
    memcpy(&shoff, img + 0x28, 8);
    memcpy(&shnum, img + 0x3c, 2);
    memcpy(&shstrndx, img + 0x3e, 2);
    unsigned char *sh = NULL, *strs = img;
    uint64_t stroff;
    memcpy(&stroff, img + shoff + (uint64_t)shstrndx * 64 + 0x18, 8);
    strs = img + stroff;
    for (uint16_t i = 1; i < shnum; i++) {
        uint32_t nm;
        memcpy(&nm, img + shoff + (uint64_t)i * 64, 4);
        if (strcmp((const char *)strs + nm, ".debug_loclists") == 0)
            sh = img + shoff + (uint64_t)i * 64;
    }
    uint64_t flags = 0, off = 0, size = 0, usize = 0;
    if (sh) {
        memcpy(&flags, sh + 8, 8);
        memcpy(&off, sh + 0x18, 8);
        memcpy(&size, sh + 0x20, 8);
        memcpy(&usize, img + off + 8, 8);
    }
    if (!sh || !(flags & 0x800) || usize < 16 || usize > (1u << 28)) {
        check(0, "%s: no compressed .debug_loclists to corrupt", good);
        free(img);
        return;
    }
    unsigned char *raw = cd_malloc(usize), *z = cd_malloc(size);
    uLongf got = usize, zl = size - 24;
    int ok = uncompress(raw, &got, img + off + 24, size - 24) == Z_OK && got == usize;
    raw[12] = 0xff;   /* first entry after the 12-byte unit header */
    ok = ok && compress2(z, &zl, raw, usize, 9) == Z_OK;
    if (ok) {
        memcpy(img + off + 24, z, zl);
        uint64_t nsize = zl + 24;
        memcpy(sh + 0x20, &nsize, 8);
        char p[512];
        tmp_path(p, sizeof p, "bad-loclists");
        spit(p, img, n);
        expect_error(p, "corrupt .debug_loclists (unknown DW_LLE kind)", "corrupt DWARF");
    } else {
        check(0, "%s: could not rebuild .debug_loclists", good);
    }
    free(raw);
    free(z);
    free(img);
}

/* runtime.types missing from .symtab: types_base comes from
 * runtime.firstmoduledata.types. */
static void moduledata_checks(const char *good, const cd_binary *ref)
{
    size_t n = 0;
    unsigned char *img = slurp(good, &n);
    if (!img)
        return;
    const char *names[] = {"runtime.types", "type.*", "type:*", "runtime.etypes"};
    for (size_t i = 0; i + 16 < n; i++)
        for (size_t j = 0; j < 4; j++) {
            size_t l = strlen(names[j]) + 1;
            if (img[i] == 0 && i + 1 + l <= n && memcmp(img + i + 1, names[j], l) == 0)
                img[i + 1] = 'X';
        }
    char p[512];
    tmp_path(p, sizeof p, "no-types-sym");
    spit(p, img, n);
    free(img);
    cd_binary *b = NULL;
    cd_error err;
    if (cd_binary_open(p, &b, &err) < 0) {
        check(0, "open %s: %s", p, err.msg);
        return;
    }
    uint32_t pcc = cd_binary_type_by_name(b, "*context.cancelCtx");
    check(b->types_base == ref->types_base && b->types_end == ref->types_end && pcc &&
              b->types[pcc].rtaddr == ref->types[cd_binary_type_by_name(ref, "*context.cancelCtx")].rtaddr,
          "%s: without runtime.types symbols, types_base %#" PRIx64 " comes from "
          "runtime.firstmoduledata", good, b->types_base);
    cd_binary_free(b);
}

static cd_binary *open_timed(const char *path)
{
    cd_binary *b = NULL;
    cd_error err;
    double t0 = now();
    int rc = cd_binary_open(path, &b, &err);
    double dt = now() - t0;
    char line[2048];
    if (rc < 0)
        cd_error_format(&err, line, sizeof line);
    check(rc == 0, "open %s%s%s", path, rc < 0 ? ": " : "", rc < 0 ? line : "");
    /* A hello-world-sized binary loads in ~0.03 s; the bound only catches
     * something pathological (and leaves room for valgrind/sanitizers). */
    if (rc == 0)
        check(dt < 15.0, "%s: loaded in %.3f s", path, dt);
    return rc == 0 ? b : NULL;
}

int main(int argc, char **argv)
{
    const char *tmp = getenv("TMPDIR");
    snprintf(tmpdir, sizeof tmpdir, "%s/test_binary.XXXXXX", tmp && *tmp ? tmp : "/tmp");
    if (!mkdtemp(tmpdir)) {
        perror("mkdtemp");
        return 2;
    }
    static const struct {
        const char *path;
        int minor;
    } progs[] = {
        {"tests/data/binary/ctxprog-go1.19", 19},
        {"tests/data/binary/ctxprog-go1.26", 26},
    };
    for (size_t i = 0; i < sizeof progs / sizeof progs[0]; i++) {
        cd_binary *b = open_timed(progs[i].path);
        if (!b)
            continue;
        char want[16];
        snprintf(want, sizeof want, "go1.%d.", progs[i].minor);
        check(strncmp(b->go_version, want, strlen(want)) == 0 &&
                  b->dwarf_version == (progs[i].minor >= 25 ? 5 : 4),
              "%s: %s with DWARF %d", progs[i].path, b->go_version, b->dwarf_version);
        generic_checks(b, progs[i].path);
        ctxprog_checks(b, progs[i].path, progs[i].minor);
        moduledata_checks(progs[i].path, b);
        synth_checks(b, progs[i].path);
        cd_binary_free(b);
    }
    /* More binaries from the command line (any Go program): generic checks,
     * and the test-program checks when they are builds of main.go. */
    for (int i = 1; i < argc; i++) {
        cd_binary *b = open_timed(argv[i]);
        if (!b)
            continue;
        generic_checks(b, argv[i]);
        int minor = 0;
        if (sscanf(b->go_version, "go1.%d", &minor) == 1 && global(b, "main.Boxes")) {
            ctxprog_checks(b, argv[i], minor);
            synth_checks(b, argv[i]);
        }
        cd_binary_free(b);
    }
    error_checks(progs[0].path);
    loclists_checks(progs[1].path);

    char cmd[600];
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", tmpdir);
    if (system(cmd) != 0)
        fprintf(stderr, "could not remove %s\n", tmpdir);
    printf("%d passed, %d failed\n", npass, nfail);
    return nfail ? 1 : 0;
}
