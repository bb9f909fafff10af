/* pprof_build.c — building a cd_profile from the text formats (strings,
 * functions and locations interned as they are met), plus small helpers on
 * profile strings and the profile kind. */
#include <stdlib.h>   /* free */
#include <string.h>   /* memcmp, strlen */

#include "pprof.h"

int cd_pprof__streq(cd_pstr a, const char *lit)
{
    size_t n = strlen(lit);
    return a.len == n && (n == 0 || memcmp(a.s, lit, n) == 0);
}

int cd_pprof__pstreq(cd_pstr a, cd_pstr b)
{
    return a.len == b.len && (a.len == 0 || memcmp(a.s, b.s, a.len) == 0);
}

int cd_pprof__has_prefix(cd_pstr a, const char *lit)
{
    size_t n = strlen(lit);
    return a.len >= n && (n == 0 || memcmp(a.s, lit, n) == 0);
}

char *cd_pprof__strdup(cd_pstr a)
{
    return cd_strndup(a.len ? a.s : "", a.len);
}

static int vt_is(const cd_profile *p, const cd_pvaltype *vt, const char *type,
                 const char *unit)
{
    return cd_pprof__streq(p->str[vt->type], type) &&
           (!unit || cd_pprof__streq(p->str[vt->unit], unit));
}

void cd_pprof__set_kind(cd_profile *p)
{
    p->kind = CD_PPROF_KIND_OTHER;
    if (vt_is(p, &p->period_type, "space", "bytes")) {
        p->kind = CD_PPROF_KIND_HEAP;
        return;
    }
    if (vt_is(p, &p->period_type, "goroutine", NULL)) {
        p->kind = CD_PPROF_KIND_GOROUTINE;
        return;
    }
    for (uint32_t i = 0; i < p->ntype; i++) {
        const cd_pvaltype *t = &p->sample_type[i];
        if (vt_is(p, t, "inuse_space", NULL) || vt_is(p, t, "alloc_space", NULL)) {
            p->kind = CD_PPROF_KIND_HEAP;
            return;
        }
        if (vt_is(p, t, "goroutine", NULL) || vt_is(p, t, "goroutines", NULL)) {
            p->kind = CD_PPROF_KIND_GOROUTINE;
            return;
        }
    }
}

/* ---- builder ---- */

void cd_pprof__builder_init(cd_pprof__builder *b, cd_profile *p)
{
    memset(b, 0, sizeof *b);
    b->p = p;
    cd_pprof__b_str(b, "", 0);   /* string_table[0] == "" */
}

void cd_pprof__builder_done(cd_pprof__builder *b)
{
    cd_map64_free(&b->strs);
    cd_map64_free(&b->funcs);
    cd_map64_free(&b->locs);
}

typedef struct skey {
    const cd_profile *p;
    const char *s;
    size_t n;
} skey;

static int str_eq(const void *ctx, uint32_t id)
{
    const skey *k = ctx;
    cd_pstr t = k->p->str[id];
    return t.len == k->n && (k->n == 0 || memcmp(t.s, k->s, k->n) == 0);
}

uint32_t cd_pprof__b_str(cd_pprof__builder *b, const char *s, size_t n)
{
    cd_profile *p = b->p;
    skey k = { p, s, n };
    int added;
    uint32_t id = cd_pprof__intern(&b->strs, cd_hash_bytes(s, n, 0x5f),
                                   str_eq, &k, p->nstr, &added);
    if (added) {
        CD_GROW(p->str, b->cap_str, (size_t)p->nstr + 1);
        p->str[p->nstr].s = n ? s : "";
        p->str[p->nstr].len = (uint32_t)n;
        p->nstr++;
    }
    return id;
}

typedef struct fkey {
    const cd_profile *p;
    uint32_t name, file;
} fkey;

static int func_eq(const void *ctx, uint32_t id)
{
    const fkey *k = ctx;
    const cd_pfunction *f = &k->p->function[id];
    return f->name == k->name && f->filename == k->file;
}

uint32_t cd_pprof__b_func(cd_pprof__builder *b, uint32_t name, uint32_t file)
{
    cd_profile *p = b->p;
    fkey k = { p, name, file };
    int added;
    uint64_t h = cd_hash64((uint64_t)name << 32 | file);
    uint32_t id = cd_pprof__intern(&b->funcs, h, func_eq, &k, p->nfunction,
                                   &added);
    if (added) {
        CD_GROW(p->function, b->cap_func, (size_t)p->nfunction + 1);
        cd_pfunction *f = &p->function[p->nfunction];
        memset(f, 0, sizeof *f);
        f->id = (uint64_t)p->nfunction + 1;
        f->name = f->system_name = name;
        f->filename = file;
        p->nfunction++;
    }
    return id;
}

uint32_t cd_pprof__b_loc(cd_pprof__builder *b, uint64_t key, uint64_t addr,
                         uint32_t func, int64_t line)
{
    cd_profile *p = b->p;
    /* Keyed by key + 1 (cd_map64 keys must be nonzero); UINT64_MAX folds
     * onto 0, which can only merge two locations, never break memory. */
    uint32_t id;
    uint64_t mk = key + 1 ? key + 1 : 1;
    if (cd_map64_get(&b->locs, mk, &id))
        return id;
    CD_GROW(p->location, b->cap_loc, (size_t)p->nlocation + 1);
    cd_plocation *l = &p->location[p->nlocation];
    memset(l, 0, sizeof *l);
    l->id = (uint64_t)p->nlocation + 1;
    l->address = addr;
    l->line_off = p->nline;
    if (func != UINT32_MAX) {
        CD_GROW(p->line, b->cap_line, (size_t)p->nline + 1);
        p->line[p->nline].function = func;
        p->line[p->nline].line = line;
        p->nline++;
        l->nline = 1;
    }
    cd_map64_put(&b->locs, mk, p->nlocation);
    return p->nlocation++;
}

cd_psample *cd_pprof__b_sample(cd_pprof__builder *b, const int64_t *values)
{
    cd_profile *p = b->p;
    CD_GROW(p->sample, b->cap_sample, (size_t)p->nsample + 1);
    cd_psample *s = &p->sample[p->nsample++];
    memset(s, 0, sizeof *s);
    s->loc_off = p->nloc;
    s->label_off = p->nlabel;
    size_t at = (size_t)(p->nsample - 1) * p->ntype;
    CD_GROW(p->value, b->cap_value, at + p->ntype);
    for (uint32_t i = 0; i < p->ntype; i++)
        p->value[at + i] = values[i];
    return s;
}

void cd_pprof__b_push_loc(cd_pprof__builder *b, uint32_t loc)
{
    cd_profile *p = b->p;
    CD_GROW(p->loc, b->cap_locs, (size_t)p->nloc + 1);
    p->loc[p->nloc++] = loc;
    p->sample[p->nsample - 1].nloc++;
}

void cd_pprof__b_push_label(cd_pprof__builder *b, const cd_plabel *l)
{
    cd_profile *p = b->p;
    CD_GROW(p->label, b->cap_label, (size_t)p->nlabel + 1);
    p->label[p->nlabel++] = *l;
    p->sample[p->nsample - 1].nlabel++;
}
