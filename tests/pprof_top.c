/* pprof_top.c — test driver: compare two pprof profiles with libctxdiff and
 * print what tests diff against `go tool pprof`.
 *
 *   pprof_top [-sample_index=X] [-nodecount=N] [-text|-json] BEFORE AFTER
 *   pprof_top -sniff FILE...
 *   pprof_top -gen SEED BEFORE AFTER
 *
 * Default output: the -top block from "Showing nodes" down, byte-identical
 * to `go tool pprof -top -sample_index=X -base BEFORE AFTER`. -text prints
 * the whole human report, -json the JSON result. -sniff prints the sniffed
 * format of each file. -gen writes a random pair of heap profiles
 * (profile.proto, uncompressed) with the same structure and different
 * values: unnamed functions, locations without lines or mapping, inlined
 * lines, recursion, negative and zero values, labels — for comparing with
 * go tool pprof beyond the real fixtures. Exit 0, or 2 with the error on
 * stderr. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "pprof.h"

/* ---- -gen: random profiles ---- */

typedef struct wbuf {
    unsigned char *b;
    size_t n, cap;
} wbuf;

static void w_raw(wbuf *w, const void *d, size_t n)
{
    if (!n)
        return;
    if (w->n + n > w->cap) {
        w->cap = (w->n + n) * 2;
        w->b = realloc(w->b, w->cap);
    }
    memcpy(w->b + w->n, d, n);
    w->n += n;
}

static void w_varint(wbuf *w, uint64_t v)
{
    unsigned char c;
    while (v >= 0x80) {
        c = (unsigned char)(v | 0x80);
        w_raw(w, &c, 1);
        v >>= 7;
    }
    c = (unsigned char)v;
    w_raw(w, &c, 1);
}

static void w_u(wbuf *w, unsigned f, uint64_t v)
{
    w_varint(w, (uint64_t)f << 3);
    w_varint(w, v);
}

static void w_msg(wbuf *w, unsigned f, wbuf *m)
{
    w_varint(w, (uint64_t)f << 3 | 2);
    w_varint(w, m->n);
    w_raw(w, m->b, m->n);
    m->n = 0;
}

static uint64_t rnd_state;
static uint64_t rnd(void)
{
    uint64_t z = (rnd_state += 0x9e3779b97f4a7c15ull);
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
    return z ^ (z >> 31);
}
static int64_t rint_(int64_t lo, int64_t hi) { return lo + (int64_t)(rnd() % (uint64_t)(hi - lo + 1)); }
static double rfrac(void) { return (double)(rnd() >> 11) / 9007199254740992.0; }

typedef struct strtab {
    char s[256][32];
    int n;
} strtab;

static uint64_t str_of(strtab *t, const char *s)
{
    for (int i = 0; i < t->n; i++)
        if (!strcmp(t->s[i], s))
            return (uint64_t)i;
    snprintf(t->s[t->n], sizeof t->s[0], "%s", s);
    return (uint64_t)t->n++;
}

/* One profile: structure from seed, values from vseed. */
static void gen_profile(uint64_t seed, uint64_t vseed, const char *path)
{
    strtab st = { .n = 0 };
    str_of(&st, "");
    wbuf p = { 0 }, m = { 0 }, l = { 0 };
    static const char *types[4][2] = { { "alloc_objects", "count" },
        { "alloc_space", "bytes" }, { "inuse_objects", "count" },
        { "inuse_space", "bytes" } };
    w_u(&m, 1, str_of(&st, "space"));
    w_u(&m, 2, str_of(&st, "bytes"));
    w_msg(&p, 11, &m);
    w_u(&p, 12, 524288);
    for (int i = 0; i < 4; i++) {
        w_u(&m, 1, str_of(&st, types[i][0]));
        w_u(&m, 2, str_of(&st, types[i][1]));
        w_msg(&p, 1, &m);
    }
    rnd_state = seed;
    int nf = (int)rint_(3, 25), nm = (int)rint_(1, 2), nl = (int)rint_(5, 60);
    static const char *pkgs[] = { "main", "context", "runtime", "net/http", "a.b/c" };
    static const char *files[] = { "/bin/app", "/lib/libc.so.6", "" };
    for (int i = 0; i < nm; i++) {
        w_u(&m, 1, (uint64_t)i + 1);
        w_u(&m, 2, 0x400000ull * (uint64_t)(i + 1));
        w_u(&m, 3, 0x400000ull * (uint64_t)(i + 1) + 0x100000);
        w_u(&m, 5, str_of(&st, files[rnd() % 3]));
        w_msg(&p, 3, &m);
    }
    for (int i = 0; i < nf; i++) {
        char name[32];
        double c = rfrac();
        if (c < 0.08)
            name[0] = 0;
        else if (c < 0.15)
            snprintf(name, sizeof name, "pkg/v2/sub.F%d", i);
        else
            snprintf(name, sizeof name, "%s.f%d", pkgs[rnd() % 5], i);
        char file[16];
        snprintf(file, sizeof file, "file%d.go", i % 3);
        w_u(&m, 1, (uint64_t)i + 1);
        w_u(&m, 2, str_of(&st, name));
        w_u(&m, 3, str_of(&st, name));
        w_u(&m, 4, str_of(&st, file));
        if (rfrac() < 0.5)
            w_u(&m, 5, (uint64_t)rint_(0, 3));
        w_msg(&p, 5, &m);
    }
    for (int i = 0; i < nl; i++) {
        w_u(&m, 1, (uint64_t)i + 1);
        w_u(&m, 3, 0x400000 + (uint64_t)rint_(0, 0xfffff));
        if (rfrac() < 0.9)
            w_u(&m, 2, (uint64_t)rint_(1, nm));
        int nlines = rfrac() < 0.05 ? 0 : rfrac() < 0.7 ? 1 : (int)rint_(2, 3);
        for (int k = 0; k < nlines; k++) {
            w_u(&l, 1, (uint64_t)rint_(1, nf));
            w_u(&l, 2, (uint64_t)rint_(1, 50));
            w_msg(&m, 4, &l);
        }
        w_msg(&p, 4, &m);
    }
    uint64_t vstate = vseed;
    int ns = (int)rint_(1, 80);
    for (int i = 0; i < ns; i++) {
        int depth = (int)rint_(0, 8);
        uint64_t stack[8];
        for (int k = 0; k < depth; k++)
            stack[k] = (uint64_t)rint_(1, nl);
        uint64_t save = rnd_state;
        rnd_state = vstate;
        int64_t vals[4];
        for (int k = 0; k < 4; k++) {
            static const int64_t mags[] = { 1, 10, 100, 1000, 100000, 10000000,
                                            10000000000 };
            int64_t mag = mags[rnd() % 7];
            vals[k] = rfrac() < 0.15 ? 0 : rint_(-mag / 5, mag);
        }
        vstate = rnd_state;
        rnd_state = save;
        if (rfrac() < 0.8) {
            for (int k = 0; k < 4; k++)
                w_varint(&l, (uint64_t)vals[k]);
            w_msg(&m, 2, &l);
        } else {
            for (int k = 0; k < 4; k++)
                w_u(&m, 2, (uint64_t)vals[k]);
        }
        if (depth > 2) {
            for (int k = 0; k < depth; k++)
                w_varint(&l, stack[k]);
            w_msg(&m, 1, &l);
        } else {
            for (int k = 0; k < depth; k++)
                w_u(&m, 1, stack[k]);
        }
        if (rfrac() < 0.7) {
            static const int sizes[] = { 16, 32, 64, 96 };
            w_u(&l, 1, str_of(&st, "bytes"));
            w_u(&l, 3, (uint64_t)sizes[rnd() % 4]);
            w_msg(&m, 3, &l);
        }
        if (rfrac() < 0.2) {
            w_u(&l, 1, str_of(&st, "lab"));
            w_u(&l, 2, str_of(&st, rnd() % 2 ? "x" : "y"));
            w_msg(&m, 3, &l);
        }
        w_msg(&p, 2, &m);
    }
    if (rfrac() < 0.5)
        w_u(&p, 9, (uint64_t)rint_(1, 1000000000000000000));
    for (int i = 0; i < st.n; i++) {
        w_varint(&p, 6 << 3 | 2);
        w_varint(&p, strlen(st.s[i]));
        w_raw(&p, st.s[i], strlen(st.s[i]));
    }
    FILE *f = fopen(path, "wb");
    if (!f || fwrite(p.b, 1, p.n, f) != p.n || fclose(f)) {
        perror(path);
        exit(2);
    }
    free(p.b);
    free(m.b);
    free(l.b);
}

static int sniff_files(int argc, char **argv)
{
    for (int i = 0; i < argc; i++) {
        unsigned char head[4096];
        FILE *f = fopen(argv[i], "rb");
        if (!f) {
            perror(argv[i]);
            return 2;
        }
        size_t n = fread(head, 1, sizeof head, f);
        fclose(f);
        int fmt = cd_pprof_sniff(head, n);
        printf("%s: %d %s\n", argv[i], fmt, cd_pprof_format_name(fmt));
    }
    return 0;
}

int main(int argc, char **argv)
{
    cd_pprof_options o;
    cd_pprof_options_init(&o);
    int mode = 0;
    int i = 1;
    for (; i < argc && argv[i][0] == '-'; i++) {
        if (!strncmp(argv[i], "-sample_index=", 14))
            o.sample_index = argv[i] + 14;
        else if (!strncmp(argv[i], "-nodecount=", 11))
            o.node_count = atoi(argv[i] + 11);
        else if (!strcmp(argv[i], "-text"))
            mode = 1;
        else if (!strcmp(argv[i], "-json"))
            mode = 2;
        else if (!strcmp(argv[i], "-sniff"))
            return sniff_files(argc - i - 1, argv + i + 1);
        else if (!strcmp(argv[i], "-gen") && argc - i == 4) {
            uint64_t seed = strtoull(argv[i + 1], NULL, 10);
            gen_profile(seed, seed * 7, argv[i + 2]);
            gen_profile(seed, seed * 7 + (seed % 5 != 0), argv[i + 3]);
            return 0;
        }
        else {
            fprintf(stderr, "pprof_top: unknown option %s\n", argv[i]);
            return 2;
        }
    }
    if (argc - i != 2) {
        fprintf(stderr, "usage: pprof_top [-sample_index=X] [-nodecount=N] "
                "[-text|-json|-sniff] BEFORE AFTER\n");
        return 2;
    }
    cd_error err;
    cd_profile *b = NULL, *a = NULL;
    cd_pprof_result *r = NULL;
    char msg[2048];
    if (cd_pprof_load(argv[i], &b, &err) < 0 ||
        cd_pprof_load(argv[i + 1], &a, &err) < 0 ||
        cd_pprof_compare(b, a, &o, &r, &err) < 0) {
        cd_error_format(&err, msg, sizeof msg);
        fprintf(stderr, "pprof_top: %s\n", msg);
        cd_profile_free(b);
        cd_profile_free(a);
        return 2;
    }
    if (mode == 0) {
        cd_pprof_render_top(r, stdout);
    } else if (mode == 1) {
        cd_pprof_render_text(r, stdout);
    } else {
        json_t *j = cd_pprof_to_json(r);
        char *s = json_dumps(j, JSON_INDENT(2) | JSON_PRESERVE_ORDER);
        puts(s);
        free(s);
        json_decref(j);
    }
    cd_pprof_result_free(r);
    cd_profile_free(a);
    cd_profile_free(b);
    return 0;
}
