/* pprof_context.c — the context view of two profiles.
 *
 * Heap profiles: a sample is a context allocation when, reading its frames
 * leaf first (every Line of every Location, innermost first — inlining
 * moves the leaf from WithCancel to withCancel/newCancelCtx, so all Lines
 * of location[0] count), the first frame outside a few helper packages
 * (time., runtime., sync.) is in package context. The outermost context
 * frame of that run is the API ("context.WithTimeout"), the next frame the
 * call site ("main.leakIntoGlobalMap"). What the sample holds comes from
 * the innermost context frame and the "bytes" label: at a constructor, the
 * size of the struct that constructor makes is the context itself (see
 * ctors[] below), smaller sizes are its closures (cancel funcs); time.*
 * under context is the deadline timer, (*cancelCtx).Done the lazily made
 * done channel, propagateCancel the parent's children map.
 *
 * Goroutine profiles: goroutines are grouped by (wait reason, stack without
 * leading runtime frames). The wait reason is read from debug=2 text, or
 * inferred from the runtime frames of proto profiles (runtime.selectgo ->
 * "select", runtime.chanrecv* -> "chan receive", ...); debug=1 text hides
 * those frames, so it has none. A stack cannot show which channel a
 * goroutine waits on (Done() has returned), so: propagateCancel closures
 * are context watchers for sure; select/chan receive with context frames on
 * the stack are context waits; other select/chan receive are listed next
 * as possible <-ctx.Done() waits. */
#include <stdlib.h>   /* qsort, free */
#include <string.h>   /* memcmp, strcmp */

#include "pprof.h"

/* ---- frames ---- */

typedef struct frames {
    cd_pstr *f;
    size_t n, cap;
} frames;

/* Function names of sample si, leaf first, innermost line first. */
static void sample_frames(const cd_profile *p, uint32_t si, frames *fr)
{
    const cd_psample *s = &p->sample[si];
    fr->n = 0;
    for (uint32_t i = 0; i < s->nloc; i++) {
        const cd_plocation *l = &p->location[p->loc[s->loc_off + i]];
        if (l->nline == 0) {
            CD_GROW(fr->f, fr->cap, fr->n + 1);
            fr->f[fr->n++] = p->str[0];
            continue;
        }
        CD_GROW(fr->f, fr->cap, fr->n + l->nline);
        for (uint32_t k = 0; k < l->nline; k++)
            fr->f[fr->n++] =
                p->str[p->function[p->line[l->line_off + k].function].name];
    }
}

static int is_ctx(cd_pstr f)
{
    return cd_pprof__has_prefix(f, "context.") ||
           cd_pprof__has_prefix(f, "golang.org/x/net/context.");
}

/* The part after the package: "context.(*cancelCtx).Done" -> "(*cancelCtx).Done" */
static cd_pstr local_name(cd_pstr f)
{
    for (uint32_t i = f.len; i > 0; i--)
        if (f.s[i - 1] == '/') {
            f.s += i;
            f.len -= i;
            break;
        }
    for (uint32_t i = 0; i < f.len; i++)
        if (f.s[i] == '.') {
            f.s += i + 1;
            f.len -= i + 1;
            break;
        }
    return f;
}

static int contains(cd_pstr f, const char *lit)
{
    size_t n = strlen(lit);
    if (f.len < n)
        return 0;
    for (size_t i = 0; i + n <= f.len; i++)
        if (!memcmp(f.s + i, lit, n))
            return 1;
    return 0;
}

/* Context constructors that allocate at the leaf, and the sizes (size
 * classes, from the "bytes" label) of the context struct each makes:
 * cancelCtx 64 B (go1.19) / 80 B (1.20+), timerCtx 96 / 112, afterFuncCtx
 * 104 B in class 112, valueCtx 48, withoutCancelCtx 16 (the interface box).
 * Anything smaller at such a leaf is a closure (the cancel func is 16 B;
 * 1.21+ WithDeadlineCause's timer func, capturing the cause, 32 B). */
static const struct ctor {
    const char *name;
    int64_t sizes[3];
} ctors[] = {
    { "WithCancel", { 64, 80, 0 } },
    { "WithCancelCause", { 64, 80, 0 } },
    { "withCancel", { 64, 80, 0 } },
    { "newCancelCtx", { 64, 80, 0 } },
    { "WithDeadline", { 96, 112, 0 } },
    { "WithDeadlineCause", { 96, 112, 0 } },
    { "WithTimeout", { 96, 112, 0 } },
    { "WithTimeoutCause", { 96, 112, 0 } },
    { "AfterFunc", { 104, 112, 128 } },
    { "WithValue", { 48, 0, 0 } },
    { "WithoutCancel", { 16, 0, 0 } },
    { NULL, { 0, 0, 0 } },
};

static const struct ctor *constructor(cd_pstr f)
{
    cd_pstr l = local_name(f);
    for (int i = 0; ctors[i].name; i++)
        if (cd_pprof__streq(l, ctors[i].name))
            return &ctors[i];
    return NULL;
}

static int ctor_size(const struct ctor *c, int64_t sz)
{
    for (int i = 0; i < 3 && c->sizes[i]; i++)
        if (c->sizes[i] == sz)
            return 1;
    return 0;
}

/* The "bytes" numeric label of a sample, 0 if none. */
static int64_t bytes_label(const cd_profile *p, uint32_t si)
{
    const cd_psample *s = &p->sample[si];
    for (uint32_t i = 0; i < s->nlabel; i++) {
        const cd_plabel *l = &p->label[s->label_off + i];
        if (!l->str && cd_pprof__streq(p->str[l->key], "bytes"))
            return l->num;
    }
    return 0;
}

static int find_type(const cd_profile *p, const char *name)
{
    for (uint32_t i = 0; i < p->ntype; i++)
        if (cd_pprof__streq(p->str[p->sample_type[i].type], name))
            return (int)i;
    return -1;
}

/* ---- grouping (keys over pprof_intern) ---- */

typedef struct keys {
    cd_map64 map;
    char **key;          /* NUL-separated key bytes */
    size_t *len;
    size_t n, cap, cap2;
} keys;

typedef struct kq {
    const keys *k;
    const char *s;
    size_t n;
} kq;

static int keys_eq(const void *ctx, uint32_t id)
{
    const kq *q = ctx;
    return q->k->len[id] == q->n && !memcmp(q->k->key[id], q->s, q->n);
}

static uint32_t keys_add(keys *k, const char *s, size_t n, int *added)
{
    kq q = { k, s, n };
    uint32_t id = cd_pprof__intern(&k->map, cd_hash_bytes(s, n, 0x6374),
                                   keys_eq, &q, (uint32_t)k->n, added);
    if (*added) {
        CD_GROW(k->key, k->cap, k->n + 1);
        CD_GROW(k->len, k->cap2, k->n + 1);
        k->key[k->n] = cd_malloc(n ? n : 1);
        memcpy(k->key[k->n], s, n);
        k->len[k->n] = n;
        k->n++;
    }
    return id;
}

static void keys_free(keys *k)
{
    for (size_t i = 0; i < k->n; i++)
        free(k->key[i]);
    free(k->key);
    free(k->len);
    cd_map64_free(&k->map);
}

typedef struct sbuf {
    char *b;
    size_t len, cap;
} sbuf;

static void sput(sbuf *s, const char *p, size_t n)
{
    CD_GROW(s->b, s->cap, s->len + n + 1);
    if (n)
        memcpy(s->b + s->len, p, n);
    s->len += n;
    s->b[s->len] = 0;
}

static void sput_pstr(sbuf *s, cd_pstr p)
{
    sput(s, p.s, p.len);
    sput(s, "", 1);   /* separator NUL */
}

/* ---- heap ---- */

static int cmp_ctx(const void *pa, const void *pb)
{
    const cd_pprof_ctx_group *a = pa, *b = pb;
    int64_t ga = a->objects[CD_CTX_OBJECT].after - a->objects[CD_CTX_OBJECT].before;
    int64_t gb = b->objects[CD_CTX_OBJECT].after - b->objects[CD_CTX_OBJECT].before;
    if (ga != gb)
        return ga > gb ? -1 : 1;
    int64_t ba = 0, bb = 0;
    for (int i = 0; i < CD_CTX_NPARTS; i++) {
        ba += a->bytes[i].after - a->bytes[i].before;
        bb += b->bytes[i].after - b->bytes[i].before;
    }
    if (ba != bb)
        return ba > bb ? -1 : 1;
    int c = strcmp(a->site, b->site);
    return c ? c : strcmp(a->api, b->api);
}

static void heap_view(const cd_profile *ps[2], cd_pprof_result *r)
{
    const cd_profile *a = ps[1];
    const char *sel = r->top.sample_type ? r->top.sample_type : "";
    int alloc = !strncmp(sel, "alloc_", 6);
    int co = find_type(a, alloc ? "alloc_objects" : "inuse_objects");
    int cb = find_type(a, alloc ? "alloc_space" : "inuse_space");
    if (co < 0 || cb < 0) {
        co = find_type(a, "objects");
        cb = find_type(a, "space");
    }
    if (co < 0 || cb < 0)
        return;
    r->ctx_objects_type = cd_pprof__strdup(a->str[a->sample_type[co].type]);
    r->ctx_bytes_type = cd_pprof__strdup(a->str[a->sample_type[cb].type]);
    keys k;
    memset(&k, 0, sizeof k);
    size_t cap = 0;
    frames fr = { 0 };
    sbuf key = { 0 };
    for (int side = 0; side < 2; side++) {
        const cd_profile *p = ps[side];
        for (uint32_t si = 0; si < p->nsample; si++) {
            int64_t vo = p->value[(size_t)si * p->ntype + co];
            int64_t vb = p->value[(size_t)si * p->ntype + cb];
            if (vo == 0 && vb == 0)
                continue;
            sample_frames(p, si, &fr);
            size_t i = 0;
            int timer = 0, helper = 0;
            while (i < fr.n && !is_ctx(fr.f[i])) {
                if (cd_pprof__has_prefix(fr.f[i], "time."))
                    timer = 1;
                else if (cd_pprof__has_prefix(fr.f[i], "runtime."))
                    ;   /* allocator frames (text profiles of newer Go) */
                else if (cd_pprof__has_prefix(fr.f[i], "sync."))
                    helper = 1;
                else
                    break;
                i++;
            }
            if (i >= fr.n || !is_ctx(fr.f[i]))
                continue;
            cd_pstr leaf = fr.f[i];
            while (i < fr.n && is_ctx(fr.f[i]))
                i++;
            cd_pstr api = fr.f[i - 1];
            static const char own[] = "(a goroutine of package context)";
            cd_pstr site = i < fr.n ? fr.f[i]
                                    : (cd_pstr){ own, sizeof own - 1 };
            int64_t size = bytes_label(p, si);
            if (size == 0 && vo != 0)
                size = vb / vo;
            int part;
            const struct ctor *ct = constructor(leaf);
            if (timer)
                part = CD_CTX_TIMER;
            else if (helper)
                part = CD_CTX_OTHER;
            else if (cd_pprof__streq(local_name(leaf), "(*cancelCtx).Done"))
                part = CD_CTX_DONE;
            else if (cd_pprof__streq(local_name(leaf), "propagateCancel") ||
                     cd_pprof__streq(local_name(leaf),
                                     "(*cancelCtx).propagateCancel"))
                part = CD_CTX_CHILDREN;
            else if (ct) {
                if (ctor_size(ct, size))
                    part = CD_CTX_OBJECT;
                else if (size > 0 && size <= 48 && size < ct->sizes[0])
                    part = CD_CTX_CLOSURE;
                else
                    part = CD_CTX_OTHER;
            } else
                part = CD_CTX_OTHER;
            key.len = 0;
            sput_pstr(&key, site);
            sput_pstr(&key, api);
            int added;
            uint32_t g = keys_add(&k, key.b, key.len, &added);
            if (added) {
                CD_GROW(r->ctx, cap, (size_t)g + 1);
                memset(&r->ctx[g], 0, sizeof r->ctx[g]);
                r->ctx[g].site = cd_pprof__strdup(site);
                r->ctx[g].api = cd_pprof__strdup(api);
                r->ctx[g].object_size = -1;
                r->nctx = (size_t)g + 1;
            }
            cd_pprof_ctx_group *gr = &r->ctx[g];
            int64_t *o = side ? &gr->objects[part].after : &gr->objects[part].before;
            int64_t *b = side ? &gr->bytes[part].after : &gr->bytes[part].before;
            *o = cd_pprof__add(*o, vo);
            *b = cd_pprof__add(*b, vb);
            if (part == CD_CTX_OBJECT) {
                if (gr->object_size == -1)
                    gr->object_size = size;
                else if (gr->object_size != size)
                    gr->object_size = 0;
            }
        }
    }
    for (size_t g = 0; g < r->nctx; g++) {
        cd_pprof_ctx_group *gr = &r->ctx[g];
        if (gr->object_size < 0)
            gr->object_size = 0;
        r->ctx_total_objects.before += gr->objects[CD_CTX_OBJECT].before;
        r->ctx_total_objects.after += gr->objects[CD_CTX_OBJECT].after;
        r->ctx_total_bytes.before += gr->bytes[CD_CTX_OBJECT].before;
        r->ctx_total_bytes.after += gr->bytes[CD_CTX_OBJECT].after;
    }
    if (r->nctx)
        qsort(r->ctx, r->nctx, sizeof *r->ctx, cmp_ctx);
    free(fr.f);
    free(key.b);
    keys_free(&k);
}

/* ---- goroutines ---- */

/* Wait reason from the runtime frames at the leaf of a proto stack. */
static const char *infer_wait(const frames *fr)
{
    static const struct { const char *fn, *wait; } tab[] = {
        { "runtime.selectgo", "select" },
        { "runtime.block", "select (no cases)" },
        { "runtime.chanrecv", "chan receive" },
        { "runtime.chanrecv1", "chan receive" },
        { "runtime.chanrecv2", "chan receive" },
        { "runtime.chansend", "chan send" },
        { "runtime.chansend1", "chan send" },
        { "sync.runtime_SemacquireMutex", "sync.Mutex.Lock" },
        { "sync.runtime_SemacquireRWMutex", "sync.RWMutex.Lock" },
        { "sync.runtime_SemacquireRWMutexR", "sync.RWMutex.RLock" },
        { "sync.runtime_Semacquire", "semacquire" },
        { "sync.runtime_SemacquireWaitGroup", "sync.WaitGroup.Wait" },
        { "sync.runtime_notifyListWait", "sync.Cond.Wait" },
        { "runtime.netpollblock", "IO wait" },
        { "internal/poll.runtime_pollWait", "IO wait" },
        { "time.Sleep", "sleep" },
        { "runtime.timeSleep", "sleep" },
        { NULL, NULL } };
    for (size_t i = 0; i < fr->n; i++) {
        for (int k = 0; tab[k].fn; k++)
            if (cd_pprof__streq(fr->f[i], tab[k].fn))
                return tab[k].wait;
        if (!cd_pprof__has_prefix(fr->f[i], "runtime.") &&
            !cd_pprof__has_prefix(fr->f[i], "sync.runtime_") &&
            !cd_pprof__has_prefix(fr->f[i], "internal/poll.runtime_"))
            break;
    }
    return "";
}

static int cmp_gr(const void *pa, const void *pb)
{
    const cd_pprof_gr_group *a = pa, *b = pb;
    if (a->cls != b->cls)
        return a->cls < b->cls ? -1 : 1;
    int64_t ga = a->count.after - a->count.before;
    int64_t gb = b->count.after - b->count.before;
    if (ga != gb)
        return ga > gb ? -1 : 1;
    if (a->count.after != b->count.after)
        return a->count.after > b->count.after ? -1 : 1;
    int c = strcmp(a->top, b->top);
    if (c)
        return c;
    c = strcmp(a->wait, b->wait);
    if (c)
        return c;
    for (size_t i = 0; i < a->nstack && i < b->nstack; i++)
        if ((c = strcmp(a->stack[i], b->stack[i])))
            return c;
    return (a->nstack > b->nstack) - (a->nstack < b->nstack);
}

static void goroutine_view(const cd_profile *ps[2], int idx, cd_pprof_result *r)
{
    keys k;
    memset(&k, 0, sizeof k);
    size_t cap = 0;
    frames fr = { 0 };
    sbuf key = { 0 };
    for (int side = 0; side < 2; side++) {
        const cd_profile *p = ps[side];
        for (uint32_t si = 0; si < p->nsample; si++) {
            const cd_psample *s = &p->sample[si];
            int64_t v = p->value[(size_t)si * p->ntype + idx];
            if (v == 0)
                continue;
            sample_frames(p, si, &fr);
            cd_pstr wait;
            int inferred = 0;
            if (s->wait) {
                wait = p->str[s->wait];
            } else {
                const char *w = infer_wait(&fr);
                wait.s = w;
                wait.len = (uint32_t)strlen(w);
                inferred = w[0] != 0;
            }
            size_t i = 0;
            while (i + 1 < fr.n && cd_pprof__has_prefix(fr.f[i], "runtime."))
                i++;
            int watcher = 0, ctx = 0;
            for (size_t j = 0; j < fr.n; j++) {
                if (is_ctx(fr.f[j]))
                    ctx = 1;
                if (contains(fr.f[j], "propagateCancel.func"))
                    watcher = 1;
            }
            key.len = 0;
            sput_pstr(&key, wait);
            for (size_t j = i; j < fr.n; j++)
                sput_pstr(&key, fr.f[j]);
            int added;
            uint32_t g = keys_add(&k, key.b, key.len, &added);
            if (added) {
                CD_GROW(r->gr, cap, (size_t)g + 1);
                cd_pprof_gr_group *gr = &r->gr[g];
                memset(gr, 0, sizeof *gr);
                gr->wait = cd_pprof__strdup(wait);
                gr->wait_inferred = inferred;
                gr->nstack = fr.n - i;
                gr->stack = cd_calloc(gr->nstack ? gr->nstack : 1, sizeof *gr->stack);
                for (size_t j = i; j < fr.n; j++)
                    gr->stack[j - i] = cd_pprof__strdup(fr.f[j]);
                gr->top = cd_strdup(gr->nstack ? gr->stack[0] : "(no stack)");
                gr->origin = NULL;
                int chan = cd_pprof__has_prefix(wait, "select") ||
                           cd_pprof__has_prefix(wait, "chan receive");
                gr->cls = watcher ? CD_GR_WATCHER
                        : chan && ctx ? CD_GR_CTX_WAIT
                        : chan ? CD_GR_CHAN_WAIT : CD_GR_OTHER;
                r->ngr = (size_t)g + 1;
            }
            cd_pprof_gr_group *gr = &r->gr[g];
            if (!gr->origin && s->created_by) {
                gr->origin = cd_pprof__strdup(
                    p->str[p->function[s->created_by - 1].name]);
                gr->origin_created_by = 1;
            }
            int64_t *c = side ? &gr->count.after : &gr->count.before;
            *c = cd_pprof__add(*c, v);
            if (s->minutes > gr->max_minutes)
                gr->max_minutes = s->minutes;
        }
    }
    for (size_t g = 0; g < r->ngr; g++) {
        cd_pprof_gr_group *gr = &r->gr[g];
        if (!gr->origin)
            gr->origin = cd_strdup(gr->nstack ? gr->stack[gr->nstack - 1]
                                              : "(no stack)");
        r->gr_total.before += gr->count.before;
        r->gr_total.after += gr->count.after;
        if (gr->cls != CD_GR_OTHER) {
            r->gr_ctx.before += gr->count.before;
            r->gr_ctx.after += gr->count.after;
        }
    }
    if (r->ngr)
        qsort(r->gr, r->ngr, sizeof *r->gr, cmp_gr);
    free(fr.f);
    free(key.b);
    keys_free(&k);
}

int cd_pprof__context_view(const cd_profile *before, const cd_profile *after,
                           int idx, cd_pprof_result *r, cd_error *err)
{
    (void)err;
    const cd_profile *ps[2] = { before, after };
    if (after->kind == CD_PPROF_KIND_HEAP)
        heap_view(ps, r);
    else if (after->kind == CD_PPROF_KIND_GOROUTINE)
        goroutine_view(ps, idx, r);
    return 0;
}

void cd_pprof__context_free(cd_pprof_result *r)
{
    for (size_t i = 0; i < r->nctx; i++) {
        free(r->ctx[i].site);
        free(r->ctx[i].api);
    }
    free(r->ctx);
    free(r->ctx_objects_type);
    free(r->ctx_bytes_type);
    for (size_t i = 0; i < r->ngr; i++) {
        cd_pprof_gr_group *g = &r->gr[i];
        free(g->wait);
        free(g->top);
        free(g->origin);
        for (size_t j = 0; j < g->nstack; j++)
            free(g->stack[j]);
        free(g->stack);
    }
    free(r->gr);
}
