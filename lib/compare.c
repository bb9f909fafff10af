/* compare.c — joins the analyses of two heap dumps into the report model:
 * growth by type, contexts matched across snapshots (survived, new, freed),
 * leak groups keyed by verdict and path signature, goroutine groups. */
#include <stdlib.h>
#include <string.h>

#include "report.h"
#include "util.h"

#define NSIDES 2

/* A JSON string from text that may come from a dump, a binary or the
 * command line: bytes that are not valid UTF-8, and control characters,
 * become '?', so that no key is ever dropped (jansson refuses invalid
 * UTF-8) and no terminal escape reaches a report. */
json_t *cd_jstrn(const char *s, size_t n)
{
    char *b = cd_malloc(n + 1);
    size_t i = 0;
    while (i < n) {
        unsigned char c = (unsigned char)s[i];
        size_t len = cd_utf8_seq((const unsigned char *)s + i, n - i);
        int ok = len > 0;
        if (!ok || (len == 1 && (c < 0x20 || c == 0x7f))) {
            b[i] = '?';
            i++;
            continue;
        }
        memcpy(b + i, s + i, len);
        i += len;
    }
    b[n] = 0;
    json_t *j = json_stringn(b, n);
    free(b);
    return j ? j : json_string("?");
}

json_t *cd_jstr(const char *s)
{
    return cd_jstrn(s ? s : "", s ? strlen(s) : 0);
}


typedef struct growth_row {
    int64_t count[NSIDES], bytes[NSIDES];
} growth_row;

static int cmp_growth(const void *x, const void *y, void *ctx);

typedef struct sort_ctx { growth_row *rows; const cd_strtab *names; } sort_ctx;

static sort_ctx *g_sort;  /* qsort has no context argument in C11 */

static int cmp_growth_idx(const void *x, const void *y)
{
    return cmp_growth(x, y, g_sort);
}

static int cmp_growth(const void *x, const void *y, void *ctx)
{
    sort_ctx *c = ctx;
    uint32_t a = *(const uint32_t *)x, b = *(const uint32_t *)y;
    growth_row *ra = &c->rows[a], *rb = &c->rows[b];
    int64_t da = ra->bytes[1] - ra->bytes[0], db = rb->bytes[1] - rb->bytes[0];
    if (da != db)
        return da > db ? -1 : 1;
    int64_t ca = ra->count[1] - ra->count[0], cb = rb->count[1] - rb->count[0];
    if (ca != cb)
        return ca > cb ? -1 : 1;
    if (ra->bytes[1] != rb->bytes[1])
        return ra->bytes[1] > rb->bytes[1] ? -1 : 1;
    return strcmp(cd_strtab_get(c->names, a), cd_strtab_get(c->names, b));
}

static json_t *snapshot_json(const cd_side *sd)
{
    const cd_snapshot *s = sd->s;
    const cd_analysis *a = sd->a;
    json_t *j = json_object();
    json_object_set_new(j, "path", cd_jstr(sd->path));
    json_object_set_new(j, "format", cd_jstr(s->format ? s->format : "heapdump"));
    json_object_set_new(j, "go_version", cd_jstr(s->go_version));
    json_object_set_new(j, "goarch", cd_jstr(s->goarch));
    json_object_set_new(j, "objects", json_integer((json_int_t)s->nobj));
    json_object_set_new(j, "bytes", json_integer((json_int_t)s->bytes_total));
    json_object_set_new(j, "reachable_objects", json_integer((json_int_t)a->reach_objs));
    json_object_set_new(j, "reachable_bytes", json_integer((json_int_t)a->reach_bytes));
    json_object_set_new(j, "garbage_objects", json_integer((json_int_t)a->garbage_objs));
    json_object_set_new(j, "garbage_bytes", json_integer((json_int_t)a->garbage_bytes));
    json_object_set_new(j, "typed_bytes", json_integer((json_int_t)a->typed_bytes));
    double frac = a->reach_bytes ? (double)a->typed_bytes / (double)a->reach_bytes : 0;
    json_object_set_new(j, "typed_fraction", json_real((double)(int64_t)(frac * 10000 + 0.5) / 10000));
    json_object_set_new(j, "goroutines", json_integer((json_int_t)s->ngoroutines));
    json_object_set_new(j, "parked_goroutines", json_integer((json_int_t)a->parked_goroutines));
    /* LastGC (ns since the epoch) is the closest the dump has to a time */
    json_object_set_new(j, "last_gc_unix_ns",
                        json_integer(s->have_memstats ? (json_int_t)s->memstats[22] : 0));
    json_t *kinds = json_object();
    for (int k = 1; k < CD_CTXK_NKINDS; k++) {
        size_t n = 0;
        for (size_t i = 0; i < a->nctx; i++)
            n += a->ctxs[i].kind == k;
        if (n)
            json_object_set_new(kinds, cd_ctx_kind_name(k), json_integer((json_int_t)n));
    }
    json_object_set_new(j, "contexts", kinds);
    return j;
}

static json_t *growth_json(const cd_side *sd[NSIDES])
{
    cd_strtab names;
    cd_strtab_init(&names);
    growth_row *rows = NULL;
    size_t cap = 0;
    uint32_t untyped = cd_strtab_add(&names, "(untyped)", 9);
    for (int side = 0; side < NSIDES; side++) {
        const cd_side *d = sd[side];
        for (size_t k = 0; k < d->ntypes; k++) {
            if (!d->type_count[k])
                continue;
            const char *nm = cd_strtab_get(&d->t->names, (uint32_t)k);
            uint32_t id = k ? cd_strtab_add(&names, nm, strlen(nm)) : untyped;
            size_t old = cap;
            CD_GROW(rows, cap, names.n);
            if (cap != old)
                memset(rows + old, 0, (cap - old) * sizeof *rows);
            rows[id].count[side] += (int64_t)d->type_count[k];
            rows[id].bytes[side] += (int64_t)d->type_bytes[k];
        }
    }
    size_t n = names.n;
    size_t old = cap;
    CD_GROW(rows, cap, n + 1);
    if (cap != old)
        memset(rows + old, 0, (cap - old) * sizeof *rows);
    uint32_t *idx = cd_malloc((n + 1) * sizeof *idx);
    size_t m = 0;
    for (uint32_t i = 1; i < n; i++)
        if (rows[i].count[0] || rows[i].count[1])
            idx[m++] = i;
    sort_ctx c = {rows, &names};
    g_sort = &c;
    if (m)
        qsort(idx, m, sizeof *idx, cmp_growth_idx);
    g_sort = NULL;
    json_t *arr = json_array();
    for (size_t i = 0; i < m; i++) {
        growth_row *r = &rows[idx[i]];
        json_t *row = json_object();
        json_object_set_new(row, "type", cd_jstr(cd_strtab_get(&names, idx[i])));
        json_object_set_new(row, "before_count", json_integer(r->count[0]));
        json_object_set_new(row, "after_count", json_integer(r->count[1]));
        json_object_set_new(row, "delta_count", json_integer(r->count[1] - r->count[0]));
        json_object_set_new(row, "before_bytes", json_integer(r->bytes[0]));
        json_object_set_new(row, "after_bytes", json_integer(r->bytes[1]));
        json_object_set_new(row, "delta_bytes", json_integer(r->bytes[1] - r->bytes[0]));
        json_array_append_new(arr, row);
    }
    free(idx);
    free(rows);
    cd_strtab_free(&names);
    return arr;
}

/* ---- leak groups ---- */

typedef struct group {
    uint32_t key;               /* joint id of kind|verdict|signature */
    int verdict, kind;
    int64_t count[NSIDES], bytes[NSIDES], retained[NSIDES], watchers[NSIDES];
    int64_t survived, fresh;
    const char *holder;         /* from the side that has an example */
    const char *signature;
    const cd_side *ex_sd;       /* side the examples come from */
    uint32_t ex_first;          /* first context index there */
} group;

static json_t *path_json(const char *path)
{
    json_t *hops = json_array();
    const char *p = path;
    int first = 1;
    while (*p) {
        const char *nl = strchr(p, '\n');
        size_t len = nl ? (size_t)(nl - p) : strlen(p);
        char line[2048];
        if (len >= sizeof line)
            len = sizeof line - 1;
        memcpy(line, p, len);
        line[len] = 0;
        char *f1 = line, *f2 = strchr(f1, '\t'), *f3 = NULL;
        if (f2) {
            *f2++ = 0;
            f3 = strchr(f2, '\t');
            if (f3)
                *f3++ = 0;
        }
        json_t *h = json_object();
        if (first) {
            json_object_set_new(h, "root", cd_jstr(f1));
            json_object_set_new(h, "name", cd_jstr(f2 ? f2 : ""));
        } else {
            json_object_set_new(h, "type", cd_jstr(f1));
            json_object_set_new(h, "field", cd_jstr(f2 ? f2 : ""));
            json_object_set_new(h, "address", cd_jstr(f3 ? f3 : ""));
        }
        json_array_append_new(hops, h);
        first = 0;
        p += len + (nl ? 1 : 0);
        if (!nl)
            break;
    }
    return hops;
}

static int cmp_groups(const void *x, const void *y)
{
    const group *a = x, *b = y;
    int la = a->verdict != CD_V_NONE, lb = b->verdict != CD_V_NONE;
    if (la != lb)
        return lb - la;
    int64_t da = a->count[1] - a->count[0], db = b->count[1] - b->count[0];
    if (da != db)
        return da > db ? -1 : 1;
    if (a->count[1] != b->count[1])
        return a->count[1] > b->count[1] ? -1 : 1;
    int c = strcmp(a->signature, b->signature);
    if (c)
        return c;
    if (a->kind != b->kind)
        return a->kind - b->kind;
    return a->verdict - b->verdict;
}

static json_t *leaks_json(const cd_side *sd[NSIDES], const ctxdiff_options *o, json_t *summary)
{
    cd_strtab keys;
    cd_strtab_init(&keys);
    group *groups = NULL;
    size_t cap = 0, ng = 0;
    uint32_t *gid_of = NULL;  /* joint key -> group index + 1 */
    size_t gcap = 0;
    for (int side = 0; side < NSIDES; side++) {
        const cd_analysis *a = sd[side]->a;
        cd_map64 seen = {0};   /* (signature id, kind, verdict) of this side -> joint key */
        for (size_t i = 0; i < a->nctx; i++) {
            const cd_ctx *c = &a->ctxs[i];
            uint64_t sk = ((uint64_t)c->signature << 16 | (uint64_t)c->kind << 8 | c->verdict) + 1;
            uint32_t k;
            if (!cd_map64_get(&seen, sk, &k)) {
                const char *sig = cd_strtab_get(&a->names, c->signature);
                char buf[8192];
                snprintf(buf, sizeof buf, "%d|%d|%s", c->kind, c->verdict, sig);
                k = cd_strtab_add(&keys, buf, strlen(buf));
                cd_map64_put(&seen, sk, k);
            }
            size_t old = gcap;
            CD_GROW(gid_of, gcap, keys.n);
            if (gcap != old)
                memset(gid_of + old, 0, (gcap - old) * sizeof *gid_of);
            if (!gid_of[k]) {
                CD_GROW(groups, cap, ng + 1);
                group *g = &groups[ng++];
                memset(g, 0, sizeof *g);
                g->key = k;
                g->verdict = c->verdict;
                g->kind = c->kind;
                gid_of[k] = (uint32_t)ng;
            }
            group *g = &groups[gid_of[k] - 1];
            g->count[side]++;
            g->bytes[side] += c->size;
            g->retained[side] += (int64_t)c->retained;
            g->watchers[side] += c->watchers;
            if (side == 1 || !g->ex_sd) {
                if (!g->ex_sd || (side == 1 && g->ex_sd != sd[side])) {
                    g->ex_sd = sd[side];
                    g->ex_first = (uint32_t)i;
                    g->holder = cd_strtab_get(&a->names, c->holder);
                    g->signature = cd_strtab_get(&a->names, c->signature);
                }
            }
        }
        cd_map64_free(&seen);
    }
    /* the group of each context of after (for the retained total) */
    uint32_t *gidx = cd_malloc((sd[1]->a->nctx + 1) * sizeof *gidx);
    for (size_t i = 0; i < sd[1]->a->nctx; i++) {
        const cd_ctx *c = &sd[1]->a->ctxs[i];
        char buf[8192];
        snprintf(buf, sizeof buf, "%d|%d|%s", c->kind, c->verdict,
                 cd_strtab_get(&sd[1]->a->names, c->signature));
        gidx[i] = gid_of[cd_strtab_add(&keys, buf, strlen(buf))] - 1;
    }
    /* survivors: same address, same kind, same parent address */
    const cd_analysis *A = sd[0]->a, *B = sd[1]->a;
    cd_map64 before = {0};
    for (size_t i = 0; i < A->nctx; i++)
        cd_map64_put(&before, A->ctxs[i].addr, (uint32_t)i);
    int64_t survived = 0, freed;
    uint8_t *matched = cd_calloc(A->nctx + 1, 1);
    for (size_t i = 0; i < B->nctx; i++) {
        const cd_ctx *c = &B->ctxs[i];
        uint32_t j;
        int same = 0;
        if (cd_map64_get(&before, c->addr, &j)) {
            const cd_ctx *p = &A->ctxs[j];
            same = p->kind == c->kind && p->parent_addr == c->parent_addr && !matched[j];
            if (same)
                matched[j] = 1;
        }
        char buf[8192];
        snprintf(buf, sizeof buf, "%d|%d|%s", c->kind, c->verdict,
                 cd_strtab_get(&B->names, c->signature));
        group *g = &groups[gid_of[cd_strtab_add(&keys, buf, strlen(buf))] - 1];
        if (same) {
            survived++;
            g->survived++;
        } else {
            g->fresh++;
        }
    }
    freed = (int64_t)A->nctx - survived;
    free(matched);
    cd_map64_free(&before);

    /* Never-canceled contexts are leaks when their group grows: a growing
       group held by a global is a leak too, while a stable one (a server's
       base context watched by its accept loop, a long-lived parent) is not.
       A canceled but retained context, or a broken propagation, is a bug
       whatever the counts. */
    for (size_t i = 0; i < ng; i++) {
        group *g = &groups[i];
        int grows = g->count[1] > g->count[0];
        if (g->verdict == CD_V_NONE && grows)
            g->verdict = CD_V_NEVER_CANCELED_HELD;
        else if (!grows && (g->verdict == CD_V_WATCHED || g->verdict == CD_V_ORPHAN_CHILD ||
                            g->verdict == CD_V_TIMER_PENDING))
            g->verdict = CD_V_NONE;
    }
    /* bytes retained by leaking contexts of after, each counted once: a
       context dominated by another leaking context is in that one's share */
    int64_t leak_retained = 0;
    for (size_t i = 0; i < sd[1]->a->nctx; i++) {
        const cd_ctx *c = &sd[1]->a->ctxs[i];
        if (groups[gidx[i]].verdict == CD_V_NONE)
            continue;
        if (c->dom_ctx != CD_NONE32 && groups[gidx[c->dom_ctx]].verdict != CD_V_NONE)
            continue;
        leak_retained += (int64_t)c->retained;
    }
    free(gidx);
    if (ng)
        qsort(groups, ng, sizeof *groups, cmp_groups);

    json_t *arr = json_array();
    int64_t leak_ctx[NSIDES] = {0, 0}, none_ctx[NSIDES] = {0, 0}, leak_bytes[NSIDES] = {0, 0};
    int64_t nleak_groups = 0;
    int id = 0;
    for (size_t i = 0; i < ng; i++) {
        group *g = &groups[i];
        for (int s = 0; s < NSIDES; s++) {
            if (g->verdict == CD_V_NONE)
                none_ctx[s] += g->count[s];
            else {
                leak_ctx[s] += g->count[s];
                leak_bytes[s] += g->retained[s];
            }
        }
        json_t *j = json_object();
        json_object_set_new(j, "id", json_integer(++id));
        json_object_set_new(j, "verdict", cd_jstr(cd_verdict_name(g->verdict)));
        json_object_set_new(j, "verdict_text", cd_jstr(cd_verdict_text(g->verdict)));
        json_object_set_new(j, "leak", json_boolean(g->verdict != CD_V_NONE));
        json_object_set_new(j, "kind", cd_jstr(cd_ctx_kind_name(g->kind)));
        json_object_set_new(j, "holder", cd_jstr(g->holder ? g->holder : ""));
        json_object_set_new(j, "signature", cd_jstr(g->signature ? g->signature : ""));
        static const char *const side_names[NSIDES] = {"before", "after"};
        for (int s = 0; s < NSIDES; s++) {
            json_t *c = json_object();
            json_object_set_new(c, "count", json_integer(g->count[s]));
            json_object_set_new(c, "bytes", json_integer(g->bytes[s]));
            json_object_set_new(c, "retained_bytes", json_integer(g->retained[s]));
            json_object_set_new(c, "watchers", json_integer(g->watchers[s]));
            json_object_set_new(j, side_names[s], c);
        }
        json_object_set_new(j, "delta_count", json_integer(g->count[1] - g->count[0]));
        json_object_set_new(j, "survived", json_integer(g->survived));
        json_object_set_new(j, "new", json_integer(g->fresh));
        json_t *paths = json_array();
        if (g->ex_sd) {
            const cd_analysis *a = g->ex_sd->a;
            int want = o->paths > 0 ? o->paths : 1;
            const cd_ctx *first = &a->ctxs[g->ex_first];
            for (size_t k = g->ex_first; k < a->nctx && (int)json_array_size(paths) < want; k++) {
                const cd_ctx *c = &a->ctxs[k];
                if (c->signature != first->signature || c->verdict != first->verdict ||
                    c->kind != first->kind)
                    continue;
                const char *text = g->ex_sd->ex_path ? g->ex_sd->ex_path[k] : NULL;
                json_array_append_new(paths, path_json(text ? text : ""));
            }
        }
        json_object_set_new(j, "paths", paths);
        if (g->verdict != CD_V_NONE)
            nleak_groups++;
        json_array_append_new(arr, j);
    }
    json_object_set_new(summary, "leak_groups", json_integer(nleak_groups));
    json_object_set_new(summary, "leaking_contexts_before", json_integer(leak_ctx[0]));
    json_object_set_new(summary, "leaking_contexts", json_integer(leak_ctx[1]));
    json_object_set_new(summary, "leaking_contexts_delta", json_integer(leak_ctx[1] - leak_ctx[0]));
    json_object_set_new(summary, "leak_retained_bytes", json_integer(leak_retained));
    json_object_set_new(summary, "no_verdict_before", json_integer(none_ctx[0]));
    json_object_set_new(summary, "no_verdict", json_integer(none_ctx[1]));
    json_object_set_new(summary, "contexts_survived", json_integer(survived));
    json_object_set_new(summary, "contexts_new", json_integer((int64_t)B->nctx - survived));
    json_object_set_new(summary, "contexts_freed", json_integer(freed));
    free(groups);
    free(gid_of);
    cd_strtab_free(&keys);
    return arr;
}

/* ---- goroutines ---- */

static const char *top_user_frame(const cd_snapshot *s, const cd_goroutine *g)
{
    const char *fallback = "";
    for (uint32_t f = 0; f < g->nframes; f++) {
        const char *fn = cd_strtab_get(&s->strings, s->frames[g->frame0 + f].func);
        if (!*fallback)
            fallback = fn;
        if (strncmp(fn, "runtime.", 8) != 0)
            return fn;
    }
    return fallback;
}

#define MAX_STACK 32

typedef struct ggroup {
    int64_t n[NSIDES], watching[NSIDES];
} ggroup;

typedef struct gsort { const ggroup *g; const cd_strtab *keys; } gsort;
static const gsort *g_gsort;

static int cmp_ggroups(const void *x, const void *y)
{
    uint32_t a = *(const uint32_t *)x, b = *(const uint32_t *)y;
    const ggroup *ga = &g_gsort->g[a], *gb = &g_gsort->g[b];
    int wa = ga->watching[1] > 0, wb = gb->watching[1] > 0;
    if (wa != wb)
        return wb - wa;   /* goroutines parked on contexts first */
    int64_t da = ga->n[1] - ga->n[0], db = gb->n[1] - gb->n[0];
    if (da != db)
        return da > db ? -1 : 1;
    if (ga->n[1] != gb->n[1])
        return ga->n[1] > gb->n[1] ? -1 : 1;
    return strcmp(cd_strtab_get(g_gsort->keys, a), cd_strtab_get(g_gsort->keys, b));
}

/* Goroutines grouped by state (wait reason) and stack (the functions
 * outside the runtime, innermost first), counted in both snapshots. */
static json_t *goroutines_json(const cd_side *sd[NSIDES])
{
    cd_strtab keys;
    cd_strtab_init(&keys);
    ggroup *gs = NULL;
    size_t cap = 0;
    for (int side = 0; side < NSIDES; side++) {
        const cd_snapshot *s = sd[side]->s;
        for (size_t i = 0; i < s->ngoroutines; i++) {
            const cd_goroutine *g = &s->goroutines[i];
            if (g->system)
                continue;
            char buf[4096];
            static const char *const st[] = {"idle", "runnable", "running", "syscall", "waiting"};
            const char *status = g->status < 5 ? st[g->status] : "other";
            const char *wr = cd_strtab_get(&s->strings, g->wait_reason);
            size_t len = (size_t)snprintf(buf, sizeof buf, "%s", g->status == 4 && *wr ? wr : status);
            int nf = 0;
            const char *top = top_user_frame(s, g);
            for (uint32_t f = 0; f < g->nframes && nf < MAX_STACK && len < sizeof buf - 1; f++) {
                const char *fn = cd_strtab_get(&s->strings, s->frames[g->frame0 + f].func);
                if (strncmp(fn, "runtime.", 8) == 0 && fn != top)
                    continue;
                len += (size_t)snprintf(buf + len, sizeof buf - len, "\t%s", fn);
                nf++;
            }
            if (len >= sizeof buf)
                len = sizeof buf - 1;
            uint32_t k = cd_strtab_add(&keys, buf, len);
            size_t old = cap;
            CD_GROW(gs, cap, keys.n);
            if (cap != old)
                memset(gs + old, 0, (cap - old) * sizeof *gs);
            gs[k].n[side]++;
            gs[k].watching[side] += sd[side]->a->g_watch[i];
        }
    }
    size_t n = keys.n;
    uint32_t *idx = cd_malloc((n + 1) * sizeof *idx);
    size_t m = 0;
    for (uint32_t i = 1; i < n; i++)
        idx[m++] = i;
    gsort ctx = {gs, &keys};
    g_gsort = &ctx;
    if (m)
        qsort(idx, m, sizeof *idx, cmp_ggroups);
    g_gsort = NULL;
    json_t *arr = json_array();
    for (size_t i = 0; i < m; i++) {
        const char *key = cd_strtab_get(&keys, idx[i]);
        const ggroup *g = &gs[idx[i]];
        const char *tab = strchr(key, '\t');
        json_t *j = json_object();
        json_object_set_new(j, "state", tab ? cd_jstrn(key, (size_t)(tab - key)) : cd_jstr(key));
        json_t *stack = json_array();
        while (tab) {
            const char *next = strchr(tab + 1, '\t');
            size_t l = next ? (size_t)(next - tab - 1) : strlen(tab + 1);
            json_array_append_new(stack, cd_jstrn(tab + 1, l));
            tab = next;
        }
        json_object_set_new(j, "function", cd_jstr(json_array_size(stack)
                                                        ? json_string_value(json_array_get(stack, 0)) : ""));
        json_object_set_new(j, "stack", stack);
        json_object_set_new(j, "before", json_integer(g->n[0]));
        json_object_set_new(j, "after", json_integer(g->n[1]));
        json_object_set_new(j, "delta", json_integer(g->n[1] - g->n[0]));
        json_object_set_new(j, "watching_contexts", json_integer(g->watching[1]));
        json_array_append_new(arr, j);
    }
    free(idx);
    free(gs);
    cd_strtab_free(&keys);
    return arr;
}

/* Untyped reachable bytes of the after snapshot, by owner: the type and
 * field of the object (or the root) that holds them on the shortest path. */
static json_t *untyped_json(const cd_side *sd, const cd_binary *bin)
{
    const cd_snapshot *s = sd->s;
    const cd_analysis *a = sd->a;
    const cd_typing *t = sd->t;
    cd_strtab keys;
    cd_strtab_init(&keys);
    int64_t (*acc)[2] = NULL;
    size_t cap = 0;
    for (uint32_t o = 0; o < s->nobj; o++) {
        if (!cd_reached(a, o) || t->obj_type[o])
            continue;
        char buf[1024];
        uint32_t p = a->parent[o];
        if (p == CD_NONE32) {
            uint32_t r = cd_root_of(a, o);
            char rn[900];
            cd_normalise_root(r != CD_NONE32 ? cd_strtab_get(&t->names, t->root_name[r]) : "?", rn, sizeof rn);
            snprintf(buf, sizeof buf, "root %s", rn);  /* goroutine ids vary: keep the function */
        } else {
            const char *pk = t->obj_type[p] ? cd_strtab_get(&t->names, t->obj_type[p]) : "(untyped)";
            char field[512] = "";
            uint64_t e = cd_parent_edge(a, o);
            if (bin && t->obj_btype[p] && !(t->obj_btype[p] & CD_CLOSURE_BIT))
                cd_field_name(bin, t->obj_btype[p],
                              s->edge_off[e] - (s->obj_hdr && s->obj_hdr[p] ? (uint32_t)s->ptr_size : 0),
                              t->obj_array[p], field, sizeof field);
            snprintf(buf, sizeof buf, "%s%s", pk, field);
        }
        uint32_t k = cd_strtab_add(&keys, buf, strlen(buf));
        size_t old = cap;
        CD_GROW(acc, cap, keys.n);
        if (cap != old)
            memset(acc + old, 0, (cap - old) * sizeof *acc);
        acc[k][0]++;
        acc[k][1] += s->obj_size[o];
    }
    json_t *arr = json_array();
    for (int round = 0; round < 10; round++) {
        uint32_t best = 0;
        for (uint32_t k = 1; k < keys.n; k++)
            if (acc[k][1] > 0 && (!best || acc[k][1] > acc[best][1] ||
                                  (acc[k][1] == acc[best][1] &&
                                   strcmp(cd_strtab_get(&keys, k), cd_strtab_get(&keys, best)) < 0)))
                best = k;
        if (!best)
            break;
        json_t *j = json_object();
        json_object_set_new(j, "owner", cd_jstr(cd_strtab_get(&keys, best)));
        json_object_set_new(j, "objects", json_integer(acc[best][0]));
        json_object_set_new(j, "bytes", json_integer(acc[best][1]));
        json_array_append_new(arr, j);
        acc[best][1] = -1;
    }
    free(acc);
    cd_strtab_free(&keys);
    return arr;
}

void cd_side_summarise(cd_side *sd, int paths, const cd_binary *bin, int untyped)
{
    const cd_snapshot *s = sd->s;
    const cd_typing *t = sd->t;
    const cd_analysis *a = sd->a;
    /* growth rows: reachable objects by type key (0: untyped) */
    sd->ntypes = t->names.n ? t->names.n : 1;
    sd->type_count = cd_calloc(sd->ntypes, sizeof *sd->type_count);
    sd->type_bytes = cd_calloc(sd->ntypes, sizeof *sd->type_bytes);
    for (uint32_t o = 0; o < s->nobj; o++)
        if (cd_reached(a, o)) {
            uint32_t k = t->obj_type[o] < sd->ntypes ? t->obj_type[o] : 0;
            sd->type_count[k]++;
            sd->type_bytes[k] += s->obj_size[o];
        }
    /* example paths: the first `paths` contexts of each (signature, kind,
       verdict), the ones leaks_json shows */
    int want = paths > 0 ? paths : 1;
    sd->ex_path = cd_calloc(a->nctx + 1, sizeof *sd->ex_path);
    cd_map64 shown = {0};
    for (size_t i = 0; i < a->nctx; i++) {
        const cd_ctx *c = &a->ctxs[i];
        uint64_t key = ((uint64_t)c->signature << 16 | (uint64_t)c->kind << 8 | c->verdict) + 1;
        uint32_t n = 0;
        cd_map64_get(&shown, key, &n);
        if ((int)n >= want)
            continue;
        cd_map64_put(&shown, key, n + 1);
        sd->ex_path[i] = cd_ctx_path(a, c);
    }
    cd_map64_free(&shown);
    sd->untyped = untyped ? untyped_json(sd, bin) : NULL;
}

void cd_side_summary_free(cd_side *sd)
{
    free(sd->type_count);
    free(sd->type_bytes);
    for (size_t i = 0; sd->ex_path && sd->a && i < sd->a->nctx; i++)
        free(sd->ex_path[i]);
    free(sd->ex_path);
    json_decref(sd->untyped);
    sd->type_count = sd->type_bytes = NULL;
    sd->ex_path = NULL;
    sd->untyped = NULL;
}

json_t *cd_report_new(const char *kind)
{
    json_t *doc = json_object();
    json_object_set_new(doc, "schema", cd_jstr("ctxdiff/1"));
    json_t *tool = json_object();
    json_object_set_new(tool, "name", cd_jstr("ctxdiff"));
    json_object_set_new(tool, "version", cd_jstr(ctxdiff_version()));
    json_object_set_new(doc, "tool", tool);
    json_object_set_new(doc, "kind", cd_jstr(kind));
    return doc;
}

json_t *cd_report_heapdumps(const cd_side *before, const cd_side *after,
                            const cd_binary *bin, const ctxdiff_options *o,
                            json_t *warnings)
{
    const cd_side *sd[NSIDES] = {before, after};
    json_t *doc = cd_report_new("heapdump");
    if (bin) {
        json_t *b = json_object();
        json_object_set_new(b, "path", cd_jstr(bin->path));
        json_object_set_new(b, "go_version", cd_jstr(bin->go_version));
        json_object_set_new(b, "types", json_integer((json_int_t)bin->ndwarf_types));
        json_object_set_new(doc, "binary", b);
    } else {
        json_object_set_new(doc, "binary", json_null());
    }
    json_t *snaps = json_object();
    json_object_set_new(snaps, "before", snapshot_json(before));
    json_object_set_new(snaps, "after", snapshot_json(after));
    json_object_set_new(doc, "snapshots", snaps);
    json_object_set_new(doc, "warnings", warnings);
    json_object_set_new(doc, "growth", growth_json(sd));
    json_t *summary = json_object();
    json_t *leaks = leaks_json(sd, o, summary);
    json_object_set_new(doc, "leaks", leaks);
    json_object_set_new(doc, "goroutines", goroutines_json(sd));
    json_object_set_new(doc, "untyped", after->untyped ? json_incref(after->untyped) : json_array());
    int64_t rb0 = (int64_t)before->a->reach_bytes, rb1 = (int64_t)after->a->reach_bytes;
    json_object_set_new(summary, "reachable_bytes_delta", json_integer(rb1 - rb0));
    json_object_set_new(summary, "reachable_objects_delta",
                        json_integer((int64_t)after->a->reach_objs - (int64_t)before->a->reach_objs));
    json_object_set_new(summary, "goroutines_delta",
                        json_integer((int64_t)after->s->ngoroutines - (int64_t)before->s->ngoroutines));
    json_object_set_new(doc, "summary", summary);
    return doc;
}
