/* fuzz.h — shared by the libFuzzer harnesses in tests/fuzz/ (results of
 * the runs: RESULTS.md). Each harness defines LLVMFuzzerTestOneInput and
 * LLVMFuzzerInitialize; the same source is linked either with libFuzzer
 * (tools/fuzz.sh, clang) or with replay.c (the normal build), which feeds
 * it the files kept under tests/fuzz/regressions/NAME/. */
#ifndef CD_FUZZ_H
#define CD_FUZZ_H

#include <errno.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerInitialize(int *argc, char ***argv);

/* The readers take paths: put the input in an anonymous in-memory file and
 * name it through /proc/self/fd. Returns the fd (close it after use) or -1. */
static inline int fuzz_memfile(const uint8_t *data, size_t size, char *path, size_t cap)
{
    int fd = memfd_create("ctxdiff-fuzz", MFD_CLOEXEC);
    if (fd < 0) {
        fprintf(stderr, "memfd_create: %s\n", strerror(errno));
        abort();
    }
    size_t off = 0;
    while (off < size) {
        ssize_t k = write(fd, data + off, size - off);
        if (k <= 0) {
            fprintf(stderr, "memfd write: %s\n", strerror(errno));
            abort();
        }
        off += (size_t)k;
    }
    snprintf(path, cap, "/proc/self/fd/%d", fd);
    return fd;
}

/* A path relative to the repository root, or from the environment. */
static inline const char *fuzz_path(const char *env, const char *dflt)
{
    const char *v = getenv(env);
    return v && *v ? v : dflt;
}

#endif
