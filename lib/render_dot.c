/* render_dot.c — the leak groups' retention paths as a Graphviz graph
 * (`ctxdiff -f dot ... | dot -Tsvg > leaks.svg`).
 *
 * The first example path of every leak group, merged where they share a
 * beginning: a root node ("global main.appCtx"), then one node per hop
 * type, then one node per group (the holder, the context kind, the verdict,
 * the counts). Nodes are a tree from the roots: two paths share a node only
 * when they share everything before it, so the graph has no false joins.
 * Edges are labelled with the field the source holds the next object by
 * and the number of contexts behind it (after, and the change); their
 * weight and width follow that number. Same document, same bytes. */
#include <inttypes.h>
#include <string.h>

#include "report.h"
#include "strtab.h"
#include "util.h"

#define GET_I(o, k) ((int64_t)json_integer_value(json_object_get((o), (k))))
#define GET_S(o, k) (json_string_value(json_object_get((o), (k))) ? json_string_value(json_object_get((o), (k))) : "")

typedef struct dnode {
    uint32_t parent;     /* node index + 1; 0 for a root */
    uint32_t label;      /* string id of the type (or root) name */
    uint32_t edge;       /* string id of the field on the edge from the parent */
    int64_t after, before;
} dnode;

typedef struct graph {
    cd_strtab keys;      /* "parent\x1flabel\x1ffield" -> node index (by id order) */
    uint32_t *node_of_key;
    size_t nk_cap;
    cd_strtab strs;
    dnode *nodes;
    size_t n, cap;
} graph;

/* The node for label under parent reached by field, made on first use. */
static uint32_t node(graph *gr, uint32_t parent, const char *label, const char *field)
{
    char key[4200];
    int k = snprintf(key, sizeof key, "%" PRIu32 "\x1f%s\x1f%s", parent, label, field);
    size_t kl = k < 0 ? 0 : (size_t)k < sizeof key ? (size_t)k : sizeof key - 1;
    size_t before = gr->keys.n;
    uint32_t id = cd_strtab_add(&gr->keys, key, kl);
    if (gr->keys.n > before) {
        CD_GROW(gr->node_of_key, gr->nk_cap, (size_t)id + 1);
        CD_GROW(gr->nodes, gr->cap, gr->n + 1);
        dnode *d = &gr->nodes[gr->n];
        memset(d, 0, sizeof *d);
        d->parent = parent;
        d->label = cd_strtab_add(&gr->strs, label, strlen(label));
        d->edge = cd_strtab_add(&gr->strs, field, strlen(field));
        gr->node_of_key[id] = (uint32_t)gr->n++;
    }
    return gr->node_of_key[id] + 1;
}

/* A DOT double-quoted string's contents: quotes and backslashes escaped,
 * newlines as \n (the label's line break). */
static void q(FILE *out, const char *s)
{
    for (; *s; s++) {
        if (*s == '"' || *s == '\\')
            fputc('\\', out), fputc(*s, out);
        else if (*s == '\n')
            fputs("\\n", out);
        else if ((unsigned char)*s < 0x20)
            fputc(' ', out);
        else
            fputc(*s, out);
    }
}

static const char *verdict_color(const char *v)
{
    if (strcmp(v, "canceled-retained") == 0) return "#f4cccc";
    if (strcmp(v, "orphan-child") == 0) return "#fce5cd";
    if (strcmp(v, "timer-pending") == 0) return "#fff2cc";
    if (strcmp(v, "watched") == 0) return "#d9ead3";
    if (strcmp(v, "broken-propagation") == 0) return "#d9d2e9";
    return "#eeeeee";
}

static void counts(char *buf, size_t cap, int64_t before, int64_t after)
{
    char a[32], d[32];
    cd_human_count(after, 0, a, sizeof a);
    cd_human_count(after - before, 1, d, sizeof d);
    snprintf(buf, cap, "%s (%s)", a, after == before ? "=" : d);
}

int cd_render_dot(const json_t *doc, FILE *out, int paths)
{
    (void)paths;  /* one path a group: the graph is of groups, not examples */
    graph gr;
    memset(&gr, 0, sizeof gr);
    cd_strtab_init(&gr.keys);
    cd_strtab_init(&gr.strs);
    const json_t *groups = json_object_get(doc, "leaks");
    size_t ngroups = json_array_size(groups);
    uint32_t *leaf_parent = cd_calloc(ngroups ? ngroups : 1, sizeof *leaf_parent);
    uint32_t *leaf_edge = cd_calloc(ngroups ? ngroups : 1, sizeof *leaf_edge);
    int64_t max = 1;
    size_t i;
    const json_t *g;
    char label[4200];
    json_array_foreach(groups, i, g) {
        if (!json_is_true(json_object_get(g, "leak")))
            continue;
        const json_t *path = json_array_get(json_object_get(g, "paths"), 0);
        size_t n = json_array_size(path);
        int64_t ca = GET_I(json_object_get(g, "after"), "count");
        int64_t cb = GET_I(json_object_get(g, "before"), "count");
        if (ca > max)
            max = ca;
        uint32_t at = 0;
        const char *field = "";
        for (size_t h = 0; h + 1 < n || (h == 0 && n == 1); h++) {
            const json_t *hop = json_array_get(path, h);
            if (h == 0)
                cd_path_root_label(hop, label, sizeof label);
            else
                snprintf(label, sizeof label, "%s", GET_S(hop, "type"));
            at = node(&gr, at, label, field);
            gr.nodes[at - 1].after += ca;
            gr.nodes[at - 1].before += cb;
            field = h == 0 ? "" : GET_S(hop, "field");
        }
        if (!n) {  /* no example path: hang the group under its holder */
            at = node(&gr, 0, GET_S(g, "holder"), "");
            gr.nodes[at - 1].after += ca;
            gr.nodes[at - 1].before += cb;
        }
        leaf_parent[i] = at;
        leaf_edge[i] = cd_strtab_add(&gr.strs, field, strlen(field));
    }

    const json_t *sum = json_object_get(doc, "summary");
    fprintf(out, "digraph ctxdiff {\n");
    fprintf(out, "  graph [rankdir=LR, fontname=\"Helvetica\", labelloc=t, label=\"");
    snprintf(label, sizeof label, "ctxdiff: %" PRId64 " leak groups, %" PRId64 " leaking contexts (%+" PRId64 ")",
             GET_I(sum, "leak_groups"), GET_I(sum, "leaking_contexts"), GET_I(sum, "leaking_contexts_delta"));
    q(out, label);
    fprintf(out, "\"];\n");
    fprintf(out, "  node [shape=box, style=\"rounded,filled\", fillcolor=\"#ffffff\", fontname=\"Helvetica\", fontsize=11];\n");
    fprintf(out, "  edge [fontname=\"Helvetica\", fontsize=10, color=\"#555555\"];\n");
    for (size_t k = 0; k < gr.n; k++) {
        const dnode *d = &gr.nodes[k];
        fprintf(out, "  n%zu [label=\"", k + 1);
        q(out, cd_strtab_get(&gr.strs, d->label));
        fprintf(out, "\"%s];\n", d->parent ? "" : ", shape=house, fillcolor=\"#dde7f5\"");
    }
    json_array_foreach(groups, i, g) {
        if (!json_is_true(json_object_get(g, "leak")))
            continue;
        char n1[32], dn[32], rb[32];
        cd_human_count(GET_I(json_object_get(g, "after"), "count"), 0, n1, sizeof n1);
        cd_human_count(GET_I(g, "delta_count"), 1, dn, sizeof dn);
        cd_human_bytes(GET_I(json_object_get(g, "after"), "retained_bytes"), 0, rb, sizeof rb);
        snprintf(label, sizeof label, "#%" PRId64 " %s\n%s\n%s contexts (%s), %s retained\nheld by %s",
                 GET_I(g, "id"), GET_S(g, "kind"), GET_S(g, "verdict"), n1, dn, rb, GET_S(g, "holder"));
        fprintf(out, "  g%" PRId64 " [label=\"", GET_I(g, "id"));
        q(out, label);
        fprintf(out, "\", fillcolor=\"%s\", penwidth=2];\n", verdict_color(GET_S(g, "verdict")));
    }
    /* edges: into every hop node from its parent, then into every group */
    for (size_t k = 0; k < gr.n; k++) {
        const dnode *d = &gr.nodes[k];
        if (!d->parent)
            continue;
        char c[96];
        counts(c, sizeof c, d->before, d->after);
        snprintf(label, sizeof label, "%s%s%s", cd_strtab_get(&gr.strs, d->edge),
                 *cd_strtab_get(&gr.strs, d->edge) ? "\n" : "", c);
        fprintf(out, "  n%" PRIu32 " -> n%zu [label=\"", d->parent, k + 1);
        q(out, label);
        fprintf(out, "\", weight=%" PRId64 ", penwidth=%.1f];\n", d->after > 0 ? d->after : 1,
                1.0 + 4.0 * (double)d->after / (double)max);
    }
    json_array_foreach(groups, i, g) {
        if (!json_is_true(json_object_get(g, "leak")) || !leaf_parent[i])
            continue;
        int64_t ca = GET_I(json_object_get(g, "after"), "count");
        char c[96];
        counts(c, sizeof c, GET_I(json_object_get(g, "before"), "count"), ca);
        const char *f = cd_strtab_get(&gr.strs, leaf_edge[i]);
        snprintf(label, sizeof label, "%s%s%s", f, *f ? "\n" : "", c);
        fprintf(out, "  n%" PRIu32 " -> g%" PRId64 " [label=\"", leaf_parent[i], GET_I(g, "id"));
        q(out, label);
        fprintf(out, "\", weight=%" PRId64 ", penwidth=%.1f];\n", ca > 0 ? ca : 1,
                1.0 + 4.0 * (double)ca / (double)max);
    }
    fprintf(out, "}\n");
    free(leaf_parent);
    free(leaf_edge);
    free(gr.node_of_key);
    free(gr.nodes);
    cd_strtab_free(&gr.keys);
    cd_strtab_free(&gr.strs);
    return ferror(out) ? -1 : 0;
}
