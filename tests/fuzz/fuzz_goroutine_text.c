/* fuzz_goroutine_text.c — goroutine text (debug=1 counts, debug=2 stacks)
 * through the pprof loader; seeded with the committed goroutine text files,
 * so mutations stay mostly inside the text parsers. Each profile that loads
 * is compared with itself and, both ways, with real profiles of every kind
 * (testdata/go1.19/leaky, loaded once). The pprof fuzz target proper is tests/test_pprof_fuzz.c;
 * its kept crashers replay through this harness (fuzz_replay_pprof), whose
 * entry does what that target's does and more. */
#include <jansson.h>

#include "fuzz.h"
#include "pprof.h"

static cd_profile *bases[4];
static size_t nbases;

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
    (void)argc; (void)argv;
    static const char *const files[] = {
        "testdata/go1.19/leaky/before.heap.pb.gz",
        "testdata/go1.19/leaky/before.goroutine.pb.gz",
        "testdata/go1.19/leaky/before.goroutine.txt",
        "testdata/go1.19/leaky/before.goroutine1.txt",
    };
    const char *dir = fuzz_path("CTXDIFF_FUZZ_ROOT", ".");
    for (size_t i = 0; i < sizeof files / sizeof *files; i++) {
        char path[4096];
        cd_error err;
        snprintf(path, sizeof path, "%s/%s", dir, files[i]);
        if (cd_pprof_load(path, &bases[nbases], &err) == 0)
            nbases++;
        else
            fprintf(stderr, "fuzz: base profile %s not loaded (%s): run from the repository root\n",
                    path, err.msg);
    }
    return 0;
}

static void compare_render(const cd_profile *before, const cd_profile *after)
{
    cd_pprof_options o;
    cd_pprof_options_init(&o);
    cd_pprof_result *r = NULL;
    cd_error err;
    if (cd_pprof_compare(before, after, &o, &r, &err) < 0)
        return;
    FILE *f = fopen("/dev/null", "w");
    if (f) {
        cd_pprof_render_text(r, f);
        cd_pprof_render_top(r, f);
        fclose(f);
    }
    json_t *j = cd_pprof_to_json(r);
    char *s = j ? json_dumps(j, JSON_PRESERVE_ORDER | JSON_INDENT(1)) : NULL;
    free(s);
    json_decref(j);
    cd_pprof_result_free(r);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    cd_profile *p = NULL;
    cd_error err;
    (void)cd_pprof_sniff(data, size);
    if (cd_pprof_load_mem(data, size, "fuzz", &p, &err) < 0)
        return 0;
    compare_render(p, p);
    for (size_t i = 0; i < nbases; i++) {
        compare_render(bases[i], p);
        compare_render(p, bases[i]);
    }
    cd_profile_free(p);
    return 0;
}
