/* analysis.c — reachability, dominators, the context model, verdicts and
 * retention-path signatures for one typed snapshot (see analysis.h). */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "analysis.h"
#include "graph.h"
#include "sort.h"
#include "util.h"


static const char *const VERDICT_NAMES[CD_V_COUNT] = {
    "none", "canceled-retained", "orphan-child", "broken-propagation",
    "timer-pending", "watched", "never-canceled-held",
};
static const char *const VERDICT_TEXT[CD_V_COUNT] = {
    "no verdict",
    "canceled but still retained",
    "never canceled, only its parent's children map holds it (cancel func dropped)",
    "not canceled although its parent is (propagation broken)",
    "never canceled, kept alive by a pending runtime timer (cancel func dropped)",
    "never canceled, a parked goroutine waits on its Done channel",
    "never canceled, still held, and growing",
};
static const char *const KIND_NAMES[CD_CTXK_NKINDS] = {
    "?", "context.cancelCtx", "context.timerCtx", "context.afterFuncCtx",
    "context.valueCtx", "context.withoutCancelCtx", "context.stopCtx",
};

const char *cd_verdict_name(int v) { return v >= 0 && v < CD_V_COUNT ? VERDICT_NAMES[v] : "?"; }
const char *cd_verdict_text(int v) { return v >= 0 && v < CD_V_COUNT ? VERDICT_TEXT[v] : "?"; }
const char *cd_ctx_kind_name(int k) { return k > 0 && k < CD_CTXK_NKINDS ? KIND_NAMES[k] : "?"; }

/* Byte offsets of the fields the context model reads, from DWARF. */
typedef struct ctx_layout {
    uint32_t type[CD_CTXK_NKINDS];  /* binary type id per kind */
    int64_t base[CD_CTXK_NKINDS];   /* offset of the embedded cancelCtx, -1 none */
    int64_t parent[CD_CTXK_NKINDS]; /* offset of the parent Context interface */
    int64_t done, children, err;   /* inside cancelCtx */
    int64_t timer;                 /* inside timerCtx */
} ctx_layout;

static int64_t field_off(const cd_binary *bin, uint32_t type, const char *name)
{
    const cd_field *f = type ? cd_binary_field(bin, type, name) : NULL;
    return f ? (int64_t)f->offset : -1;
}

static void load_layout(const cd_binary *bin, ctx_layout *L)
{
    memset(L, 0, sizeof *L);
    for (int k = 1; k < CD_CTXK_NKINDS; k++) {
        L->type[k] = cd_binary_type_by_name(bin, KIND_NAMES[k]);
        L->base[k] = -1;
        L->parent[k] = -1;
    }
    uint32_t cc = L->type[CD_CTXK_CANCEL];
    L->done = field_off(bin, cc, "done");
    L->children = field_off(bin, cc, "children");
    L->err = field_off(bin, cc, "err");
    L->timer = field_off(bin, L->type[CD_CTXK_TIMER], "timer");
    L->base[CD_CTXK_CANCEL] = cc ? 0 : -1;
    L->base[CD_CTXK_TIMER] = field_off(bin, L->type[CD_CTXK_TIMER], "cancelCtx");
    L->base[CD_CTXK_AFTERFUNC] = field_off(bin, L->type[CD_CTXK_AFTERFUNC], "cancelCtx");
    int64_t cp = field_off(bin, cc, "Context");
    for (int k = CD_CTXK_CANCEL; k <= CD_CTXK_AFTERFUNC; k++)
        if (L->base[k] >= 0 && cp >= 0)
            L->parent[k] = L->base[k] + cp;
    L->parent[CD_CTXK_VALUE] = field_off(bin, L->type[CD_CTXK_VALUE], "Context");
    L->parent[CD_CTXK_WITHOUTCANCEL] = field_off(bin, L->type[CD_CTXK_WITHOUTCANCEL], "c");
    L->parent[CD_CTXK_STOP] = field_off(bin, L->type[CD_CTXK_STOP], "Context");
}

static uint32_t data_start(const cd_snapshot *s, uint32_t o)
{
    return s->obj_hdr && s->obj_hdr[o] ? (uint32_t)s->ptr_size : 0;
}

/* Target of object o's pointer slot at byte offset off, or CD_NONE32. Every
 * reader gives an object's edges in increasing offset order: a binary
 * search (objects with many slots are looked at many times). */
static uint32_t edge_target(const cd_snapshot *s, uint32_t o, uint64_t off)
{
    uint64_t lo = s->obj_edge[o], hi = s->obj_edge[o + 1];
    while (lo < hi) {
        uint64_t mid = lo + (hi - lo) / 2;
        if (s->edge_off[mid] < off)
            lo = mid + 1;
        else
            hi = mid;
    }
    return lo < s->obj_edge[o + 1] && s->edge_off[lo] == off ? s->edge_dst[lo] : CD_NONE32;
}

static int is_std_or_anon(const char *t)
{
    /* anonymous: slices/arrays, runtime-made map and chan structs, boxes, closures */
    if (!*t || t[0] == '[' || t[0] == '*' || strncmp(t, "func ", 5) == 0 ||
        strncmp(t, "interface", 9) == 0 || strncmp(t, "struct", 6) == 0 ||
        strchr(t, '<'))
        return 1;
    if (strncmp(t, "main.", 5) == 0)
        return 0;
    /* standard library: no dot in the first path element */
    const char *slash = strchr(t, '/');
    const char *dot = strchr(t, '.');
    if (!dot)
        return 1;
    if (slash && slash < dot) {
        const char *d = memchr(t, '.', (size_t)(slash - t));
        return d == NULL;
    }
    return 1;
}

typedef struct hop { uint32_t obj; uint64_t edge; } hop;

static int is_map_internal(const char *t)
{
    static const char *const prefixes[] = {"hash<", "bucket<", "[]bucket<", "map<", "table<",
                                           "[]table<", "[]*table<", "groupReference<", "group<",
                                           "[]group<", "[]*group<"};
    for (size_t i = 0; i < sizeof prefixes / sizeof *prefixes; i++)
        if (strncmp(t, prefixes[i], strlen(prefixes[i])) == 0)
            return 1;
    return 0;
}

void cd_normalise_root(const char *name, char *buf, size_t cap)
{
    /* "goroutine 42 main.worker ctx" -> "goroutine main.worker ctx" */
    if (strncmp(name, "goroutine ", 10) == 0) {
        const char *p = name + 10;
        while (*p >= '0' && *p <= '9')
            p++;
        if (p > name + 10 && *p == ' ') {
            snprintf(buf, cap, "goroutine %s", p + 1);
            return;
        }
    }
    snprintf(buf, cap, "%s", name);
}

typedef struct sbuf { char *p; size_t n, cap; } sbuf;

static void sb_add(sbuf *b, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void sb_add(sbuf *b, const char *fmt, ...)
{
    va_list ap;
    for (;;) {
        size_t room = b->cap - b->n;
        va_start(ap, fmt);
        int k = vsnprintf(b->p ? b->p + b->n : NULL, room, fmt, ap);
        va_end(ap);
        if (k < 0)
            return;
        if ((size_t)k < room) {
            b->n += (size_t)k;
            return;
        }
        CD_GROW(b->p, b->cap, b->n + (size_t)k + 1);
    }
}

/* Path signatures are built once per object on the shortest-path tree and
 * shared by everything below it (a linked list of contexts costs linear
 * time): the signature of object o is its parent's plus one step. */
typedef struct sigmemo {
    uint32_t sig;      /* names id: "global main.x -> T .f -> ..." up to o */
    uint32_t prev;     /* names id of the last step, "" none */
    uint32_t root;     /* root slot of the path */
    uint8_t repeat;    /* the last step repeats (marker pending) */
    uint8_t in_sync;   /* inside sync.Map internals */
} sigmemo;

typedef struct walker {
    cd_analysis *a;
    const ctx_layout *L;
    uint32_t *idom;
    uint32_t *ctx_of;   /* object -> ctx index + 1 (0 none) */
    hop *hops; size_t hcap;
    sbuf sig;
    sigmemo *memo; size_t nmemo, memocap;   /* per object on a context's path */
    uint32_t *memo_at;                       /* object -> memo index, CD_NONE32 none */
    uint32_t *chain; size_t chaincap;
    uint64_t hop_budget;   /* holder hops left for all contexts (see HOLDER_HOPS) */
} walker;

static const char *type_key(const cd_analysis *a, uint32_t o)
{
    uint32_t k = a->t->obj_type[o];
    return k ? cd_strtab_get(&a->t->names, k) : "(untyped)";
}

void cd_edge_name(const cd_snapshot *s, const cd_typing *t, const cd_binary *bin, uint32_t o,
                  uint64_t e, char *field, size_t cap)
{
    field[0] = 0;
    if (t->obj_btype[o] & CD_CLOSURE_BIT)
        snprintf(field, cap, ".captured");
    else if (bin && t->obj_btype[o])
        cd_field_name(bin, t->obj_btype[o], s->edge_off[e] - data_start(s, o),
                      t->obj_array[o], field, cap);
    if (!field[0])
        snprintf(field, cap, "+%u", s->edge_off[e]);
}

static void edge_field(const cd_analysis *a, uint32_t o, uint64_t e, char *field, size_t cap)
{
    cd_edge_name(a->s, a->t, a->bin, o, e, field, cap);
}

char *cd_ctx_path(const cd_analysis *a, const cd_ctx *c)
{
    const cd_snapshot *s = a->s;
    sbuf p = {0};
    /* objects from the root to the context, by walking parents: count first */
    size_t nh = 0;
    uint32_t v = c->obj;
    while (a->parent[v] != CD_NONE32) {   /* the BFS tree has no cycles */
        v = a->parent[v];
        nh++;
    }
    uint32_t root = cd_root_of(a, v);
    char rbuf[1200];
    const char *rname = root != CD_NONE32 ? cd_root_name(a->t, root, rbuf, sizeof rbuf) : "?";
    int rkind = root != CD_NONE32 ? s->roots[root].kind : 0;
    static const char *const rk[] = {"root", "global", "global", "", "", "", "", "", "root"};
    sb_add(&p, "%s\t%s\n", rk[rkind < 9 ? rkind : 0], rname);
    uint32_t *chain = cd_malloc((nh + 1) * sizeof *chain);
    v = c->obj;
    for (size_t i = 0; i < nh; i++) {
        v = a->parent[v];
        chain[nh - 1 - i] = v;   /* chain[0] is the root object */
    }
    for (size_t i = 0; i < nh; i++) {
        uint32_t o = chain[i];
        uint32_t next = i + 1 < nh ? chain[i + 1] : c->obj;
        if (nh > 64 && i >= 24 && i < nh - 24) {
            if (i == 24)
                sb_add(&p, "...\t(%zu hops elided)\t\n", nh - 48);
            continue;
        }
        char field[512];
        edge_field(a, o, cd_parent_edge(a, next), field, sizeof field);
        sb_add(&p, "%s\t%s\t0x%llx\n", type_key(a, o), field, (unsigned long long)cd_obj_addr(s, o));
    }
    sb_add(&p, "%s\t%s\t0x%llx\n", cd_ctx_kind_name(c->kind),
           c->canceled ? " (canceled)" : " (not canceled)", (unsigned long long)cd_obj_addr(s, c->obj));
    free(chain);
    return p.p;
}

#define SIG_MAX 4000   /* longer signatures stop growing ("-> ...") */

static void root_name(const cd_analysis *a, uint32_t root, char *rnorm, size_t cap)
{
    const char *rname = root != CD_NONE32 ? cd_strtab_get(&a->t->names, a->t->root_name[root]) : "?";
    cd_normalise_root(rname, rnorm, cap);
}

/* The memo of object o, computing it (and its uncomputed ancestors) first. */
static const sigmemo *sig_of(walker *w, uint32_t o)
{
    cd_analysis *a = w->a;
    uint32_t idx;
    if ((idx = w->memo_at[o]) != CD_NONE32)
        return &w->memo[idx];
    /* climb to the first object with a memo, or the root */
    size_t n = 0;
    uint32_t v = o;
    for (;;) {
        CD_GROW(w->chain, w->chaincap, n + 1);
        w->chain[n++] = v;
        uint32_t p = a->parent[v];
        if (p == CD_NONE32 || w->memo_at[p] != CD_NONE32)
            break;
        v = p;
    }
    /* then come down, one step at a time */
    for (size_t k = n; k-- > 0;) {
        uint32_t x = w->chain[k];
        uint32_t p = a->parent[x];
        sigmemo m;
        w->sig.n = 0;
        if (p == CD_NONE32) {
            uint32_t root = cd_root_of(a, x);
            char rnorm[1024];
            root_name(a, root, rnorm, sizeof rnorm);
            int rkind = root != CD_NONE32 ? a->s->roots[root].kind : 0;
            /* the root kind word printed before its name ("global main.x");
               goroutine and finalizer names already say what they are */
            static const char *const rk[] = {"root", "global", "global", "", "", "", "", "", "root"};
            const char *word = rk[rkind < 9 ? rkind : 0];
            sb_add(&w->sig, "%s%s%s", word, *word ? " " : "", rnorm);
            m = (sigmemo){0, 0, root, 0, 0};
            /* sync.Map internals (read/dirty, entries, value boxes) move
               around: abstract them into one step */
            m.in_sync = root != CD_NONE32 && a->bin && a->t->root_btype[root] &&
                        strcmp(a->bin->types[a->t->root_btype[root]].name, "sync.Map") == 0;
            if (m.in_sync)
                sb_add(&w->sig, " -> sync.Map[key]");
        } else {
            idx = w->memo_at[p];
            m = w->memo[idx];
            const char *base = cd_strtab_get(&a->names, m.sig);
            sb_add(&w->sig, "%s", base);
            uint64_t e = cd_parent_edge(a, x);
            char field[512];
            edge_field(a, p, e, field, sizeof field);
            const char *tk = type_key(a, p);
            char step[1400];
            if (!a->t->obj_type[p])
                snprintf(step, sizeof step, "%s", tk);  /* offsets of untyped objects vary */
            else
                snprintf(step, sizeof step, "%s %s", tk, field);
            if (!m.in_sync && strcmp(tk, "sync.Map") == 0) {
                m.in_sync = 1;
                sb_add(&w->sig, " -> sync.Map[key]");
            }
            if (m.in_sync && (w->ctx_of[p] || (a->t->obj_type[p] && !is_std_or_anon(tk))))
                m.in_sync = 0;  /* out of the map's internals: a context or a user type */
            /* map internals (buckets, overflow and old buckets during
               growth, swiss tables and groups) are one abstract step */
            if (is_map_internal(tk))
                snprintf(step, sizeof step, "map[key]");
            const char *prev = cd_strtab_get(&a->names, m.prev);
            if (m.in_sync) {
                if (strcmp(tk, "interface {}") == 0)
                    m.in_sync = 0;  /* the value box: the user's value comes next */
            } else if (strcmp(step, prev) == 0) {
                if (strcmp(step, "map[key]") != 0)
                    m.repeat = 1;
            } else if (w->sig.n < SIG_MAX) {
                if (m.repeat)
                    sb_add(&w->sig, " (repeated)");
                m.repeat = 0;
                sb_add(&w->sig, " -> %s", w->sig.n + strlen(step) < SIG_MAX ? step : "...");
                m.prev = cd_strtab_add(&a->names, step, strlen(step));
            }
        }
        m.sig = cd_strtab_add(&a->names, w->sig.p ? w->sig.p : "", w->sig.n);
        CD_GROW(w->memo, w->memocap, w->nmemo + 1);
        w->memo[w->nmemo] = m;
        w->memo_at[x] = (uint32_t)w->nmemo;
        w->nmemo++;
    }
    return &w->memo[w->memo_at[o]];
}

#define HOLDER_HOPS 10000   /* how far back the holder is looked for */
#define HOLDER_HOPS_SPENT 64 /* ... once the budget for all contexts is spent */

/* Retention path of context c: signature and holder. */
static void describe_path(walker *w, cd_ctx *c, uint32_t timer_obj)
{
    cd_analysis *a = w->a;
    const cd_snapshot *s = a->s;
    uint32_t p = a->parent[c->obj];
    const sigmemo *m = sig_of(w, p != CD_NONE32 ? p : c->obj);
    char rnorm[1024];
    root_name(a, m->root, rnorm, sizeof rnorm);
    if (p == CD_NONE32) {
        w->sig.n = 0;
        sb_add(&w->sig, "%s -> %s", cd_strtab_get(&a->names, m->sig), cd_ctx_kind_name(c->kind));
    } else {
        /* the step into the context itself: from p along its edge */
        const sigmemo *mc = sig_of(w, c->obj);
        w->sig.n = 0;
        sb_add(&w->sig, "%s%s -> %s", cd_strtab_get(&a->names, mc->sig),
               mc->repeat ? " (repeated)" : "", cd_ctx_kind_name(c->kind));
    }

    /* Holder: walking back from the context, the first named owner. */
    const char *holder = NULL;
    char holder_buf[1400];
    int held_by_children = 0, via_timer = 0;
    size_t nh = 0;
    uint32_t v = c->obj;
    /* many contexts at the end of one long unnamed chain would each walk
       it: past a budget proportional to the heap, walks are kept short */
    size_t max_hops = w->hop_budget ? HOLDER_HOPS : HOLDER_HOPS_SPENT;
    while (a->parent[v] != CD_NONE32 && nh < max_hops && !holder) {
        if (w->hop_budget)
            w->hop_budget--;
        uint32_t o = a->parent[v];
        uint64_t e = cd_parent_edge(a, v);
        CD_GROW(w->hops, w->hcap, nh + 1);
        w->hops[nh++] = (hop){o, e};
        v = o;
        if (o == timer_obj) {
            holder = "runtime timer";
            via_timer = 1;
            break;
        }
        uint32_t pc = w->ctx_of[o];
        const char *tk = type_key(a, o);
        int named = a->t->obj_type[o] && !is_std_or_anon(tk);
        /* the field only matters where the walk may stop: at a context
           (its children map) or a named owner; elsewhere a hop is O(1) */
        char field[512] = "";
        if ((pc || named) && a->bin && a->t->obj_btype[o] && !(a->t->obj_btype[o] & CD_CLOSURE_BIT))
            cd_field_name(a->bin, a->t->obj_btype[o], s->edge_off[e] - data_start(s, o),
                          a->t->obj_array[o], field, sizeof field);
        if (pc && strncmp(field, ".children", 9) == 0) {
            /* name the parent by what holds it directly, else by its type */
            if (a->parent[o] == CD_NONE32 && cd_root_of(a, o) != CD_NONE32)
                snprintf(holder_buf, sizeof holder_buf, "%s.children", rnorm);
            else
                snprintf(holder_buf, sizeof holder_buf, "(*%s).children", type_key(a, o));
            holder = holder_buf;
            /* only the children map holds it when the parent's map
               structures (or the parent) dominate it */
            uint32_t d = w->idom ? w->idom[c->obj] : CD_NONE32;
            for (size_t j = 0; j < nh && d != CD_NONE32; j++)
                if (w->hops[j].obj == d)
                    held_by_children = 1;
            if (!w->idom)
                held_by_children = 1;
            break;
        }
        if (pc)
            continue;  /* another context on the way: keep looking */
        if (named) {
            char f2[512];
            snprintf(f2, sizeof f2, "%s", field);
            char *br = strstr(f2, "[i]");
            if (br && br == f2 + strlen(f2) - 3)
                *br = 0;
            snprintf(holder_buf, sizeof holder_buf, "%s%s", tk, f2);
            holder = holder_buf;
        }
    }
    /* a pending timer further up still holds it through the timer */
    for (uint32_t x = v, k = 0; !via_timer && timer_obj != CD_NONE32 && x != CD_NONE32 && k < 64;
         x = a->parent[x], k++)
        if (x == timer_obj)
            via_timer = 1;
    if (!holder)
        holder = rnorm;  /* e.g. "goroutine main.watcher ctx" */
    c->held_by_children = (uint8_t)held_by_children;
    c->via_timer = (uint8_t)via_timer;
    c->holder = cd_strtab_add(&a->names, holder, strlen(holder));
    c->signature = cd_strtab_add(&a->names, w->sig.p ? w->sig.p : "", w->sig.n);
}

static int find_kind(const ctx_layout *L, uint32_t btype)
{
    for (int k = 1; k < CD_CTXK_NKINDS; k++)
        if (L->type[k] && L->type[k] == btype)
            return k;
    return 0;
}

/* What the model needs from the bytes of context object o of this kind:
 * from the object (heap dumps, cores) or from the stored facts (JSON
 * snapshots; *cur walks them, as o only grows). -1 when unknown. */
static int ctx_facts(const cd_snapshot *s, const cd_typing *t, const ctx_layout *L, uint32_t o,
                     int kind, cd_ctx_facts *f, size_t *cur, cd_read_window *win, cd_error *err)
{
    memset(f, 0, sizeof *f);
    f->obj = o;
    if (t->facts) {
        while (*cur < t->nfacts && t->facts[*cur].obj < o)
            (*cur)++;
        if (*cur == t->nfacts || t->facts[*cur].obj != o)
            return -1;
        *f = t->facts[*cur];
        f->timer_set = f->timer_set && kind == CD_CTXK_TIMER && L->timer >= 0;
        return 0;
    }
    const int ps = s->ptr_size;
    uint32_t ds = data_start(s, o);
    unsigned char buf[512];
    size_t n = s->obj_size[o] - ds < sizeof buf ? s->obj_size[o] - ds : sizeof buf;
    if (cd_snapshot_read_ahead(s, win, o, ds, buf, n, err) < 0)
        return -1;
    int64_t base = L->base[kind];
    if (base >= 0) {
        if (L->err >= 0 && (size_t)(base + L->err + ps) <= n)
            f->canceled = cd_snapshot_word(s, buf + base + L->err) != 0;
        if (L->children >= 0 && (size_t)(base + L->children + ps) <= n &&
            cd_snapshot_word(s, buf + base + L->children)) {
            uint32_t m = edge_target(s, o, ds + (uint64_t)(base + L->children));
            unsigned char cnt[8];
            if (m != CD_NONE32 && s->obj_size[m] >= (uint32_t)ps &&
                cd_snapshot_read(s, m, data_start(s, m), cnt, (size_t)ps, err) == 0)
                f->nchildren = cd_snapshot_word(s, cnt);
        }
    }
    f->timer_set = kind == CD_CTXK_TIMER && L->timer >= 0 && (size_t)(L->timer + ps) <= n &&
                   cd_snapshot_word(s, buf + L->timer);
    return 0;
}

static void model_contexts(cd_analysis *a, cd_error *err)
{
    const cd_snapshot *s = a->s;
    const cd_typing *t = a->t;
    if (!a->bin)
        return;
    ctx_layout L;
    load_layout(a->bin, &L);
    size_t cap = 0;
    uint32_t *ctx_of = cd_calloc(s->nobj ? s->nobj : 1, sizeof *ctx_of);
    uint32_t *timer_of = NULL;
    size_t tcap = 0;
    cd_map64 done_chan = {0};  /* hchan object + 1 -> ctx index */
    const int ps = s->ptr_size;
    size_t fcur = 0;
    cd_read_window win = {0};   /* the contexts come in file order */
    for (uint32_t o = 0; o < s->nobj; o++) {
        if (!cd_reached(a, o) || t->obj_array[o] || !t->obj_btype[o] ||
            (t->obj_btype[o] & CD_CLOSURE_BIT))
            continue;
        int kind = find_kind(&L, t->obj_btype[o]);
        if (!kind)
            continue;
        uint32_t ds = data_start(s, o);
        cd_ctx_facts f;
        if (ctx_facts(s, t, &L, o, kind, &f, &fcur, &win, err) < 0)
            continue;
        cd_ctx c = {0};
        c.obj = o;
        c.kind = (uint8_t)kind;
        c.parent = CD_NONE32;
        c.canceled = f.canceled;
        c.timer_set = f.timer_set;
        c.nchildren = f.nchildren;
        int64_t base = L.base[kind];
        uint32_t timer_obj = CD_NONE32;
        if (base >= 0 && L.done >= 0) {
            uint32_t ch = edge_target(s, o, ds + (uint64_t)(base + L.done + ps));
            if (ch != CD_NONE32)
                cd_map64_put(&done_chan, (uint64_t)ch + 1, (uint32_t)a->nctx);
        }
        if (f.timer_set) {
            c.timer_pending = !c.canceled;
            timer_obj = edge_target(s, o, ds + (uint64_t)L.timer);
        }
        if (L.parent[kind] >= 0)
            c.parent = edge_target(s, o, ds + (uint64_t)L.parent[kind] + (uint64_t)ps);
        CD_GROW(a->ctxs, cap, a->nctx + 1);
        CD_GROW(timer_of, tcap, a->nctx + 1);
        timer_of[a->nctx] = timer_obj;
        a->ctxs[a->nctx++] = c;
        ctx_of[o] = (uint32_t)a->nctx;
    }
    cd_read_window_free(&win);
    /* parents' state */
    for (size_t i = 0; i < a->nctx; i++) {
        cd_ctx *c = &a->ctxs[i];
        if (c->parent != CD_NONE32 && ctx_of[c->parent])
            c->parent_canceled = a->ctxs[ctx_of[c->parent] - 1].canceled;
        else
            c->parent = c->parent != CD_NONE32 && ctx_of[c->parent] ? c->parent : CD_NONE32;
        c->size = s->obj_size[c->obj];
        c->addr = cd_obj_addr(s, c->obj);
        c->parent_addr = c->parent != CD_NONE32 ? cd_obj_addr(s, c->parent) : 0;
    }
    /* watchers: goroutines parked in a channel receive or select on a
       context's done channel: the channel of one of their sudogs
       (g.waiting -> sudog.c, then sudog.waitlink for a select), or in
       their frames */
    uint32_t *last_g = cd_malloc((a->nctx + 1) * sizeof *last_g);
    memset(last_g, 0xff, (a->nctx + 1) * sizeof *last_g);
    uint32_t gtype = cd_binary_type_by_name(a->bin, "runtime.g");
    uint32_t sgtype = cd_binary_type_by_name(a->bin, "runtime.sudog");
    int64_t g_waiting = field_off(a->bin, gtype, "waiting");
    int64_t sg_c = field_off(a->bin, sgtype, "c");
    int64_t sg_link = field_off(a->bin, sgtype, "waitlink");
    for (size_t gi = 0; gi < s->ngoroutines && g_waiting >= 0 && sg_c >= 0; gi++) {
        const cd_goroutine *g = &s->goroutines[gi];
        const char *wr = cd_strtab_get(&s->strings, g->wait_reason);
        if (g->status != 4 || g->gobj == CD_NONE32 ||
            (strncmp(wr, "chan receive", 12) != 0 && strncmp(wr, "select", 6) != 0))
            continue;
        uint32_t sg = edge_target(s, g->gobj, data_start(s, g->gobj) + (uint64_t)g_waiting);
        for (int k = 0; k < 64 && sg != CD_NONE32; k++) {
            uint32_t ch = edge_target(s, sg, data_start(s, sg) + (uint64_t)sg_c), ci;
            if (ch != CD_NONE32 && cd_map64_get(&done_chan, (uint64_t)ch + 1, &ci) &&
                last_g[ci] != gi) {
                last_g[ci] = (uint32_t)gi;
                a->ctxs[ci].watchers++;
                a->g_watch[gi] = 1;
            }
            sg = sg_link >= 0 ? edge_target(s, sg, data_start(s, sg) + (uint64_t)sg_link) : CD_NONE32;
        }
    }
    for (size_t i = 0; i < s->nroots; i++) {
        const cd_root *r = &s->roots[i];
        if (r->kind != CD_ROOT_FRAME || r->frame == CD_NONE32)
            continue;
        uint32_t gi = s->frames[r->frame].goroutine;
        const cd_goroutine *g = &s->goroutines[gi];
        /* <-ctx.Done() parks as "chan receive", a select on it as "select" */
        const char *wr = cd_strtab_get(&s->strings, g->wait_reason);
        if (g->status != 4 || (strncmp(wr, "chan receive", 12) != 0 && strncmp(wr, "select", 6) != 0))
            continue;
        uint32_t ci;
        if (!cd_map64_get(&done_chan, (uint64_t)r->dst + 1, &ci))
            continue;
        if (last_g[ci] == gi)
            continue;  /* this goroutine is counted for this context already */
        last_g[ci] = gi;
        a->ctxs[ci].watchers++;
        a->g_watch[gi] = 1;
    }
    free(last_g);
    /* the contexts' retained sizes are all that is needed of retained[]:
       its memory goes before the path memo takes as much */
    for (size_t i = 0; i < a->nctx; i++)
        a->ctxs[i].retained = a->retained ? a->retained[a->ctxs[i].obj] : s->obj_size[a->ctxs[i].obj];
    free(a->retained);
    a->retained = NULL;
    walker w = {0};
    w.a = a;
    w.L = &L;
    w.idom = a->idom;
    w.ctx_of = ctx_of;
    w.hop_budget = 20 * (uint64_t)s->nobj + 1000000;
    w.memo_at = cd_malloc((s->nobj ? s->nobj : 1) * sizeof *w.memo_at);
    memset(w.memo_at, 0xff, (s->nobj ? s->nobj : 1) * sizeof *w.memo_at);
    for (size_t i = 0; i < a->nctx; i++) {
        cd_ctx *c = &a->ctxs[i];
        describe_path(&w, c, timer_of[i]);
        if (c->canceled)
            c->verdict = CD_V_CANCELED_RETAINED;
        else if (c->parent_canceled)
            c->verdict = CD_V_BROKEN_PROPAGATION;
        else if (c->timer_pending && c->via_timer)
            c->verdict = CD_V_TIMER_PENDING;
        else if (c->watchers)
            c->verdict = CD_V_WATCHED;
        else if (c->held_by_children)
            c->verdict = CD_V_ORPHAN_CHILD;
        else
            c->verdict = CD_V_NONE;
    }
    free(w.hops);
    free(w.sig.p);
    free(w.memo);
    free(w.chain);
    free(w.memo_at);
    free(ctx_of);
    free(timer_of);
    cd_map64_free(&done_chan);
}

uint32_t cd_root_of(const cd_analysis *a, uint32_t o)
{
    size_t lo = 0, hi = a->nroot_objs;
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        if (a->root_obj[mid] < o)
            lo = mid + 1;
        else
            hi = mid;
    }
    return lo < a->nroot_objs && a->root_obj[lo] == o ? a->root_slot[lo] : CD_NONE32;
}

int cd_analyze_graph(const cd_snapshot *s, const cd_analysis_options *opt, cd_analysis **out)
{
    cd_analysis *a = cd_calloc(1, sizeof *a);
    size_t n = s->nobj ? s->nobj : 1;
    a->s = s;
    cd_strtab_init(&a->names);

    /* roots in slot order; the first slot that holds an object names it.
       Globals first, then goroutines and the rest: at equal distance a
       path names the global, which does not change from dump to dump.
       BFS marks them (parent[] doubles as the seen mark here). */
    a->parent = cd_malloc(n * sizeof *a->parent);
    memset(a->parent, 0xff, n * sizeof *a->parent);
    uint32_t *roots = cd_malloc((s->nroots + 1) * sizeof *roots);
    uint64_t *pairs = cd_malloc((s->nroots + 1) * sizeof *pairs);  /* object << 32 | slot */
    size_t nr = 0;
    for (int pass = 0; pass < 2; pass++)
        for (size_t i = 0; i < s->nroots; i++) {
            int global = s->roots[i].kind == CD_ROOT_DATA || s->roots[i].kind == CD_ROOT_BSS;
            if (global != (pass == 0))
                continue;
            uint32_t d = s->roots[i].dst;
            if (a->parent[d] == CD_NONE32) {
                a->parent[d] = 0;
                pairs[nr] = (uint64_t)d << 32 | (uint32_t)i;
                roots[nr++] = d;
            }
        }
    /* the root index, sparse: most objects are not roots */
    a->root_obj = cd_malloc((nr + 1) * sizeof *a->root_obj);
    a->root_slot = cd_malloc((nr + 1) * sizeof *a->root_slot);
    cd_sort_pairs_u32(pairs, nr, a->root_obj, a->root_slot);
    a->nroot_objs = nr;
    free(pairs);

    cd_csr g = {(uint32_t)s->nobj, s->obj_edge, s->edge_dst};
    a->parent_slot = cd_malloc(n * sizeof *a->parent_slot);
    uint32_t *order = cd_malloc(n * sizeof *order);
    size_t nreach = cd_graph_bfs(&g, roots, nr, a->parent, a->parent_slot, NULL, order);
    a->reached = cd_calloc(n / 8 + 1, 1);
    for (size_t i = 0; i < nreach; i++) {
        uint32_t o = order[i];
        a->reached[o >> 3] |= (uint8_t)(1u << (o & 7));
        a->reach_bytes += s->obj_size[o];
    }
    free(order);
    a->reach_objs = nreach;
    a->garbage_objs = s->nobj - a->reach_objs;
    a->garbage_bytes = s->bytes_total - a->reach_bytes;

    if (!(opt && opt->no_dominators)) {
        a->idom = cd_malloc(n * sizeof *a->idom);
        a->retained = cd_graph_dominators_retained(&g, roots, nr, s->obj_size, a->idom);
    }
    free(roots);
    *out = a;
    return 0;
}

/* The nearest context that strictly dominates each context: up the
 * dominator tree to the first context, remembering the answer for every
 * node passed (they share it), so all walks together are O(objects). */
static void dominating_contexts(cd_analysis *a)
{
    const cd_snapshot *s = a->s;
    size_t n = s->nobj ? s->nobj : 1;
    const uint32_t UNSET = CD_NONE32 - 1;
    uint32_t *near = cd_malloc(n * sizeof *near);   /* object -> dominating ctx index */
    uint32_t *ctx_at = cd_malloc(n * sizeof *ctx_at);
    for (size_t v = 0; v < s->nobj; v++)
        near[v] = ctx_at[v] = UNSET;
    for (size_t i = 0; i < a->nctx; i++)
        ctx_at[a->ctxs[i].obj] = (uint32_t)i;
    for (size_t i = 0; i < a->nctx; i++) {
        uint32_t x = a->idom[a->ctxs[i].obj];
        while (x < s->nobj && ctx_at[x] == UNSET && near[x] == UNSET)
            x = a->idom[x];
        uint32_t answer = x >= s->nobj ? CD_NONE32 : ctx_at[x] != UNSET ? ctx_at[x] : near[x];
        for (uint32_t y = a->idom[a->ctxs[i].obj]; y != x; y = a->idom[y])
            near[y] = answer;
        a->ctxs[i].dom_ctx = answer;
    }
    free(near);
    free(ctx_at);
}

int cd_analyze_contexts(cd_analysis *a, const cd_typing *t, cd_binary *bin, cd_error *err)
{
    const cd_snapshot *s = a->s;
    a->t = t;
    a->bin = bin;
    a->g_watch = cd_calloc(s->ngoroutines + 1, 1);
    for (uint32_t o = 0; o < s->nobj; o++)
        if (t->obj_type[o] && cd_reached(a, o)) {
            a->typed_objs++;
            a->typed_bytes += s->obj_size[o];
        }
    for (size_t i = 0; i < s->ngoroutines; i++)
        if (s->goroutines[i].status == 4 && !s->goroutines[i].system)
            a->parked_goroutines++;
    model_contexts(a, err);
    if (a->idom && a->nctx) {
        dominating_contexts(a);
    } else {
        for (size_t i = 0; i < a->nctx; i++)
            a->ctxs[i].dom_ctx = CD_NONE32;
    }
    /* the contexts have their figures: the per-object arrays can go */
    free(a->idom);
    a->idom = NULL;
    free(a->retained);
    a->retained = NULL;
    return 0;
}

int cd_analyze(const cd_snapshot *s, const cd_typing *t, cd_binary *bin,
               const cd_analysis_options *opt, cd_analysis **out, cd_error *err)
{
    if (cd_analyze_graph(s, opt, out) < 0)
        return -1;
    return cd_analyze_contexts(*out, t, bin, err);
}

void cd_analysis_release(cd_analysis *a)
{
    CD_FREE(a->parent);
    CD_FREE(a->parent_slot);
    CD_FREE(a->root_obj);
    CD_FREE(a->root_slot);
    a->nroot_objs = 0;
    CD_FREE(a->reached);
    CD_FREE(a->idom);
    CD_FREE(a->retained);
}

void cd_analysis_free(cd_analysis *a)
{
    if (!a)
        return;
    cd_analysis_release(a);
    free(a->ctxs);
    free(a->g_watch);
    cd_strtab_free(&a->names);
    free(a);
}
