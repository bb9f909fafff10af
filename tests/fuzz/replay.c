/* replay.c — runs a fuzz harness (linked with it, in the normal build) on
 * every file named on the command line and every regular file in the
 * directories named. The kept crashers under tests/fuzz/regressions/NAME/
 * replay through it in tools/test.sh, so under ASan+UBSan as well.
 *   --corrupt N FILE   instead: N copies of FILE, each with one byte
 *                      changed (offsets spread over the file, values 0,
 *                      0xff, 0x80, bit flips; deterministic), and N
 *                      prefixes of FILE ended by a 0 byte (the heap dump
 *                      EOF tag: cuts at record boundaries load).
 * Exit 0 when every input ran (a crash aborts the process). */
#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "fuzz.h"

static unsigned char *slurp(const char *path, size_t *n)
{
    FILE *f = fopen(path, "rb");
    if (!f)
        return NULL;
    size_t cap = 1 << 16, len = 0;
    unsigned char *buf = malloc(cap);
    size_t k;
    while (buf && (k = fread(buf + len, 1, cap - len, f)) > 0) {
        len += k;
        if (len == cap) {
            unsigned char *nb = realloc(buf, cap *= 2);
            if (!nb)
                free(buf);
            buf = nb;
        }
    }
    fclose(f);
    *n = len;
    return buf;
}

static int cmp_str(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

static int run_file(const char *path)
{
    size_t n = 0;
    unsigned char *buf = slurp(path, &n);
    if (!buf) {
        fprintf(stderr, "replay: cannot read %s\n", path);
        return -1;
    }
    printf("replay %s (%zu bytes)\n", path, n);
    fflush(stdout);
    LLVMFuzzerTestOneInput(buf, n);
    free(buf);
    return 0;
}

static int corrupt(const char *path, long n)
{
    size_t len = 0;
    unsigned char *orig = slurp(path, &len);
    if (!orig || len < 2 || n < 1) {
        fprintf(stderr, "replay: cannot read %s\n", path);
        free(orig);
        return 1;
    }
    unsigned char *b = malloc(len + 1);
    if (!b)
        abort();
    uint64_t x = 0x9e3779b97f4a7c15ull;
    static const unsigned char vals[] = {0x00, 0xff, 0x80, 0x7f, 0x01};
    for (long i = 0; i < n; i++) {
        x = x * 6364136223846793005ull + 1442695040888963407ull;
        size_t off = (size_t)((double)i / (double)n * (double)len) + (size_t)(x >> 40) % (len / (size_t)n + 1);
        if (off >= len)
            off = len - 1;
        memcpy(b, orig, len);
        unsigned k = (unsigned)(x >> 20) % 8;
        b[off] = k < 5 ? vals[k] : (unsigned char)(orig[off] ^ (1u << (x >> 33) % 8));
        LLVMFuzzerTestOneInput(b, len);
        /* the prefix before off, ended by an EOF tag */
        memcpy(b, orig, off);
        b[off] = 0;
        LLVMFuzzerTestOneInput(b, off + 1);
    }
    printf("corrupted %s %ld times (one byte) and cut it %ld times\n", path, n, n);
    free(b);
    free(orig);
    return 0;
}

int main(int argc, char **argv)
{
    int files = 0, bad = 0;
    LLVMFuzzerInitialize(&argc, &argv);
    if (argc == 4 && strcmp(argv[1], "--corrupt") == 0)
        return corrupt(argv[3], strtol(argv[2], NULL, 10));
    for (int i = 1; i < argc; i++) {
        struct stat st;
        if (stat(argv[i], &st) < 0) {
            fprintf(stderr, "replay: %s: not found\n", argv[i]);
            bad++;
            continue;
        }
        if (!S_ISDIR(st.st_mode)) {
            bad += run_file(argv[i]) < 0;
            files++;
            continue;
        }
        DIR *d = opendir(argv[i]);
        if (!d) {
            bad++;
            continue;
        }
        char **names = NULL;
        size_t nn = 0;
        struct dirent *e;
        while ((e = readdir(d)) != NULL) {
            if (e->d_name[0] == '.')
                continue;
            char **nv = realloc(names, (nn + 1) * sizeof *names);
            if (!nv)
                abort();
            names = nv;
            size_t len = strlen(argv[i]) + strlen(e->d_name) + 2;
            names[nn] = malloc(len);
            if (!names[nn])
                abort();
            snprintf(names[nn], len, "%s/%s", argv[i], e->d_name);
            nn++;
        }
        closedir(d);
        if (nn)
            qsort(names, nn, sizeof *names, cmp_str);
        for (size_t j = 0; j < nn; j++) {
            struct stat fs;
            if (stat(names[j], &fs) == 0 && S_ISREG(fs.st_mode)) {
                bad += run_file(names[j]) < 0;
                files++;
            }
            free(names[j]);
        }
        free(names);
    }
    printf("replayed %d inputs, %d unreadable\n", files, bad);
    return bad ? 1 : 0;
}
