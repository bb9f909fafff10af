/* test_pprof_truth.c — the context view against the real fixtures'
 * truth.json (testdata/go1.NN/{leaky,httpleak}/, see testdata/README.md):
 * for every fixture and every heap profile format (proto, debug=1 text),
 * the context objects counted per call site must equal each pattern's
 * before/after counts, the control site must have none, and the contexts
 * per kind must equal `reachable`; the goroutine profiles (proto, debug=1,
 * debug=2) must show the parked watchers. Skips (77) without fixtures.
 * Run from the source root. */
#include <glob.h>
#include <libgen.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "pprof.h"

static int failures, checks;

static void fail(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
static void fail(const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vfprintf(stderr, fmt, ap);
    va_end(ap);
    fputc('\n', stderr);
    failures++;
}

static cd_pprof_result *compare(const char *dir, const char *suffix,
                                const char *si)
{
    char b[1024], a[1024];
    snprintf(b, sizeof b, "%s/before.%s", dir, suffix);
    snprintf(a, sizeof a, "%s/after.%s", dir, suffix);
    cd_profile *pb = NULL, *pa = NULL;
    cd_pprof_result *r = NULL;
    cd_error err;
    cd_pprof_options o;
    cd_pprof_options_init(&o);
    o.sample_index = si;
    if (cd_pprof_load(b, &pb, &err) < 0 || cd_pprof_load(a, &pa, &err) < 0 ||
        cd_pprof_compare(pb, pa, &o, &r, &err) < 0) {
        char m[2048];
        cd_error_format(&err, m, sizeof m);
        fail("%s: %s", dir, m);
    }
    cd_profile_free(pb);
    cd_profile_free(pa);
    return r;
}

/* Kind of context a group's API makes. */
static const char *kind_of(const char *api)
{
    const char *l = strrchr(api, '.');
    l = l ? l + 1 : api;
    if (!strncmp(l, "WithTimeout", 11) || !strncmp(l, "WithDeadline", 12))
        return "context.timerCtx";
    if (!strcmp(l, "AfterFunc"))
        return "context.afterFuncCtx";
    if (!strcmp(l, "WithoutCancel"))
        return "context.withoutCancelCtx";
    if (!strcmp(l, "WithValue"))
        return "context.valueCtx";
    return "context.cancelCtx";
}

static void site_counts(const cd_pprof_result *r, const char *site,
                        int64_t *before, int64_t *after)
{
    *before = *after = 0;
    for (size_t i = 0; i < r->nctx; i++)
        if (!strcmp(r->ctx[i].site, site)) {
            *before += r->ctx[i].objects[CD_CTX_OBJECT].before;
            *after += r->ctx[i].objects[CD_CTX_OBJECT].after;
        }
}

static void check_heap(const char *dir, const char *suffix, json_t *truth)
{
    cd_pprof_result *r = compare(dir, suffix, "inuse_objects");
    if (!r)
        return;
    size_t i;
    json_t *pat;
    json_array_foreach(json_object_get(truth, "patterns"), i, pat) {
        const char *site = json_string_value(json_object_get(pat, "site"));
        int64_t wb = json_integer_value(json_object_get(pat, "before"));
        int64_t wa = json_integer_value(json_object_get(pat, "after"));
        int64_t gb, ga;
        site_counts(r, site, &gb, &ga);
        checks++;
        if (gb != wb || ga != wa)
            fail("%s %s: site %s: contexts %lld -> %lld, truth %lld -> %lld",
                 dir, suffix, site, (long long)gb, (long long)ga,
                 (long long)wb, (long long)wa);
    }
    json_t *corr = json_object_get(truth, "correct");
    if (corr) {
        const char *site = json_string_value(json_object_get(corr, "site"));
        int64_t gb, ga;
        site_counts(r, site, &gb, &ga);
        checks++;
        if (gb || ga)
            fail("%s %s: control site %s shows %lld -> %lld contexts", dir,
                 suffix, site, (long long)gb, (long long)ga);
    }
    const char *snap[2] = { "before", "after" };
    for (int s = 0; s < 2; s++) {
        json_t *reach = json_object_get(json_object_get(
            json_object_get(truth, "snapshots"), snap[s]), "reachable");
        const char *kind;
        json_t *want;
        json_object_foreach(reach, kind, want) {
            int64_t got = 0;
            for (size_t g = 0; g < r->nctx; g++)
                if (!strcmp(kind_of(r->ctx[g].api), kind))
                    got += s ? r->ctx[g].objects[CD_CTX_OBJECT].after
                             : r->ctx[g].objects[CD_CTX_OBJECT].before;
            checks++;
            if (got != json_integer_value(want))
                fail("%s %s: %s %s: %lld, truth %lld", dir, suffix, snap[s],
                     kind, (long long)got, (long long)json_integer_value(want));
        }
    }
    cd_pprof_result_free(r);
}

static void check_goroutines(const char *dir, const char *suffix, json_t *truth)
{
    cd_pprof_result *r = compare(dir, suffix, NULL);
    if (!r)
        return;
    json_t *snaps = json_object_get(truth, "snapshots");
    int64_t wb = json_integer_value(json_object_get(json_object_get(snaps, "before"),
                                                    "parked_watchers"));
    int64_t wa = json_integer_value(json_object_get(json_object_get(snaps, "after"),
                                                    "parked_watchers"));
    int64_t gb = 0, ga = 0;
    for (size_t i = 0; i < r->ngr; i++)
        if (!strcmp(r->gr[i].top, "main.watcher")) {
            gb += r->gr[i].count.before;
            ga += r->gr[i].count.after;
            /* where the wait reason is known it is a channel wait */
            if (r->gr[i].wait[0] && r->gr[i].cls != CD_GR_CHAN_WAIT &&
                r->gr[i].cls != CD_GR_CTX_WAIT)
                fail("%s %s: main.watcher waits in \"%s\", not a channel wait",
                     dir, suffix, r->gr[i].wait);
        }
    checks++;
    if (gb != wb || ga != wa)
        fail("%s %s: goroutines in main.watcher %lld -> %lld, truth %lld -> %lld",
             dir, suffix, (long long)gb, (long long)ga, (long long)wb,
             (long long)wa);
    cd_pprof_result_free(r);
}

int main(void)
{
    glob_t g;
    if (glob("testdata/go1.*/*/truth.json", 0, NULL, &g) != 0 || g.gl_pathc == 0) {
        printf("SKIP: no testdata/go1.*/*/truth.json fixtures\n");
        return 77;
    }
    for (size_t i = 0; i < g.gl_pathc; i++) {
        json_error_t je;
        json_t *truth = json_load_file(g.gl_pathv[i], 0, &je);
        if (!truth) {
            fail("%s: %s", g.gl_pathv[i], je.text);
            continue;
        }
        char *path = strdup(g.gl_pathv[i]);
        const char *dir = dirname(path);
        check_heap(dir, "heap.pb.gz", truth);
        check_heap(dir, "heap.txt", truth);
        check_goroutines(dir, "goroutine.pb.gz", truth);
        check_goroutines(dir, "goroutine.txt", truth);
        check_goroutines(dir, "goroutine1.txt", truth);
        free(path);
        json_decref(truth);
    }
    printf("test_pprof_truth: %zu fixtures, %d checks, %d failures\n",
           g.gl_pathc, checks, failures);
    globfree(&g);
    return failures ? 1 : 0;
}
