/* analysis.h — per-snapshot analysis: reachability from roots (shortest
 * retention paths), dominators and retained sizes, the context model with
 * verdicts, and leak groups keyed by path signature.
 *
 * Stage: paths. Input: a typed snapshot. Output: compact per-object arrays
 * and one record per context object. Joining two snapshots is compare.c's
 * job. */
#ifndef CD_ANALYSIS_H
#define CD_ANALYSIS_H

#include <stdint.h>

#include "binary.h"
#include "snapshot.h"
#include "strtab.h"
#include "typing.h"

enum cd_ctx_kind {
    CD_CTXK_CANCEL = 1, CD_CTXK_TIMER, CD_CTXK_AFTERFUNC, CD_CTXK_VALUE,
    CD_CTXK_WITHOUTCANCEL, CD_CTXK_STOP, CD_CTXK_NKINDS
};

enum cd_verdict {
    CD_V_NONE = 0,            /* correctly used / long-lived: not a leak */
    CD_V_CANCELED_RETAINED,   /* cancel ran, a holder kept it */
    CD_V_ORPHAN_CHILD,        /* never canceled, only a live parent's children map holds it */
    CD_V_BROKEN_PROPAGATION,  /* not canceled under a canceled parent */
    CD_V_TIMER_PENDING,       /* kept alive by a pending runtime timer */
    CD_V_WATCHED,             /* never canceled, a parked goroutine waits on it */
    CD_V_NEVER_CANCELED_HELD, /* never canceled, held, and growing (set by compare) */
    CD_V_COUNT
};

const char *cd_verdict_name(int v);      /* "canceled-retained", ... */
const char *cd_verdict_text(int v);      /* "canceled but still retained", ... */
const char *cd_ctx_kind_name(int k);     /* "context.cancelCtx", ... */

typedef struct cd_ctx {
    uint32_t obj;
    uint32_t size;            /* the object's bytes */
    uint64_t addr;            /* its address, and its parent context's (0 if none): */
    uint64_t parent_addr;     /* contexts are matched across snapshots by them */
    uint8_t kind;             /* enum cd_ctx_kind */
    uint8_t canceled;
    uint8_t timer_pending;
    uint8_t timer_set;        /* timerCtx: its timer word is set */
    uint8_t parent_canceled;
    uint8_t held_by_children; /* only a parent's children map keeps it */
    uint8_t via_timer;        /* its retention path runs through a runtime timer */
    uint8_t verdict;
    uint32_t parent;          /* parent context's object, CD_NONE32 if none */
    uint64_t nchildren;
    uint32_t watchers;        /* parked goroutines waiting on it */
    uint32_t holder;          /* names id: the holder's name */
    uint32_t signature;       /* names id: root + field chain */
    uint64_t retained;
    uint32_t dom_ctx;         /* nearest context that dominates it (index), CD_NONE32 */
} cd_ctx;

typedef struct cd_analysis {
    const cd_snapshot *s;
    const cd_typing *t;       /* set by cd_analyze_contexts */
    cd_binary *bin;
    uint32_t *parent;         /* BFS predecessor, CD_NONE32 for roots/unreachable */
    uint32_t *parent_slot;    /* which out-edge of the parent (cd_parent_edge) */
    uint32_t *root_obj;       /* objects a root holds, ascending (cd_root_of) */
    uint32_t *root_slot;      /* parallel: the first root slot holding it */
    size_t nroot_objs;
    uint8_t *reached;         /* bitmap: object reachable (cd_reached) */
    uint32_t *idom;           /* immediate dominators, until the contexts are modelled */
    uint64_t *retained;       /* per object retained bytes, until then too */
    uint64_t reach_objs, reach_bytes, typed_bytes, typed_objs;
    uint64_t garbage_objs, garbage_bytes;
    size_t parked_goroutines;
    uint8_t *g_watch;         /* per goroutine: 1 if parked on a context's Done */
    cd_ctx *ctxs; size_t nctx;
    cd_strtab names;          /* holders, signatures, paths */
} cd_analysis;

typedef struct cd_analysis_options {
    int no_dominators;        /* skip retained sizes */
} cd_analysis_options;

/* The analysis in two halves that can run at the same time as typing:
 * cd_analyze_graph needs only the snapshot (reachability, shortest paths,
 * dominators, retained sizes); cd_analyze_contexts then models the
 * contexts with the snapshot's typing (and frees the per-object dominator
 * arrays: later stages need only the contexts' figures). cd_analyze does
 * both. Each returns 0 or -1 (err set). */
int cd_analyze_graph(const cd_snapshot *s, const cd_analysis_options *opt, cd_analysis **out);
int cd_analyze_contexts(cd_analysis *a, const cd_typing *t, cd_binary *bin, cd_error *err);
int cd_analyze(const cd_snapshot *s, const cd_typing *t, cd_binary *bin,
               const cd_analysis_options *opt, cd_analysis **out, cd_error *err);
void cd_analysis_free(cd_analysis *a);
/* Free the per-object arrays (paths, reachability): what stays is the
 * contexts, their names and the figures. cd_ctx_path no longer works. */
void cd_analysis_release(cd_analysis *a);

static inline int cd_reached(const cd_analysis *a, uint32_t o)
{
    return a->reached[o >> 3] >> (o & 7) & 1;
}

/* The edge from o's BFS parent to o, UINT64_MAX for roots and garbage. */
static inline uint64_t cd_parent_edge(const cd_analysis *a, uint32_t o)
{
    uint32_t p = a->parent[o];
    return p == CD_NONE32 ? UINT64_MAX : a->s->obj_edge[p] + a->parent_slot[o];
}

/* The first root slot (index in s->roots) that holds object o, CD_NONE32
 * if none. */
uint32_t cd_root_of(const cd_analysis *a, uint32_t o);

/* A root name without its goroutine id ("goroutine 42 main.f ctx" ->
 * "goroutine main.f ctx"): ids differ between dumps. */
void cd_normalise_root(const char *name, char *buf, size_t cap);

/* The field of object o that its edge e leaves from, as ".a.b[i]"
 * (".captured" for a closure, "+OFFSET" when the type does not say). */
void cd_edge_name(const cd_snapshot *s, const cd_typing *t, const cd_binary *bin, uint32_t o,
                  uint64_t e, char *field, size_t cap);

/* The retention path of context c, one hop a line, tab-separated: first
 * "KIND\tROOT NAME", then "TYPE\tFIELD\tADDRESS" per object, last the
 * context. Long paths elide their middle. The caller frees the string. */
char *cd_ctx_path(const cd_analysis *a, const cd_ctx *c);

#endif
