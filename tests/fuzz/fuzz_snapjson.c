/* fuzz_snapjson.c — the typed JSON snapshot reader (snapjson_read.c,
 * jsonpull.c) and everything after it on arbitrary bytes: the input is
 * compared with itself and both ways with a real converted snapshot
 * (go1.19 leaky, converted once at start), through the public API as the
 * CLI does it (sniff, read, analyse, compare), then the report is
 * rendered in every format and gate expressions are evaluated. */
#include <jansson.h>

#include "ctxdiff.h"
#include "fuzz.h"

static char base[4096];

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
    (void)argc; (void)argv;
    const char *root = fuzz_path("CTXDIFF_FUZZ_ROOT", ".");
    char bin[4096], dump[4096];
    snprintf(bin, sizeof bin, "%s/testdata/go1.19/leaky/leaky", root);
    snprintf(dump, sizeof dump, "%s/testdata/go1.19/leaky/before.heapdump", root);
    snprintf(base, sizeof base, "%s/ctxdiff-fuzz-base-%ld.json", fuzz_path("TMPDIR", "/tmp"), (long)getpid());
    cd_error err;
    if (ctxdiff_convert(bin, dump, base, &err) < 0) {
        fprintf(stderr, "fuzz: %s (run from the repository root)\n", err.msg);
        abort();
    }
    return 0;
}

static void run(const char *before, const char *after, int nodom)
{
    ctxdiff_options o = ctxdiff_defaults();
    o.before = before;
    o.after = after;
    o.paths = 3;
    o.top = 0;
    o.jobs = 1;
    o.no_dominators = nodom;
    ctxdiff_report *r;
    cd_error err;
    if (ctxdiff_compare(&o, &r, &err) < 0)
        return;
    FILE *f = fopen("/dev/null", "w");
    if (f) {
        static const char *const formats[] = {"text", "json", "markdown", "html", "dot", "pprof"};
        for (size_t i = 0; i < sizeof formats / sizeof *formats; i++)
            ctxdiff_render(r, formats[i], f, i == 0, &err);
        static const char *const exprs[] = {"leaks>0", "bytes>+10%", "objects>+100",
                                            "type:context.cancelCtx:count>+1", "verdict:orphan-child>0"};
        ctxdiff_gate(r, exprs, sizeof exprs / sizeof *exprs, f, &err);
        fclose(f);
    }
    ctxdiff_report_free(r);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    char path[64];
    int fd = fuzz_memfile(data, size, path, sizeof path);
    run(path, path, (int)(size & 1));
    run(base, path, 0);
    run(path, base, 1);
    close(fd);
    return 0;
}
