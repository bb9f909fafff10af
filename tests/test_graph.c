/* test_graph.c — unit tests for lib/graph.c: BFS, dominators, retained.
 *
 * Hand-made graphs with known answers, a brute-force checker (dominance by
 * definition: d dominates v iff v is unreachable from the super-root once d
 * is removed) on many random small graphs, and big graphs (a 2,000,000-node
 * chain, a comb that is quadratic for naive idom walks, random graphs with
 * 1M nodes / 4M edges checked against an independent Cooper-Harvey-Kennedy
 * implementation) to show nothing recurses. Prints one line per check and
 * "N passed, M failed"; exits 1 on any failure. */
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "graph.h"
#include "util.h"

#include "check.h"

static double now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return ts.tv_sec + ts.tv_nsec * 1e-9;
}

static uint64_t rng_state = 0x5eed1234abcdef01ull;
static uint64_t rnd(void)
{
    /* splitmix64: fixed seed, same sequence on every run */
    uint64_t z = (rng_state += 0x9e3779b97f4a7c15ull);
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
    return z ^ (z >> 31);
}
static uint32_t rndn(uint32_t n) { return (uint32_t)(rnd() % n); }

/* ---- graphs ------------------------------------------------------------ */

typedef struct graph {
    cd_csr csr;
    uint64_t *start;
    uint32_t *dst;
    uint64_t m;
} graph;

/* CSR from an edge list, edges of one source in list order. */
static graph graph_from_edges(uint32_t n, size_t m, const uint32_t (*e)[2])
{
    graph g;
    g.m = m;
    g.start = cd_calloc((size_t)n + 2, sizeof *g.start);
    g.dst = cd_malloc((m ? m : 1) * sizeof *g.dst);
    for (size_t i = 0; i < m; i++)
        g.start[e[i][0] + 2]++;
    for (uint32_t v = 2; v <= n + 1; v++)
        g.start[v] += g.start[v - 1];
    for (size_t i = 0; i < m; i++)
        g.dst[g.start[e[i][0] + 1]++] = e[i][1];
    g.csr.n = n;
    g.csr.start = g.start;
    g.csr.dst = g.dst;
    return g;
}

static void graph_free(graph *g)
{
    free(g->start);
    free(g->dst);
}

/* ---- brute force (n <= 62, super-root is bit n) ------------------------ */

/* Nodes reachable from the super-root with node `cut` removed (cut may be
 * CD_NONE, or n for the super-root itself). */
static uint64_t bf_reach(const graph *g, const uint32_t *roots, size_t nroots,
                         uint32_t cut)
{
    uint32_t n = g->csr.n;
    if (cut == n)
        return 0;
    uint64_t seen = 1ull << n;
    uint32_t stack[64];
    size_t sp = 0;
    for (size_t k = 0; k < nroots; k++) {
        uint32_t r = roots[k];
        if (r < n && r != cut && !(seen >> r & 1)) {
            seen |= 1ull << r;
            stack[sp++] = r;
        }
    }
    while (sp) {
        uint32_t v = stack[--sp];
        for (uint64_t e = g->start[v]; e < g->start[v + 1]; e++) {
            uint32_t d = g->dst[e];
            if (d < n && d != cut && !(seen >> d & 1)) {
                seen |= 1ull << d;
                stack[sp++] = d;
            }
        }
    }
    return seen;
}

static int popcount64(uint64_t x)
{
    int c = 0;
    for (; x; x &= x - 1)
        c++;
    return c;
}

/* Expected idom (by definition) and retained sizes. */
static void bf_dominators(const graph *g, const uint32_t *roots, size_t nroots,
                          const uint32_t *size, uint32_t *idom, uint64_t *ret)
{
    uint32_t n = g->csr.n;
    uint64_t all = bf_reach(g, roots, nroots, CD_NONE);
    uint64_t dom[64];  /* dom[v] = set of dominators of v, v included */
    for (uint32_t v = 0; v <= n; v++) {
        dom[v] = 0;
        if (!(all >> v & 1))
            continue;
        dom[v] = (1ull << v) | (1ull << n);
        for (uint32_t d = 0; d < n; d++)
            if (d != v && (all >> d & 1) && !(bf_reach(g, roots, nroots, d) >> v & 1))
                dom[v] |= 1ull << d;
    }
    for (uint32_t v = 0; v < n; v++) {
        idom[v] = CD_NONE;
        ret[v] = 0;
        if (!(all >> v & 1))
            continue;
        /* the strict dominator with the most dominators is the nearest */
        uint64_t strict = dom[v] & ~(1ull << v);
        int best = -1;
        for (uint32_t d = 0; d <= n; d++)
            if ((strict >> d & 1) && popcount64(dom[d]) > best) {
                best = popcount64(dom[d]);
                idom[v] = d;
            }
        for (uint32_t w = 0; w < n; w++)
            if (dom[w] >> v & 1)
                ret[v] += size[w];
    }
}

/* Shortest distances from the roots by relaxation to a fixpoint. */
static void bf_dist(const graph *g, const uint32_t *roots, size_t nroots,
                    uint32_t *dist)
{
    uint32_t n = g->csr.n;
    for (uint32_t v = 0; v < n; v++)
        dist[v] = CD_NONE;
    for (size_t k = 0; k < nroots; k++)
        if (roots[k] < n)
            dist[roots[k]] = 0;
    for (int changed = 1; changed;) {
        changed = 0;
        for (uint32_t v = 0; v < n; v++) {
            if (dist[v] == CD_NONE)
                continue;
            for (uint64_t e = g->start[v]; e < g->start[v + 1]; e++) {
                uint32_t d = g->dst[e];
                if (d < n && dist[d] > dist[v] + 1) {
                    dist[d] = dist[v] + 1;
                    changed = 1;
                }
            }
        }
    }
}

/* Checks the BFS output against brute force and against the determinism
 * rule: roots first in the given order; every other node's parent is its
 * shortest-path predecessor that comes first in order[], via that
 * predecessor's first edge to it. Returns NULL or a description. */
static const char *bfs_mismatch(const graph *g, const uint32_t *roots,
                                size_t nroots, char *why, size_t whylen)
{
    uint32_t n = g->csr.n;
    size_t cap = n ? n : 1;
    uint32_t *parent = cd_malloc(cap * sizeof *parent);
    uint32_t *pedge = cd_malloc(cap * sizeof *pedge);
    uint32_t *dist = cd_malloc(cap * sizeof *dist);
    uint32_t *order = cd_malloc(cap * sizeof *order);
    uint32_t *want = cd_malloc(cap * sizeof *want);
    uint32_t *pos = cd_malloc(cap * sizeof *pos);
    uint32_t *parent2 = cd_malloc(cap * sizeof *parent2);
    uint32_t *pedge2 = cd_malloc(cap * sizeof *pedge2);
    uint32_t *order2 = cd_malloc(cap * sizeof *order2);
    const char *bad = NULL;
    memset(parent, 0xab, cap * sizeof *parent);
    memset(dist, 0xab, cap * sizeof *dist);
    size_t cnt = cd_graph_bfs(&g->csr, roots, nroots, parent, pedge, dist, order);
    bf_dist(g, roots, nroots, want);

    size_t reach = 0;
    for (uint32_t v = 0; v < n; v++) {
        pos[v] = CD_NONE;
        if (want[v] != CD_NONE)
            reach++;
        if (dist[v] != want[v]) {
            snprintf(why, whylen, "dist[%u]=%u want %u", v, dist[v], want[v]);
            bad = why;
            goto out;
        }
    }
    if (cnt != reach) {
        snprintf(why, whylen, "returned %zu reachable, want %zu", cnt, reach);
        bad = why;
        goto out;
    }
    for (size_t k = 0; k < cnt; k++) {
        uint32_t v = order[k];
        if (v >= n || pos[v] != CD_NONE || (k && dist[v] < dist[order[k - 1]])) {
            snprintf(why, whylen, "order[%zu]=%u bad", k, v);
            bad = why;
            goto out;
        }
        pos[v] = (uint32_t)k;
    }
    size_t k = 0;  /* roots come first, deduplicated, in the order given */
    for (size_t r = 0; r < nroots; r++) {
        uint32_t v = roots[r];
        if (v >= n || pos[v] < k)
            continue;
        if (order[k] != v) {
            snprintf(why, whylen, "order[%zu]=%u, want root %u", k, order[k], v);
            bad = why;
            goto out;
        }
        k++;
    }
    for (uint32_t v = 0; v < n; v++) {
        uint32_t wp = CD_NONE;
        uint32_t we = CD_NONE;  /* which out-edge of the parent */
        if (dist[v] != CD_NONE && dist[v] > 0) {
            for (uint32_t u = 0; u < n; u++) {
                if (dist[u] != dist[v] - 1 || (wp != CD_NONE && pos[u] > pos[wp]))
                    continue;
                for (uint64_t e = g->start[u]; e < g->start[u + 1]; e++)
                    if (g->dst[e] == v) {
                        wp = u;
                        we = (uint32_t)(e - g->start[u]);
                        break;
                    }
            }
        }
        if (parent[v] != wp || pedge[v] != we) {
            snprintf(why, whylen, "node %u: parent %u slot %u, want %u slot %u",
                     v, parent[v], pedge[v], wp, we);
            bad = why;
            goto out;
        }
    }
    /* dist is optional and must not change anything else */
    size_t cnt2 = cd_graph_bfs(&g->csr, roots, nroots, parent2, pedge2, NULL, order2);
    if (cnt2 != cnt || memcmp(parent, parent2, n * sizeof *parent) ||
        memcmp(pedge, pedge2, n * sizeof *pedge) || memcmp(order, order2, cnt * sizeof *order)) {
        snprintf(why, whylen, "result differs with dist == NULL");
        bad = why;
    }
out:
    free(parent);
    free(pedge);
    free(dist);
    free(order);
    free(want);
    free(pos);
    free(parent2);
    free(pedge2);
    free(order2);
    return bad;
}

/* Runs cd_graph_dominators/retained on g and compares with brute force.
 * Returns NULL or a description of the first mismatch. */
static const char *dom_mismatch(const graph *g, const uint32_t *roots,
                                size_t nroots, const uint32_t *size,
                                char *why, size_t whylen)
{
    uint32_t n = g->csr.n;
    uint32_t idom[64], want[64];
    uint64_t ret[64], wret[64];
    memset(idom, 0xcd, sizeof idom);  /* outputs start as garbage */
    memset(ret, 0xcd, sizeof ret);
    cd_graph_dominators(&g->csr, roots, nroots, idom);
    cd_graph_retained(n, idom, size, ret);
    bf_dominators(g, roots, nroots, size, want, wret);
    /* the combined call gives the same dominators and sizes */
    uint32_t idom2[64];
    memset(idom2, 0xcd, sizeof idom2);
    uint64_t *ret2 = cd_graph_dominators_retained(&g->csr, roots, nroots, size, idom2);
    for (uint32_t v = 0; v < n; v++)
        if (idom2[v] != want[v] || ret2[v] != wret[v]) {
            snprintf(why, whylen, "dominators_retained: node %u: idom %u retained %" PRIu64
                     ", want %u %" PRIu64, v, idom2[v], ret2[v], want[v], wret[v]);
            free(ret2);
            return why;
        }
    free(ret2);
    for (uint32_t v = 0; v < n; v++) {
        if (idom[v] != want[v]) {
            snprintf(why, whylen, "idom[%u]=%u want %u", v, idom[v], want[v]);
            return why;
        }
        if (ret[v] != wret[v]) {
            snprintf(why, whylen, "retained[%u]=%" PRIu64 " want %" PRIu64, v, ret[v], wret[v]);
            return why;
        }
    }
    return NULL;
}

/* ---- hand-made graphs -------------------------------------------------- */

#define N_ 0xffffffffu  /* CD_NONE, short for the tables */
#define LEN(a) (sizeof(a) / sizeof((a)[0]))

static void hand_case(const char *name, uint32_t n, size_t m,
                      const uint32_t (*edges)[2], const uint32_t *roots,
                      size_t nroots, const uint32_t *want_idom,
                      const uint32_t *size, const uint64_t *want_ret)
{
    graph g = graph_from_edges(n, m, edges);
    uint32_t idom[64];
    uint64_t ret[64];
    char why[200];
    memset(idom, 0x5a, sizeof idom);
    memset(ret, 0x5a, sizeof ret);
    cd_graph_dominators(&g.csr, roots, nroots, idom);
    int ok = 1;
    for (uint32_t v = 0; v < n && ok; v++)
        if (idom[v] != want_idom[v]) {
            check(0, "%s: idom[%u]=%u, want %u", name, v, idom[v], want_idom[v]);
            ok = 0;
        }
    if (ok)
        check(1, "%s: idom", name);
    if (size) {
        cd_graph_retained(n, idom, size, ret);
        ok = 1;
        for (uint32_t v = 0; v < n && ok; v++)
            if (ret[v] != want_ret[v]) {
                check(0, "%s: retained[%u]=%" PRIu64 ", want %" PRIu64, name, v, ret[v], want_ret[v]);
                ok = 0;
            }
        if (ok)
            check(1, "%s: retained", name);
    }
    const char *bad = dom_mismatch(&g, roots, nroots, size ? size : (const uint32_t[64]){0},
                                   why, sizeof why);
    check(!bad, "%s: agrees with brute force%s%s", name, bad ? ": " : "", bad ? bad : "");
    bad = bfs_mismatch(&g, roots, nroots, why, sizeof why);
    check(!bad, "%s: bfs%s%s", name, bad ? ": " : "", bad ? bad : "");
    graph_free(&g);
}

static void test_hand(void)
{
    {   /* diamond */
        static const uint32_t e[][2] = {{0, 1}, {0, 2}, {1, 3}, {2, 3}};
        static const uint32_t r[] = {0};
        static const uint32_t want[] = {4, 0, 0, 0};
        static const uint32_t size[] = {1, 2, 4, 8};
        static const uint64_t ret[] = {15, 2, 4, 8};
        hand_case("diamond", 4, LEN(e), e, r, LEN(r), want, size, ret);
    }
    {   /* diamond with a tail: 3 -> 4 -> 5, 1 -> 5 */
        static const uint32_t e[][2] = {{0, 1}, {0, 2}, {1, 3}, {2, 3}, {3, 4}, {4, 5}, {1, 5}};
        static const uint32_t r[] = {0};
        static const uint32_t want[] = {6, 0, 0, 0, 3, 0};
        static const uint32_t size[] = {1, 1, 1, 1, 1, 1};
        static const uint64_t ret[] = {6, 1, 1, 2, 1, 1};
        hand_case("diamond with tail", 6, LEN(e), e, r, LEN(r), want, size, ret);
    }
    {   /* cycle 0 -> 1 -> 2 -> 0 with an exit 2 -> 3, entered at 1 */
        static const uint32_t e[][2] = {{0, 1}, {1, 2}, {2, 0}, {2, 3}};
        static const uint32_t r[] = {1};
        static const uint32_t want[] = {2, 4, 1, 2};
        static const uint32_t size[] = {10, 20, 30, 40};
        static const uint64_t ret[] = {10, 100, 80, 40};
        hand_case("cycle entered mid-way", 4, LEN(e), e, r, LEN(r), want, size, ret);
    }
    {   /* self-loops everywhere and a 2-cycle */
        static const uint32_t e[][2] = {{0, 0}, {0, 1}, {1, 1}, {1, 2}, {2, 2}, {2, 1}, {2, 3}, {3, 3}};
        static const uint32_t r[] = {0};
        static const uint32_t want[] = {4, 0, 1, 2};
        static const uint32_t size[] = {1, 1, 1, 1};
        static const uint64_t ret[] = {4, 3, 2, 1};
        hand_case("self-loops", 4, LEN(e), e, r, LEN(r), want, size, ret);
    }
    {   /* two roots sharing a child; root 1 also reachable from root 0 */
        static const uint32_t e[][2] = {{0, 2}, {1, 2}, {2, 3}, {0, 1}, {3, 4}, {1, 5}};
        static const uint32_t r[] = {0, 1};
        static const uint32_t want[] = {6, 6, 6, 2, 3, 1};
        static const uint32_t size[] = {1, 2, 3, 4, 5, 6};
        static const uint64_t ret[] = {1, 8, 12, 9, 5, 6};
        hand_case("multiple roots", 6, LEN(e), e, r, LEN(r), want, size, ret);
    }
    {   /* duplicate roots, given several times and out of order */
        static const uint32_t e[][2] = {{0, 2}, {1, 2}, {2, 3}, {0, 1}};
        static const uint32_t r[] = {1, 0, 1, 1, 0};
        static const uint32_t want[] = {4, 4, 4, 2};
        static const uint32_t size[] = {1, 1, 1, 1};
        static const uint64_t ret[] = {1, 1, 2, 1};
        hand_case("duplicate roots", 4, LEN(e), e, r, LEN(r), want, size, ret);
    }
    {   /* unreachable nodes, one of them pointing into the reachable part,
         * plus a root number out of range (ignored) */
        static const uint32_t e[][2] = {{0, 1}, {2, 1}, {2, 4}, {4, 2}, {1, 5}};
        static const uint32_t r[] = {0, 99};
        static const uint32_t want[] = {6, 0, N_, N_, N_, 1};
        static const uint32_t size[] = {1, 2, 4, 8, 16, 32};
        static const uint64_t ret[] = {35, 34, 0, 0, 0, 32};
        hand_case("unreachable nodes", 6, LEN(e), e, r, LEN(r), want, size, ret);
    }
    {   /* edges to CD_NONE and beyond n are skipped */
        static const uint32_t e[][2] = {{0, N_}, {0, 1}, {1, N_}, {1, 7}, {1, 2}, {0, 3}, {3, 4}, {2, 4}};
        static const uint32_t r[] = {0};
        static const uint32_t want[] = {5, 0, 1, 0, 0};
        static const uint32_t size[] = {1, 1, 1, 1, 1};
        static const uint64_t ret[] = {5, 2, 1, 1, 1};
        hand_case("edges to CD_NONE", 5, LEN(e), e, r, LEN(r), want, size, ret);
    }
    {   /* Lengauer & Tarjan (1979), figure 1:
         * R=0 A=1 B=2 C=3 D=4 E=5 F=6 G=7 H=8 I=9 J=10 K=11 L=12 */
        static const uint32_t e[][2] = {
            {0, 1}, {0, 2}, {0, 3}, {1, 4}, {2, 1}, {2, 4}, {2, 5}, {3, 6}, {3, 7},
            {4, 12}, {5, 8}, {6, 9}, {7, 9}, {7, 10}, {8, 5}, {8, 11}, {9, 11},
            {10, 9}, {11, 9}, {11, 0}, {12, 8}};
        static const uint32_t r[] = {0};
        static const uint32_t want[] = {13, 0, 0, 0, 0, 0, 3, 3, 0, 0, 7, 0, 4};
        static const uint32_t size[] = {1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1};
        static const uint64_t ret[] = {13, 1, 1, 4, 2, 1, 1, 2, 1, 1, 1, 1, 1};
        hand_case("Lengauer-Tarjan figure 1", 13, LEN(e), e, r, LEN(r), want, size, ret);
    }
    {   /* no roots at all */
        static const uint32_t e[][2] = {{0, 1}};
        static const uint32_t want[] = {N_, N_};
        static const uint32_t size[] = {5, 5};
        static const uint64_t ret[] = {0, 0};
        hand_case("no roots", 2, LEN(e), e, NULL, 0, want, size, ret);
    }
    {   /* empty graph */
        graph g = graph_from_edges(0, 0, NULL);
        uint32_t root = 0, idom = 7, parent = 7, order = 7, pe = 7;
        uint64_t ret = 7;
        cd_graph_dominators(&g.csr, &root, 1, &idom);
        cd_graph_retained(0, &idom, &pe, &ret);
        size_t cnt = cd_graph_bfs(&g.csr, &root, 1, &parent, &pe, NULL, &order);
        check(cnt == 0 && idom == 7 && ret == 7, "empty graph");
        graph_free(&g);
    }
    {   /* BFS by hand: parent edge indices and distances */
        static const uint32_t e[][2] = {{0, 1}, {0, 2}, {1, 3}, {2, 3}, {3, 4}, {5, 4}, {2, 5}};
        static const uint32_t r[] = {5, 0};
        graph g = graph_from_edges(6, LEN(e), e);
        uint32_t parent[6], dist[6], order[6];
        uint32_t pe[6];
        size_t cnt = cd_graph_bfs(&g.csr, r, LEN(r), parent, pe, dist, order);
        /* CSR edge indices: 0:{0->1 #0, 0->2 #1} 1:{1->3 #2} 2:{2->3 #3, 2->5 #4}
         * 3:{3->4 #5} 5:{5->4 #6} */
        static const uint32_t wparent[] = {N_, 0, 0, 1, 5, N_};
        static const uint32_t wpe[] = {N_, 0, 1, 0, 0, N_};  /* slot within the parent's edges */
        static const uint32_t wdist[] = {0, 1, 1, 2, 1, 0};
        static const uint32_t worder[] = {5, 0, 4, 1, 2, 3};
        check(cnt == 6 && !memcmp(parent, wparent, sizeof parent) && !memcmp(pe, wpe, sizeof pe) &&
              !memcmp(dist, wdist, sizeof dist) && !memcmp(order, worder, sizeof order),
              "bfs by hand: parents, edges, distances, order");
        graph_free(&g);
    }
}

/* ---- random small graphs ----------------------------------------------- */

static void test_random_small(void)
{
    enum { GRAPHS = 4000 };
    int dom_bad = 0, bfs_bad = 0;
    char why[200], first_dom[300] = "", first_bfs[300] = "";
    for (int t = 0; t < GRAPHS; t++) {
        uint32_t n = 1 + rndn(30);
        uint32_t (*e)[2] = cd_malloc((4 * (size_t)n + 1) * sizeof *e);
        size_t m = 0;
        int shape = rndn(4);  /* 0 sparse, 1 dense, 2 chain-like, 3 back-edge heavy */
        for (uint32_t v = 0; v < n; v++) {
            uint32_t deg = shape == 1 ? rndn(5) : rndn(3);
            for (uint32_t k = 0; k < deg; k++) {
                uint32_t d;
                uint32_t c = rndn(20);
                if (c == 0)
                    d = CD_NONE;
                else if (c == 1)
                    d = n + rndn(3);
                else if (shape == 2 && c < 14)
                    d = v + 1 < n ? v + 1 + rndn(2) : rndn(n);
                else if (shape == 3 && c < 10)
                    d = rndn(v + 1);
                else
                    d = rndn(n);
                if (d != CD_NONE && d >= n && c > 1)
                    d = rndn(n);
                e[m][0] = v;
                e[m][1] = d;
                m++;
            }
        }
        uint32_t roots[6];
        size_t nroots = rndn(5);
        if (nroots == 0 && rndn(4))
            nroots = 1;
        for (size_t k = 0; k < nroots; k++)
            roots[k] = rndn(16) == 0 ? n + rndn(3) : (k && rndn(6) == 0 ? roots[k - 1] : rndn(n));
        uint32_t size[64];
        for (uint32_t v = 0; v < n; v++)
            size[v] = rndn(3) == 0 ? 0 : (uint32_t)(rnd() >> 40);
        graph g = graph_from_edges(n, m, (const uint32_t (*)[2])e);
        /* every other graph with the 64-bit predecessor offsets that
           only graphs past 4 G edges would otherwise use */
        cd_graph__wide_offsets = t & 1;
        const char *bad = dom_mismatch(&g, roots, nroots, size, why, sizeof why);
        cd_graph__wide_offsets = 0;
        if (bad && !dom_bad++)
            snprintf(first_dom, sizeof first_dom, "graph %d (n=%u m=%zu): %s", t, n, m, bad);
        bad = bfs_mismatch(&g, roots, nroots, why, sizeof why);
        if (bad && !bfs_bad++)
            snprintf(first_bfs, sizeof first_bfs, "graph %d (n=%u m=%zu): %s", t, n, m, bad);
        graph_free(&g);
        free(e);
    }
    check(!dom_bad, "random small graphs: idom and retained match brute force on %d graphs%s%s",
          GRAPHS, dom_bad ? "; first failure " : "", first_dom);
    check(!bfs_bad, "random small graphs: bfs matches brute-force distances on %d graphs%s%s",
          GRAPHS, bfs_bad ? "; first failure " : "", first_bfs);
}

/* ---- reference for big graphs: Cooper, Harvey & Kennedy ----------------- */

/* Iterative dataflow dominators ("A Simple, Fast Dominance Algorithm"),
 * written independently of lib/graph.c; fine on random graphs, quadratic on
 * adversarial ones. Also computes retained sizes by summing in reverse
 * postorder (a dominator precedes what it dominates). */
static void chk_reference(const graph *g, const uint32_t *roots, size_t nroots,
                          const uint32_t *size, uint32_t *idom, uint64_t *ret)
{
    uint32_t n = g->csr.n, S = n;
    uint32_t *po = cd_malloc(((size_t)n + 1) * sizeof *po);    /* postorder number */
    uint32_t *byrpo = cd_malloc(((size_t)n + 1) * sizeof *byrpo);
    uint32_t *stack = cd_malloc(((size_t)n + 1) * sizeof *stack);
    uint64_t *cur = cd_malloc(((size_t)n + 1) * sizeof *cur);
    for (uint32_t v = 0; v <= n; v++)
        po[v] = CD_NONE;
    uint32_t npo = 0;
    /* DFS from S; S's "edges" are the roots. po[] == CD_NONE - 1 marks
     * visited but not finished. */
    size_t sp = 0;
    stack[sp] = S;
    cur[sp++] = 0;
    po[S] = CD_NONE - 1;
    while (sp) {
        uint32_t v = stack[sp - 1];
        uint32_t next = CD_NONE;
        if (v == S) {
            while (cur[sp - 1] < nroots && next == CD_NONE) {
                uint32_t r = roots[cur[sp - 1]++];
                if (r < n && po[r] == CD_NONE)
                    next = r;
            }
        } else {
            uint64_t end = g->start[v + 1];
            while (cur[sp - 1] < end && next == CD_NONE) {
                uint32_t d = g->dst[cur[sp - 1]++];
                if (d < n && po[d] == CD_NONE)
                    next = d;
            }
        }
        if (next == CD_NONE) {
            po[v] = npo++;
            sp--;
        } else {
            po[next] = CD_NONE - 1;
            stack[sp] = next;
            cur[sp++] = g->start[next];
        }
    }
    for (uint32_t v = 0; v <= n; v++)
        if (po[v] != CD_NONE)
            byrpo[npo - 1 - po[v]] = v;
    /* predecessors (reachable sources only), with S -> roots */
    uint64_t *pstart = cd_calloc((size_t)n + 2, sizeof *pstart);
    for (uint32_t v = 0; v < n; v++)
        if (po[v] != CD_NONE)
            for (uint64_t e = g->start[v]; e < g->start[v + 1]; e++)
                if (g->dst[e] < n)
                    pstart[g->dst[e] + 1]++;
    for (size_t k = 0; k < nroots; k++)
        if (roots[k] < n)
            pstart[roots[k] + 1]++;
    for (uint32_t v = 1; v <= n + 1; v++)
        pstart[v] += pstart[v - 1];
    uint32_t *pred = cd_malloc((pstart[n + 1] + 1) * sizeof *pred);
    for (uint32_t v = 0; v < n; v++)
        if (po[v] != CD_NONE)
            for (uint64_t e = g->start[v]; e < g->start[v + 1]; e++)
                if (g->dst[e] < n)
                    pred[pstart[g->dst[e]]++] = v;
    for (size_t k = 0; k < nroots; k++)
        if (roots[k] < n)
            pred[pstart[roots[k]]++] = S;
    for (uint32_t v = n + 1; v >= 1; v--)
        pstart[v] = pstart[v - 1];
    pstart[0] = 0;

    uint32_t *d = cd_malloc(((size_t)n + 1) * sizeof *d);
    for (uint32_t v = 0; v <= n; v++)
        d[v] = CD_NONE;
    d[S] = S;
    for (int changed = 1; changed;) {
        changed = 0;
        for (uint32_t k = 1; k < npo; k++) {
            uint32_t v = byrpo[k], nd = CD_NONE;
            for (uint64_t e = pstart[v]; e < pstart[v + 1]; e++) {
                uint32_t p = pred[e];
                if (d[p] == CD_NONE)
                    continue;
                if (nd == CD_NONE) {
                    nd = p;
                    continue;
                }
                uint32_t a = p, b = nd;
                while (a != b) {
                    while (po[a] < po[b])
                        a = d[a];
                    while (po[b] < po[a])
                        b = d[b];
                }
                nd = a;
            }
            if (d[v] != nd) {
                d[v] = nd;
                changed = 1;
            }
        }
    }
    for (uint32_t v = 0; v < n; v++) {
        idom[v] = d[v];
        ret[v] = d[v] == CD_NONE ? 0 : size[v];
    }
    for (uint32_t k = npo; k-- > 1;) {
        uint32_t v = byrpo[k];
        if (d[v] != S)
            ret[d[v]] += ret[v];
    }
    free(po);
    free(byrpo);
    free(stack);
    free(cur);
    free(pstart);
    free(pred);
    free(d);
}

/* Runs BFS, dominators and retained on a big graph, timing each; compares
 * with chk_reference when asked. */
static void big_case(const char *name, const graph *g, const uint32_t *roots,
                     size_t nroots, const uint32_t *size, int with_reference,
                     uint32_t **idom_out, uint64_t **ret_out, uint32_t **dist_out)
{
    uint32_t n = g->csr.n;
    uint32_t *parent = cd_malloc((size_t)n * sizeof *parent);
    uint32_t *pedge = cd_malloc((size_t)n * sizeof *pedge);
    uint32_t *dist = cd_malloc((size_t)n * sizeof *dist);
    uint32_t *order = cd_malloc((size_t)n * sizeof *order);
    uint32_t *idom = cd_malloc((size_t)n * sizeof *idom);
    uint64_t *ret = cd_malloc((size_t)n * sizeof *ret);

    double t0 = now();
    size_t cnt = cd_graph_bfs(&g->csr, roots, nroots, parent, pedge, dist, order);
    double t1 = now();
    cd_graph_dominators(&g->csr, roots, nroots, idom);
    double t2 = now();
    cd_graph_retained(n, idom, size, ret);
    double t3 = now();
    uint32_t *idom2 = cd_malloc((size_t)n * sizeof *idom2);
    uint64_t *ret2 = cd_graph_dominators_retained(&g->csr, roots, nroots, size, idom2);
    double t4 = now();
    check(!memcmp(idom, idom2, (size_t)n * sizeof *idom) && !memcmp(ret, ret2, (size_t)n * sizeof *ret),
          "%s: dominators_retained = dominators + retained (%.3f s)", name, t4 - t3);
    free(idom2);
    free(ret2);
    printf("# %s: n=%u m=%" PRIu64 " reachable=%zu: bfs %.3f s, dominators %.3f s, retained %.3f s\n",
           name, n, g->m, cnt, t1 - t0, t2 - t1, t3 - t2);

    /* BFS and the dominator DFS must find the same reachable set; the
     * dominators themselves are checked against the reference below. */
    int same = 1;
    for (uint32_t v = 0; v < n && same; v++)
        same = (dist[v] == CD_NONE) == (idom[v] == CD_NONE);
    check(same, "%s: bfs and dominators agree on the reachable set", name);

    if (with_reference) {
        uint32_t *widom = cd_malloc((size_t)n * sizeof *widom);
        uint64_t *wret = cd_malloc((size_t)n * sizeof *wret);
        double r0 = now();
        chk_reference(g, roots, nroots, size, widom, wret);
        printf("# %s: reference (Cooper-Harvey-Kennedy) %.3f s\n", name, now() - r0);
        uint32_t bad = CD_NONE;
        for (uint32_t v = 0; v < n && bad == CD_NONE; v++)
            if (idom[v] != widom[v] || ret[v] != wret[v])
                bad = v;
        if (bad == CD_NONE)
            check(1, "%s: idom and retained match the reference", name);
        else
            check(0, "%s: node %u: idom %u retained %" PRIu64 ", reference %u %" PRIu64,
                  name, bad, idom[bad], ret[bad], widom[bad], wret[bad]);
        free(widom);
        free(wret);
    }
    free(parent);
    free(pedge);
    free(order);
    if (idom_out)
        *idom_out = idom;
    else
        free(idom);
    if (ret_out)
        *ret_out = ret;
    else
        free(ret);
    if (dist_out)
        *dist_out = dist;
    else
        free(dist);
}

static void test_big(void)
{
    {   /* chain 0 -> 1 -> ... -> n-1: DFS depth n, idom chain of n */
        const uint32_t n = 2000000;
        graph g;
        g.m = n - 1;
        g.start = cd_malloc(((size_t)n + 1) * sizeof *g.start);
        g.dst = cd_malloc((size_t)n * sizeof *g.dst);
        for (uint32_t v = 0; v < n; v++) {
            g.start[v] = v;
            g.dst[v] = v + 1;
        }
        g.start[n] = n - 1;
        g.csr = (cd_csr){n, g.start, g.dst};
        uint32_t *size = cd_malloc((size_t)n * sizeof *size);
        for (uint32_t v = 0; v < n; v++)
            size[v] = 1;
        uint32_t root = 0, *idom, *dist;
        uint64_t *ret;
        big_case("chain of 2000000", &g, &root, 1, size, 0, &idom, &ret, &dist);
        int ok = 1;
        for (uint32_t v = 0; v < n && ok; v++)
            ok = idom[v] == (v ? v - 1 : n) && ret[v] == n - v && dist[v] == v;
        check(ok, "chain of 2000000: idom[v] = v-1, retained[v] = n-v, dist[v] = v");
        free(idom);
        free(ret);
        free(dist);
        /* the same chain entered from its far end via a root on the last
         * node pointing back at 0: everything hangs off n-1 */
        g.dst[n - 1] = 0;
        g.start[n] = n;
        g.m = n;
        root = n - 1;
        big_case("chain of 2000000, rooted at its end", &g, &root, 1, size, 0, &idom, &ret, NULL);
        ok = 1;
        for (uint32_t v = 0; v < n && ok; v++)
            ok = idom[v] == (v == n - 1 ? n : v ? v - 1 : n - 1) &&
                 ret[v] == (v == n - 1 ? n : n - 1 - v);
        check(ok, "chain of 2000000, rooted at its end: idom and retained");
        free(idom);
        free(ret);
        free(size);
        graph_free(&g);
    }
    {   /* comb: chain 0 -> ... -> k-1, leaves L_j with edges k-1 -> L_j and
         * 1 -> L_j. DFS reaches the leaves through the chain, so idom(L_j)=1
         * sits k-2 steps up their DFS path: quadratic for idom-chain walks. */
        const uint32_t k = 500000, leaves = 500000, n = k + leaves;
        uint32_t (*e)[2] = cd_malloc(((size_t)k + 2 * leaves) * sizeof *e);
        size_t m = 0;
        for (uint32_t v = 0; v + 1 < k; v++) {
            e[m][0] = v;
            e[m++][1] = v + 1;
        }
        for (uint32_t j = 0; j < leaves; j++) {
            e[m][0] = k - 1;
            e[m++][1] = k + j;
            e[m][0] = 1;
            e[m++][1] = k + j;
        }
        graph g = graph_from_edges(n, m, (const uint32_t (*)[2])e);
        free(e);
        uint32_t *size = cd_malloc((size_t)n * sizeof *size);
        for (uint32_t v = 0; v < n; v++)
            size[v] = 1;
        uint32_t root = 0, *idom;
        uint64_t *ret;
        big_case("comb 500000 + 500000", &g, &root, 1, size, 0, &idom, &ret, NULL);
        int ok = 1;
        for (uint32_t v = 0; v < n && ok; v++)
            ok = idom[v] == (v == 0 ? n : v < k ? v - 1 : 1) &&
                 ret[v] == (v == 0 ? n : v == 1 ? n - 1 : v < k ? k - v : 1);
        check(ok, "comb 500000 + 500000: idom and retained");
        free(idom);
        free(ret);
        free(size);
        graph_free(&g);
    }
    {   /* uniform random graph: 1M nodes, 4M edges, 100 roots, some CD_NONE */
        const uint32_t n = 1000000;
        const size_t m = 4000000;
        graph g;
        g.m = m;
        g.start = cd_malloc(((size_t)n + 1) * sizeof *g.start);
        g.dst = cd_malloc(m * sizeof *g.dst);
        g.start[0] = 0;
        for (uint32_t v = 0; v < n; v++)  /* degree 0..8, mean 4 */
            g.start[v + 1] = v + 1 == n ? m : g.start[v] + (g.start[v] + 8 <= m ? rndn(9) : 0);
        for (size_t i = 0; i < m; i++)
            g.dst[i] = rndn(64) == 0 ? CD_NONE : rndn(n);
        g.csr = (cd_csr){n, g.start, g.dst};
        uint32_t *size = cd_malloc((size_t)n * sizeof *size);
        for (uint32_t v = 0; v < n; v++)
            size[v] = 8 + 8 * rndn(64);
        uint32_t roots[100];
        for (size_t k = 0; k < LEN(roots); k++)
            roots[k] = rndn(n);
        big_case("random 1M nodes 4M edges", &g, roots, LEN(roots), size, 1, NULL, NULL, NULL);
        free(size);
        graph_free(&g);
    }
    {   /* "local" random graph: mostly short forward edges (deep DFS and a
         * deep dominator tree), some long and backward ones */
        const uint32_t n = 1000000;
        const size_t m = 4000000;
        graph g;
        g.m = m;
        g.start = cd_malloc(((size_t)n + 1) * sizeof *g.start);
        g.dst = cd_malloc(m * sizeof *g.dst);
        for (uint32_t v = 0; v <= n; v++)
            g.start[v] = (uint64_t)v * m / n;
        for (uint32_t v = 0; v < n; v++)
            for (uint64_t i = g.start[v]; i < g.start[v + 1]; i++) {
                uint32_t c = rndn(100);
                uint32_t d = c < 85 ? v + 1 + rndn(c < 60 ? 2 : 16)
                           : c < 97 ? v - rndn(v < 64 ? v + 1 : 64) : rndn(n);
                g.dst[i] = d < n ? d : CD_NONE;
            }
        /* thin it out: drop 40% of edges so that chains break and fan in */
        for (size_t i = 0; i < m; i++)
            if (rndn(10) < 4)
                g.dst[i] = CD_NONE;
        g.csr = (cd_csr){n, g.start, g.dst};
        uint32_t *size = cd_malloc((size_t)n * sizeof *size);
        for (uint32_t v = 0; v < n; v++)
            size[v] = 1 + rndn(1000);
        uint32_t roots[] = {0, 250000, 500000, 0};
        big_case("local random 1M nodes 4M edges", &g, roots, LEN(roots), size, 1, NULL, NULL, NULL);
        free(size);
        graph_free(&g);
    }
}

int main(void)
{
    double t0 = now();
    test_hand();
    test_random_small();
    test_big();
    printf("# total %.2f s\n", now() - t0);
    printf("%d passed, %d failed\n", npass, nfail);
    return nfail ? 1 : 0;
}
