/* main.c — the ctxdiff command line: parses flags, calls libctxdiff,
 * writes the report (atomically with -o) and turns the CI gate into the
 * exit code: 0 ok, 1 a threshold crossed, 2 usage or input error. */
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "ctxdiff.h"

static const char USAGE[] =
"usage: ctxdiff [options] BEFORE AFTER\n"
"\n"
"Find leaked Go contexts between two snapshots of one service: Go heap dumps\n"
"(runtime/debug.WriteHeapDump; give the binary with -b) or pprof heap or\n"
"goroutine profiles. The format is found from the bytes.\n"
"\n"
"options:\n"
"  -b, --binary PATH       the Go binary that wrote the heap dumps (types, names)\n"
"  -f, --format FMT        text (default), json, markdown\n"
"  -o, --output FILE       write the report to FILE (atomically) instead of stdout\n"
"      --top N             growth-table rows (default 20, 0 = all)\n"
"      --paths N           example retention paths per leak group (default 1)\n"
"      --fail-on EXPR      exit 1 when EXPR holds; repeatable. EXPR is METRIC OP VALUE,\n"
"                          e.g. leaks>0, leaks>+10, bytes>+10%%,\n"
"                          type:context.cancelCtx:count>+100, verdict:orphan-child>0\n"
"      --sample-index NAME pprof column: inuse_space (default), inuse_objects,\n"
"                          alloc_space, alloc_objects\n"
"      --no-dominators     skip retained sizes (faster on very large dumps)\n"
"      --color WHEN        auto (default: on a terminal, unless NO_COLOR), always, never\n"
"  -j, --jobs N            load the two snapshots with N threads (1 or 2, default 2)\n"
"  -h, --help              this text\n"
"  -V, --version           print the version\n"
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

int main(int argc, char **argv)
{
    ctxdiff_options o = ctxdiff_defaults();
    const char *format = "text", *output = NULL, *color = "auto";
    const char **gates = NULL;
    size_t ngates = 0;
    enum { OPT_TOP = 256, OPT_PATHS, OPT_FAIL, OPT_SAMPLE, OPT_NODOM, OPT_COLOR };
    static const struct option longs[] = {
        {"binary", required_argument, NULL, 'b'},
        {"format", required_argument, NULL, 'f'},
        {"output", required_argument, NULL, 'o'},
        {"top", required_argument, NULL, OPT_TOP},
        {"paths", required_argument, NULL, OPT_PATHS},
        {"fail-on", required_argument, NULL, OPT_FAIL},
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
            if (parse_int(optarg, &o.paths) < 0)
                return usage_error("--paths takes a number, not", optarg);
            break;
        case OPT_FAIL: {
            const char **g = realloc(gates, (ngates + 1) * sizeof *gates);
            if (!g)
                return usage_error("out of memory", NULL);
            gates = g;
            gates[ngates++] = optarg;
            break;
        }
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
    if (strcmp(format, "text") && strcmp(format, "json") && strcmp(format, "markdown"))
        return usage_error("unknown format (text, json, markdown):", format);
    if (argc - optind != 2)
        return usage_error(argc - optind < 2 ? "need two snapshots: BEFORE AFTER"
                                                   : "too many arguments: give BEFORE AFTER", NULL);
    o.before = argv[optind];
    o.after = argv[optind + 1];

    cd_error err;
    memset(&err, 0, sizeof err);
    ctxdiff_report *r;
    if (ctxdiff_compare(&o, &r, &err) < 0) {
        free(gates);
        return report_error(&err);
    }
    /* Check gate expressions before writing anything. */
    int crossed = 0;
    if (ngates) {
        crossed = ctxdiff_gate(r, gates, ngates, NULL, &err);
        if (crossed < 0) {
            ctxdiff_report_free(r);
            free(gates);
            return report_error(&err);
        }
    }
    FILE *out = stdout;
    char *tmp = NULL;
    if (output && strcmp(output, "-") != 0) {
        size_t n = strlen(output) + 32;
        tmp = malloc(n);
        if (!tmp)
            return 2;
        snprintf(tmp, n, "%s.tmp.%ld", output, (long)getpid());
        /* a new file (O_EXCL: never an existing file or a link's target) */
        int tfd = open(tmp, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0666);
        out = tfd >= 0 ? fdopen(tfd, "w") : NULL;
        if (!out) {
            if (tfd >= 0) {
                close(tfd);
                unlink(tmp);
            }
            fprintf(stderr, "ctxdiff: %s: cannot write: %s\n", output, strerror(errno));
            free(tmp);
            ctxdiff_report_free(r);
            free(gates);
            return 2;
        }
    }
    int use_color = strcmp(color, "always") == 0 ||
                    (strcmp(color, "auto") == 0 && out == stdout && isatty(1) && !getenv("NO_COLOR"));
    int rc = ctxdiff_render(r, format, out, use_color, &err);
    if (out != stdout) {
        int synced = fflush(out) == 0 && fsync(fileno(out)) == 0;  /* on disk before the rename */
        if ((fclose(out) != 0 || !synced) && rc == 0)
            rc = -1, snprintf(err.msg, sizeof err.msg, "%s: cannot write", output);
        if (rc == 0 && rename(tmp, output) != 0) {
            fprintf(stderr, "ctxdiff: %s: cannot write: %s\n", output, strerror(errno));
            rc = -2;
        }
        if (rc != 0)
            unlink(tmp);
        free(tmp);
    } else if (fflush(stdout) != 0) {
        rc = -1;
        snprintf(err.msg, sizeof err.msg, "cannot write to standard output");
    }
    if (rc == -1)
        report_error(&err);
    if (rc == 0 && ngates)
        ctxdiff_gate(r, gates, ngates, stderr, &err);
    ctxdiff_report_free(r);
    free(gates);
    if (rc != 0)
        return 2;
    return crossed ? 1 : 0;
}
