/* graph.h — graph algorithms over the object graph in compressed sparse
 * row form: multi-source BFS (shortest retention paths) and dominators
 * (retained sizes). Everything is iterative: paths of millions of nodes never
 * recurse. Memory: a few u32 arrays of n entries, plus a reverse CSR.
 *
 * Stage: paths. Nodes are object numbers 0..n-1. The set of roots is given
 * as node numbers; a virtual super-root (number n) points at all roots. */
#ifndef CD_GRAPH_H
#define CD_GRAPH_H

#include <stddef.h>
#include <stdint.h>

#define CD_NONE UINT32_MAX

typedef struct cd_csr {
    uint32_t n;              /* number of nodes */
    const uint64_t *start;   /* n+1 entries: out-edges of v are
                                dst[start[v] .. start[v+1]) */
    const uint32_t *dst;     /* target node of each edge; CD_NONE edges are
                                skipped */
} cd_csr;

/* Multi-source BFS. Roots are visited in the order given (so the caller
 * controls determinism); edges in CSR order.
 * parent[v]      = predecessor node on a shortest path, CD_NONE for roots
 *                  and unreachable nodes;
 * parent_slot[v] = which out-edge of parent[v] leads to v: the edge is
 *                  start[parent[v]] + parent_slot[v]; CD_NONE if none
 *                  (a u32, not an edge index: half the memory, and an
 *                  object's out-edges are its pointer slots, < 2^32);
 * dist[v]        = hops from the nearest root (0 for roots), CD_NONE if
 *                  unreachable (may be NULL);
 * order          = reachable nodes in BFS order (n entries of space);
 * returns the number of reachable nodes. Duplicate roots are fine. */
size_t cd_graph_bfs(const cd_csr *g, const uint32_t *roots, size_t nroots,
                    uint32_t *parent, uint32_t *parent_slot, uint32_t *dist,
                    uint32_t *order);

/* Immediate dominators of the reachable nodes, for the graph with a
 * virtual super-root n -> every root. idom[v] = dominating node, n for
 * nodes dominated only by the super-root, CD_NONE for unreachable nodes.
 * Semi-NCA or iterative Lengauer-Tarjan; O((n+m) log n) or better. */
void cd_graph_dominators(const cd_csr *g, const uint32_t *roots, size_t nroots,
                         uint32_t *idom);

/* Both at once: the immediate dominators into idom, and the retained
 * sizes (as cd_graph_retained defines them) returned in a new array of n
 * entries (the caller frees it). Cheaper than the two calls: the sizes are
 * summed in the DFS preorder the dominators come in, with no tree built,
 * and the array is allocated only once the dominators' scratch is gone. */
uint64_t *cd_graph_dominators_retained(const cd_csr *g, const uint32_t *roots, size_t nroots,
                                       const uint32_t *size, uint32_t *idom);

/* retained[v] = size[v] + sum of retained[w] over w with idom[w] == v,
 * for reachable v; 0 for unreachable. Needs no recursion: processes nodes
 * in reverse of a preorder of the dominator tree. (The analysis uses
 * cd_graph_dominators_retained; this is the reference the tests check it
 * against, and works from any idom array.) */
void cd_graph_retained(uint32_t n, const uint32_t *idom, const uint32_t *size,
                       uint64_t *retained);

/* Tests only: 1 makes the dominator pass use the 64-bit offsets it keeps
 * for graphs past 4 G edges. */
extern int cd_graph__wide_offsets;

#endif
