/* floor.c — the benchmark floor: the least work any reader of a Go heap
 * dump must do. One sequential pass with a 1 MiB buffer over every record
 * of each file given: decode each varint, skip contents. ctxdiff's full
 * analysis is reported as a multiple of this time (bench/run.sh). */
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static unsigned char buf[1 << 20];
static size_t len, pos;
static int fd;
static uint64_t consumed;

static int more(void)
{
    if (pos < len)
        return 1;
    consumed += len;
    ssize_t n = read(fd, buf, sizeof buf);
    if (n <= 0)
        return 0;
    len = (size_t)n;
    pos = 0;
    return 1;
}

static uint64_t uv(void)
{
    uint64_t x = 0;
    for (int s = 0; s < 70; s += 7) {
        if (!more()) {
            fprintf(stderr, "floor: truncated\n");
            exit(2);
        }
        unsigned char b = buf[pos++];
        x |= (uint64_t)(b & 0x7f) << s;
        if (!(b & 0x80))
            return x;
    }
    return x;
}

static void skip(uint64_t n)
{
    while (n) {
        if (!more()) {
            fprintf(stderr, "floor: truncated\n");
            exit(2);
        }
        size_t k = len - pos < n ? len - pos : (size_t)n;
        pos += k;
        n -= k;
    }
}

static void str(void) { skip(uv()); }
static void fields(void) { while (uv() != 0) uv(); }

static uint64_t walk(const char *path)
{
    fd = open(path, O_RDONLY);
    if (fd < 0) {
        perror(path);
        exit(2);
    }
    len = pos = 0;
    consumed = 0;
    skip(16);
    uint64_t records = 0;
    for (;;) {
        uint64_t tag = uv();
        records++;
        switch (tag) {
        case 0: close(fd); return records;
        case 1: uv(); str(); fields(); break;
        case 2: str(); uv(); break;
        case 3: uv(); uv(); str(); uv(); break;
        case 4: for (int i = 0; i < 8; i++) uv(); str(); for (int i = 0; i < 4; i++) uv(); break;
        case 5: uv(); uv(); uv(); str(); uv(); uv(); uv(); str(); fields(); break;
        case 6: uv(); uv(); uv(); uv(); str(); str(); uv(); break;
        case 7: case 11: for (int i = 0; i < 5; i++) uv(); break;
        case 8: uv(); uv(); break;
        case 9: uv(); uv(); uv(); break;
        case 10: for (int i = 0; i < 281; i++) uv(); break;
        case 12: case 13: uv(); str(); fields(); break;
        case 14: for (int i = 0; i < 7; i++) uv(); break;
        case 15: for (int i = 0; i < 6; i++) uv(); break;
        case 16: {
            uv(); uv();
            uint64_t n = uv();
            for (uint64_t i = 0; i < n; i++) { str(); str(); uv(); }
            uv(); uv();
            break;
        }
        case 17: uv(); uv(); break;
        default: fprintf(stderr, "floor: %s: bad tag %llu\n", path, (unsigned long long)tag); exit(2);
        }
    }
}

int main(int argc, char **argv)
{
    for (int i = 1; i < argc; i++)
        printf("%s: %llu records\n", argv[i], (unsigned long long)walk(argv[i]));
    return 0;
}
