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

static uint32_t kset_add(kset *s, const unsigned char *k, size_t n, int *added)
{
    if (!s->cap) {
        CD_GROW(s->off, s->cap, 1);
        s->off[0] = 0;
    }
    kq q = { s, k, n };
    uint32_t id = cd_pprof__intern(&s->map, cd_hash_bytes(k, n, 0x70707266),
                                   kset_eq, &q, (uint32_t)s->n, added);
    if (*added) {
        bput(&s->arena, k, n);
        CD_GROW(s->off, s->cap, s->n + 2);
        s->off[++s->n] = s->arena.len;
    }
    return id;
}

static void kset_free(kset *s)
{
    cd_map64_free(&s->map);
    free(s->arena.b);
    free(s->off);
}

/* Graph node (a function at "functions" granularity). */
typedef struct node {
    char *name;             /* PrintableName */
    char *sprint;           /* fmt.Sprint(NodeInfo), for the last tiebreak */
} node;

typedef struct top {
    const cd_pprof_options *o;
    kset locs;              /* canonical locations */
    uint32_t *lnode_off;    /* per canonical location: nodes [off, off+n) */
    uint32_t *lnode_n;
    size_t lcap1, lcap2;
    uint32_t *lnodes;       /* node ids, innermost line first */
    size_t nlnodes, cap_lnodes;
    kset nodes;
    node *node;
    size_t cap_node;
    kset samples;           /* merged samples */
    int64_t *sa, *sb;       /* after sum, before sum (column idx) */
    uint32_t *sl;           /* stacks of merged samples (canonical locs) */
    size_t nsl, cap_sl;
    uint32_t *sl_off;       /* per merged sample: its stack in sl */
    uint32_t *snloc;
    size_t cap_sa, cap_sb, cap_sloc, cap_snloc;
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

/* The node of one line (fn == NONE: a location without lines). */
static uint32_t node_of(top *t, const cd_profile *p, const cd_plocation *l,
                        uint32_t fn)
{
    cd_pstr objfile = { "", 0 };
    if (l->mapping)
        objfile = p->str[p->mapping[l->mapping - 1].file];
    cd_pstr name = { "", 0 };
    int64_t start_line = 0;
    if (fn != NONE) {
        name = p->str[p->function[fn].name];
        start_line = p->function[fn].start_line;
    }
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
        node *n = &t->node[id];
        bbuf nm = { 0 }, sp = { 0 };
        char num[32];
        if (name.len) {
            bput(&nm, name.s, name.len);
            bput(&sp, "{", 1);
            bput(&sp, name.s, name.len);
            bput(&sp, "  0  0 0 }", 10);
        } else {
            if (objfile.len) {
                bput(&nm, "[", 1);
                base_name(objfile, &nm);
                bput(&nm, "]", 1);
            } else {
                bput(&nm, "<unknown>", 9);
            }
            int w = snprintf(num, sizeof num, "{  0  %lld 0 ", (long long)start_line);
            bput(&sp, num, (size_t)w);
            bput(&sp, objfile.s, objfile.len);
            bput(&sp, "}", 1);
        }
        bput(&nm, "", 1);
        bput(&sp, "", 1);
        n->name = (char *)nm.b;
        n->sprint = (char *)sp.b;
    }
    return id;
}

/* Canonical location id of location li of p (pprof's locationKey over the
 * merged mapping and functions). */
static uint32_t canon_loc(top *t, const cd_profile *p, uint32_t li)
{
    const cd_plocation *l = &p->location[li];
    bbuf *k = &t->key;
    k->len = 0;
    uint64_t addr = l->address;
    if (l->mapping) {
        const cd_pmapping *m = &p->mapping[l->mapping - 1];
        uint64_t size = m->limit - m->start;
        size = size + 0x1000 - 1;
        size = size - size % 0x1000;
        bput_u8(k, 1);
        bput_u64(k, size);
        bput_u64(k, m->offset);
        cd_pstr id = p->str[m->build_id];
        bput_str(k, id.len ? id : p->str[m->file]);
        addr -= m->start;
    } else {
        bput_u8(k, 0);
    }
    bput_u64(k, addr);
    bput_u8(k, l->is_folded);
    bput_u32(k, l->nline);
    for (uint32_t i = 0; i < l->nline; i++) {
        const cd_pline *ln = &p->line[l->line_off + i];
        const cd_pfunction *f = &p->function[ln->function];
        bput_u64(k, (uint64_t)f->start_line);
        bput_str(k, p->str[f->name]);
        bput_str(k, p->str[f->system_name]);
        bput_str(k, p->str[f->filename]);
        bput_u64(k, (uint64_t)ln->line);
    }
    int added;
    uint32_t id = kset_add(&t->locs, k->b, k->len, &added);
    if (added) {
        CD_GROW(t->lnode_off, t->lcap1, (size_t)id + 1);
        CD_GROW(t->lnode_n, t->lcap2, (size_t)id + 1);
        uint32_t nn = l->nline ? l->nline : 1;
        uint32_t ids[64];
        uint32_t *tmp = nn <= 64 ? ids : cd_malloc(nn * sizeof *tmp);
        /* node_of reuses t->key, so compute after the key is stored */
        for (uint32_t i = 0; i < nn; i++)
            tmp[i] = node_of(t, p, l, l->nline ? p->line[l->line_off + i].function
                                               : NONE);
        CD_GROW(t->lnodes, t->cap_lnodes, t->nlnodes + nn);
        memcpy(t->lnodes + t->nlnodes, tmp, nn * sizeof *tmp);
        t->lnode_off[id] = (uint32_t)t->nlnodes;
        t->lnode_n[id] = nn;
        t->nlnodes += nn;
        if (tmp != ids)
            free(tmp);
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

static uint32_t merge_sample(top *t, const cd_profile *p, uint32_t si,
                             const uint32_t *cl, int idx, int before)
{
    const cd_psample *s = &p->sample[si];
    bbuf *k = &t->key;
    k->len = 0;
    bput_u32(k, s->nloc);
    for (uint32_t i = 0; i < s->nloc; i++)
        bput_u32(k, cl[p->loc[s->loc_off + i]]);
    /* insertion sort of label indexes (few labels per sample) */
    uint32_t order[32];
    uint32_t nl = s->nlabel;
    uint32_t *ord = nl <= 32 ? order : cd_malloc(nl * sizeof *ord);
    for (uint32_t i = 0; i < nl; i++) {
        uint32_t j = i;
        ord[j] = s->label_off + i;
        while (j > 0 && label_cmp(p, &p->label[ord[j - 1]], &p->label[ord[j]]) > 0) {
            uint32_t x = ord[j];
            ord[j] = ord[j - 1];
            ord[j - 1] = x;
            j--;
        }
    }
    bput_u32(k, nl);
    for (uint32_t i = 0; i < nl; i++) {
        const cd_plabel *lb = &p->label[ord[i]];
        bput_u8(k, lb->str != 0);
        bput_str(k, p->str[lb->key]);
        if (lb->str) {
            bput_str(k, p->str[lb->str]);
        } else {
            bput_u64(k, (uint64_t)lb->num);
            bput_str(k, p->str[lb->unit]);
        }
    }
    if (ord != order)
        free(ord);
    int added;
    uint32_t id = kset_add(&t->samples, k->b, k->len, &added);
    if (added) {
        CD_GROW(t->sa, t->cap_sa, (size_t)id + 1);
        CD_GROW(t->sb, t->cap_sb, (size_t)id + 1);
        CD_GROW(t->snloc, t->cap_snloc, (size_t)id + 1);
        CD_GROW(t->sl_off, t->cap_sloc, (size_t)id + 1);
        t->sa[id] = t->sb[id] = 0;
        t->snloc[id] = s->nloc;
        t->sl_off[id] = (uint32_t)t->nsl;
        CD_GROW(t->sl, t->cap_sl, t->nsl + s->nloc);
        for (uint32_t i = 0; i < s->nloc; i++)
            t->sl[t->nsl++] = cl[p->loc[s->loc_off + i]];
    }
    int64_t v = p->value[(size_t)si * p->ntype + idx];
    if (before)
        t->sb[id] = cd_pprof__add(t->sb[id], v);
    else
        t->sa[id] = cd_pprof__add(t->sa[id], v);
    return id;
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

static void graph_build(top *t, const int64_t *w, const uint8_t *kept, graph *g)
{
    memset(g, 0, sizeof *g);
    g->nn = t->nodes.n;
    g->flat = cd_calloc(g->nn ? g->nn : 1, sizeof *g->flat);
    g->cum = cd_calloc(g->nn ? g->nn : 1, sizeof *g->cum);
    g->stamp = cd_calloc(g->nn ? g->nn : 1, sizeof *g->stamp);
    for (size_t s = 0; s < t->samples.n; s++) {
        int64_t v = w[s];
        if (v == 0)
            continue;
        uint32_t st = (uint32_t)s + 1;
        uint32_t parent = NONE;
        int residual = 0;
        const uint32_t *locs = t->sl + t->sl_off[s];
        for (uint32_t i = t->snloc[s]; i-- > 0;) {
            uint32_t cl = locs[i];
            const uint32_t *ln = t->lnodes + t->lnode_off[cl];
            uint32_t k = t->lnode_n[cl];
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
                if (parent != NONE && n != parent) {
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
    kset_free(&t->locs);
    for (size_t i = 0; i < t->nodes.n; i++) {
        free(t->node[i].name);
        free(t->node[i].sprint);
    }
    kset_free(&t->nodes);
    free(t->node);
    kset_free(&t->samples);
    free(t->lnode_off);
    free(t->lnode_n);
    free(t->lnodes);
    free(t->sa);
    free(t->sb);
    free(t->sl);
    free(t->sl_off);
    free(t->snloc);
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
    const cd_profile *ps[2] = { after, before };
    uint32_t *cl[2];
    for (int k = 0; k < 2; k++) {
        const cd_profile *p = ps[k];
        cl[k] = cd_malloc((p->nlocation ? p->nlocation : 1) * sizeof *cl[k]);
        for (uint32_t i = 0; i < p->nlocation; i++)
            cl[k][i] = canon_loc(&t, p, i);
    }
    for (int k = 0; k < 2; k++) {
        const cd_profile *p = ps[k];
        for (uint32_t i = 0; i < p->nsample; i++)
            if (!zero_sample(p, i))
                merge_sample(&t, p, i, cl[k], idx, k == 1);
    }
    free(cl[0]);
    free(cl[1]);

    size_t ns = t.samples.n;
    int64_t *w = cd_malloc((ns ? ns : 1) * sizeof *w);
    int64_t total = 0;
    for (size_t s = 0; s < ns; s++) {
        w[s] = cd_pprof__add(t.sa[s], cd_pprof__neg_round(t.sb[s]));
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
