/* ctxdiff.c — the public API (ctxdiff.h): finds each input's format,
 * loads the pair (two threads), types, analyses and compares them, and
 * dispatches rendering. The pipeline runs one way:
 * read -> snapshot model -> typing -> analysis (paths) -> compare -> render. */
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "analysis.h"
#include "binary.h"
#include "core.h"
#include "error.h"
#include "pprof.h"
#include "report.h"
#include "snapjson.h"
#include "snapshot.h"
#include "typing.h"
#include "util.h"

/* Newest Go release whose dumps the test suite covers. */
#define NEWEST_TESTED_MINOR 26

const char *ctxdiff_version(void)
{
    return CTXDIFF_VERSION;
}

ctxdiff_options ctxdiff_defaults(void)
{
    ctxdiff_options o;
    memset(&o, 0, sizeof o);
    o.top = 20;
    o.paths = 1;
    o.jobs = 2;
    return o;
}

int ctxdiff_sniff(const char *path, cd_error *err)
{
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0)
        return cd_fail(err, CD_EIO, path, -1, "cannot open: %s", strerror(errno));
    unsigned char head[8192];
    ssize_t n = read(fd, head, sizeof head);
    close(fd);
    if (n < 0)
        return cd_fail(err, CD_EIO, path, 0, "cannot read: %s", strerror(errno));
    if (n == 0)
        return cd_fail(err, CD_EFORMAT, path, 0, "empty file");
    if (cd_heapdump_sniff(head, (size_t)n))
        return CTXDIFF_FMT_HEAPDUMP;
    if (cd_core_sniff(head, (size_t)n))
        return CTXDIFF_FMT_CORE;
    if (n >= 4 && memcmp(head, "\177ELF", 4) == 0)
        return CTXDIFF_FMT_ELF;
    if (cd_snapjson_sniff(head, (size_t)n))
        return CTXDIFF_FMT_JSON;
    if (n >= 2 && head[0] == 0x1f && head[1] == 0x8b) {
        unsigned char in[8192];
        int complete;
        long got = cd_pprof__gunzip_peek(head, (size_t)n, in, sizeof in, &complete);
        if (got > 0 && cd_snapjson_sniff(in, (size_t)got))
            return CTXDIFF_FMT_JSON;
    }
    if (cd_pprof_sniff(head, (size_t)n))
        return CTXDIFF_FMT_PPROF;
    size_t i = 0;
    while (i < (size_t)n && (head[i] == ' ' || head[i] == '\n' || head[i] == '\t' || head[i] == '\r'))
        i++;
    if (i < (size_t)n && head[i] == '{')
        return CTXDIFF_FMT_JSON;
    return CTXDIFF_FMT_UNKNOWN;
}

/* CTXDIFF_TIMING=1 prints the time of each stage on stderr. */
static double now_s(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* Peak resident memory so far, in MB (Linux), -1 if unknown. */
static long peak_rss_mb(void)
{
    FILE *f = fopen("/proc/self/status", "r");
    char line[256];
    long kb = -1;
    while (f && fgets(line, sizeof line, f))
        if (strncmp(line, "VmHWM:", 6) == 0)
            kb = strtol(line + 6, NULL, 10);
    if (f)
        fclose(f);
    return kb < 0 ? -1 : kb / 1024;
}

static int timing_on(void)
{
    static int on = -1;
    if (on < 0)
        on = getenv("CTXDIFF_TIMING") != NULL;
    return on;
}

static void stage_done(const char *stage, double *t0)
{
    double t = now_s();
    if (timing_on())
        fprintf(stderr, "ctxdiff: %-10s %7.2f s  (peak %ld MB)\n", stage, t - *t0, peak_rss_mb());
    *t0 = t;
}

/* Tell the caller which stage starts (stage NULL: all done). */
static void progress(const ctxdiff_options *o, const char *stage, int step, int nsteps)
{
    if (o->progress)
        o->progress(o->progress_arg, stage, step, nsteps);
}

typedef struct load_job {
    const char *path;
    cd_binary *core_bin;       /* set: path is a core file of this binary */
    int json;                  /* path is a typed JSON snapshot */
    cd_load_options lo;
    cd_snapshot *s;
    cd_typing *t;              /* JSON: its typing */
    cd_binary *bin;            /* JSON: its types */
    cd_error err;
    int rc;
    size_t nobj, nedge, nroots;  /* as loaded (for CTXDIFF_TIMING) */
} load_job;

static void *load_thread(void *arg)
{
    load_job *j = arg;
    j->rc = j->json ? cd_snapjson_read(j->path, &j->s, &j->t, &j->bin, &j->err)
            : j->core_bin ? cd_core_load(j->path, j->core_bin, &j->lo, &j->s, &j->err)
                          : cd_heapdump_load(j->path, &j->lo, &j->s, &j->err);
    if (j->s) {
        j->nobj = j->s->nobj;
        j->nedge = j->s->nedge;
        j->nroots = j->s->nroots;
    }
    return NULL;
}

static int go_minor(const char *v)
{
    int major = 0, minor = 0;
    if (sscanf(v, "go%d.%d", &major, &minor) == 2 && major == 1)
        return minor;
    return -1;
}

/* The binary must be the one that wrote the dump. */
static int check_binary(const cd_binary *bin, const cd_snapshot *s, cd_error *err)
{
    if (bin->go_version[0] && s->go_version[0] && strcmp(bin->go_version, s->go_version) != 0)
        return cd_fail(err, CD_EBINARY, bin->path, -1,
                       "binary was built with %s but %s was written by %s: pass the binary that wrote the dump",
                       bin->go_version, s->path, s->go_version);
    if (bin->data_addr && s->data.addr &&
        (bin->data_addr != s->data.addr || bin->data_size != s->data.size))
        return cd_fail(err, CD_EBINARY, bin->path, -1,
                       "binary does not match %s: its .data is 0x%llx+%llu, the dump's is 0x%llx+%llu",
                       s->path, (unsigned long long)bin->data_addr, (unsigned long long)bin->data_size,
                       (unsigned long long)s->data.addr, (unsigned long long)s->data.size);
    if (bin->ptr_size && bin->ptr_size != s->ptr_size)
        return cd_fail(err, CD_EBINARY, bin->path, -1, "pointer size %d differs from the dump's %d",
                       bin->ptr_size, s->ptr_size);
    return 0;
}

/* Heap dumps, core files and typed JSON snapshots: the same pipeline from
 * the snapshot model on (JSON snapshots come typed). */
/* Typing and analysis of one snapshot (a thread's work). The graph half
 * of the analysis needs no types: with more than one job it runs on a
 * thread of its own while the snapshot is typed. */
typedef struct side_job {
    cd_snapshot *s;
    cd_binary *bin;
    const cd_analysis_options *ao;
    int jobs;
    cd_typing *t;
    cd_analysis *a;
    cd_error err;
    int rc;
} side_job;

/* CTXDIFF_TIMING: how long one side's part took */
static void side_time(const side_job *j, const char *what, double t0)
{
    if (timing_on())
        fprintf(stderr, "ctxdiff:   %-9s %5.2f s  (peak %ld MB)  %s\n", what, now_s() - t0,
                peak_rss_mb(), j->s->path);
}

static void *graph_thread(void *arg)
{
    side_job *j = arg;
    double t0 = now_s();
    cd_analyze_graph(j->s, j->ao, &j->a);
    side_time(j, "graph", t0);
    return NULL;
}

static void *side_thread(void *arg)
{
    side_job *j = arg;
    cd_snapshot_release(j->s, CD_RELEASE_INDEX);
    cd_snapshot_pack(j->s);
    pthread_t th;
    int threaded = j->jobs > 1 && pthread_create(&th, NULL, graph_thread, j) == 0;
    double t0 = now_s();
    if (!j->t) {  /* JSON snapshots come typed */
        j->rc = cd_type_snapshot(j->s, j->bin, &j->t, &j->err);
        side_time(j, "typing", t0);
    }
    cd_snapshot_release(j->s, CD_RELEASE_SHAPES);
    if (threaded)
        pthread_join(th, NULL);
    else
        graph_thread(j);
    t0 = now_s();
    if (j->rc == 0)
        j->rc = cd_analyze_contexts(j->a, j->t, j->bin, &j->err);
    side_time(j, "contexts", t0);
    return NULL;
}

/* What analysing one side of a pair needs. */
typedef struct pair_ctx {
    const ctxdiff_options *o;
    load_job *jobs;
    side_job *sj;
    cd_side *sd;
    cd_binary *bin;            /* heap dumps and cores; NULL for JSON */
    const cd_analysis_options *ao;
    int json;
} pair_ctx;

/* Type and analyse side i, draw its summary; before (i == 0) then gives
 * its per-object arrays back. Errors land in sj[i].rc and sj[i].err. */
static void analyse_side(pair_ctx *p, int i)
{
    load_job *j = &p->jobs[i];
    if (p->json) {
        p->sj[i] = (side_job){j->s, j->bin, p->ao, p->o->jobs, j->t, NULL, {0}, 0};
        j->t = NULL;
    } else {
        cd_type_prepare(j->s, p->bin);
        p->sj[i] = (side_job){j->s, p->bin, p->ao, p->o->jobs, NULL, NULL, {0}, 0};
    }
    side_thread(&p->sj[i]);
    if (p->sj[i].rc < 0)
        return;
    double t1 = now_s();
    p->sd[i] = (cd_side){i ? p->o->after : p->o->before, j->s, p->sj[i].t, p->sj[i].a,
                         NULL, NULL, 0, NULL, NULL};
    cd_side_summarise(&p->sd[i], p->o->paths, p->json ? j->bin : p->bin, i == 1);
    if (i == 0) {
        cd_analysis_release(p->sj[i].a);
        cd_typing_release(p->sj[i].t);
        cd_snapshot_release(j->s, CD_RELEASE_OBJECTS);
    }
    side_time(&p->sj[i], "summary", t1);
}

/* kind: what the pair is */
enum { PAIR_HEAPDUMPS, PAIR_CORES, PAIR_JSON };

static int compare_snapshots(const ctxdiff_options *o, ctxdiff_report *r, int kind, cd_error *err)
{
    cd_binary *bin = NULL;
    const int cores = kind == PAIR_CORES, json = kind == PAIR_JSON;
    if (cores && !o->binary)
        return cd_fail(err, CD_EUSAGE, o->before, -1,
                       "a core file needs the binary that made it: give it with -b BINARY");
    if (json && o->binary)
        return cd_fail(err, CD_EUSAGE, o->binary, -1,
                       "JSON snapshots carry their types: drop -b (it is for heap dumps and core files)");
    json_t *warnings = json_array();
    progress(o, "loading", 1, 3);
    double t0 = now_s();
    if (o->binary && cd_binary_open(o->binary, &bin, err) < 0) {
        json_decref(warnings);
        return -1;
    }
    stage_done("binary", &t0);
    load_job jobs[2];
    memset(jobs, 0, sizeof jobs);
    jobs[0].path = o->before;
    jobs[1].path = o->after;
    for (int i = 0; i < 2; i++) {
        jobs[i].json = json;
        if (bin) {
            jobs[i].lo = (cd_load_options){bin->types_base, bin->types_end};
            jobs[i].core_bin = cores ? bin : NULL;
        }
    }
    /* One snapshot at a time, each on both cores (typing beside the graph
       work); before is reduced to what the report needs and its
       per-object arrays freed before after is analysed: the peak is one
       snapshot's analysis, not two. With two jobs, before is analysed
       while after is still loading, except for core files (their loading
       reads the binary, which cd_type_prepare grows); with one, before is
       analysed and reduced before after is loaded. JSON snapshots come
       typed, each with its own types. */
    cd_analysis_options ao = {o->no_dominators};
    side_job sj[2];
    cd_side sd[2];
    memset(sj, 0, sizeof sj);
    memset(sd, 0, sizeof sd);
    pair_ctx pc = {o, jobs, sj, sd, bin, &ao, json};
    pthread_t th;
    int threaded = o->jobs > 1 && pthread_create(&th, NULL, load_thread, &jobs[1]) == 0;
    load_thread(&jobs[0]);
    int early = (!threaded || !cores) && jobs[0].rc == 0 && (!bin || check_binary(bin, jobs[0].s, err) == 0);
    if (early)
        analyse_side(&pc, 0);
    if (threaded)
        pthread_join(th, NULL);
    else
        load_thread(&jobs[1]);
    stage_done(early ? "load (and before's analysis)" : "load", &t0);
    if (timing_on())
        for (int i = 0; i < 2; i++)
            if (jobs[i].s)
                fprintf(stderr, "ctxdiff: %s: %zu objects, %zu edges, %zu roots\n", jobs[i].path,
                        jobs[i].nobj, jobs[i].nedge, jobs[i].nroots);
    int rc = 0;
    for (int i = 0; i < 2 && rc == 0; i++)
        if (jobs[i].rc < 0) {
            *err = jobs[i].err;
            rc = -1;
        }
    cd_snapshot *s0 = jobs[0].s, *s1 = jobs[1].s;
    for (int i = 0; i < 2 && rc == 0 && !json; i++)
        jobs[i].s->format = cores ? "core" : "heapdump";
    if (rc == 0 && (s0->ptr_size != s1->ptr_size || strcmp(s0->goarch, s1->goarch) != 0))
        rc = cd_fail(err, CD_EUSAGE, s1->path, -1, "the two dumps come from different platforms (%s, %s)",
                     s0->goarch, s1->goarch);
    if (rc == 0 && strcmp(s0->go_version, s1->go_version) != 0) {
        char w[256];
        snprintf(w, sizeof w, "the dumps were written by different Go versions (%s, %s): addresses are not comparable",
                 s0->go_version, s1->go_version);
        json_array_append_new(warnings, cd_jstr(w));
    }
    if (rc == 0 && json && (strcmp(jobs[0].bin->path, jobs[1].bin->path) != 0 ||
                            strcmp(jobs[0].bin->go_version, jobs[1].bin->go_version) != 0)) {
        char w[1200];
        snprintf(w, sizeof w, "the snapshots were typed with different binaries (%s, %s): types and paths may not match",
                 jobs[0].bin->path, jobs[1].bin->path);
        json_array_append_new(warnings, cd_jstr(w));
    }
    for (int i = 0; i < 2 && rc == 0 && bin; i++)
        rc = check_binary(bin, jobs[i].s, err);
    if (rc == 0 && !bin && !json)
        json_array_append_new(warnings, cd_jstr(
            "no binary (-b): objects are typed only through interface words, with the dump's own "
            "names (pointer types show as \"pkg.\"); contexts, verdicts and paths need the binary"));
    if (rc == 0 && go_minor(s1->go_version) > NEWEST_TESTED_MINOR) {
        char w[256];
        snprintf(w, sizeof w, "%s is newer than any Go release ctxdiff was tested with (up to go1.%d): "
                 "check the results", s1->go_version, NEWEST_TESTED_MINOR);
        json_array_append_new(warnings, cd_jstr(w));
    }
    if (rc == 0)
        progress(o, "typing and analysing", 2, 3);
    for (int i = early; i < 2 && rc == 0; i++)
        analyse_side(&pc, i);
    for (int i = 0; i < 2 && rc == 0; i++)
        if (sj[i].rc < 0) {
            *err = sj[i].err;
            rc = -1;
        }
    stage_done("type+paths", &t0);
    if (rc == 0)
        progress(o, "comparing", 3, 3);
    if (rc == 0) {
        r->doc = cd_report_heapdumps(&sd[0], &sd[1], json ? jobs[1].bin : bin, o, warnings);
        warnings = NULL;
    }
    stage_done("compare", &t0);
    json_decref(warnings);
    for (int i = 0; i < 2; i++) {
        cd_side_summary_free(&sd[i]);
        cd_analysis_free(sj[i].a);
        cd_typing_free(sj[i].t);
        cd_typing_free(jobs[i].t);
        cd_snapshot_free(jobs[i].s);
        cd_binary_free(jobs[i].bin);
    }
    cd_binary_free(bin);
    return rc;
}

int ctxdiff_convert(const char *binary, const char *input, const char *output, cd_error *err)
{
    if (!binary)
        return cd_fail(err, CD_EUSAGE, input, -1,
                       "convert needs the binary that wrote the snapshot: give it with -b BINARY");
    int f = ctxdiff_sniff(input, err);
    if (f < 0)
        return -1;
    if (f != CTXDIFF_FMT_HEAPDUMP && f != CTXDIFF_FMT_CORE)
        return cd_fail(err, CD_EFORMAT, input, 0, "convert reads a Go heap dump or a core file, not %s",
                       f == CTXDIFF_FMT_JSON ? "a JSON snapshot (it is converted already)"
                       : f == CTXDIFF_FMT_PPROF ? "a pprof profile" : "this");
    cd_binary *bin = NULL;
    if (cd_binary_open(binary, &bin, err) < 0)
        return -1;
    load_job j;
    memset(&j, 0, sizeof j);
    j.path = input;
    j.lo = (cd_load_options){bin->types_base, bin->types_end};
    j.core_bin = f == CTXDIFF_FMT_CORE ? bin : NULL;
    load_thread(&j);
    int rc = j.rc;
    if (rc < 0)
        *err = j.err;
    cd_typing *t = NULL;
    cd_analysis *a = NULL;
    if (rc == 0) {
        j.s->format = f == CTXDIFF_FMT_CORE ? "core" : "heapdump";
        rc = check_binary(bin, j.s, err);
    }
    if (rc == 0) {
        cd_type_prepare(j.s, bin);
        cd_snapshot_release(j.s, CD_RELEASE_INDEX);
        rc = cd_type_snapshot(j.s, bin, &t, err);
        cd_snapshot_release(j.s, CD_RELEASE_SHAPES);
    }
    cd_analysis_options ao = {1};   /* the facts of the contexts; no dominators needed */
    if (rc == 0)
        rc = cd_analyze(j.s, t, bin, &ao, &a, err);
    if (rc == 0)
        rc = cd_snapjson_write(output, j.s, t, a, bin, err);
    cd_analysis_free(a);
    cd_typing_free(t);
    cd_snapshot_free(j.s);
    cd_binary_free(bin);
    return rc;
}

static int compare_profiles(const ctxdiff_options *o, ctxdiff_report *r, cd_error *err)
{
    cd_profile *p[2] = {NULL, NULL};
    progress(o, "loading", 1, 2);
    int rc = cd_pprof_load(o->before, &p[0], err);
    if (rc == 0)
        rc = cd_pprof_load(o->after, &p[1], err);
    cd_pprof_options po;
    cd_pprof_options_init(&po);
    po.sample_index = o->sample_index;
    if (rc == 0)
        progress(o, "comparing", 2, 2);
    if (rc == 0)
        rc = cd_pprof_compare(p[0], p[1], &po, &r->pprof, err);
    /* the report document is made when asked for (cd_report_doc): the
       text view of a profile pair reads the result directly */
    cd_profile_free(p[0]);
    cd_profile_free(p[1]);
    return rc;
}

static const char *format_name(int f)
{
    switch (f) {
    case CTXDIFF_FMT_HEAPDUMP: return "a Go heap dump";
    case CTXDIFF_FMT_PPROF: return "a pprof profile";
    case CTXDIFF_FMT_ELF: return "an ELF file";
    case CTXDIFF_FMT_CORE: return "a core file";
    case CTXDIFF_FMT_JSON: return "a typed JSON snapshot";
    default: return "an unknown format";
    }
}

int ctxdiff_compare(const ctxdiff_options *o, ctxdiff_report **out, cd_error *err)
{
    *out = NULL;
    if (!o->before || !o->after)
        return cd_fail(err, CD_EUSAGE, NULL, -1, "two snapshots are needed: BEFORE AFTER");
    int f[2];
    const char *paths[2] = {o->before, o->after};
    for (int i = 0; i < 2; i++) {
        f[i] = ctxdiff_sniff(paths[i], err);
        if (f[i] < 0)
            return -1;
        if (f[i] == CTXDIFF_FMT_UNKNOWN)
            return cd_fail(err, CD_EFORMAT, paths[i], 0,
                           "not a snapshot ctxdiff reads (a Go heap dump, a core file, a typed JSON snapshot or a pprof heap/goroutine profile)");
        if (f[i] == CTXDIFF_FMT_ELF)
            return cd_fail(err, CD_EFORMAT, paths[i], 0,
                           "an ELF file but not a core file (give heap dumps, core files, typed JSON snapshots or pprof profiles; the binary goes with -b)");
    }
    if (f[0] != f[1])
        return cd_fail(err, CD_EUSAGE, o->after, -1,
                       "cannot compare %s (%s) with %s (%s): give two snapshots of the same kind",
                       o->before, format_name(f[0]), o->after, format_name(f[1]));
    ctxdiff_report *r = cd_calloc(1, sizeof *r);
    r->top = o->top;
    r->paths = o->paths;
    int rc = f[0] == CTXDIFF_FMT_PPROF ? compare_profiles(o, r, err)
             : compare_snapshots(o, r, f[0] == CTXDIFF_FMT_CORE ? PAIR_CORES
                                       : f[0] == CTXDIFF_FMT_JSON ? PAIR_JSON : PAIR_HEAPDUMPS, err);
    progress(o, NULL, 0, 0);
    if (rc < 0) {
        ctxdiff_report_free(r);
        return -1;
    }
    *out = r;
    return 0;
}

void ctxdiff_report_free(ctxdiff_report *r)
{
    if (!r)
        return;
    json_decref(r->doc);
    cd_pprof_result_free(r->pprof);
    free(r);
}

json_t *cd_report_doc(const ctxdiff_report *r)
{
    if (!r->doc && r->pprof) {
        json_t *doc = cd_report_new("pprof");
        json_object_set_new(doc, "pprof", cd_pprof_to_json(r->pprof));
        ((ctxdiff_report *)r)->doc = doc;   /* a cache: the report does not change */
    }
    return r->doc;
}

int ctxdiff_render(const ctxdiff_report *r, const char *format, FILE *out, int color, cd_error *err)
{
    if (strcmp(format, "text") == 0 && r->pprof)
        return cd_pprof_render_text(r->pprof, out) < 0 ? cd_fail(err, CD_EIO, NULL, -1, "cannot write the report") : 0;
    const char *kind = json_string_value(json_object_get(cd_report_doc(r), "kind"));
    int heap = !kind || strcmp(kind, "pprof") != 0;  /* heap dumps (and cores): retention paths */
    int rc = 0;
    if (strcmp(format, "json") == 0) {
        if (json_dumpf(r->doc, out, JSON_INDENT(2) | JSON_PRESERVE_ORDER | JSON_REAL_PRECISION(6)) < 0)
            return cd_fail(err, CD_EIO, NULL, -1, "cannot write the report");
        fputc('\n', out);
        return 0;
    }
    if (strcmp(format, "html") == 0) {
        rc = cd_render_html(r->doc, out, r->top, r->paths);
    } else if (strcmp(format, "text") == 0 || strcmp(format, "markdown") == 0 ||
               strcmp(format, "pprof") == 0 || strcmp(format, "dot") == 0) {
        if (!heap)
            return cd_fail(err, CD_EUSAGE, NULL, -1, "%s output is for heap dumps%s; use %s for profiles", format,
                           format[0] == 'p' || format[0] == 'd' ? " (retention paths)" : "",
                           r->pprof ? "text, json or html" : "json or html");
        if (strcmp(format, "text") == 0)
            rc = cd_render_text(r->doc, out, color, r->top, r->paths);
        else if (strcmp(format, "markdown") == 0)
            rc = cd_render_markdown(r->doc, out, r->top, r->paths);
        else if (strcmp(format, "pprof") == 0)
            return cd_render_pprof(r->doc, out, err);
        else
            rc = cd_render_dot(r->doc, out, r->paths);
    } else {
        return cd_fail(err, CD_EUSAGE, NULL, -1, "unknown format '%s' (%s)", format, CTXDIFF_FORMATS);
    }
    return rc < 0 ? cd_fail(err, CD_EIO, NULL, -1, "cannot write the report") : 0;
}
