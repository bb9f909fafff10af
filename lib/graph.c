/* graph.c — BFS, dominators and retained sizes over a CSR object graph.
 *
 * Nothing here recurses: object graphs have tens of millions of nodes and
 * reference chains of hundreds of thousands, so every traversal keeps its
 * state in arrays.
 *
 * BFS: the order[] output doubles as the FIFO queue; parent[] doubles as the
 * visited mark (roots carry a temporary self-parent, reset at the end).
 *
 * Dominators: Lengauer-Tarjan, "simple" version (path compression without
 * balancing, O(m log n)), over the graph plus a virtual super-root that
 * points at every root. Lengauer-Tarjan rather than Semi-NCA: Semi-NCA's
 * second pass walks idom chains and is O(n^2) on shapes such as a long chain
 * whose tail fans out to nodes also referenced from near its head (the
 * "comb" in tests/test_graph.c); Lengauer-Tarjan has no such case and, with
 * the tricks below, needs no more memory.
 *   1. Iterative DFS from the super-root (number 0); reachable nodes get
 *      preorder numbers 1..N-1. The DFS stack is the chain of tree parents
 *      (anc[]) plus, per number, the span of out-edges not yet scanned.
 *   2. Reverse CSR (predecessors) in preorder numbers: edges out of
 *      reachable nodes, plus one super-root edge per root.
 *   3. Numbers in decreasing order: semidominators via eval() on the forest
 *      of processed numbers (anc[] is the DFS parent, compressed in place;
 *      compression walks up by reversing anc[] pointers and back down, so
 *      it needs no stack). The bucket of s (numbers whose semidominator is
 *      s) is a linked list threaded through idom[]: idom[s] is the head
 *      while s is unprocessed, idom[w] the next link while w waits in a
 *      bucket. A bucket is emptied when its owner s comes up rather than
 *      right after linking s's child: the tree path below s is then all
 *      linked and s is not, so eval() sees the same path.
 *   4. Increasing order: idom[w] = idom[idom[w]] where the relative
 *      dominator differed from semi[w]; then map numbers back to nodes.
 * Memory (N = reachable + 1 <= n + 1, m' = edges out of reachable nodes):
 *   the caller's idom[] holds node -> preorder number until the end;
 *   DFS:    anc (4 N) + edge spans (16 N), spans freed after the DFS;
 *   step 3: anc, label, semi, idom-by-number (4 x 4 N) + reverse CSR
 *           (4 (N+1) + 4 (m' + nroots); 8 (N+1) past 4 G edges), the
 *           reverse CSR freed after it.
 *   Peak about 20 bytes per node + 4 bytes per edge of scratch, 24 bytes
 *   per node counting the output. The random loads of steps 2 and 3 are
 *   prefetched a few edges / nodes ahead, which roughly halves their time
 *   on big graphs.
 *
 * Retained sizes: children of each dominator-tree node in a CSR keyed by
 * idom, a preorder of the tree built with an explicit stack that shares the
 * order array (the order fills from the front, the stack from the back: a
 * node is either emitted or pending, so they never meet), then sizes summed
 * into parents in reverse preorder. Scratch: 3 u32 arrays of n. */
#include <stdlib.h>
#include <string.h>

#include "graph.h"
#include "util.h"


static uint32_t *alloc_u32(size_t count)
{
    return cd_reallocarray(NULL, count, sizeof(uint32_t));
}

size_t cd_graph_bfs(const cd_csr *g, const uint32_t *roots, size_t nroots,
                    uint32_t *parent, uint32_t *parent_slot, uint32_t *dist,
                    uint32_t *order)
{
    uint32_t n = g->n;
    for (uint32_t v = 0; v < n; v++) {
        parent[v] = CD_NONE;
        if (parent_slot)
            parent_slot[v] = CD_NONE;
        if (dist)
            dist[v] = CD_NONE;
    }

    /* Roots first, in the order given; a self-parent marks them visited. */
    size_t tail = 0;
    for (size_t k = 0; k < nroots; k++) {
        uint32_t r = roots[k];
        if (r >= n || parent[r] != CD_NONE)
            continue;
        parent[r] = r;
        if (dist)
            dist[r] = 0;
        order[tail++] = r;
    }
    size_t nroot_seen = tail;

    for (size_t head = 0; head < tail; head++) {
        /* the queue's nodes are scattered: start their loads ahead */
        if (head + 8 < tail)
            CD_PREFETCH(&g->start[order[head + 8]]);
        if (head + 4 < tail)
            CD_PREFETCH(&g->dst[g->start[order[head + 4]]]);
        uint32_t v = order[head];
        uint64_t first = g->start[v], end = g->start[v + 1];
        for (uint64_t e = first; e < end; e++) {
            if (e + 4 < end && g->dst[e + 4] < n)
                CD_PREFETCH(&parent[g->dst[e + 4]]);
            uint32_t d = g->dst[e];
            if (d >= n || parent[d] != CD_NONE)
                continue;
            parent[d] = v;
            if (parent_slot)
                parent_slot[d] = (uint32_t)(e - first);
            if (dist)
                dist[d] = dist[v] + 1;
            order[tail++] = d;
        }
    }

    for (size_t k = 0; k < nroot_seen; k++)
        parent[order[k]] = CD_NONE;
    return tail;
}

/* Step 1: iterative DFS from the super-root (number 0, node n). pre[] is
 * indexed by node and must be CD_NONE on entry; anc[] (the DFS parent) and
 * span[] (the unscanned out-edges) are indexed by preorder number; the
 * chain of parents is the DFS stack. Returns N, the count of numbers used. */
typedef struct dom_span {
    uint64_t next, end;
} dom_span;

static uint32_t dom_dfs(const cd_csr *g, const uint32_t *roots, size_t nroots,
                        uint32_t *pre, uint32_t *anc, dom_span *span)
{
    uint32_t n = g->n;
    const uint32_t *dst = g->dst;
    uint32_t N = 1;
    anc[0] = CD_NONE;
    for (size_t k = 0; k < nroots; k++) {
        uint32_t r = roots[k];
        if (r >= n || pre[r] != CD_NONE)
            continue;
        pre[r] = N;
        anc[N] = 0;
        span[N] = (dom_span){g->start[r], g->start[r + 1]};
        uint32_t cur = N++;
        while (cur != 0) {
            uint64_t e = span[cur].next, end = span[cur].end;
            uint32_t next = CD_NONE;
            while (e < end) {
                uint32_t d = dst[e++];
                if (d < n && pre[d] == CD_NONE) {
                    next = d;
                    break;
                }
            }
            span[cur].next = e;
            if (next == CD_NONE) {
                cur = anc[cur];  /* done with cur: back to its tree parent */
                continue;
            }
            pre[next] = N;
            anc[N] = cur;
            span[N] = (dom_span){g->start[next], g->start[next + 1]};
            cur = N++;
        }
    }
    return N;
}

/* Minimum-semi label on the forest path from v (a processed number, v > i)
 * up to, excluding, the first unprocessed ancestor. Numbers > i are linked:
 * their anc[] is their DFS parent or, after compression, a higher ancestor.
 * Compression: walk up reversing the anc[] pointers, walk back down updating
 * labels and pointing every node at the root of its tree. */
static inline uint32_t dom_eval(uint32_t *anc, uint32_t *label,
                                const uint32_t *semi, uint32_t v, uint32_t i)
{
    if (anc[v] <= i)
        return label[v];
    uint32_t prev = CD_NONE, x = v;
    do {
        uint32_t up = anc[x];
        anc[x] = prev;
        prev = x;
        x = up;
    } while (anc[x] > i);
    /* x is the topmost processed node; prev the one below it. */
    uint32_t root = anc[x], above = x;
    while (prev != CD_NONE) {
        uint32_t below = anc[prev];
        if (semi[label[above]] < semi[label[prev]])
            label[prev] = label[above];
        anc[prev] = root;
        above = prev;
        prev = below;
    }
    return label[v];
}

int cd_graph__wide_offsets;

/* The predecessor offsets of step 2: u32 when the edges allow (half the
 * memory), u64 otherwise; the branch on which is always predicted. */
typedef struct rstarts {
    uint32_t *w32;
    uint64_t *w64;
} rstarts;

static inline uint64_t rs_get(const rstarts *r, size_t x)
{
    return r->w32 ? r->w32[x] : r->w64[x];
}

static inline void rs_set(rstarts *r, size_t x, uint64_t v)
{
    if (r->w32)
        r->w32[x] = (uint32_t)v;
    else
        r->w64[x] = v;
}

static inline void rs_add(rstarts *r, size_t x, uint64_t v)
{
    if (r->w32)
        r->w32[x] += (uint32_t)v;
    else
        r->w64[x] += v;
}

/* rstart[x]++, returning the old value */
static inline uint64_t rs_bump(rstarts *r, size_t x)
{
    return r->w32 ? r->w32[x]++ : r->w64[x]++;
}

static inline void rs_prefetch(const rstarts *r, size_t x)
{
    if (r->w32)
        CD_PREFETCH(&r->w32[x]);
    else
        CD_PREFETCH(&r->w64[x]);
}

/* Immediate dominators, and retained sizes when size is given (then the
 * result, n entries; NULL when there is nothing to size). */
static uint64_t *dominators(const cd_csr *g, const uint32_t *roots, size_t nroots,
                            uint32_t *idom_out, const uint32_t *size)
{
    uint32_t n = g->n;
    uint32_t *pre = idom_out;  /* node -> preorder number until the end */
    for (uint32_t v = 0; v < n; v++)
        pre[v] = CD_NONE;
    if (n == 0 || n == CD_NONE)  /* n == CD_NONE: super-root unrepresentable */
        return NULL;

    size_t cap = (size_t)n + 1;
    uint32_t *anc = alloc_u32(cap);
    dom_span *span = cd_reallocarray(NULL, cap, sizeof *span);
    uint32_t N = dom_dfs(g, roots, nroots, pre, anc, span);
    free(span);
    if (N == 1) {  /* nothing reachable: pre[] is all CD_NONE already */
        free(anc);
        return NULL;
    }

    /* Step 2: predecessors by preorder number, sources in node order.
     * Count into rstart[x + 1], prefix-sum, fill with rstart[x] as the
     * cursor, shift back. The loads are random; prefetching pre[] 16 edges
     * ahead and rstart[] 8 edges ahead more than halves the time. The
     * offsets are u32 whenever the edges fit (they do below 4 G edges). */
    const uint32_t *dst = g->dst;
    uint64_t m = g->start[n];
    uint64_t total = m + nroots;
    rstarts rs = {NULL, NULL};
    if (total < UINT32_MAX && !cd_graph__wide_offsets)
        rs.w32 = cd_calloc((size_t)N + 1, sizeof *rs.w32);
    else
        rs.w64 = cd_calloc((size_t)N + 1, sizeof *rs.w64);
    for (size_t k = 0; k < nroots; k++)
        if (roots[k] < n)
            rs_add(&rs, pre[roots[k]] + 1, 1);
    for (uint32_t v = 0; v < n; v++) {
        if (pre[v] == CD_NONE)
            continue;
        for (uint64_t e = g->start[v], end = g->start[v + 1]; e < end; e++) {
            if (e + 16 < m && dst[e + 16] < n)
                CD_PREFETCH(&pre[dst[e + 16]]);
            if (e + 8 < m && dst[e + 8] < n && pre[dst[e + 8]] != CD_NONE)
                rs_prefetch(&rs, pre[dst[e + 8]] + 1);
            if (dst[e] < n)
                rs_add(&rs, pre[dst[e]] + 1, 1);
        }
    }
    for (uint32_t x = 0; x < N; x++)
        rs_add(&rs, (size_t)x + 1, rs_get(&rs, x));
    uint32_t *rsrc = cd_reallocarray(NULL, rs_get(&rs, N) ? rs_get(&rs, N) : 1, sizeof *rsrc);
    for (size_t k = 0; k < nroots; k++)
        if (roots[k] < n)
            rsrc[rs_bump(&rs, pre[roots[k]])] = 0;
    for (uint32_t v = 0; v < n; v++) {
        uint32_t i = pre[v];
        if (i == CD_NONE)
            continue;
        for (uint64_t e = g->start[v], end = g->start[v + 1]; e < end; e++) {
            if (e + 16 < m && dst[e + 16] < n)
                CD_PREFETCH(&pre[dst[e + 16]]);
            if (e + 8 < m && dst[e + 8] < n && pre[dst[e + 8]] != CD_NONE)
                rs_prefetch(&rs, pre[dst[e + 8]]);
            if (dst[e] < n)
                rsrc[rs_bump(&rs, pre[dst[e]])] = i;
        }
    }
    for (uint32_t x = N - 1; x >= 1; x--)
        rs_set(&rs, x, rs_get(&rs, x - 1));
    rs_set(&rs, 0, 0);

    /* Step 3: semidominators, buckets, relative dominators. */
    uint32_t *label = alloc_u32(N);
    for (uint32_t i = 0; i < N; i++)
        label[i] = i;
    uint32_t *semi = alloc_u32(N);
    uint32_t *idom = alloc_u32(N);
    for (uint32_t i = 0; i < N; i++)
        idom[i] = CD_NONE;  /* empty buckets */
    semi[0] = 0;
    for (uint32_t i = N - 1; i >= 1; i--) {
        /* Bucket of i: every w with semi[w] == i. The path from w up to i
         * is all processed, and i is not, so eval covers exactly it. */
        for (uint32_t w = idom[i]; w != CD_NONE;) {
            uint32_t next = idom[w];
            uint32_t u = dom_eval(anc, label, semi, w, i);
            idom[w] = semi[u] < semi[w] ? u : i;
            w = next;
        }
        if (i > 2)  /* warm up the predecessors of i - 2 */
            for (uint64_t e = rs_get(&rs, i - 2), end = rs_get(&rs, i - 1); e < end; e++) {
                CD_PREFETCH(&anc[rsrc[e]]);
                CD_PREFETCH(&label[rsrc[e]]);
            }
        uint32_t s = anc[i];  /* i is not linked yet: this is its parent */
        for (uint64_t e = rs_get(&rs, i), end = rs_get(&rs, (size_t)i + 1); e < end; e++) {
            uint32_t p = rsrc[e];
            uint32_t c = p <= i ? p : semi[dom_eval(anc, label, semi, p, i)];
            if (c < s)
                s = c;
        }
        semi[i] = s;
        idom[i] = idom[s];  /* push i onto the bucket of s (s < i) */
        idom[s] = i;
    }
    for (uint32_t w = idom[0]; w != CD_NONE;) {
        uint32_t next = idom[w];
        idom[w] = 0;
        w = next;
    }
    free(rsrc);
    free(rs.w32);
    free(rs.w64);
    free(anc);

    /* Step 4: immediate dominators in preorder, then back to nodes. */
    for (uint32_t i = 1; i < N; i++)
        if (idom[i] != semi[i])
            idom[i] = idom[idom[i]];
    free(semi);
    uint32_t *vert = label;  /* number -> node */
    vert[0] = n;
    for (uint32_t v = 0; v < n; v++)
        if (pre[v] != CD_NONE)
            vert[pre[v]] = v;
    for (uint32_t v = 0; v < n; v++)
        if (pre[v] != CD_NONE)
            idom_out[v] = vert[idom[pre[v]]];
    /* Retained sizes in preorder numbers: a dominator is a DFS ancestor,
     * so its number is smaller, and one pass from the highest number
     * down adds every node into its dominator after all of its own
     * descendants were added into it. No tree needs building. */
    uint64_t *retained = NULL;
    if (size) {
        uint64_t *acc = cd_reallocarray(NULL, N, sizeof *acc);
        acc[0] = 0;
        for (uint32_t i = 1; i < N; i++)
            acc[i] = size[vert[i]];
        for (uint32_t i = N - 1; i >= 1; i--)
            acc[idom[i]] += acc[i];
        free(idom);
        idom = NULL;
        retained = cd_calloc(n, sizeof *retained);
        for (uint32_t i = 1; i < N; i++)
            retained[vert[i]] = acc[i];
        free(acc);
    }
    free(idom);
    free(vert);
    return retained;
}

void cd_graph_dominators(const cd_csr *g, const uint32_t *roots, size_t nroots,
                         uint32_t *idom_out)
{
    (void)dominators(g, roots, nroots, idom_out, NULL);
}

uint64_t *cd_graph_dominators_retained(const cd_csr *g, const uint32_t *roots, size_t nroots,
                                       const uint32_t *size, uint32_t *idom_out)
{
    uint64_t *r = dominators(g, roots, nroots, idom_out, size);
    return r ? r : cd_calloc(g->n ? g->n : 1, sizeof *r);
}

void cd_graph_retained(uint32_t n, const uint32_t *idom, const uint32_t *size,
                       uint64_t *retained)
{
    for (uint32_t v = 0; v < n; v++)
        retained[v] = 0;
    if (n == 0 || n == CD_NONE)
        return;

    /* Children of each tree node p in 0..n (n is the super-root). */
    uint32_t *cstart = cd_calloc((size_t)n + 2, sizeof *cstart);
    for (uint32_t v = 0; v < n; v++)
        if (idom[v] <= n && idom[v] != v)
            cstart[idom[v] + 1]++;
    for (uint32_t p = 0; p <= n; p++)
        cstart[(size_t)p + 1] += cstart[p];
    uint32_t *kids = alloc_u32(cstart[n + 1] ? cstart[n + 1] : 1);
    for (uint32_t v = 0; v < n; v++)
        if (idom[v] <= n && idom[v] != v)
            kids[cstart[idom[v]]++] = v;
    for (uint32_t p = n; p >= 1; p--)
        cstart[p] = cstart[p - 1];
    cstart[0] = 0;

    /* Preorder: emitted nodes fill order[0..e), pending ones sit on a stack
     * in order[t..n). Children are pushed last-first so they come out in
     * kids order. Nodes not under the super-root (idom CD_NONE, or a broken
     * idom cycle) are never reached and keep 0. */
    uint32_t *order = alloc_u32(n);
    size_t e = 0, t = n;
    for (uint32_t k = cstart[n + 1]; k > cstart[n]; k--)
        order[--t] = kids[k - 1];
    while (t < n) {
        uint32_t v = order[t++];
        order[e++] = v;
        for (uint32_t k = cstart[v + 1]; k > cstart[v]; k--)
            order[--t] = kids[k - 1];
    }
    free(kids);
    free(cstart);

    for (size_t k = 0; k < e; k++)
        retained[order[k]] = size[order[k]];
    for (size_t k = e; k-- > 0;) {
        uint32_t v = order[k];
        if (idom[v] != n)
            retained[idom[v]] += retained[v];
    }
    free(order);
}
