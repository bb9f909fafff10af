/* test_formats.c — the report formats added for people, scripts and CI
 * (html, pprof, dot), the progress callback, and gating against a stored
 * baseline report, on the library directly (so also under ASan+UBSan):
 *   - ctxdiff_compare calls progress with the stages in order, then NULL;
 *   - every format renders the same bytes twice, and refuses what it
 *     cannot show (pprof/dot of profile pairs) with a usage error;
 *   - hostile strings in the report (markup, quotes, backslashes, control
 *     characters in a holder or type name) come out escaped in html and
 *     dot, and intact in the profile's string table;
 *   - the profile is gzip, inflates, and starts with its sample types;
 *   - ctxdiff_report_load reads a -f json report back; the baseline gate
 *     compares with its after values, refuses another kind of report.
 * usage: test_formats [DIR]   (from the repository root; with DIR, also
 * writes DIR/hostile.html for tests/check_html.py to open in a browser).
 * Prints one line per check and "N passed, M failed"; exit 1 on failure. */
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <zlib.h>

#include "ctxdiff.h"
#include "report.h"

#include "check.h"

#define D19 "testdata/go1.19/leaky/"

/* ---- progress ---- */

typedef struct calls { char log[512]; } calls;

static void record(void *arg, const char *stage, int step, int nsteps)
{
    calls *c = arg;
    size_t n = strlen(c->log);
    snprintf(c->log + n, sizeof c->log - n, "%s%s %d/%d", n ? ", " : "", stage ? stage : "done", step, nsteps);
}

static ctxdiff_report *compare(const char *bin, const char *before, const char *after, calls *c)
{
    ctxdiff_options o = ctxdiff_defaults();
    o.binary = bin;
    o.before = before;
    o.after = after;
    o.paths = 2;
    if (c) {
        o.progress = record;
        o.progress_arg = c;
    }
    ctxdiff_report *r = NULL;
    cd_error err;
    memset(&err, 0, sizeof err);
    if (ctxdiff_compare(&o, &r, &err) < 0)
        printf("compare %s %s: %s\n", before, after, err.msg);
    return r;
}

/* ---- rendering to memory ---- */

typedef struct buf { char *p; size_t n; } buf;

static int render(const ctxdiff_report *r, const char *format, buf *b, cd_error *err)
{
    b->p = NULL;
    b->n = 0;
    FILE *f = open_memstream(&b->p, &b->n);
    if (!f)
        return -1;
    int rc = ctxdiff_render(r, format, f, 0, err);
    fclose(f);
    return rc;
}

static int render_doc(json_t *doc, const char *format, buf *b)
{
    ctxdiff_report r;
    memset(&r, 0, sizeof r);
    r.doc = doc;
    r.top = 20;
    r.paths = 2;
    cd_error err;
    return render(&r, format, b, &err);
}

static size_t count(const buf *b, const char *needle)
{
    size_t n = 0, k = strlen(needle);
    for (const char *p = b->p; p && (p = memmem(p, b->n - (size_t)(p - b->p), needle, k)); p += k)
        n++;
    return n;
}

/* Inflate a gzip buffer (for the profile). */
static int gunzip(const buf *in, buf *out)
{
    z_stream z;
    memset(&z, 0, sizeof z);
    out->p = NULL;
    out->n = 0;
    if (inflateInit2(&z, 15 + 16) != Z_OK)
        return -1;
    size_t cap = 1 << 20;
    out->p = malloc(cap);
    z.next_in = (unsigned char *)in->p;
    z.avail_in = (uInt)in->n;
    z.next_out = (unsigned char *)out->p;
    z.avail_out = (uInt)cap;
    int rc = inflate(&z, Z_FINISH);
    out->n = cap - z.avail_out;
    inflateEnd(&z);
    return rc == Z_STREAM_END ? 0 : -1;
}

static const char HOSTILE[] = "</td><script>alert(\"x\\y\")</script>&amp;'\x01";

int main(int argc, char **argv)
{
    /* progress: the stages in order, then done */
    calls c = {""};
    ctxdiff_report *r = compare(D19 "leaky", D19 "before.heapdump", D19 "after.heapdump", &c);
    check(r != NULL, "compare the Go 1.19 leaky dumps");
    check(strcmp(c.log, "loading 1/3, typing and analysing 2/3, comparing 3/3, done 0/0") == 0,
          "progress of a heap dump pair: %s", c.log);
    calls cp = {""};
    ctxdiff_report *rp = compare(NULL, D19 "before.heap.pb.gz", D19 "after.heap.pb.gz", &cp);
    check(rp != NULL, "compare the Go 1.19 heap profiles");
    check(strcmp(cp.log, "loading 1/2, comparing 2/2, done 0/0") == 0, "progress of a profile pair: %s", cp.log);
    calls cf = {""};
    ctxdiff_report *rf = compare(D19 "leaky", D19 "before.heapdump", "testdata/no-such.heapdump", &cf);
    check(rf == NULL && strcmp(cf.log, "") == 0, "a missing file fails before any stage: '%s'", cf.log);
    if (!r || !rp) {
        printf("%d passed, %d failed\n", npass, nfail + 1);
        return 1;
    }

    /* every format, twice: the same bytes */
    static const char *const formats[] = {"text", "json", "markdown", "html", "pprof", "dot"};
    cd_error err;
    for (size_t i = 0; i < sizeof formats / sizeof *formats; i++) {
        buf a, b;
        int ra = render(r, formats[i], &a, &err), rb = render(r, formats[i], &b, &err);
        check(ra == 0 && rb == 0 && a.n > 100 && a.n == b.n && memcmp(a.p, b.p, a.n) == 0,
              "-f %s: %zu bytes, the same twice", formats[i], a.n);
        free(a.p);
        free(b.p);
    }
    for (size_t i = 0; i < sizeof formats / sizeof *formats; i++) {
        buf a;
        memset(&err, 0, sizeof err);
        int rc = render(rp, formats[i], &a, &err);
        int want_ok = strcmp(formats[i], "pprof") && strcmp(formats[i], "dot") && strcmp(formats[i], "markdown");
        check(want_ok ? rc == 0 && a.n > 100 : rc < 0 && err.kind == CD_EUSAGE && a.n == 0,
              "profile pair -f %s: %s", formats[i], want_ok ? "rendered" : err.msg);
        free(a.p);
    }
    memset(&err, 0, sizeof err);
    buf x;
    check(render(r, "xml", &x, &err) < 0 && err.kind == CD_EUSAGE && strstr(err.msg, "html, pprof, dot"),
          "unknown format: %s", err.msg);
    free(x.p);

    /* what each format shows */
    buf html, dot, pb, raw = {NULL, 0};
    render(r, "html", &html, &err);
    render(r, "dot", &dot, &err);
    render(r, "pprof", &pb, &err);
    size_t nleak = 0, i;
    json_t *g;
    json_array_foreach(json_object_get(r->doc, "leaks"), i, g)
        nleak += json_is_true(json_object_get(g, "leak"));
    check(nleak == 6, "six leak groups in the Go 1.19 fixture (%zu)", nleak);
    check(count(&html, "<details id=\"g") == nleak && count(&html, "<table") >= 4,
          "html: a <details> per leak group (%zu), tables (%zu)", count(&html, "<details id=\"g"),
          count(&html, "<table"));
    check(!count(&html, "<script") && !count(&html, "http://") && !count(&html, "https://") &&
          !count(&html, " src=") && !count(&html, "<link") && !count(&html, "@import") &&
          count(&html, "default-src 'none'"),
          "html: self-contained (no script, link, src, URL; CSP default-src 'none')");
    check(count(&dot, "digraph ctxdiff {") == 1 && count(&dot, " -> g") == nleak &&
          count(&dot, "label=\"global main.appCtx\"") == 1,
          "dot: one graph, an edge into every group node, roots as nodes");
    check(pb.n > 18 && (unsigned char)pb.p[0] == 0x1f && (unsigned char)pb.p[1] == 0x8b && pb.p[9] == 3 &&
          memcmp(pb.p + 4, "\0\0\0\0", 4) == 0,
          "pprof: gzip, mtime 0 (stable bytes)");
    int zr = gunzip(&pb, &raw);
    check(zr == 0 && raw.n > 0 && raw.p[0] == 0x0a, "pprof: inflates to %zu bytes, sample types first", raw.n);
    /* string_table entries: field 6, length-delimited (0x32), then the length */
    check(count(&raw, "\x32\x1e" "context.cancelCtx orphan-child") == 1 &&
          count(&raw, "\x32\x12" "global main.appCtx") == 1 && count(&raw, "\x32\x0b" "pprof::base") == 1,
          "pprof: each string once in the string table");
    free(html.p);
    free(dot.p);
    free(pb.p);
    free(raw.p);

    /* hostile strings: escaped in html and dot, intact in the profile */
    json_t *doc = json_deep_copy(r->doc);
    json_t *g0 = json_array_get(json_object_get(doc, "leaks"), 0);
    json_object_set_new(g0, "holder", json_string(HOSTILE));
    json_object_set_new(g0, "verdict_text", json_string(HOSTILE));
    json_t *p0 = json_array_get(json_array_get(json_object_get(g0, "paths"), 0), 0);
    json_object_set_new(p0, "name", json_string(HOSTILE));
    json_t *hop = json_array_get(json_array_get(json_object_get(g0, "paths"), 0), 1);
    json_object_set_new(hop, "type", json_string(HOSTILE));
    json_object_set_new(json_array_get(json_object_get(doc, "growth"), 0), "type", json_string(HOSTILE));
    json_array_append_new(json_object_get(doc, "warnings"), json_string(HOSTILE));
    int rc = render_doc(doc, "html", &html);
    check(rc == 0 && !count(&html, "<script") && !count(&html, "</td><script") &&
          !count(&html, "\x01") && count(&html, "&lt;/td&gt;&lt;script&gt;alert(&quot;x\\y&quot;)&lt;/script&gt;"
                                                "&amp;amp;&#39;") >= 6,
          "html: markup, quotes and control characters escaped (%zu places)",
          count(&html, "&lt;script&gt;alert(&quot;x\\y&quot;)"));
    if (argc > 1) {
        char path[4096];
        snprintf(path, sizeof path, "%s/hostile.html", argv[1]);
        FILE *f = fopen(path, "w");
        check(f && fwrite(html.p, 1, html.n, f) == html.n && fclose(f) == 0, "wrote %s", path);
    }
    rc = render_doc(doc, "dot", &dot);
    check(rc == 0 && count(&dot, "\\\"x\\\\y\\\"") >= 2 && !count(&dot, "(\"x") &&
          !count(&dot, "\x01"),
          "dot: quotes and backslashes escaped inside labels (%zu places)", count(&dot, "\\\"x\\\\y\\\""));
    rc = render_doc(doc, "pprof", &pb);
    zr = gunzip(&pb, &raw);
    check(rc == 0 && zr == 0 && count(&raw, HOSTILE) >= 1,
          "pprof: the string kept as it is (a profile is not markup)");
    free(html.p);
    free(dot.p);
    free(pb.p);
    free(raw.p);
    json_decref(doc);

    /* baseline: read back a -f json report, gate against it */
    char tmpl[] = "/tmp/ctxdiff-test-formats-XXXXXX";
    int fd = mkstemp(tmpl);
    FILE *f = fd >= 0 ? fdopen(fd, "w") : NULL;
    rc = f ? ctxdiff_render(r, "json", f, 0, &err) : -1;
    check(f && rc == 0 && fclose(f) == 0, "write the report as JSON");
    ctxdiff_report *base = NULL;
    rc = ctxdiff_report_load(tmpl, &base, &err);
    check(rc == 0 && json_equal(base->doc, r->doc), "read it back: equal");
    const char *grew[] = {"leaks>+0", "leaks>0%", "leak-groups>+0", "bytes>+0", "type:context.cancelCtx:count>+0"};
    int crossed = base ? ctxdiff_gate_baseline(r, base, grew, 5, NULL, &err) : -1;
    check(crossed == 0, "against itself nothing grew (%d)", crossed);
    const char *plain[] = {"leaks>100"};
    check(base && ctxdiff_gate_baseline(r, base, plain, 1, NULL, &err) == 1, "plain values: this run's after value");
    if (base) {
        json_t *sum = json_object_get(base->doc, "summary");
        json_object_set_new(sum, "leaking_contexts", json_integer(300));
        const char *e1[] = {"leaks>+59"}, *e2[] = {"leaks>+60"}, *e3[] = {"leaks>=20%"};
        check(ctxdiff_gate_baseline(r, base, e1, 1, NULL, &err) == 1 &&
              ctxdiff_gate_baseline(r, base, e2, 1, NULL, &err) == 0 &&
              ctxdiff_gate_baseline(r, base, e3, 1, NULL, &err) == 1,
              "baseline 300 leaks, now 360: +60, 20 %%");
        check(ctxdiff_gate(r, e2, 1, NULL, &err) == 1, "without baseline: from this run's before (120)");
        memset(&err, 0, sizeof err);
        int k = ctxdiff_gate_baseline(rp, base, e1, 1, NULL, &err);
        check(k < 0 && err.kind == CD_EUSAGE &&
              strstr(err.msg, "heap dumps"), "a baseline of another kind: %s", err.msg);
    }
    ctxdiff_report_free(base);
    FILE *w = fopen(tmpl, "w");
    fputs("{\"schema\": \"other/1\"}", w);
    fclose(w);
    memset(&err, 0, sizeof err);
    rc = ctxdiff_report_load(tmpl, &base, &err);
    check(rc < 0 && err.kind == CD_EFORMAT && base == NULL,
          "not a ctxdiff report: %s", err.msg);
    w = fopen(tmpl, "w");
    fputs("{\"schema\": \"ctxdiff/1\", \"kind\": \"heapdump\", \"summ", w);
    fclose(w);
    memset(&err, 0, sizeof err);
    rc = ctxdiff_report_load(tmpl, &base, &err);
    check(rc < 0 && err.kind == CD_EFORMAT && err.offset > 0,
          "broken JSON: offset %" PRId64 ": %s", err.offset, err.msg);
    unlink(tmpl);
    memset(&err, 0, sizeof err);
    rc = ctxdiff_report_load(tmpl, &base, &err);
    check(rc < 0 && err.kind == CD_EIO, "missing file: %s", err.msg);

    ctxdiff_report_free(r);
    ctxdiff_report_free(rp);
    printf("%d passed, %d failed\n", npass, nfail);
    return nfail ? 1 : 0;
}
