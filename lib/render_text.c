/* render_text.c — the report for a person at a terminal: header, growth
 * table, leak groups with their example paths drawn root first, goroutine
 * groups. Fits 80 columns; colour only when asked (the CLI asks on a TTY
 * without NO_COLOR). */
#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#include "report.h"

#define GET_I(o, k) json_integer_value(json_object_get((o), (k)))
#define GET_S(o, k) (json_string_value(json_object_get((o), (k))) ? json_string_value(json_object_get((o), (k))) : "")

void cd_human_bytes(int64_t v, int sign, char *buf, size_t cap)
{
    const char *units[] = {"B", "KiB", "MiB", "GiB", "TiB"};
    double x = (double)(v < 0 ? -v : v);
    int u = 0;
    while (x >= 1024 && u < 4) {
        x /= 1024;
        u++;
    }
    const char *s = v < 0 ? "-" : (sign && v > 0 ? "+" : "");
    if (u == 0)
        snprintf(buf, cap, "%s%.0f %s", s, x, units[u]);
    else
        snprintf(buf, cap, "%s%.1f %s", s, x, units[u]);
}

void cd_human_count(int64_t v, int sign, char *buf, size_t cap)
{
    char tmp[32];
    uint64_t a = (uint64_t)(v < 0 ? -v : v);
    snprintf(tmp, sizeof tmp, "%" PRIu64, a);
    size_t n = strlen(tmp), k = 0;
    char out[48];
    if (v < 0)
        out[k++] = '-';
    else if (sign && v > 0)
        out[k++] = '+';
    for (size_t i = 0; i < n; i++) {
        if (i && (n - i) % 3 == 0)
            out[k++] = ',';
        out[k++] = tmp[i];
    }
    out[k] = 0;
    snprintf(buf, cap, "%s", out);
}

typedef struct style { const char *bold, *red, *green, *dim, *off; } style;

static void fit(const char *s, size_t w, char *buf, size_t cap)
{
    size_t n = strlen(s);
    if (n <= w) {
        snprintf(buf, cap, "%s", s);
        return;
    }
    /* keep the end: the type's own name is more telling than its package path */
    snprintf(buf, cap, "...%s", s + n - (w - 3));
}

static void header(const json_t *doc, FILE *out, const style *st)
{
    const json_t *bin = json_object_get(doc, "binary");
    const json_t *snaps = json_object_get(doc, "snapshots");
    const json_t *b = json_object_get(snaps, "before"), *a = json_object_get(snaps, "after");
    fprintf(out, "%sctxdiff %s%s  %s %s", st->bold, GET_S(json_object_get(doc, "tool"), "version"),
            st->off, GET_S(a, "go_version"), GET_S(a, "goarch"));
    if (json_is_object(bin))
        fprintf(out, "  binary %s (%" PRId64 " types)\n", GET_S(bin, "path"), (int64_t)GET_I(bin, "types"));
    else
        fprintf(out, "  no binary (-b): type names degraded\n");
    const json_t *sides[2] = {b, a};
    for (int i = 0; i < 2; i++) {
        char bytes[32], objs[32], gs[32];
        cd_human_bytes(GET_I(sides[i], "reachable_bytes"), 0, bytes, sizeof bytes);
        cd_human_count(GET_I(sides[i], "reachable_objects"), 0, objs, sizeof objs);
        cd_human_count(GET_I(sides[i], "goroutines"), 0, gs, sizeof gs);
        fprintf(out, "%-6s %s\n       reachable %s in %s objects, %s goroutines", i ? "after" : "before",
                GET_S(sides[i], "path"), bytes, objs, gs);
        char gb[32];
        cd_human_bytes(GET_I(sides[i], "garbage_bytes"), 0, gb, sizeof gb);
        fprintf(out, ", garbage %s\n", gb);
    }
    char d[32], dn[32];
    const json_t *sum = json_object_get(doc, "summary");
    cd_human_bytes(GET_I(sum, "reachable_bytes_delta"), 1, d, sizeof d);
    cd_human_count(GET_I(sum, "goroutines_delta"), 1, dn, sizeof dn);
    int64_t t0 = GET_I(b, "last_gc_unix_ns"), t1 = GET_I(a, "last_gc_unix_ns");
    fprintf(out, "change reachable %s, goroutines %s", d, dn);
    if (t0 > 0 && t1 > t0 && t1 - t0 >= 1000000000) {
        double secs = (double)(t1 - t0) / 1e9;
        char rate[32];
        cd_human_bytes((int64_t)((double)GET_I(sum, "reachable_bytes_delta") * 60 / secs), 1, rate, sizeof rate);
        fprintf(out, " in %.0fs (%s/min)", secs, rate);
    }
    fprintf(out, "\n");
    double tf = json_real_value(json_object_get(a, "typed_fraction"));
    fprintf(out, "typed %.1f %% of reachable bytes (after)\n", tf * 100);
    const json_t *w;
    size_t i;
    json_array_foreach(json_object_get(doc, "warnings"), i, w)
        fprintf(out, "%swarning:%s %s\n", st->red, st->off, json_string_value(w));
}

static void growth(const json_t *doc, FILE *out, const style *st, int top)
{
    const json_t *rows = json_object_get(doc, "growth");
    size_t n = json_array_size(rows);
    fprintf(out, "\n%sGROWTH BY TYPE%s (reachable objects)\n", st->bold, st->off);
    fprintf(out, "%-34s %8s %8s %8s %10s %10s\n", "type", "before", "after", "delta", "bytes", "delta");
    size_t shown = 0;
    for (size_t i = 0; i < n && (top <= 0 || shown < (size_t)top); i++) {
        const json_t *r = json_array_get(rows, i);
        char name[40], c0[16], c1[16], dc[16], b1[16], db[16];
        fit(GET_S(r, "type"), 34, name, sizeof name);
        cd_human_count(GET_I(r, "before_count"), 0, c0, sizeof c0);
        cd_human_count(GET_I(r, "after_count"), 0, c1, sizeof c1);
        cd_human_count(GET_I(r, "delta_count"), 1, dc, sizeof dc);
        cd_human_bytes(GET_I(r, "after_bytes"), 0, b1, sizeof b1);
        cd_human_bytes(GET_I(r, "delta_bytes"), 1, db, sizeof db);
        fprintf(out, "%-34s %8s %8s %8s %10s %10s\n", name, c0, c1, dc, b1, db);
        shown++;
    }
    if (shown < n)
        fprintf(out, "... %zu more types (--top 0 shows all)\n", n - shown);
}

static void path_tree(const json_t *path, FILE *out, const style *st)
{
    size_t n = json_array_size(path);
    for (size_t i = 0; i < n; i++) {
        const json_t *h = json_array_get(path, i);
        if (i == 0) {
            const char *kind = GET_S(h, "root");
            fprintf(out, "      %s+ %s%s%s%s\n", st->dim, kind, *kind ? " " : "", GET_S(h, "name"), st->off);
            continue;
        }
        if (i + 1 == n)
            fprintf(out, "      `-> %s%s%s%s\n", st->bold, GET_S(h, "type"), st->off, GET_S(h, "field"));
        else
            fprintf(out, "      |  %s%s\n", GET_S(h, "type"), GET_S(h, "field"));
    }
}

static void leaks(const json_t *doc, FILE *out, const style *st, int paths)
{
    const json_t *sum = json_object_get(doc, "summary");
    const json_t *groups = json_object_get(doc, "leaks");
    char c[16], d[16], rb[32];
    cd_human_count(GET_I(sum, "leaking_contexts"), 0, c, sizeof c);
    cd_human_count(GET_I(sum, "leaking_contexts_delta"), 1, d, sizeof d);
    cd_human_bytes(GET_I(sum, "leak_retained_bytes"), 0, rb, sizeof rb);
    fprintf(out, "\n%sLEAKS%s: %" PRId64 " groups, %s contexts (%s), %s retained\n", st->bold, st->off,
            (int64_t)GET_I(sum, "leak_groups"), c, d, rb);
    size_t i;
    const json_t *g;
    json_array_foreach(groups, i, g) {
        if (!json_is_true(json_object_get(g, "leak")))
            continue;
        const json_t *b = json_object_get(g, "before"), *a = json_object_get(g, "after");
        char n0[16], n1[16], dn[16], ret[32];
        cd_human_count(GET_I(b, "count"), 0, n0, sizeof n0);
        cd_human_count(GET_I(a, "count"), 0, n1, sizeof n1);
        cd_human_count(GET_I(g, "delta_count"), 1, dn, sizeof dn);
        cd_human_bytes(GET_I(a, "retained_bytes"), 0, ret, sizeof ret);
        fprintf(out, "\n%s#%" PRId64 "%s %s %s  %s -> %s (%s)  %s retained\n", st->bold,
                (int64_t)GET_I(g, "id"), st->off, GET_S(g, "kind"), GET_S(g, "verdict"), n0, n1, dn, ret);
        fprintf(out, "    %s%s%s\n", st->red, GET_S(g, "verdict_text"), st->off);
        fprintf(out, "    holder: %s%s%s\n", st->bold, GET_S(g, "holder"), st->off);
        if (GET_I(a, "watchers"))
            fprintf(out, "    watched by %" PRId64 " parked goroutines\n", (int64_t)GET_I(a, "watchers"));
        fprintf(out, "    survived %" PRId64 ", new %" PRId64 "\n", (int64_t)GET_I(g, "survived"),
                (int64_t)GET_I(g, "new"));
        const json_t *ps = json_object_get(g, "paths");
        for (size_t k = 0; k < json_array_size(ps) && (int)k < (paths > 0 ? paths : 1); k++)
            path_tree(json_array_get(ps, k), out, st);
    }
    int64_t nv = GET_I(sum, "no_verdict");
    fprintf(out, "\nNO VERDICT: %" PRId64 " contexts held as before or fewer (long-lived, not growing)\n", nv);
    json_array_foreach(groups, i, g) {
        if (json_is_true(json_object_get(g, "leak")))
            continue;
        fprintf(out, "    %" PRId64 " %s held by %s\n", (int64_t)GET_I(json_object_get(g, "after"), "count"),
                GET_S(g, "kind"), GET_S(g, "holder"));
    }
}

static void goroutines(const json_t *doc, FILE *out, const style *st)
{
    const json_t *gs = json_object_get(doc, "goroutines");
    if (!json_array_size(gs))
        return;
    fprintf(out, "\n%sGOROUTINES%s (user, by state and stack: top < entry function)\n", st->bold, st->off);
    fprintf(out, "%8s %8s %8s  %s\n", "before", "after", "delta", "state / function");
    size_t i;
    const json_t *g;
    json_array_foreach(gs, i, g) {
        if (i >= 15) {
            fprintf(out, "... %zu more\n", json_array_size(gs) - 15);
            break;
        }
        char b[16], a[16], d[16], line[96];
        cd_human_count(GET_I(g, "before"), 0, b, sizeof b);
        cd_human_count(GET_I(g, "after"), 0, a, sizeof a);
        cd_human_count(GET_I(g, "delta"), 1, d, sizeof d);
        int64_t w = GET_I(g, "watching_contexts");
        const json_t *stack = json_object_get(g, "stack");
        const char *entry = json_string_value(json_array_get(stack, json_array_size(stack) - 1));
        char tail[512];
        int k = entry && json_array_size(stack) > 1
                ? snprintf(tail, sizeof tail, "%s < %s", GET_S(g, "function"), entry)
                : snprintf(tail, sizeof tail, "%s", GET_S(g, "function"));
        if (w && k > 0 && (size_t)k < sizeof tail)
            snprintf(tail + k, sizeof tail - (size_t)k, " (%" PRId64 " on ctx.Done)", w);
        /* keep the state whole; shorten the stack from its front */
        const char *state = GET_S(g, "state");
        size_t sl = strlen(state) + 3;
        fit(tail, sl < 40 ? 53 - sl : 13, line, sizeof line);
        fprintf(out, "%8s %8s %8s  [%s] %s\n", b, a, d, state, line);
    }
}

int cd_render_text(const json_t *doc, FILE *out, int color, int top, int paths)
{
    style st = {"", "", "", "", ""};
    if (color)
        st = (style){"\033[1m", "\033[31m", "\033[32m", "\033[2m", "\033[0m"};
    header(doc, out, &st);
    growth(doc, out, &st, top);
    leaks(doc, out, &st, paths);
    goroutines(doc, out, &st);
    return 0;
}
