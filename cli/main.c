/* main.c — the ctxdiff command line: parses flags, calls libctxdiff,
 * shows progress on a terminal for long loads, writes the report
 * (atomically with -o) and turns the CI gate (optionally against a stored
 * baseline report) into the exit code: 0 ok, 1 a threshold crossed, 2
 * usage or input error. */
#include <errno.h>
#include <getopt.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#if defined(__GLIBC__)
#include <malloc.h>
#endif

#include "ctxdiff.h"

static const char USAGE[] =
"usage: ctxdiff [options] BEFORE AFTER\n"
"       ctxdiff convert -b BINARY [-o OUT.json[.gz]] SNAPSHOT\n"
"\n"
"Find leaked Go contexts between two snapshots of one service: Go heap dumps\n"
"(runtime/debug.WriteHeapDump) or core files (gcore) - give the binary with\n"
"-b -, typed JSON snapshots (made by convert; no binary needed), or pprof\n"
"heap or goroutine profiles. The format is found from the bytes.\n"
"\n"
"options:\n"
"  -b, --binary PATH       the Go binary that wrote the heap dumps (types, names)\n"
"  -f, --format FMT        text (default), json, markdown, html, pprof, dot\n"
"  -o, --output FILE       write the report to FILE (atomically) instead of stdout\n"
"      --top N             growth-table rows (default 20, 0 = all)\n"
"      --paths N           example retention paths per leak group (default 1)\n"
"      --fail-on EXPR      exit 1 when EXPR holds; repeatable. EXPR is METRIC OP VALUE,\n"
"                          e.g. leaks>0, leaks>+10, bytes>+10%,\n"
"                          type:context.cancelCtx:count>+100, verdict:orphan-child>0\n"
"      --baseline REPORT   a report saved earlier with -f json: --fail-on values\n"
"                          with a sign or % compare with its after values\n"
"      --sample-index NAME pprof column: inuse_space (default), inuse_objects,\n"
"                          alloc_space, alloc_objects\n"
"      --no-dominators     skip retained sizes (faster on very large dumps)\n"
"      --color WHEN        auto (default: on a terminal, unless NO_COLOR), always, never\n"
"  -j, --jobs N            1: one thread, least memory; more: two (default 2)\n"
"  -h, --help              this text\n"
"  -V, --version           print the version\n"
"\n"
"formats: text for a terminal; json for scripts (schema ctxdiff/1); markdown\n"
"for a pull-request comment; html, one self-contained page; pprof, the leak\n"
"groups' retention paths as a profile for go tool pprof (binary: use -o);\n"
"dot, the same paths as a Graphviz graph. pprof and dot need heap dumps.\n"
"\n"
"convert: type a heap dump or core file with its binary once and write it as\n"
"a typed JSON snapshot (ctxdiff-snapshot(5); gzip for a name ending in .gz;\n"
"standard output without -o). Two snapshots give the same report as the two\n"
"dumps with their binary, without the binary and without object contents.\n"
"\n"
"exit status: 0 no threshold crossed, 1 a --fail-on threshold crossed,\n"
"2 usage or input error. See ctxdiff(1).\n";

static int usage_error(const char *what, const char *arg)
{
    /* what reads like "--top takes a number, not" and arg is what was given */
    if (arg)
        fprintf(stderr, "ctxdiff: %s '%s'\nTry 'ctxdiff --help'.\n", what, arg);
    else
        fprintf(stderr, "ctxdiff: %s\nTry 'ctxdiff --help'.\n", what);
    return 2;
}

static int parse_int(const char *s, int *v)
{
    char *end;
    errno = 0;
    long x = strtol(s, &end, 10);
    if (errno || end == s || *end || x < 0 || x > 1000000)
        return -1;
    *v = (int)x;
    return 0;
}

static int report_error(const cd_error *err)
{
    char buf[2048];
    cd_error_format(err, buf, sizeof buf);
    fprintf(stderr, "ctxdiff: %s\n", buf);
    return 2;
}

/* ---- progress on a terminal ----
 * The library says which stage starts; a thread shows it on stderr with
 * the time so far once the run has taken longer than a second
 * (CTXDIFF_PROGRESS_DELAY seconds), and erases the line when done. */
typedef struct progress {
    pthread_mutex_t mu;
    pthread_cond_t cv;
    pthread_t th;
    const char *stage;
    int step, nsteps, done, shown;
    double start, delay;
} progress;

static double mono_s(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* The line for the current stage, once the delay is over (p->mu held). */
static void progress_show(progress *p)
{
    double t = mono_s() - p->start;
    if (p->stage && t >= p->delay) {
        fprintf(stderr, "\rctxdiff: %s (%d/%d), %.1f s\033[K", p->stage, p->step, p->nsteps, t);
        p->shown = 1;
    }
}

/* A new stage shows at once; the thread then keeps its time current. */
static void on_progress(void *arg, const char *stage, int step, int nsteps)
{
    progress *p = arg;
    pthread_mutex_lock(&p->mu);
    p->stage = stage;
    p->step = step;
    p->nsteps = nsteps;
    p->done = stage == NULL;
    if (!p->done)
        progress_show(p);
    pthread_cond_signal(&p->cv);
    pthread_mutex_unlock(&p->mu);
}

static void *progress_thread(void *arg)
{
    progress *p = arg;
    pthread_mutex_lock(&p->mu);
    while (!p->done) {
        progress_show(p);
        struct timespec ts;
        clock_gettime(CLOCK_MONOTONIC, &ts);
        ts.tv_nsec += 250000000;
        if (ts.tv_nsec >= 1000000000) {
            ts.tv_sec++;
            ts.tv_nsec -= 1000000000;
        }
        pthread_cond_timedwait(&p->cv, &p->mu, &ts);
    }
    if (p->shown)
        fputs("\r\033[K", stderr);
    pthread_mutex_unlock(&p->mu);
    return NULL;
}

/* Start showing progress if stderr is a terminal; 0 if started. */
static int progress_start(progress *p, ctxdiff_options *o)
{
    if (!isatty(2))
        return -1;
    memset(p, 0, sizeof *p);
    p->start = mono_s();
    p->delay = 1.0;
    const char *d = getenv("CTXDIFF_PROGRESS_DELAY");
    if (d && *d) {
        char *end;
        double x = strtod(d, &end);
        if (!*end && x >= 0)
            p->delay = x;
    }
    pthread_condattr_t ca;
    pthread_condattr_init(&ca);
    pthread_condattr_setclock(&ca, CLOCK_MONOTONIC);
    pthread_mutex_init(&p->mu, NULL);
    pthread_cond_init(&p->cv, &ca);
    pthread_condattr_destroy(&ca);
    if (pthread_create(&p->th, NULL, progress_thread, p) != 0) {
        pthread_cond_destroy(&p->cv);
        pthread_mutex_destroy(&p->mu);
        return -1;
    }
    o->progress = on_progress;
    o->progress_arg = p;
    return 0;
}

static void progress_stop(progress *p)
{
    on_progress(p, NULL, 0, 0);  /* in case the library did not say */
    pthread_join(p->th, NULL);
    pthread_cond_destroy(&p->cv);
    pthread_mutex_destroy(&p->mu);
}

/* ctxdiff convert -b BINARY [-o OUT] SNAPSHOT */
static int convert_main(int argc, char **argv)
{
    const char *binary = NULL, *output = "-";
    static const struct option longs[] = {
        {"binary", required_argument, NULL, 'b'},
        {"output", required_argument, NULL, 'o'},
        {"help", no_argument, NULL, 'h'},
        {NULL, 0, NULL, 0},
    };
    opterr = 0;
    int c;
    while ((c = getopt_long(argc, argv, ":b:o:h", longs, NULL)) != -1) {
        switch (c) {
        case 'b': binary = optarg; break;
        case 'o': output = optarg; break;
        case 'h': fputs(USAGE, stdout); return 0;
        case ':': return usage_error("this option needs a value:", argv[optind - 1]);
        default: return usage_error("unknown option for convert", argv[optind - 1]);
        }
    }
    if (argc - optind != 1)
        return usage_error(argc - optind < 1 ? "convert needs one snapshot: convert -b BINARY [-o OUT] SNAPSHOT"
                                             : "convert takes one snapshot at a time", NULL);
    if (!binary)
        return usage_error("convert needs the binary that wrote the snapshot: -b BINARY", NULL);
    if (strcmp(output, "-") == 0 && isatty(1))
        return usage_error("convert writes a JSON snapshot: give -o FILE or redirect standard output", NULL);
    cd_error err;
    memset(&err, 0, sizeof err);
    if (ctxdiff_convert(binary, argv[optind], output, &err) < 0)
        return report_error(&err);
    return 0;
}

int main(int argc, char **argv)
{
#if defined(__GLIBC__) && defined(M_MMAP_THRESHOLD)
    /* The library's big arrays come and go stage by stage. Kept in their
       own mappings, each free gives its memory back; glibc's default
       raises the threshold at the first such free, and the heap then
       keeps freed arrays resident (about 50 MB more at the peak on the
       benchmark's pair). */
    mallopt(M_MMAP_THRESHOLD, 1 << 20);
#endif
    if (argc > 1 && strcmp(argv[1], "convert") == 0)
        return convert_main(argc - 1, argv + 1);
    ctxdiff_options o = ctxdiff_defaults();
    const char *format = "text", *output = NULL, *color = "auto", *baseline = NULL;
    const char **gates = NULL;
    size_t ngates = 0;
    enum { OPT_TOP = 256, OPT_PATHS, OPT_FAIL, OPT_SAMPLE, OPT_NODOM, OPT_COLOR, OPT_BASELINE };
    static const struct option longs[] = {
        {"binary", required_argument, NULL, 'b'},
        {"format", required_argument, NULL, 'f'},
        {"output", required_argument, NULL, 'o'},
        {"top", required_argument, NULL, OPT_TOP},
        {"paths", required_argument, NULL, OPT_PATHS},
        {"fail-on", required_argument, NULL, OPT_FAIL},
        {"baseline", required_argument, NULL, OPT_BASELINE},
        {"sample-index", required_argument, NULL, OPT_SAMPLE},
        {"no-dominators", no_argument, NULL, OPT_NODOM},
        {"color", required_argument, NULL, OPT_COLOR},
        {"jobs", required_argument, NULL, 'j'},
        {"help", no_argument, NULL, 'h'},
        {"version", no_argument, NULL, 'V'},
        {NULL, 0, NULL, 0},
    };
    opterr = 0;
    int c;
    while ((c = getopt_long(argc, argv, ":b:f:o:j:hV", longs, NULL)) != -1) {
        switch (c) {
        case 'b': o.binary = optarg; break;
        case 'f': format = optarg; break;
        case 'o': output = optarg; break;
        case 'j':
            if (parse_int(optarg, &o.jobs) < 0 || o.jobs < 1)
                return usage_error("--jobs takes a positive number, not", optarg);
            break;
        case OPT_TOP:
            if (parse_int(optarg, &o.top) < 0)
                return usage_error("--top takes a number, not", optarg);
            break;
        case OPT_PATHS:
            if (parse_int(optarg, &o.paths) < 0 || o.paths < 1)
                return usage_error("--paths takes a number of at least 1, not", optarg);
            break;
        case OPT_FAIL: {
            const char **g = realloc(gates, (ngates + 1) * sizeof *gates);
            if (!g)
                return usage_error("out of memory", NULL);
            gates = g;
            gates[ngates++] = optarg;
            break;
        }
        case OPT_BASELINE: baseline = optarg; break;
        case OPT_SAMPLE: o.sample_index = optarg; break;
        case OPT_NODOM: o.no_dominators = 1; break;
        case OPT_COLOR:
            if (strcmp(optarg, "auto") && strcmp(optarg, "always") && strcmp(optarg, "never"))
                return usage_error("--color takes auto, always or never, not", optarg);
            color = optarg;
            break;
        case 'h': fputs(USAGE, stdout); return 0;
        case 'V': printf("ctxdiff %s\n", ctxdiff_version()); return 0;
        case ':': return usage_error("this option needs a value:", argv[optind - 1]);
        default: return usage_error("unknown option", argv[optind - 1]);
        }
    }
    if (strcmp(format, "text") && strcmp(format, "json") && strcmp(format, "markdown") &&
        strcmp(format, "html") && strcmp(format, "pprof") && strcmp(format, "dot"))
        return usage_error("unknown format (" CTXDIFF_FORMATS "):", format);
    if (argc - optind != 2)
        return usage_error(argc - optind < 2 ? "need two snapshots: BEFORE AFTER"
                                                   : "too many arguments: give BEFORE AFTER", NULL);
    if (baseline && !ngates)
        return usage_error("--baseline is what --fail-on compares with: give --fail-on too", NULL);
    if (strcmp(format, "pprof") == 0 && (!output || strcmp(output, "-") == 0) && isatty(1))
        return usage_error("-f pprof writes a binary profile: give -o FILE or redirect standard output", NULL);
    o.before = argv[optind];
    o.after = argv[optind + 1];

    cd_error err;
    memset(&err, 0, sizeof err);
    ctxdiff_report *base = NULL;
    if (baseline && ctxdiff_report_load(baseline, &base, &err) < 0) {
        free(gates);
        return report_error(&err);
    }
    ctxdiff_report *r;
    progress prog;
    int showing = progress_start(&prog, &o) == 0;
    int rc = ctxdiff_compare(&o, &r, &err);
    if (showing)
        progress_stop(&prog);
    if (rc < 0) {
        ctxdiff_report_free(base);
        free(gates);
        return report_error(&err);
    }
    /* Check gate expressions before writing anything. */
    int crossed = 0;
    if (ngates) {
        crossed = ctxdiff_gate_baseline(r, base, gates, ngates, NULL, &err);
        if (crossed < 0) {
            ctxdiff_report_free(r);
            ctxdiff_report_free(base);
            free(gates);
            return report_error(&err);
        }
    }
    FILE *out = stdout;
    ctxdiff_output *oh = NULL;
    if (output && strcmp(output, "-") != 0) {
        out = ctxdiff_output_open(output, &oh, &err);
        if (!out) {
            ctxdiff_report_free(r);
            ctxdiff_report_free(base);
            free(gates);
            return report_error(&err);
        }
    }
    int use_color = strcmp(color, "always") == 0 ||
                    (strcmp(color, "auto") == 0 && out == stdout && isatty(1) && !getenv("NO_COLOR"));
    rc = ctxdiff_render(r, format, out, use_color, &err);
    if (oh) {
        if (ctxdiff_output_close(oh, out, rc == 0, &err) < 0 && rc == 0)
            rc = -1;
    } else if (fflush(stdout) != 0) {
        rc = -1;
        snprintf(err.msg, sizeof err.msg, "cannot write to standard output");
    }
    if (rc == -1)
        report_error(&err);
    if (rc == 0 && ngates)
        ctxdiff_gate_baseline(r, base, gates, ngates, stderr, &err);
    ctxdiff_report_free(r);
    ctxdiff_report_free(base);
    free(gates);
    if (rc != 0)
        return 2;
    return crossed ? 1 : 0;
}
