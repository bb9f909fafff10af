/* fuzz_pipeline.c — the whole heap dump pipeline on arbitrary dump bytes:
 * load, type and analyse the input with a fixed real binary from testdata
 * (go1.19 and go1.26 leaky: the one whose Go version the input names, as
 * the CLI refuses a binary that does not match), compare it with that
 * binary's real before.heapdump (loaded once), render the report in every
 * format ctxdiff_render knows and evaluate a few gate expressions.
 *
 * The binaries are loaded once; cd_type_prepare may add synthesised types
 * to them, so a crash can in principle depend on earlier inputs (replay the
 * whole corpus directory if a single file does not reproduce). */
#include <jansson.h>

#include "analysis.h"
#include "binary.h"
#include "fuzz.h"
#include "report.h"
#include "snapshot.h"
#include "typing.h"

typedef struct side {
    cd_binary *bin;
    cd_snapshot *s;
    cd_typing *t;
    cd_analysis *a;
} side;

static side bases[2];
static size_t nbases;

/* Typing and analysis as ctxdiff.c's compare_heapdumps does them. */
static int type_analyze(side *b, cd_snapshot *s, const cd_analysis_options *ao,
                        cd_typing **t, cd_analysis **a, cd_error *err)
{
    cd_type_prepare(s, b->bin);
    cd_snapshot_release(s, CD_RELEASE_INDEX);
    int rc = cd_type_snapshot(s, b->bin, t, err);
    cd_snapshot_release(s, CD_RELEASE_SHAPES);
    if (rc == 0)
        rc = cd_analyze(s, *t, b->bin, ao, a, err);
    return rc;
}

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
    (void)argc; (void)argv;
    static const char *const dirs[] = {"testdata/go1.19/leaky", "testdata/go1.26/leaky"};
    const char *root = fuzz_path("CTXDIFF_FUZZ_ROOT", ".");
    for (size_t i = 0; i < 2; i++) {
        char bpath[4096], dpath[4096];
        snprintf(bpath, sizeof bpath, "%s/%s/leaky", root, dirs[i]);
        snprintf(dpath, sizeof dpath, "%s/%s/before.heapdump", root, dirs[i]);
        side *b = &bases[nbases];
        cd_error err;
        cd_analysis_options ao = {.no_dominators = 0};
        if (cd_binary_open(bpath, &b->bin, &err) < 0) {
            fprintf(stderr, "fuzz: %s: %s (run from the repository root)\n", bpath, err.msg);
            continue;
        }
        cd_load_options lo = {b->bin->types_base, b->bin->types_end};
        if (cd_heapdump_load(dpath, &lo, &b->s, &err) < 0 || type_analyze(b, b->s, &ao, &b->t, &b->a, &err) < 0) {
            fprintf(stderr, "fuzz: %s: %s\n", dpath, err.msg);
            abort();
        }
        nbases++;
    }
    if (!nbases)
        abort();
    return 0;
}

/* What ctxdiff.c's check_binary requires before typing. */
static int matches(const cd_binary *bin, const cd_snapshot *s)
{
    if (bin->go_version[0] && s->go_version[0] && strcmp(bin->go_version, s->go_version) != 0)
        return 0;
    if (bin->data_addr && s->data.addr &&
        (bin->data_addr != s->data.addr || bin->data_size != s->data.size))
        return 0;
    if (bin->ptr_size && bin->ptr_size != s->ptr_size)
        return 0;
    return strcmp(bases[0].s->goarch, s->goarch) == 0 && bases[0].s->ptr_size == s->ptr_size;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    /* the params record comes first: pick the binary its version names */
    side *b = &bases[0];
    size_t head = size < 256 ? size : 256;
    for (size_t i = 0; i < nbases; i++)
        if (bases[i].bin->go_version[0] &&
            memmem(data, head, bases[i].bin->go_version, strlen(bases[i].bin->go_version)))
            b = &bases[i];

    char path[64];
    int fd = fuzz_memfile(data, size, path, sizeof path);
    cd_load_options lo = {b->bin->types_base, b->bin->types_end};
    cd_snapshot *s = NULL;
    cd_typing *t = NULL;
    cd_analysis *a = NULL;
    cd_error err;
    cd_analysis_options ao = {.no_dominators = (int)(size & 1)};
    if (cd_heapdump_load(path, &lo, &s, &err) < 0)
        goto out;
    if (!matches(b->bin, s) || type_analyze(b, s, &ao, &t, &a, &err) < 0)
        goto out;

    ctxdiff_options o = ctxdiff_defaults();
    o.paths = 3;
    o.top = 0;
    cd_side sb = {.path = "before", .s = b->s, .t = b->t, .a = b->a};
    cd_side sa = {.path = "after", .s = s, .t = t, .a = a};
    cd_side_summarise(&sb, o.paths, b->bin, 1);
    cd_side_summarise(&sa, o.paths, b->bin, 1);
    ctxdiff_report r = {0};
    r.doc = cd_report_heapdumps(&sb, &sa, b->bin, &o, json_array());
    r.top = o.top;
    r.paths = o.paths;
    FILE *f = fopen("/dev/null", "w");
    if (f) {
        /* unknown names just fail: formats added later are covered */
        static const char *const formats[] = {"text", "json", "markdown", "html", "dot", "pprof", "csv"};
        for (size_t i = 0; i < sizeof formats / sizeof *formats; i++)
            ctxdiff_render(&r, formats[i], f, i == 0, &err);
        static const char *const exprs[] = {"leaks>0", "bytes>+10%", "objects>+100",
                                            "type:context.cancelCtx:count>+1", "verdict:orphan-child>0",
                                            "goroutines>0", "contexts>0", "leak-groups>0"};
        ctxdiff_gate(&r, exprs, sizeof exprs / sizeof *exprs, f, &err);
        fclose(f);
    }
    /* the reverse direction too: the fuzzed dump as "before" */
    json_t *rev = cd_report_heapdumps(&sa, &sb, b->bin, &o, json_array());
    json_decref(rev);
    cd_side_summary_free(&sb);
    cd_side_summary_free(&sa);
    json_decref(r.doc);
out:
    cd_analysis_free(a);
    cd_typing_free(t);
    cd_snapshot_free(s);
    close(fd);
    return 0;
}
