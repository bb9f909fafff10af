/* gate.c — CI thresholds on a report: expressions such as "leaks>0",
 * "type:context.cancelCtx:count>+100" or "bytes>+10%" (see ctxdiff(1),
 * GATES). A value with a sign compares the change (after - before); with
 * a trailing % the relative change; otherwise the after value. With a
 * baseline report (--baseline), changes are measured from the baseline's
 * after value instead of this comparison's before value. */
#include <ctype.h>
#include <inttypes.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "error.h"
#include "report.h"

#define GI(o, k) ((int64_t)json_integer_value(json_object_get((o), (k))))

typedef struct metric { int64_t before, after; int missing; } metric;

static int64_t ctx_total(const json_t *snap)
{
    int64_t n = 0;
    const char *k;
    json_t *v;
    json_object_foreach((json_t *)json_object_get(snap, "contexts"), k, v)
        n += (int64_t)json_integer_value(v);
    return n;
}

/* For profile pairs: the contexts of the heap profile's context view, or
 * the goroutines waiting on a context in a goroutine profile. */
static int pprof_metric(const json_t *doc, const char *name, metric *m)
{
    const json_t *p = json_object_get(doc, "pprof");
    const json_t *cv = json_object_get(p, "context_view"), *gv = json_object_get(p, "goroutine_view");
    const json_t *c = NULL;
    if (strcmp(name, "leaks") == 0 || strcmp(name, "contexts") == 0)
        c = cv ? json_object_get(json_object_get(cv, "contexts"), "objects")
               : json_object_get(gv, "context_related");
    else if (strcmp(name, "goroutines") == 0)
        c = json_object_get(gv, "goroutines");
    if (!json_is_object(c))
        return -1;
    m->before = GI(c, "before");
    m->after = GI(c, "after");
    return 0;
}

static int find_metric(const json_t *doc, const char *name, metric *m)
{
    const char *kind = json_string_value(json_object_get(doc, "kind"));
    if (kind && strcmp(kind, "pprof") == 0)
        return pprof_metric(doc, name, m);
    const json_t *snaps = json_object_get(doc, "snapshots");
    const json_t *b = json_object_get(snaps, "before"), *a = json_object_get(snaps, "after");
    const json_t *sum = json_object_get(doc, "summary");
    if (strcmp(name, "leaks") == 0) {
        m->before = GI(sum, "leaking_contexts_before");
        m->after = GI(sum, "leaking_contexts");
    } else if (strcmp(name, "leak-groups") == 0) {
        m->before = 0;
        m->after = GI(sum, "leak_groups");
    } else if (strcmp(name, "bytes") == 0) {
        m->before = GI(b, "reachable_bytes");
        m->after = GI(a, "reachable_bytes");
    } else if (strcmp(name, "objects") == 0) {
        m->before = GI(b, "reachable_objects");
        m->after = GI(a, "reachable_objects");
    } else if (strcmp(name, "goroutines") == 0) {
        m->before = GI(b, "goroutines");
        m->after = GI(a, "goroutines");
    } else if (strcmp(name, "contexts") == 0) {
        m->before = ctx_total(b);
        m->after = ctx_total(a);
    } else if (strncmp(name, "verdict:", 8) == 0) {
        int known = 0;
        for (int v = 1; v < CD_V_COUNT; v++)
            known |= strcmp(name + 8, cd_verdict_name(v)) == 0;
        if (!known)
            return -1;
        m->before = m->after = 0;
        size_t i;
        const json_t *g;
        json_array_foreach(json_object_get(doc, "leaks"), i, g) {
            const char *v = json_string_value(json_object_get(g, "verdict"));
            if (v && strcmp(v, name + 8) == 0) {
                m->before += GI(json_object_get(g, "before"), "count");
                m->after += GI(json_object_get(g, "after"), "count");
            }
        }
    } else if (strncmp(name, "type:", 5) == 0) {
        const char *last = strrchr(name, ':');
        if (last == name + 4)
            return -1;
        const char *col = last + 1;
        if (strcmp(col, "count") != 0 && strcmp(col, "bytes") != 0)
            return -1;
        size_t tlen = (size_t)(last - (name + 5));
        m->before = m->after = 0;
        m->missing = 1;
        size_t i;
        const json_t *row;
        json_array_foreach(json_object_get(doc, "growth"), i, row) {
            const char *t = json_string_value(json_object_get(row, "type"));
            if (t && strlen(t) == tlen && strncmp(t, name + 5, tlen) == 0) {
                int c = strcmp(col, "count") == 0;
                m->missing = 0;
                m->before = GI(row, c ? "before_count" : "before_bytes");
                m->after = GI(row, c ? "after_count" : "after_bytes");
            }
        }
    } else {
        return -1;
    }
    return 0;
}

static int parse_value(const char *s, double *v, int *delta, int *percent)
{
    *delta = *s == '+' || *s == '-';
    /* digits with an optional fraction: no hex, exponent, inf or nan */
    const char *q = s + (*delta ? 1 : 0);
    if (!isdigit((unsigned char)*q))
        return -1;
    while (isdigit((unsigned char)*q))
        q++;
    if (*q == '.') {
        q++;
        if (!isdigit((unsigned char)*q))
            return -1;
        while (isdigit((unsigned char)*q))
            q++;
    }
    if (*q && !isalpha((unsigned char)*q) && *q != '%')
        return -1;
    char *end;
    double x = strtod(s, &end);
    if (end == s)
        return -1;
    *percent = 0;
    double mult = 1;
    if (*end == '%') {
        *percent = 1;
        end++;
    } else if (*end) {
        static const struct { const char *suf; double m; } sufs[] = {
            {"KiB", 1024.0}, {"MiB", 1048576.0}, {"GiB", 1073741824.0},
            {"K", 1e3}, {"M", 1e6}, {"G", 1e9}, {"KB", 1e3}, {"MB", 1e6}, {"GB", 1e9}};
        int found = 0;
        for (size_t i = 0; i < sizeof sufs / sizeof *sufs; i++)
            if (strcmp(end, sufs[i].suf) == 0) {
                mult = sufs[i].m;
                end += strlen(end);
                found = 1;
                break;
            }
        if (!found)
            return -1;
    }
    if (*end)
        return -1;
    if (*percent && !*delta)
        *delta = 1;  /* "bytes>10%" means a 10 % rise */
    *v = x * mult;
    return 0;
}

/* What a baseline must share with the report to be compared with it. */
static const char *doc_kind(const json_t *doc)
{
    const char *k = json_string_value(json_object_get(doc, "kind"));
    if (k && strcmp(k, "pprof") == 0) {
        const char *pk = json_string_value(json_object_get(json_object_get(doc, "pprof"), "kind"));
        return pk && strcmp(pk, "goroutine") == 0 ? "goroutine profiles" : "heap profiles";
    }
    return "heap dumps";
}

int ctxdiff_gate(const ctxdiff_report *r, const char *const *exprs, size_t n,
                 FILE *msgs, cd_error *err)
{
    return ctxdiff_gate_baseline(r, NULL, exprs, n, msgs, err);
}

int ctxdiff_gate_baseline(const ctxdiff_report *r, const ctxdiff_report *base,
                          const char *const *exprs, size_t n, FILE *msgs, cd_error *err)
{
    if (base && strcmp(doc_kind(cd_report_doc(r)), doc_kind(cd_report_doc(base))) != 0)
        return cd_fail(err, CD_EUSAGE, NULL, -1,
                       "--baseline: the baseline report compares %s, this run %s",
                       doc_kind(cd_report_doc(base)), doc_kind(cd_report_doc(r)));
    int crossed = 0;
    for (size_t i = 0; i < n; i++) {
        const char *e = exprs[i];
        while (isspace((unsigned char)*e))
            e++;
        const char *op = e;
        if (strncmp(e, "type:", 5) == 0) {
            /* type names hold '<' and '>' (hash<K,V>): the operator comes
               after the ":count" or ":bytes" that ends the metric */
            const char *c = NULL, *p;
            for (p = e; (p = strstr(p, ":count")) || 0; p++)
                c = p + 6;
            for (p = e; (p = strstr(p, ":bytes")) || 0; p++)
                if (!c || p + 6 > c)
                    c = p + 6;
            op = c ? c : e + strlen(e);
            while (*op == ' ')
                op++;
        }
        while (*op && !strchr("<>=!", *op))
            op++;
        if (!*op || op == e)
            return cd_fail(err, CD_EUSAGE, NULL, -1,
                           "--fail-on '%s': expected METRIC OP VALUE, e.g. leaks>0", e);
        char name[512];
        size_t nl = (size_t)(op - e);
        if (nl >= sizeof name)
            return cd_fail(err, CD_EUSAGE, NULL, -1, "--fail-on '%s': metric name too long", e);
        memcpy(name, e, nl);
        name[nl] = 0;
        while (nl && isspace((unsigned char)name[nl - 1]))
            name[--nl] = 0;
        int oplen = (op[1] == '=') ? 2 : 1;
        char ops[3] = {op[0], oplen == 2 ? '=' : 0, 0};
        if (strcmp(ops, "!") == 0 || strcmp(ops, "=") == 0)
            return cd_fail(err, CD_EUSAGE, NULL, -1, "--fail-on '%s': operator must be >, >=, <, <=, == or !=", e);
        const char *val = op + oplen;
        while (isspace((unsigned char)*val))
            val++;
        double threshold;
        int delta, percent;
        if (parse_value(val, &threshold, &delta, &percent) < 0)
            return cd_fail(err, CD_EUSAGE, NULL, -1,
                           "--fail-on '%s': bad value '%s' (a number, +N for growth, N%% for relative growth; K M G KiB MiB GiB)", e, val);
        metric m = {0, 0, 0};
        if (find_metric(cd_report_doc(r), name, &m) < 0)
            return cd_fail(err, CD_EUSAGE, NULL, -1,
                           "--fail-on '%s': unknown metric '%s' (leaks, leak-groups, bytes, objects, goroutines, contexts, verdict:NAME with NAME one of canceled-retained, orphan-child, broken-propagation, timer-pending, watched, never-canceled-held; type:NAME:count, type:NAME:bytes)", e, name);
        if (m.missing && msgs)
            fprintf(msgs, "ctxdiff: warning: --fail-on '%s': no type '%.*s' in either snapshot (counted as 0)\n",
                    e, (int)(strrchr(name, ':') - name - 5), name + 5);
        if (base && (delta || percent)) {
            /* a change is measured from the baseline's after value */
            metric mb;
            if (find_metric(cd_report_doc(base), name, &mb) < 0)
                return cd_fail(err, CD_EUSAGE, NULL, -1,
                               "--fail-on '%s': the baseline report has no '%s'", e, name);
            m.before = mb.after;
        }
        double x;
        if (percent)
            x = m.before ? (double)(m.after - m.before) * 100.0 / (double)m.before
                         : (m.after > 0 ? INFINITY : 0);
        else if (delta)
            x = (double)(m.after - m.before);
        else
            x = (double)m.after;
        int hit;
        if (strcmp(ops, ">") == 0) hit = x > threshold;
        else if (strcmp(ops, ">=") == 0) hit = x >= threshold;
        else if (strcmp(ops, "<") == 0) hit = x < threshold;
        else if (strcmp(ops, "<=") == 0) hit = x <= threshold;
        else if (strcmp(ops, "==") == 0) hit = x == threshold;
        else hit = x != threshold;
        if (hit) {
            crossed = 1;
            if (msgs)
                fprintf(msgs, "ctxdiff: threshold crossed: %s (%s %" PRId64 ", after %" PRId64 ")\n",
                        e, base && (delta || percent) ? "baseline" : "before", m.before, m.after);
        }
    }
    return crossed;
}
