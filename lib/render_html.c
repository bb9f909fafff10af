/* render_html.c — the report as one self-contained HTML page: inline CSS,
 * no script, no fonts, no network (a Content-Security-Policy forbids every
 * fetch), so it can be archived as a CI artifact and opened anywhere.
 *
 * Heap dumps: summary table, leak groups table, retention paths as
 * expandable <details> (one per group, --paths examples each), groups
 * without a verdict, growth by type (--top rows), goroutines, untyped
 * bytes. Profile pairs: the context or goroutine view and the
 * `go tool pprof -top` rows. Every string from the report is escaped;
 * the same document gives the same bytes (no dates but the snapshots'). */
#include <inttypes.h>
#include <string.h>
#include <time.h>

#include "report.h"

#define GET_I(o, k) ((int64_t)json_integer_value(json_object_get((o), (k))))
#define GET_S(o, k) (json_string_value(json_object_get((o), (k))) ? json_string_value(json_object_get((o), (k))) : "")

/* Text as HTML: markup characters as entities, control characters dropped. */
static void h(FILE *out, const char *s)
{
    for (; *s; s++) {
        unsigned char c = (unsigned char)*s;
        switch (c) {
        case '&': fputs("&amp;", out); break;
        case '<': fputs("&lt;", out); break;
        case '>': fputs("&gt;", out); break;
        case '"': fputs("&quot;", out); break;
        case '\'': fputs("&#39;", out); break;
        default:
            if (c >= 0x20 || c == '\n' || c == '\t')
                fputc(c, out);
            else
                fputs("\xef\xbf\xbd", out);  /* U+FFFD */
        }
    }
}

static const char CSS[] =
    ":root{--fg:#1d1d1f;--bg:#fff;--dim:#6e6e73;--line:#d9d9de;--head:#f3f4f7;--code:#f6f6f8;"
    "--red:#b3261e;--green:#1e7b34}\n"
    "@media (prefers-color-scheme:dark){:root{--fg:#e6e6e9;--bg:#17171a;--dim:#9a9aa2;--line:#3a3a40;"
    "--head:#232328;--code:#202024;--red:#ff8a80;--green:#7bd88f}}\n"
    "body{font:14px/1.45 system-ui,-apple-system,\"Segoe UI\",Roboto,sans-serif;color:var(--fg);"
    "background:var(--bg);margin:2em auto;max-width:1100px;padding:0 1.2em}\n"
    "h1{font-size:1.5em;margin:0 0 .3em}h2{font-size:1.15em;margin:1.8em 0 .5em;"
    "border-bottom:1px solid var(--line);padding-bottom:.2em}\n"
    ".meta,.note{color:var(--dim)}\n"
    "code,.mono{font-family:ui-monospace,\"SFMono-Regular\",Menlo,Consolas,monospace;font-size:.92em}\n"
    "table{border-collapse:collapse;margin:.4em 0;width:100%}\n"
    "th,td{border-bottom:1px solid var(--line);padding:.3em .6em;text-align:left;vertical-align:top}\n"
    "th{background:var(--head);font-weight:600}tbody th{background:none}\n"
    "td.n,th.n{text-align:right;font-variant-numeric:tabular-nums;white-space:nowrap}\n"
    ".up{color:var(--red)}.down{color:var(--green)}\n"
    ".warn{border-left:4px solid var(--red);padding:.4em .8em;background:var(--code);margin:.5em 0}\n"
    ".v{display:inline-block;padding:0 .45em;border-radius:.6em;font-size:.88em;white-space:nowrap;"
    "color:#1d1d1f}\n"
    ".v-canceled-retained{background:#f4cccc}.v-orphan-child{background:#fce5cd}"
    ".v-timer-pending{background:#fff2cc}.v-watched{background:#d9ead3}"
    ".v-broken-propagation{background:#d9d2e9}.v-never-canceled-held{background:#cfe2f3}"
    ".v-none{background:#eeeeee}\n"
    "details{border:1px solid var(--line);border-radius:6px;margin:.5em 0;padding:.2em .8em}\n"
    "details[open]{padding-bottom:.6em}summary{cursor:pointer;padding:.3em 0}\n"
    "ol.path{list-style:none;margin:.4em 0;padding:.5em .8em;background:var(--code);border-radius:4px}\n"
    "ol.path li{font-family:ui-monospace,\"SFMono-Regular\",Menlo,Consolas,monospace;font-size:.92em;"
    "padding:.05em 0}\n"
    "ol.path li+li{padding-left:1.4em;text-indent:-1.4em}\n"
    "ol.path li+li::before{content:\"\\2192\\00a0\";color:var(--dim)}\n"
    "ol.path .root{font-weight:600}ol.path .leaf{font-weight:600;color:var(--red)}\n"
    ".field{color:var(--dim)}\n"
    "td details{border:0;margin:0;padding:0}td summary{padding:0;color:var(--dim);font-size:.9em}\n"
    "ol.stack{margin:.3em 0;padding-left:1.6em}\n"
    "footer{margin:2.5em 0 1em;color:var(--dim);font-size:.9em}\n";

static void head(FILE *out, const json_t *doc, const char *title)
{
    fputs("<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n", out);
    fputs("<meta http-equiv=\"Content-Security-Policy\" content=\"default-src 'none'; "
          "style-src 'unsafe-inline'\">\n", out);
    fputs("<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n", out);
    fputs("<meta name=\"generator\" content=\"ctxdiff ", out);
    h(out, GET_S(json_object_get(doc, "tool"), "version"));
    fputs("\">\n<title>", out);
    h(out, title);
    fprintf(out, "</title>\n<style>\n%s</style>\n</head>\n<body>\n", CSS);
}

static void foot(FILE *out, const json_t *doc)
{
    fputs("<footer>ctxdiff ", out);
    h(out, GET_S(json_object_get(doc, "tool"), "version"));
    fputs(" &middot; report schema ", out);
    h(out, GET_S(doc, "schema"));
    fputs(" &middot; <code>ctxdiff -f json</code> gives the same report for scripts</footer>\n"
          "</body>\n</html>\n", out);
}

static void warnings(FILE *out, const json_t *ws)
{
    size_t i;
    const json_t *w;
    json_array_foreach(ws, i, w) {
        fputs("<p class=\"warn\"><strong>warning:</strong> ", out);
        h(out, json_string_value(w) ? json_string_value(w) : "");
        fputs("</p>\n", out);
    }
}

/* Table cells for numbers: counts with separators, bytes human-readable
 * with the exact value in the title, changes coloured. */
static void td_count(FILE *out, int64_t v)
{
    char b[32];
    cd_human_count(v, 0, b, sizeof b);
    fprintf(out, "<td class=\"n\">%s</td>", b);
}

static void td_delta(FILE *out, int64_t v)
{
    char b[32];
    cd_human_count(v, 1, b, sizeof b);
    fprintf(out, "<td class=\"n%s\">%s</td>", v > 0 ? " up" : v < 0 ? " down" : "", b);
}

static void td_bytes(FILE *out, int64_t v, int sign)
{
    char b[32];
    cd_human_bytes(v, sign, b, sizeof b);
    fprintf(out, "<td class=\"n%s\" title=\"%" PRId64 " bytes\">%s</td>",
            sign && v > 0 ? " up" : sign && v < 0 ? " down" : "", v, b);
}

static void td_text(FILE *out, const char *s, int mono)
{
    fputs(mono ? "<td><code>" : "<td>", out);
    h(out, s);
    fputs(mono ? "</code></td>" : "</td>", out);
}

static void verdict_badge(FILE *out, const char *v)
{
    fputs("<span class=\"v v-", out);
    h(out, v);
    fputs("\">", out);
    h(out, v);
    fputs("</span>", out);
}

/* ---- heap dumps ---- */

static int64_t ctx_total(const json_t *snap)
{
    int64_t n = 0;
    const char *k;
    json_t *v;
    json_object_foreach((json_t *)json_object_get(snap, "contexts"), k, v)
        n += (int64_t)json_integer_value(v);
    return n;
}

static void summary(FILE *out, const json_t *doc)
{
    const json_t *snaps = json_object_get(doc, "snapshots");
    const json_t *b = json_object_get(snaps, "before"), *a = json_object_get(snaps, "after");
    const json_t *sum = json_object_get(doc, "summary");
    fputs("<section id=\"summary\">\n<h2>Summary</h2>\n<p>before <code>", out);
    h(out, GET_S(b, "path"));
    fputs("</code><br>after <code>", out);
    h(out, GET_S(a, "path"));
    fputs("</code></p>\n<table class=\"summary\">\n"
          "<thead><tr><th></th><th class=\"n\">before</th><th class=\"n\">after</th>"
          "<th class=\"n\">change</th></tr></thead>\n<tbody>\n", out);
    static const struct { const char *label, *key; int bytes; } rows[] = {
        {"reachable heap", "reachable_bytes", 1},
        {"reachable objects", "reachable_objects", 0},
        {"garbage (not reachable)", "garbage_bytes", 1},
        {"goroutines", "goroutines", 0},
        {"parked goroutines", "parked_goroutines", 0},
    };
    for (size_t i = 0; i < sizeof rows / sizeof *rows; i++) {
        int64_t x = GET_I(b, rows[i].key), y = GET_I(a, rows[i].key);
        fprintf(out, "<tr><th>%s</th>", rows[i].label);
        if (rows[i].bytes) {
            td_bytes(out, x, 0);
            td_bytes(out, y, 0);
            td_bytes(out, y - x, 1);
        } else {
            td_count(out, x);
            td_count(out, y);
            td_delta(out, y - x);
        }
        fputs("</tr>\n", out);
    }
    int64_t cb = ctx_total(b), ca = ctx_total(a);
    fputs("<tr><th>contexts</th>", out);
    td_count(out, cb);
    td_count(out, ca);
    td_delta(out, ca - cb);
    fputs("</tr>\n<tr><th>leaking contexts</th>", out);
    td_count(out, GET_I(sum, "leaking_contexts_before"));
    td_count(out, GET_I(sum, "leaking_contexts"));
    td_delta(out, GET_I(sum, "leaking_contexts_delta"));
    fputs("</tr>\n<tr><th>retained by leaking contexts</th><td></td>", out);
    td_bytes(out, GET_I(sum, "leak_retained_bytes"), 0);
    fputs("<td></td></tr>\n", out);
    fprintf(out, "<tr><th>typed</th><td class=\"n\">%.1f %%</td><td class=\"n\">%.1f %%</td><td></td></tr>\n",
            json_real_value(json_object_get(b, "typed_fraction")) * 100,
            json_real_value(json_object_get(a, "typed_fraction")) * 100);
    fputs("</tbody>\n</table>\n", out);
    fprintf(out, "<p class=\"note\">Contexts: %" PRId64 " survived from before, %" PRId64 " new, %" PRId64
            " freed.</p>\n</section>\n",
            GET_I(sum, "contexts_survived"), GET_I(sum, "contexts_new"), GET_I(sum, "contexts_freed"));
}

static void path_list(FILE *out, const json_t *path)
{
    size_t n = json_array_size(path);
    fputs("<ol class=\"path\">\n", out);
    for (size_t i = 0; i < n; i++) {
        const json_t *hop = json_array_get(path, i);
        if (i == 0) {
            const char *kind = GET_S(hop, "root");
            fputs("<li class=\"root\">", out);
            h(out, kind);
            fputs(*kind ? " " : "", out);
            h(out, GET_S(hop, "name"));
        } else {
            fputs(i + 1 == n ? "<li class=\"leaf\">" : "<li>", out);
            h(out, GET_S(hop, "type"));
            fputs("<span class=\"field\">", out);
            h(out, GET_S(hop, "field"));
            fputs("</span>", out);
        }
        fputs("</li>\n", out);
    }
    fputs("</ol>\n", out);
}

static void leaks(FILE *out, const json_t *doc, int paths)
{
    const json_t *sum = json_object_get(doc, "summary");
    const json_t *groups = json_object_get(doc, "leaks");
    char rb[32], d[32];
    cd_human_bytes(GET_I(sum, "leak_retained_bytes"), 0, rb, sizeof rb);
    cd_human_count(GET_I(sum, "leaking_contexts_delta"), 1, d, sizeof d);
    fprintf(out, "<section id=\"leaks\">\n<h2>Leak groups</h2>\n<p>%" PRId64 " groups, %" PRId64
            " contexts (%s), %s retained. A group is the contexts whose shortest retention path from a "
            "GC root has the same shape; the verdict says why it is a leak.</p>\n",
            GET_I(sum, "leak_groups"), GET_I(sum, "leaking_contexts"), d, rb);
    fputs("<table class=\"leaks\">\n<thead><tr><th class=\"n\">#</th><th>verdict</th><th>kind</th>"
          "<th>holder</th><th class=\"n\">before</th><th class=\"n\">after</th><th class=\"n\">&Delta;</th>"
          "<th class=\"n\">retained</th><th class=\"n\">watchers</th></tr></thead>\n<tbody>\n", out);
    size_t i;
    const json_t *g;
    json_array_foreach(groups, i, g) {
        if (!json_is_true(json_object_get(g, "leak")))
            continue;
        const json_t *b = json_object_get(g, "before"), *a = json_object_get(g, "after");
        fprintf(out, "<tr><td class=\"n\"><a href=\"#g%" PRId64 "\">%" PRId64 "</a></td><td>",
                GET_I(g, "id"), GET_I(g, "id"));
        verdict_badge(out, GET_S(g, "verdict"));
        fputs("</td>", out);
        td_text(out, GET_S(g, "kind"), 1);
        td_text(out, GET_S(g, "holder"), 1);
        td_count(out, GET_I(b, "count"));
        td_count(out, GET_I(a, "count"));
        td_delta(out, GET_I(g, "delta_count"));
        td_bytes(out, GET_I(a, "retained_bytes"), 0);
        td_count(out, GET_I(a, "watchers"));
        fputs("</tr>\n", out);
    }
    fputs("</tbody>\n</table>\n<h2 id=\"paths\">Retention paths</h2>\n", out);
    int nopen = 0;
    json_array_foreach(groups, i, g) {
        if (!json_is_true(json_object_get(g, "leak")))
            continue;
        /* the first group open: one example path in view without a click */
        fprintf(out, "<details id=\"g%" PRId64 "\"%s>\n<summary><strong>#%" PRId64 "</strong> ",
                GET_I(g, "id"), nopen++ ? "" : " open", GET_I(g, "id"));
        verdict_badge(out, GET_S(g, "verdict"));
        fputs(" <code>", out);
        h(out, GET_S(g, "kind"));
        fputs("</code> held by <code>", out);
        h(out, GET_S(g, "holder"));
        fputs("</code> &mdash; ", out);
        h(out, GET_S(g, "verdict_text"));
        fprintf(out, "</summary>\n<p class=\"note\">survived %" PRId64 ", new %" PRId64, GET_I(g, "survived"),
                GET_I(g, "new"));
        int64_t w = GET_I(json_object_get(g, "after"), "watchers");
        if (w)
            fprintf(out, "; watched by %" PRId64 " parked goroutines", w);
        fputs(". Signature: <code>", out);
        h(out, GET_S(g, "signature"));
        fputs("</code></p>\n", out);
        const json_t *ps = json_object_get(g, "paths");
        for (size_t k = 0; k < json_array_size(ps) && (int)k < (paths > 0 ? paths : 1); k++)
            path_list(out, json_array_get(ps, k));
        fputs("</details>\n", out);
    }
    int64_t nv = GET_I(sum, "no_verdict");
    fprintf(out, "<h2 id=\"no-verdict\">No verdict</h2>\n<p>%" PRId64 " contexts held as before or fewer "
            "(long-lived, not growing).</p>\n", nv);
    int any = 0;
    json_array_foreach(groups, i, g) {
        if (json_is_true(json_object_get(g, "leak")))
            continue;
        if (!any++)
            fputs("<table class=\"noverdict\">\n<thead><tr><th class=\"n\">#</th><th>kind</th><th>holder</th>"
                  "<th class=\"n\">before</th><th class=\"n\">after</th></tr></thead>\n<tbody>\n", out);
        fprintf(out, "<tr><td class=\"n\">%" PRId64 "</td>", GET_I(g, "id"));
        td_text(out, GET_S(g, "kind"), 1);
        td_text(out, GET_S(g, "holder"), 1);
        td_count(out, GET_I(json_object_get(g, "before"), "count"));
        td_count(out, GET_I(json_object_get(g, "after"), "count"));
        fputs("</tr>\n", out);
    }
    if (any)
        fputs("</tbody>\n</table>\n", out);
    fputs("</section>\n", out);
}

static void growth(FILE *out, const json_t *doc, int top)
{
    const json_t *rows = json_object_get(doc, "growth");
    size_t n = json_array_size(rows);
    fputs("<section id=\"growth\">\n<h2>Growth by type</h2>\n<p class=\"note\">Reachable objects, "
          "sorted by byte growth.</p>\n<table class=\"growth\">\n<thead><tr><th>type</th>"
          "<th class=\"n\">before</th><th class=\"n\">after</th><th class=\"n\">&Delta; count</th>"
          "<th class=\"n\">before bytes</th><th class=\"n\">after bytes</th><th class=\"n\">&Delta; bytes</th>"
          "</tr></thead>\n<tbody>\n", out);
    size_t shown = 0;
    for (size_t i = 0; i < n && (top <= 0 || shown < (size_t)top); i++, shown++) {
        const json_t *r = json_array_get(rows, i);
        fputs("<tr>", out);
        td_text(out, GET_S(r, "type"), 1);
        td_count(out, GET_I(r, "before_count"));
        td_count(out, GET_I(r, "after_count"));
        td_delta(out, GET_I(r, "delta_count"));
        td_bytes(out, GET_I(r, "before_bytes"), 0);
        td_bytes(out, GET_I(r, "after_bytes"), 0);
        td_bytes(out, GET_I(r, "delta_bytes"), 1);
        fputs("</tr>\n", out);
    }
    fputs("</tbody>\n</table>\n", out);
    if (shown < n)
        fprintf(out, "<p class=\"note\">%zu more types (<code>--top 0</code> shows all).</p>\n", n - shown);
    fputs("</section>\n", out);
}

static void stack_details(FILE *out, const json_t *stack, const char *what)
{
    if (json_array_size(stack) < 2)
        return;
    fprintf(out, "<details><summary>%s (%zu)</summary><ol class=\"stack mono\">", what, json_array_size(stack));
    size_t i;
    const json_t *f;
    json_array_foreach(stack, i, f) {
        fputs("<li>", out);
        h(out, json_string_value(f) ? json_string_value(f) : "");
        fputs("</li>", out);
    }
    fputs("</ol></details>", out);
}

static void goroutines(FILE *out, const json_t *doc, int top)
{
    const json_t *gs = json_object_get(doc, "goroutines");
    size_t n = json_array_size(gs);
    if (!n)
        return;
    fputs("<section id=\"goroutines\">\n<h2>Goroutines</h2>\n<p class=\"note\">User goroutines by state "
          "and stack; those parked on a context's Done channel first.</p>\n<table class=\"goroutines\">\n"
          "<thead><tr><th>state</th><th>function</th><th class=\"n\">before</th><th class=\"n\">after</th>"
          "<th class=\"n\">&Delta;</th><th class=\"n\">on ctx.Done</th></tr></thead>\n<tbody>\n", out);
    size_t shown = 0;
    for (size_t i = 0; i < n && (top <= 0 || shown < (size_t)top); i++, shown++) {
        const json_t *g = json_array_get(gs, i);
        fputs("<tr>", out);
        td_text(out, GET_S(g, "state"), 0);
        fputs("<td><code>", out);
        h(out, GET_S(g, "function"));
        fputs("</code>", out);
        stack_details(out, json_object_get(g, "stack"), "stack");
        fputs("</td>", out);
        td_count(out, GET_I(g, "before"));
        td_count(out, GET_I(g, "after"));
        td_delta(out, GET_I(g, "delta"));
        td_count(out, GET_I(g, "watching_contexts"));
        fputs("</tr>\n", out);
    }
    fputs("</tbody>\n</table>\n", out);
    if (shown < n)
        fprintf(out, "<p class=\"note\">%zu more groups (<code>--top 0</code> shows all).</p>\n", n - shown);
    fputs("</section>\n", out);
}

static void untyped(FILE *out, const json_t *doc, int top)
{
    const json_t *us = json_object_get(doc, "untyped");
    size_t n = json_array_size(us);
    if (!n)
        return;
    fputs("<section id=\"untyped\">\n<h2>Untyped bytes</h2>\n<p class=\"note\">Reachable objects no type "
          "was found for, by owner.</p>\n<table class=\"untyped\">\n<thead><tr><th>owner</th>"
          "<th class=\"n\">objects</th><th class=\"n\">bytes</th></tr></thead>\n<tbody>\n", out);
    for (size_t i = 0; i < n && (top <= 0 || i < (size_t)top); i++) {
        const json_t *u = json_array_get(us, i);
        fputs("<tr>", out);
        td_text(out, GET_S(u, "owner"), 1);
        td_count(out, GET_I(u, "objects"));
        td_bytes(out, GET_I(u, "bytes"), 0);
        fputs("</tr>\n", out);
    }
    fputs("</tbody>\n</table>\n</section>\n", out);
}

static void render_heapdumps(const json_t *doc, FILE *out, int top, int paths)
{
    const json_t *sum = json_object_get(doc, "summary");
    const json_t *a = json_object_get(json_object_get(doc, "snapshots"), "after");
    const json_t *bin = json_object_get(doc, "binary");
    char title[256];
    snprintf(title, sizeof title, "ctxdiff: %" PRId64 " leak groups, %" PRId64 " leaking contexts (%+" PRId64 ")",
             GET_I(sum, "leak_groups"), GET_I(sum, "leaking_contexts"), GET_I(sum, "leaking_contexts_delta"));
    head(out, doc, title);
    fputs("<header>\n<h1>", out);
    h(out, title);
    fputs("</h1>\n<p class=\"meta\">", out);
    h(out, GET_S(a, "go_version"));
    fputs(" ", out);
    h(out, GET_S(a, "goarch"));
    if (json_is_object(bin)) {
        fputs(" &middot; binary <code>", out);
        h(out, GET_S(bin, "path"));
        fprintf(out, "</code> (%" PRId64 " types)", GET_I(bin, "types"));
    } else {
        fputs(" &middot; no binary (-b): type names degraded", out);
    }
    fputs("</p>\n</header>\n", out);
    warnings(out, json_object_get(doc, "warnings"));
    summary(out, doc);
    leaks(out, doc, paths);
    growth(out, doc, top);
    goroutines(out, doc, top);
    untyped(out, doc, top);
    foot(out, doc);
}

/* ---- profile pairs ---- */

static void utc(int64_t ns, char *buf, size_t cap)
{
    time_t t = (time_t)(ns / 1000000000);
    struct tm tm;
    if (ns <= 0 || !gmtime_r(&t, &tm) || !strftime(buf, cap, "%Y-%m-%d %H:%M:%S UTC", &tm))
        snprintf(buf, cap, "-");
}

static void pair_cells(FILE *out, const json_t *p, int bytes)
{
    if (bytes) {
        td_bytes(out, GET_I(p, "before"), 0);
        td_bytes(out, GET_I(p, "after"), 0);
        td_bytes(out, GET_I(p, "growth"), 1);
    } else {
        td_count(out, GET_I(p, "before"));
        td_count(out, GET_I(p, "after"));
        td_delta(out, GET_I(p, "growth"));
    }
}

static void context_view(FILE *out, const json_t *cv)
{
    static const struct { const char *key, *label; } parts[] = {
        {"context", "contexts"}, {"closure", "closures"}, {"timer", "deadline timers"},
        {"done_chan", "Done channels"}, {"children_map", "children maps"}, {"other", "other"},
    };
    fputs("<section id=\"contexts\">\n<h2>Contexts created, by call site</h2>\n<p class=\"note\">", out);
    h(out, GET_S(cv, "objects_type"));
    fputs(", ", out);
    h(out, GET_S(cv, "bytes_type"));
    fputs("; the call site is the first function outside package context.</p>\n<table class=\"contexts\">\n"
          "<thead><tr><th>site</th><th>API</th><th>what</th><th class=\"n\">before</th><th class=\"n\">after</th>"
          "<th class=\"n\">growth</th><th class=\"n\">bytes growth</th></tr></thead>\n<tbody>\n", out);
    size_t i;
    const json_t *g;
    json_array_foreach(json_object_get(cv, "groups"), i, g) {
        const json_t *ps = json_object_get(g, "parts");
        for (size_t k = 0; k < sizeof parts / sizeof *parts; k++) {
            const json_t *p = json_object_get(ps, parts[k].key);
            const json_t *o = json_object_get(p, "objects"), *b = json_object_get(p, "bytes");
            if (!p || (k && !GET_I(o, "before") && !GET_I(o, "after")))
                continue;
            fputs("<tr>", out);
            td_text(out, k ? "" : GET_S(g, "site"), 1);
            td_text(out, k ? "" : GET_S(g, "api"), 1);
            td_text(out, parts[k].label, 0);
            pair_cells(out, o, 0);
            td_bytes(out, GET_I(b, "growth"), 1);
            fputs("</tr>\n", out);
        }
    }
    const json_t *tot = json_object_get(cv, "contexts");
    fputs("<tr><th colspan=\"3\">all contexts</th>", out);
    pair_cells(out, json_object_get(tot, "objects"), 0);
    td_bytes(out, GET_I(json_object_get(tot, "bytes"), "growth"), 1);
    fputs("</tr>\n</tbody>\n</table>\n</section>\n", out);
}

static void goroutine_view(FILE *out, const json_t *gv)
{
    fputs("<section id=\"goroutines\">\n<h2>Goroutines by wait and stack</h2>\n<table class=\"goroutines\">\n"
          "<thead><tr><th>wait</th><th>top / origin</th><th class=\"n\">before</th><th class=\"n\">after</th>"
          "<th class=\"n\">growth</th></tr></thead>\n<tbody>\n", out);
    size_t i;
    const json_t *g;
    json_array_foreach(json_object_get(gv, "groups"), i, g) {
        fputs("<tr><td>", out);
        h(out, *GET_S(g, "wait") ? GET_S(g, "wait") : GET_S(g, "class"));
        fputs("</td><td><code>", out);
        h(out, GET_S(g, "top"));
        fputs("</code>", out);
        if (strcmp(GET_S(g, "origin"), GET_S(g, "top")) != 0) {
            fputs(" &lt; <code>", out);
            h(out, GET_S(g, "origin"));
            fputs("</code>", out);
        }
        stack_details(out, json_object_get(g, "stack"), "stack");
        fputs("</td>", out);
        pair_cells(out, json_object_get(g, "count"), 0);
        fputs("</tr>\n", out);
    }
    fputs("<tr><th colspan=\"2\">goroutines</th>", out);
    pair_cells(out, json_object_get(gv, "goroutines"), 0);
    fputs("</tr>\n<tr><th colspan=\"2\">waiting on a context</th>", out);
    pair_cells(out, json_object_get(gv, "context_related"), 0);
    fputs("</tr>\n</tbody>\n</table>\n</section>\n", out);
}

static void top_table(FILE *out, const json_t *top, int limit)
{
    fputs("<section id=\"top\">\n<h2>Growth by function</h2>\n<p class=\"note\">after &minus; before: the rows "
          "of <code>go tool pprof -top -sample_index=", out);
    h(out, GET_S(top, "sample_type"));
    fputs(" -base BEFORE AFTER</code></p>\n", out);
    size_t i;
    const json_t *l;
    json_array_foreach(json_object_get(top, "header"), i, l) {
        fputs("<p class=\"note\">", out);
        h(out, json_string_value(l) ? json_string_value(l) : "");
        fputs("</p>\n", out);
    }
    fputs("<table class=\"top\">\n<thead><tr><th class=\"n\">flat</th><th class=\"n\">flat%</th>"
          "<th class=\"n\">sum%</th><th class=\"n\">cum</th><th class=\"n\">cum%</th><th>function</th>"
          "</tr></thead>\n<tbody>\n", out);
    const json_t *rows = json_object_get(top, "rows");
    size_t n = json_array_size(rows);
    for (i = 0; i < n && (limit <= 0 || i < (size_t)limit); i++) {
        const json_t *r = json_array_get(rows, i);
        fputs("<tr>", out);
        static const char *const cols[] = {"flat_text", "flat_pct", "sum_pct", "cum_text", "cum_pct"};
        for (size_t c = 0; c < 5; c++) {
            fputs("<td class=\"n\">", out);
            h(out, GET_S(r, cols[c]));
            fputs("</td>", out);
        }
        fputs("<td><code>", out);
        h(out, GET_S(r, "name"));
        if (*GET_S(r, "inline")) {
            fputs(" ", out);
            h(out, GET_S(r, "inline"));
        }
        fputs("</code></td></tr>\n", out);
    }
    fputs("</tbody>\n</table>\n", out);
    if (i < n)
        fprintf(out, "<p class=\"note\">%zu more rows (<code>--top 0</code> shows all).</p>\n", n - i);
    fputs("</section>\n", out);
}

static void render_profiles(const json_t *doc, FILE *out, int top)
{
    const json_t *p = json_object_get(doc, "pprof");
    const json_t *cv = json_object_get(p, "context_view"), *gv = json_object_get(p, "goroutine_view");
    char title[256];
    snprintf(title, sizeof title, "ctxdiff: two %s profiles compared", GET_S(p, "kind"));
    head(out, doc, title);
    fputs("<header>\n<h1>", out);
    h(out, title);
    fputs("</h1>\n</header>\n", out);
    warnings(out, json_object_get(p, "warnings"));
    const json_t *b = json_object_get(p, "before"), *a = json_object_get(p, "after");
    fputs("<section id=\"summary\">\n<h2>Summary</h2>\n<p>", out);
    const json_t *sides[2] = {b, a};
    for (int i = 0; i < 2; i++) {
        char t[64];
        utc(GET_I(sides[i], "time_nanos"), t, sizeof t);
        fputs(i ? "<br>after <code>" : "before <code>", out);
        h(out, GET_S(sides[i], "path"));
        fputs("</code> (", out);
        h(out, GET_S(sides[i], "format"));
        fprintf(out, ", %s)", t);
    }
    fputs("</p>\n<table class=\"summary\">\n<thead><tr><th></th><th class=\"n\">before</th>"
          "<th class=\"n\">after</th><th class=\"n\">change</th></tr></thead>\n<tbody>\n", out);
    if (cv) {
        const json_t *tot = json_object_get(cv, "contexts");
        fputs("<tr><th>contexts</th>", out);
        pair_cells(out, json_object_get(tot, "objects"), 0);
        fputs("</tr>\n<tr><th>context bytes</th>", out);
        pair_cells(out, json_object_get(tot, "bytes"), 1);
        fputs("</tr>\n", out);
    }
    if (gv) {
        fputs("<tr><th>goroutines</th>", out);
        pair_cells(out, json_object_get(gv, "goroutines"), 0);
        fputs("</tr>\n<tr><th>waiting on a context</th>", out);
        pair_cells(out, json_object_get(gv, "context_related"), 0);
        fputs("</tr>\n", out);
    }
    fputs("</tbody>\n</table>\n</section>\n", out);
    if (cv)
        context_view(out, cv);
    if (gv)
        goroutine_view(out, gv);
    top_table(out, json_object_get(p, "top"), top);
    foot(out, doc);
}

int cd_render_html(const json_t *doc, FILE *out, int top, int paths)
{
    const char *kind = GET_S(doc, "kind");
    if (strcmp(kind, "pprof") == 0)
        render_profiles(doc, out, top);
    else
        render_heapdumps(doc, out, top, paths);
    return ferror(out) ? -1 : 0;
}
