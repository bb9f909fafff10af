/* pprof_top.c — test driver: compare two pprof profiles with libctxdiff and
 * print what tests diff against `go tool pprof`.
 *
 *   pprof_top [-sample_index=X] [-nodecount=N] [-text|-json|-sniff] BEFORE AFTER
 *
 * Default output: the -top block from "Showing nodes" down, byte-identical
 * to `go tool pprof -top -sample_index=X -base BEFORE AFTER`. -text prints
 * the whole human report, -json the JSON result. -sniff FILE... prints the
 * sniffed format of each file. Exit 0, or 2 with the error on stderr. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "pprof.h"

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
