/* render_markdown.c — the report as Markdown for a pull-request comment:
 * summary, growth table, leak groups as a table, example paths in
 * collapsible <details> blocks. */
#include <inttypes.h>
#include <string.h>

#include "report.h"

#define GET_I(o, k) ((int64_t)json_integer_value(json_object_get((o), (k))))
#define GET_S(o, k) (json_string_value(json_object_get((o), (k))) ? json_string_value(json_object_get((o), (k))) : "")

/* Write s into a table cell: '|' escaped, no newline, no backtick (it
 * would end a code span); outside a code span HTML is escaped too, inside
 * one entities would show literally, so they are not used there. */
static void cell_text(FILE *out, const char *s, int code)
{
    for (; *s; s++) {
        if (*s == '|')
            fputs("\\|", out);
        else if (*s == '`')
            fputc('\'', out);
        else if (*s == '\n' || *s == '\r')
            fputc(' ', out);
        else if (!code && *s == '<')
            fputs("&lt;", out);
        else if (!code && *s == '>')
            fputs("&gt;", out);
        else if (!code && *s == '&')
            fputs("&amp;", out);
        else
            fputc(*s, out);
    }
}

static void cell(FILE *out, const char *s) { cell_text(out, s, 0); }
static void code_cell(FILE *out, const char *s) { cell_text(out, s, 1); }

/* Text inside a ``` fence: no backtick can close it. */
static void fenced(FILE *out, const char *s)
{
    for (; *s; s++)
        fputc(*s == '`' ? '\'' : *s, out);
}

int cd_render_markdown(const json_t *doc, FILE *out, int top, int paths)
{
    const json_t *sum = json_object_get(doc, "summary");
    const json_t *snaps = json_object_get(doc, "snapshots");
    const json_t *a = json_object_get(snaps, "after");
    char rb[32], d[32];
    cd_human_bytes(GET_I(sum, "leak_retained_bytes"), 0, rb, sizeof rb);
    cd_human_bytes(GET_I(sum, "reachable_bytes_delta"), 1, d, sizeof d);
    fprintf(out, "## ctxdiff: %" PRId64 " leak groups, %" PRId64 " leaking contexts (%+" PRId64 ")\n\n",
            GET_I(sum, "leak_groups"), GET_I(sum, "leaking_contexts"), GET_I(sum, "leaking_contexts_delta"));
    fprintf(out, "Go %s, reachable heap change %s, %s retained by leaking contexts, typed %.1f %%.\n\n",
            GET_S(a, "go_version"), d, rb, json_real_value(json_object_get(a, "typed_fraction")) * 100);
    size_t i;
    const json_t *w;
    json_array_foreach(json_object_get(doc, "warnings"), i, w)
        fprintf(out, "> **warning:** %s\n\n", json_string_value(w));

    fprintf(out, "### Leaks\n\n| # | verdict | kind | holder | before | after | Δ | retained |\n"
                 "|---|---|---|---|---:|---:|---:|---:|\n");
    const json_t *g;
    json_array_foreach(json_object_get(doc, "leaks"), i, g) {
        if (!json_is_true(json_object_get(g, "leak")))
            continue;
        char r[32];
        cd_human_bytes(GET_I(json_object_get(g, "after"), "retained_bytes"), 0, r, sizeof r);
        fprintf(out, "| %" PRId64 " | %s | `%s` | `", GET_I(g, "id"), GET_S(g, "verdict"), GET_S(g, "kind"));
        code_cell(out, GET_S(g, "holder"));
        fprintf(out, "` | %" PRId64 " | %" PRId64 " | %+" PRId64 " | %s |\n",
                GET_I(json_object_get(g, "before"), "count"), GET_I(json_object_get(g, "after"), "count"),
                GET_I(g, "delta_count"), r);
    }
    json_array_foreach(json_object_get(doc, "leaks"), i, g) {
        if (!json_is_true(json_object_get(g, "leak")))
            continue;
        fprintf(out, "\n<details><summary>#%" PRId64 " ", GET_I(g, "id"));
        cell(out, GET_S(g, "verdict_text"));
        fprintf(out, "</summary>\n\n```\n");
        const json_t *ps = json_object_get(g, "paths");
        for (size_t k = 0; k < json_array_size(ps) && (int)k < (paths > 0 ? paths : 1); k++) {
            const json_t *p = json_array_get(ps, k);
            for (size_t h = 0; h < json_array_size(p); h++) {
                const json_t *hop = json_array_get(p, h);
                if (h == 0) {
                    fenced(out, GET_S(hop, "root"));
                    fputc(' ', out);
                    fenced(out, GET_S(hop, "name"));
                } else {
                    fputs("  -> ", out);
                    fenced(out, GET_S(hop, "type"));
                    fenced(out, GET_S(hop, "field"));
                }
                fputc('\n', out);
            }
        }
        fprintf(out, "```\n\n</details>\n");
    }
    fprintf(out, "\n### Growth by type\n\n| type | before | after | Δ count | Δ bytes |\n|---|---:|---:|---:|---:|\n");
    const json_t *row;
    json_array_foreach(json_object_get(doc, "growth"), i, row) {
        if (top > 0 && (int)i >= top)
            break;
        char db[32];
        cd_human_bytes(GET_I(row, "delta_bytes"), 1, db, sizeof db);
        fprintf(out, "| `");
        code_cell(out, GET_S(row, "type"));
        fprintf(out, "` | %" PRId64 " | %" PRId64 " | %+" PRId64 " | %s |\n", GET_I(row, "before_count"),
                GET_I(row, "after_count"), GET_I(row, "delta_count"), db);
    }
    return 0;
}
