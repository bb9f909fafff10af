/* pprof_top.c — `go tool pprof -top -sample_index=X -base before after`,
 * reproduced step by step from go1.19.8's vendored pprof:
 *
 *  1. merge (driver/fetch.go, profile/merge.go): before is negated
 *     (Scale(-1): round(v * -1)) and merged with after. Samples merge on
 *     (their locations' identities, string labels, numeric labels + units);
 *     a location's identity is (address - mapping start, mapping identity,
 *     is_folded, [(function identity, line)...]), a mapping's is (size
 *     rounded up to 4 KiB, file offset, build id else file), a function's
 *     (name, system name, file, start line). So both snapshots of one
 *     process (or two runs of one binary) cancel sample by sample.
 *  2. total (report.computeTotal) = sum over merged samples of |value|.
 *  3. graph (graph.newGraph) at "functions" granularity with inlines kept:
 *     one node per function name (unnamed: "[objfile]" or "<unknown>");
 *     per sample, walking root to leaf and each location's lines last to
 *     first, every distinct node gets cum += v once, each distinct edge
 *     weight += v once (inline if the callee is not the location's last
 *     line), and the leaf gets flat += v. Samples with v == 0 are skipped.
 *  4. trim (report.newTrimmedGraph): cutoff = |int64(F * nodefraction)|,
 *     F = sum of flat; nodes with |cum| < cutoff dropped and the graph
 *     rebuilt over the kept ones; optional -nodecount; edges with
 *     |weight| < |int64(F * edgefraction)| dropped (they decide the
 *     "(inline)" / "(partial-inline)" suffix).
 *  5. sort (graph.FlatNameOrder): |flat| desc, name, |cum| desc, then
 *     fmt.Sprint(NodeInfo).
 *  6. format (report.printText, selectOutputUnit, measurement).
 * Sums wrap like Go's int64. */
#include <stdarg.h>   /* va_list */
#include <stdio.h>    /* snprintf */
#include <stdlib.h>   /* qsort, free */
#include <string.h>   /* memcmp, memcpy */

#include "pprof.h"

#define NONE UINT32_MAX

/* A growable byte buffer (keys are encoded into it). */
typedef struct bbuf {
    unsigned char *b;
    size_t len, cap;
} bbuf;

static void bput(bbuf *k, const void *p, size_t n)
{
    CD_GROW(k->b, k->cap, k->len + n);
    if (n)
        memcpy(k->b + k->len, p, n);
    k->len += n;
}

static void bput_u64(bbuf *k, uint64_t v) { bput(k, &v, sizeof v); }
static void bput_u32(bbuf *k, uint32_t v) { bput(k, &v, sizeof v); }
static void bput_u8(bbuf *k, uint8_t v) { bput(k, &v, 1); }
static void bput_str(bbuf *k, cd_pstr s)
{
    bput_u32(k, s.len);
    bput(k, s.s, s.len);
}

/* A set of byte keys: key i is arena[off[i] .. off[i+1]). */
typedef struct kset {
    cd_map64 map;
    bbuf arena;
    uint64_t *off;
    size_t n, cap;
} kset;

typedef struct kq {
    const kset *s;
    const unsigned char *k;
    size_t n;
} kq;

static int kset_eq(const void *ctx, uint32_t id)
{
    const kq *q = ctx;
    size_t a = q->s->off[id], b = q->s->off[id + 1];
    return b - a == q->n && !memcmp(q->s->arena.b + a, q->k, q->n);
}

static uint32_t kset_add_h(kset *s, const unsigned char *k, size_t n,
                           uint64_t h, int *added)
{
    if (!s->cap) {
        CD_GROW(s->off, s->cap, 1);
        s->off[0] = 0;
    }
    kq q = { s, k, n };
    uint32_t id = cd_pprof__intern(&s->map, h, kset_eq, &q, (uint32_t)s->n,
                                   added);
    if (*added) {
        bput(&s->arena, k, n);
        CD_GROW(s->off, s->cap, s->n + 2);
        s->off[++s->n] = s->arena.len;
    }
    return id;
}

/* Hash of bytes, eight at a time (cd_hash64 mixing; the keys here are
 * names and paths, where bytewise FNV showed up in profiles). */
static uint64_t hash_key(const unsigned char *k, size_t n)
{
    uint64_t h = cd_hash64(n ^ 0x70707266);
    size_t i = 0;
    for (; i + 8 <= n; i += 8) {
        uint64_t w;
        memcpy(&w, k + i, 8);
        h = cd_hash64(h ^ w);
    }
    if (i < n) {
        uint64_t w = 0;
        memcpy(&w, k + i, n - i);
        h = cd_hash64(h ^ w);
    }
    return h;
}

static uint32_t kset_add(kset *s, const unsigned char *k, size_t n, int *added)
{
    return kset_add_h(s, k, n, hash_key(k, n), added);
}

static void kset_free(kset *s)
{
    cd_map64_free(&s->map);
    free(s->arena.b);
    free(s->off);
}

/* Hash of a sequence of 64-bit words (cheaper than bytewise FNV). */
static uint64_t hash_words(const uint64_t *w, size_t n, uint64_t h)
{
    for (size_t i = 0; i < n; i++)
        h = cd_hash64(h ^ w[i]);
    return h;
}

/* Graph node (a function at "functions" granularity). */
typedef struct node {
    char *name;             /* PrintableName */
    char *sprint;           /* fmt.Sprint(NodeInfo), for the last tiebreak */
} node;

/* A merged sample: its first source sample stands for its key. */
typedef struct msample {
    uint32_t k;             /* 0 after, 1 before */
    uint32_t si;            /* sample index in that profile */
    int64_t a, b;           /* after sum, before sum of the column */
} msample;

typedef struct top {
    const cd_pprof_options *o;
    const cd_profile *ps[2];        /* after, before */
    uint32_t *cf[2], *cm[2], *cl[2];/* function/mapping/location -> canonical */
    kset funcs, maps, locs, nodes;
    uint32_t *fnode;                /* canonical function -> node, NONE unnamed */
    size_t cap_fnode;
    uint32_t *lnode_off, *lnode_n;  /* canonical location -> its nodes */
    size_t lcap1, lcap2;
    uint32_t *lnodes;               /* node ids, innermost line first */
    size_t nlnodes, cap_lnodes;
    node *node;
    size_t cap_node;
    uint8_t *inl_node;              /* node is an inlined line somewhere */
    size_t cap_inl;
    cd_map64 smap;                  /* merged samples */
    msample *ms;
    size_t nms, cap_ms;
    uint32_t *stk;                  /* scratch: canonical stack */
    size_t cap_stk;
    uint32_t *lab, *lab2;           /* scratch: sorted label indexes */
    size_t cap_lab, cap_lab2;
    bbuf key;
} top;

/* filepath.Base */
static void base_name(cd_pstr s, bbuf *out)
{
    const char *p = s.s;
    size_t n = s.len;
    while (n > 0 && p[n - 1] == '/')
        n--;
    if (n == 0) {
        bput(out, "/", 1);
        return;
    }
    size_t i = n;
    while (i > 0 && p[i - 1] != '/')
        i--;
    bput(out, p + i, n - i);
}

/* The node for a function name, or for an unnamed function / a location
 * without lines ("[objfile]" or "<unknown>", told apart by start line). */
static uint32_t node_key(top *t, cd_pstr name, cd_pstr objfile,
                         int64_t start_line)
{
    bbuf *k = &t->key;
    k->len = 0;
    if (name.len) {
        bput_u8(k, 0);
        bput_str(k, name);
    } else {
        bput_u8(k, 1);
        bput_str(k, objfile);
        bput_u64(k, (uint64_t)start_line);
    }
    int added;
    uint32_t id = kset_add(&t->nodes, k->b, k->len, &added);
    if (added) {
        CD_GROW(t->node, t->cap_node, (size_t)id + 1);
        CD_GROW(t->inl_node, t->cap_inl, (size_t)id + 1);
        t->inl_node[id] = 0;
        node *n = &t->node[id];
        /* PrintableName and fmt.Sprint(NodeInfo), each made in one go */
        if (name.len) {
            n->name = cd_strndup(name.s, name.len);
            n->sprint = cd_malloc((size_t)name.len + 12);
            n->sprint[0] = '{';
            memcpy(n->sprint + 1, name.s, name.len);
            memcpy(n->sprint + 1 + name.len, "  0  0 0 }", 11);
        } else {
            bbuf nm = { 0 };
            if (objfile.len) {
                bput(&nm, "[", 1);
                base_name(objfile, &nm);
                bput(&nm, "]", 1);
            } else {
                bput(&nm, "<unknown>", 9);
            }
            bput(&nm, "", 1);
            n->name = (char *)nm.b;
            char num[48];
            int w = snprintf(num, sizeof num, "{  0  %lld 0 ", (long long)start_line);
            n->sprint = cd_malloc((size_t)w + objfile.len + 2);
            memcpy(n->sprint, num, (size_t)w);
            if (objfile.len)
                memcpy(n->sprint + w, objfile.s, objfile.len);
            memcpy(n->sprint + w + objfile.len, "}", 2);
        }
    }
    return id;
}

/* Canonical functions (pprof's functionKey) and mappings (mappingKey) of
 * profile k. */
static void canon_funcs_maps(top *t, int k)
{
    const cd_profile *p = t->ps[k];
    bbuf *key = &t->key;
    t->cf[k] = cd_malloc((p->nfunction ? p->nfunction : 1) * sizeof *t->cf[k]);
    for (uint32_t i = 0; i < p->nfunction; i++) {
        const cd_pfunction *f = &p->function[i];
        key->len = 0;
        bput_u64(key, (uint64_t)f->start_line);
        bput_str(key, p->str[f->name]);
        bput_str(key, p->str[f->system_name]);
        bput_str(key, p->str[f->filename]);
        int added;
        uint32_t id = kset_add(&t->funcs, key->b, key->len, &added);
        t->cf[k][i] = id;
        if (added) {
            CD_GROW(t->fnode, t->cap_fnode, (size_t)id + 1);
            cd_pstr nm = p->str[f->name];
            t->fnode[id] = nm.len ? node_key(t, nm, (cd_pstr){ "", 0 }, 0) : NONE;
        }
    }
    t->cm[k] = cd_malloc((p->nmapping ? p->nmapping : 1) * sizeof *t->cm[k]);
    for (uint32_t i = 0; i < p->nmapping; i++) {
        const cd_pmapping *m = &p->mapping[i];
        uint64_t size = m->limit - m->start;
        size = size + 0x1000 - 1;
        size = size - size % 0x1000;
        key->len = 0;
        bput_u64(key, size);
        bput_u64(key, m->offset);
        cd_pstr id = p->str[m->build_id];
        bput_str(key, id.len ? id : p->str[m->file]);
        int added;
        t->cm[k][i] = kset_add(&t->maps, key->b, key->len, &added);
    }
}

/* Canonical location of location li of profile k: pprof's locationKey
 * (address - mapping start, mapping, is_folded, [(function, line)...]). */
static uint32_t canon_loc(top *t, int k, uint32_t li)
{
    const cd_profile *p = t->ps[k];
    const cd_plocation *l = &p->location[li];
    uint64_t w[8];
    bbuf *key = &t->key;
    key->len = 0;
    uint64_t addr = l->address;
    uint64_t mid = 0;
    if (l->mapping) {
        mid = (uint64_t)t->cm[k][l->mapping - 1] + 1;
        addr -= p->mapping[l->mapping - 1].start;
    }
    w[0] = mid;
    w[1] = addr;
    w[2] = (uint64_t)l->is_folded << 32 | l->nline;
    bput(key, w, 3 * sizeof *w);
    for (uint32_t i = 0; i < l->nline; i++) {
        const cd_pline *ln = &p->line[l->line_off + i];
        w[0] = t->cf[k][ln->function];
        w[1] = (uint64_t)ln->line;
        bput(key, w, 2 * sizeof *w);
    }
    int added;
    uint32_t id = kset_add_h(&t->locs, key->b, key->len,
                             hash_words((const uint64_t *)(const void *)key->b,
                                        key->len / 8, 0x6c6f63), &added);
    if (added) {
        CD_GROW(t->lnode_off, t->lcap1, (size_t)id + 1);
        CD_GROW(t->lnode_n, t->lcap2, (size_t)id + 1);
        uint32_t nn = l->nline ? l->nline : 1;
        CD_GROW(t->lnodes, t->cap_lnodes, t->nlnodes + nn);
        t->lnode_off[id] = (uint32_t)t->nlnodes;
        t->lnode_n[id] = nn;
        cd_pstr objfile = { "", 0 };
        if (l->mapping)
            objfile = p->str[p->mapping[l->mapping - 1].file];
        for (uint32_t i = 0; i < nn; i++) {
            uint32_t n;
            if (!l->nline) {
                n = node_key(t, (cd_pstr){ "", 0 }, objfile, 0);
            } else {
                const cd_pline *ln = &p->line[l->line_off + i];
                n = t->fnode[t->cf[k][ln->function]];
                if (n == NONE)
                    n = node_key(t, (cd_pstr){ "", 0 }, objfile,
                                 p->function[ln->function].start_line);
            }
            t->lnodes[t->nlnodes + i] = n;
            if (i + 1 < nn)
                t->inl_node[n] = 1;
        }
        t->nlnodes += nn;
    }
    return id;
}

/* Labels of a sample, stably sorted by key (string ones first, then
 * numeric): the canonical form of pprof's sampleKey label parts. */
static int label_cmp(const cd_profile *p, const cd_plabel *a, const cd_plabel *b)
{
    int na = a->str == 0, nb = b->str == 0;
    if (na != nb)
        return na - nb;
    cd_pstr x = p->str[a->key], y = p->str[b->key];
    size_t m = x.len < y.len ? x.len : y.len;
    int c = m ? memcmp(x.s, y.s, m) : 0;
    if (c)
        return c;
    return (x.len > y.len) - (x.len < y.len);
}

static void sort_labels(const cd_profile *p, const cd_psample *s, uint32_t *ord)
{
    for (uint32_t i = 0; i < s->nlabel; i++) {
        uint32_t j = i;
        ord[j] = s->label_off + i;
        while (j > 0 && label_cmp(p, &p->label[ord[j - 1]], &p->label[ord[j]]) > 0) {
            uint32_t x = ord[j];
            ord[j] = ord[j - 1];
            ord[j - 1] = x;
            j--;
        }
    }
}

typedef struct sq {
    top *t;
    int k;
    uint32_t si;
} sq;

/* Is merged sample id the same key as sample q->si of profile q->k? The
 * stack of q is in t->stk and its sorted labels in t->lab. */
static int msample_eq(const void *ctx, uint32_t id)
{
    const sq *q = ctx;
    top *t = q->t;
    const msample *m = &t->ms[id];
    const cd_profile *p = t->ps[m->k], *pq = t->ps[q->k];
    const cd_psample *s = &p->sample[m->si], *sq_ = &pq->sample[q->si];
    if (s->nloc != sq_->nloc || s->nlabel != sq_->nlabel)
        return 0;
    const uint32_t *cl = t->cl[m->k];
    for (uint32_t i = 0; i < s->nloc; i++)
        if (cl[p->loc[s->loc_off + i]] != t->stk[i])
            return 0;
    if (!s->nlabel)
        return 1;
    CD_GROW(t->lab2, t->cap_lab2, s->nlabel);
    sort_labels(p, s, t->lab2);
    for (uint32_t i = 0; i < s->nlabel; i++) {
        const cd_plabel *a = &p->label[t->lab2[i]], *b = &pq->label[t->lab[i]];
        if ((a->str == 0) != (b->str == 0) ||
            !cd_pprof__pstreq(p->str[a->key], pq->str[b->key]))
            return 0;
        if (a->str) {
            if (!cd_pprof__pstreq(p->str[a->str], pq->str[b->str]))
                return 0;
        } else if (a->num != b->num ||
                   !cd_pprof__pstreq(p->str[a->unit], pq->str[b->unit])) {
            return 0;
        }
    }
    return 1;
}

static void merge_sample(top *t, int k, uint32_t si, int idx)
{
    const cd_profile *p = t->ps[k];
    const cd_psample *s = &p->sample[si];
    if (s->nloc >= t->cap_stk)
        CD_GROW(t->stk, t->cap_stk, (size_t)s->nloc + 1);
    uint64_t h = 0x73616d70;
    for (uint32_t i = 0; i < s->nloc; i++) {
        t->stk[i] = t->cl[k][p->loc[s->loc_off + i]];
        h = cd_hash64(h ^ t->stk[i]);
    }
    h = cd_hash64(h ^ s->nloc);
    if (s->nlabel) {
        CD_GROW(t->lab, t->cap_lab, s->nlabel);
        sort_labels(p, s, t->lab);
        for (uint32_t i = 0; i < s->nlabel; i++) {
            const cd_plabel *lb = &p->label[t->lab[i]];
            cd_pstr key = p->str[lb->key];
            h = cd_hash_bytes(key.s, key.len, h ^ (lb->str != 0));
            if (lb->str) {
                cd_pstr v = p->str[lb->str];
                h = cd_hash_bytes(v.s, v.len, h);
            } else {
                cd_pstr u = p->str[lb->unit];
                h = cd_hash_bytes(u.s, u.len, cd_hash64(h ^ (uint64_t)lb->num));
            }
        }
    }
    sq q = { t, k, si };
    int added;
    uint32_t id = cd_pprof__intern(&t->smap, h, msample_eq, &q,
                                   (uint32_t)t->nms, &added);
    if (added) {
        CD_GROW(t->ms, t->cap_ms, t->nms + 1);
        t->ms[t->nms++] = (msample){ (uint32_t)k, si, 0, 0 };
    }
    int64_t v = p->value[(size_t)si * p->ntype + idx];
    if (k)
        t->ms[id].b = cd_pprof__add(t->ms[id].b, v);
    else
        t->ms[id].a = cd_pprof__add(t->ms[id].a, v);
}

/* ---- graph ---- */

typedef struct edge {
    uint32_t src, dst;
    int64_t w;
    uint32_t stamp;
    uint8_t inl;
} edge;

typedef struct graph {
    size_t nn;              /* node slots (all nodes of t) */
    int64_t *flat, *cum;
    uint32_t *stamp;
    edge *e;
    size_t ne, cap_e;
    cd_map64 emap;
} graph;

static void graph_free(graph *g)
{
    free(g->flat);
    free(g->cum);
    free(g->stamp);
    free(g->e);
    cd_map64_free(&g->emap);
    memset(g, 0, sizeof *g);
}

/* pprof's newGraph over the merged samples with values w (kept: the node
 * set to keep, NULL for all). Edges only matter for the "(inline)" suffix,
 * so they are kept only into nodes that are an inlined line somewhere;
 * every other node's incoming edges are all non-inline. */
static void graph_build(top *t, const int64_t *w, const uint8_t *kept, graph *g)
{
    memset(g, 0, sizeof *g);
    g->nn = t->nodes.n;
    g->flat = cd_calloc(g->nn ? g->nn : 1, sizeof *g->flat);
    g->cum = cd_calloc(g->nn ? g->nn : 1, sizeof *g->cum);
    g->stamp = cd_calloc(g->nn ? g->nn : 1, sizeof *g->stamp);
    for (size_t s = 0; s < t->nms; s++) {
        int64_t v = w[s];
        if (v == 0)
            continue;
        uint32_t st = (uint32_t)s + 1;
        uint32_t parent = NONE;
        int residual = 0;
        const msample *m = &t->ms[s];
        const cd_profile *p = t->ps[m->k];
        const cd_psample *sm = &p->sample[m->si];
        const uint32_t *locs = sm->nloc ? p->loc + sm->loc_off : NULL;  /* no locations: p->loc may be NULL */
        const uint32_t *cl = t->cl[m->k];
        for (uint32_t i = sm->nloc; i-- > 0;) {
            uint32_t c = cl[locs[i]];
            const uint32_t *ln = t->lnodes + t->lnode_off[c];
            uint32_t k = t->lnode_n[c];
            for (uint32_t ni = k; ni-- > 0;) {
                uint32_t n = ln[ni];
                if (kept && !kept[n]) {
                    residual = 1;
                    continue;
                }
                if (g->stamp[n] != st) {
                    g->stamp[n] = st;
                    g->cum[n] = cd_pprof__add(g->cum[n], v);
                }
                if (parent != NONE && n != parent && t->inl_node[n]) {
                    uint64_t ek = ((uint64_t)parent << 32 | n) + 1;
                    uint32_t ei;
                    int inl = ni != k - 1;
                    if (!cd_map64_get(&g->emap, ek, &ei)) {
                        CD_GROW(g->e, g->cap_e, g->ne + 1);
                        ei = (uint32_t)g->ne++;
                        g->e[ei] = (edge){ parent, n, 0, 0, (uint8_t)inl };
                        cd_map64_put(&g->emap, ek, ei);
                    }
                    edge *e = &g->e[ei];
                    if (e->stamp != st) {
                        e->stamp = st;
                        e->w = cd_pprof__add(e->w, v);
                        if (!inl)
                            e->inl = 0;
                    }
                }
                parent = n;
                residual = 0;
            }
        }
        if (parent != NONE && !residual)
            g->flat[parent] = cd_pprof__add(g->flat[parent], v);
    }
}

typedef struct sortctx {
    const top *t;
    const graph *g;
} sortctx;

static const sortctx *g_sort;   /* qsort has no context argument in C11 */

static int cmp_nodes(const void *pa, const void *pb)
{
    uint32_t a = *(const uint32_t *)pa, b = *(const uint32_t *)pb;
    const graph *g = g_sort->g;
    const node *na = &g_sort->t->node[a], *nb = &g_sort->t->node[b];
    int64_t fa = cd_pprof__abs(g->flat[a]), fb = cd_pprof__abs(g->flat[b]);
    if (fa != fb)
        return fa > fb ? -1 : 1;
    int c = strcmp(na->name, nb->name);
    if (c)
        return c;
    int64_t ca = cd_pprof__abs(g->cum[a]), cb = cd_pprof__abs(g->cum[b]);
    if (ca != cb)
        return ca > cb ? -1 : 1;
    c = strcmp(na->sprint, nb->sprint);
    if (c)
        return c;
    return (a > b) - (a < b);
}

static void sort_nodes(const top *t, const graph *g, uint32_t *ids, size_t n)
{
    sortctx sc = { t, g };
    g_sort = &sc;
    qsort(ids, n, sizeof *ids, cmp_nodes);
    g_sort = NULL;
}

/* Graph nodes: those with flat or cum nonzero (selectNodesForGraph). */
static size_t graph_nodes(const graph *g, uint32_t **out)
{
    uint32_t *ids = cd_malloc((g->nn ? g->nn : 1) * sizeof *ids);
    size_t n = 0;
    for (size_t i = 0; i < g->nn; i++)
        if (g->flat[i] != 0 || g->cum[i] != 0)
            ids[n++] = (uint32_t)i;
    *out = ids;
    return n;
}

static int check_compatible(const cd_profile *b, const cd_profile *a,
                            cd_error *err)
{
#define VT_EQ(pa, va, pb, vb) \
    (cd_pprof__pstreq((pa)->str[(va).type], (pb)->str[(vb).type]) && \
     cd_pprof__pstreq((pa)->str[(va).unit], (pb)->str[(vb).unit]))
    if (!VT_EQ(a, a->period_type, b, b->period_type))
        return cd_fail(err, CD_EUSAGE, b->path, -1,
                       "incompatible profiles: period type %.*s/%.*s vs "
                       "%.*s/%.*s in %s",
                       (int)b->str[b->period_type.type].len, b->str[b->period_type.type].s,
                       (int)b->str[b->period_type.unit].len, b->str[b->period_type.unit].s,
                       (int)a->str[a->period_type.type].len, a->str[a->period_type.type].s,
                       (int)a->str[a->period_type.unit].len, a->str[a->period_type.unit].s,
                       a->path);
    if (a->ntype != b->ntype)
        return cd_fail(err, CD_EUSAGE, b->path, -1,
                       "incompatible profiles: %u sample types vs %u in %s",
                       b->ntype, a->ntype, a->path);
    for (uint32_t i = 0; i < a->ntype; i++)
        if (!VT_EQ(a, a->sample_type[i], b, b->sample_type[i]))
            return cd_fail(err, CD_EUSAGE, b->path, -1,
                           "incompatible profiles: sample type %u is "
                           "%.*s/%.*s here but %.*s/%.*s in %s", i,
                           (int)b->str[b->sample_type[i].type].len, b->str[b->sample_type[i].type].s,
                           (int)b->str[b->sample_type[i].unit].len, b->str[b->sample_type[i].unit].s,
                           (int)a->str[a->sample_type[i].type].len, a->str[a->sample_type[i].type].s,
                           (int)a->str[a->sample_type[i].unit].len, a->str[a->sample_type[i].unit].s,
                           a->path);
#undef VT_EQ
    return 0;
}

static int zero_sample(const cd_profile *p, uint32_t si)
{
    for (uint32_t i = 0; i < p->ntype; i++)
        if (p->value[(size_t)si * p->ntype + i])
            return 0;
    return 1;
}

static void top_free(top *t)
{
    for (int k = 0; k < 2; k++) {
        free(t->cf[k]);
        free(t->cm[k]);
        free(t->cl[k]);
    }
    kset_free(&t->funcs);
    kset_free(&t->maps);
    kset_free(&t->locs);
    for (size_t i = 0; i < t->nodes.n; i++) {
        free(t->node[i].name);
        free(t->node[i].sprint);
    }
    kset_free(&t->nodes);
    free(t->node);
    free(t->fnode);
    free(t->inl_node);
    free(t->lnode_off);
    free(t->lnode_n);
    free(t->lnodes);
    cd_map64_free(&t->smap);
    free(t->ms);
    free(t->stk);
    free(t->lab);
    free(t->lab2);
    free(t->key.b);
}

static char *xfmt(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
static char *xfmt(const char *fmt, ...)
{
    char buf[512];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(buf, sizeof buf, fmt, ap);
    va_end(ap);
    return cd_strdup(buf);
}

/* report.selectOutputUnit over the shown nodes. */
static const char *output_unit(const graph *g, const uint32_t *ids, size_t n,
                               int64_t total, const char *sample_unit)
{
    if (n == 0)
        return "minimum";
    int64_t minv = 0;
    for (size_t i = 0; i < n; i++) {
        int64_t m = cd_pprof__abs(g->flat[ids[i]]);
        if (m == 0)
            m = cd_pprof__abs(g->cum[ids[i]]);
        if (m > 0 && (minv == 0 || m < minv))
            minv = m;
    }
    int64_t maxv = total;
    if (minv == 0)
        minv = maxv;
    const char *min_u = cd_pprof__min_unit(minv, sample_unit);
    const char *max_u = cd_pprof__min_unit(maxv, sample_unit);
    const char *u = min_u;
    int64_t m100 = (int64_t)((uint64_t)minv * 100u);
    if (strcmp(min_u, max_u) && m100 < maxv)
        u = cd_pprof__min_unit(m100, sample_unit);
    return u[0] ? u : sample_unit;
}

int cd_pprof__top(const cd_profile *before, const cd_profile *after, int idx,
                  const cd_pprof_options *o, cd_pprof_top *out, cd_error *err)
{
    memset(out, 0, sizeof *out);
    if (check_compatible(before, after, err) < 0)
        return -1;
    if (idx < 0 || (uint32_t)idx >= after->ntype)
        return cd_fail(err, CD_EUSAGE, after->path, -1, "sample index %d out "
                       "of range", idx);
    top t;
    memset(&t, 0, sizeof t);
    t.o = o;
    t.ps[0] = after;
    t.ps[1] = before;
    for (int k = 0; k < 2; k++) {
        const cd_profile *p = t.ps[k];
        canon_funcs_maps(&t, k);
        t.cl[k] = cd_malloc((p->nlocation ? p->nlocation : 1) * sizeof *t.cl[k]);
        for (uint32_t i = 0; i < p->nlocation; i++)
            t.cl[k][i] = canon_loc(&t, k, i);
    }
    for (int k = 0; k < 2; k++) {
        const cd_profile *p = t.ps[k];
        for (uint32_t i = 0; i < p->nsample; i++)
            if (!zero_sample(p, i))
                merge_sample(&t, k, i, idx);
    }

    size_t ns = t.nms;
    int64_t *w = cd_malloc((ns ? ns : 1) * sizeof *w);
    int64_t total = 0;
    for (size_t s = 0; s < ns; s++) {
        w[s] = cd_pprof__add(t.ms[s].a, cd_pprof__neg_round(t.ms[s].b));
        total = cd_pprof__add(total, cd_pprof__abs(w[s]));
        out->merged_samples += w[s] != 0;
    }

    graph g;
    graph_build(&t, w, NULL, &g);
    uint32_t *ids;
    size_t n = graph_nodes(&g, &ids);
    int64_t fsum = 0;
    for (size_t i = 0; i < n; i++)
        fsum = cd_pprof__add(fsum, g.flat[ids[i]]);
    int64_t cutoff = cd_pprof__abs(cd_pprof__mul_trunc(fsum, o->node_fraction));
    int64_t ecut = cd_pprof__abs(cd_pprof__mul_trunc(fsum, o->edge_fraction));
    size_t dropped = 0;
    if (cutoff > 0) {
        uint8_t *kept = cd_calloc(g.nn ? g.nn : 1, 1);
        size_t nk = 0;
        for (size_t i = 0; i < n; i++)
            if (cd_pprof__abs(g.cum[ids[i]]) >= cutoff) {
                kept[ids[i]] = 1;
                nk++;
            }
        if (nk != n) {
            dropped = n - nk;
            graph_free(&g);
            free(ids);
            graph_build(&t, w, kept, &g);
            n = graph_nodes(&g, &ids);
        }
        free(kept);
    }
    size_t orig = n;
    sort_nodes(&t, &g, ids, n);
    if (o->node_count > 0 && n > (size_t)o->node_count) {
        uint8_t *kept = cd_calloc(g.nn ? g.nn : 1, 1);
        for (size_t i = 0; i < (size_t)o->node_count; i++)
            kept[ids[i]] = 1;
        graph_free(&g);
        free(ids);
        graph_build(&t, w, kept, &g);
        n = graph_nodes(&g, &ids);
        sort_nodes(&t, &g, ids, n);
        free(kept);
    }
    /* inline suffix from the In edges left after the edge cutoff */
    uint8_t *inl = cd_calloc(g.nn ? g.nn : 1, 1);   /* bit0 inline, bit1 not */
    for (size_t i = 0; i < g.ne; i++) {
        const edge *e = &g.e[i];
        if (cd_pprof__abs(e->w) < ecut)
            continue;
        inl[e->dst] |= e->inl ? 1 : 2;
    }

    const cd_pstr st = after->str[after->sample_type[idx].type];
    const cd_pstr su = after->str[after->sample_type[idx].unit];
    out->sample_index = idx;
    out->sample_type = cd_pprof__strdup(st);
    out->sample_unit = cd_pprof__strdup(su);
    out->output_unit = cd_strdup(output_unit(&g, ids, n, total, out->sample_unit));
    out->total = total;
    out->dropped_nodes = dropped;
    out->cutoff = cutoff;
    out->rows = cd_calloc(n ? n : 1, sizeof *out->rows);
    out->nrows = n;
    int64_t sum = 0;
    for (size_t i = 0; i < n; i++) {
        uint32_t id = ids[i];
        cd_pprof_top_row *r = &out->rows[i];
        r->flat = g.flat[id];
        r->cum = g.cum[id];
        r->name = cd_strdup(t.node[id].name);
        r->inl = inl[id] == 1 ? "(inline)" : inl[id] == 3 ? "(partial-inline)" : "";
        sum = cd_pprof__add(sum, r->flat);
        cd_pprof__scaled_label(r->flat, out->sample_unit, out->output_unit,
                               r->flat_s, sizeof r->flat_s);
        cd_pprof__scaled_label(r->cum, out->sample_unit, out->output_unit,
                               r->cum_s, sizeof r->cum_s);
        cd_pprof__percentage(r->flat, total, r->flat_pct, sizeof r->flat_pct);
        cd_pprof__percentage(sum, total, r->sum_pct, sizeof r->sum_pct);
        cd_pprof__percentage(r->cum, total, r->cum_pct, sizeof r->cum_pct);
    }
    out->flat_sum = sum;

    char a[48], b[48], pct[24];
    cd_pprof__scaled_label(sum, out->sample_unit, out->output_unit, a, sizeof a);
    cd_pprof__scaled_label(total, out->sample_unit, out->output_unit, b, sizeof b);
    cd_pprof__percentage(sum, total, pct, sizeof pct);
    const char *pt = pct;
    while (*pt == ' ')
        pt++;
    out->header = cd_calloc(3, sizeof *out->header);
    out->header[out->nheader++] =
        xfmt("Showing nodes accounting for %s, %s of %s total", a, pt, b);
    if (total != 0) {
        if (dropped > 0) {
            cd_pprof__scaled_label(
                cd_pprof__abs(cd_pprof__mul_trunc(total, o->node_fraction)),
                out->sample_unit, out->output_unit, a, sizeof a);
            out->header[out->nheader++] = xfmt("Dropped %zu node%s (cum <= %s)",
                                               dropped, dropped > 1 ? "s" : "", a);
        }
        if (n > 0 && n < orig)
            out->header[out->nheader++] =
                xfmt("Showing top %zu nodes out of %zu", n, orig);
    }
    free(inl);
    free(ids);
    free(w);
    graph_free(&g);
    top_free(&t);
    return 0;
}

void cd_pprof__top_free(cd_pprof_top *t)
{
    free(t->sample_type);
    free(t->sample_unit);
    free(t->output_unit);
    for (size_t i = 0; i < t->nheader; i++)
        free(t->header[i]);
    free(t->header);
    for (size_t i = 0; i < t->nrows; i++)
        free(t->rows[i].name);
    free(t->rows);
    memset(t, 0, sizeof *t);
}
