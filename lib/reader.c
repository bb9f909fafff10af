/* reader.c — bounded buffered reader (see reader.h). */
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "reader.h"
#include "util.h"

#define WINDOW (1u << 20)

int cd_reader_open(cd_reader *r, const char *path, cd_error *err)
{
    memset(r, 0, sizeof *r);
    r->path = path;
    r->err = err;
    r->fd = open(path, O_RDONLY | O_CLOEXEC);
    if (r->fd < 0)
        return cd_fail(err, CD_EIO, path, -1, "cannot open: %s", strerror(errno));
    struct stat st;
    if (fstat(r->fd, &st) < 0 || !S_ISREG(st.st_mode)) {
        close(r->fd);
        r->fd = -1;
        return cd_fail(err, CD_EIO, path, -1, "not a regular file");
    }
    r->size = (uint64_t)st.st_size;
    r->buf_cap = r->size < WINDOW ? (size_t)r->size + 1 : WINDOW;
    r->buf = cd_malloc(r->buf_cap);
    return 0;
}

void cd_reader_close(cd_reader *r)
{
    if (r->fd >= 0)
        close(r->fd);
    free(r->buf);
    r->fd = -1;
    r->buf = NULL;
}

/* Make [pos, pos+n) available in the window (n <= buf_cap). */
static int fill(cd_reader *r, size_t n, const char *what)
{
    if (r->pos >= r->buf_off && r->pos + n <= r->buf_off + r->buf_len)
        return 0;
    if (n > r->size - r->pos)
        return cd_fail(r->err, CD_EFORMAT, r->path, (int64_t)r->pos,
                       "truncated: %s needs %zu bytes, %llu left", what, n,
                       (unsigned long long)(r->size - r->pos));
    size_t want = r->buf_cap;
    if (want > r->size - r->pos)
        want = (size_t)(r->size - r->pos);
    size_t got = 0;
    while (got < want) {
        ssize_t k = pread(r->fd, r->buf + got, want - got, (off_t)(r->pos + got));
        if (k < 0 && errno == EINTR)
            continue;
        if (k <= 0)
            return cd_fail(r->err, CD_EIO, r->path, (int64_t)(r->pos + got),
                           "read failed: %s", k < 0 ? strerror(errno) : "unexpected end of file");
        got += (size_t)k;
    }
    r->buf_off = r->pos;
    r->buf_len = got;
    return 0;
}

int cd_read_uvarint(cd_reader *r, uint64_t *v, const char *what)
{
    uint64_t start = r->pos;
    uint64_t x = 0;
    for (unsigned i = 0, shift = 0; i < 10; i++, shift += 7) {
        if (fill(r, 1, what) < 0) {
            r->err->offset = (int64_t)start;
            return -1;
        }
        unsigned char b = r->buf[r->pos - r->buf_off];
        r->pos++;
        if (i == 9 && b > 1)
            return cd_fail(r->err, CD_EFORMAT, r->path, (int64_t)start,
                           "varint overflows 64 bits in %s", what);
        x |= (uint64_t)(b & 0x7f) << shift;
        if (!(b & 0x80)) {
            *v = x;
            return 0;
        }
    }
    return cd_fail(r->err, CD_EFORMAT, r->path, (int64_t)start,
                   "varint longer than 10 bytes in %s", what);
}

int cd_read_bytes(cd_reader *r, void *dst, size_t n, const char *what)
{
    if (n > r->size - r->pos)
        return cd_fail(r->err, CD_EFORMAT, r->path, (int64_t)r->pos,
                       "truncated: %s needs %zu bytes, %llu left", what, n,
                       (unsigned long long)(r->size - r->pos));
    unsigned char *d = dst;
    while (n) {
        size_t chunk = n < r->buf_cap ? n : r->buf_cap;
        if (fill(r, chunk, what) < 0)
            return -1;
        memcpy(d, r->buf + (r->pos - r->buf_off), chunk);
        d += chunk;
        r->pos += chunk;
        n -= chunk;
    }
    return 0;
}

int cd_read_skip(cd_reader *r, uint64_t n, const char *what)
{
    if (n > r->size - r->pos)
        return cd_fail(r->err, CD_EFORMAT, r->path, (int64_t)r->pos,
                       "truncated: %s needs %llu bytes, %llu left", what,
                       (unsigned long long)n, (unsigned long long)(r->size - r->pos));
    r->pos += n;
    return 0;
}

int cd_read_lenbytes(cd_reader *r, unsigned char **scratch, size_t *scap,
                     uint64_t max, uint64_t *len, const char *what)
{
    uint64_t start = r->pos;
    uint64_t n;
    if (cd_read_uvarint(r, &n, what) < 0)
        return -1;
    if (n > cd_reader_left(r))
        return cd_fail(r->err, CD_EFORMAT, r->path, (int64_t)start,
                       "truncated: %s length %llu exceeds the %llu bytes left", what,
                       (unsigned long long)n, (unsigned long long)cd_reader_left(r));
    if (n > max)
        return cd_fail(r->err, CD_EFORMAT, r->path, (int64_t)start,
                       "%s length %llu exceeds the limit %llu", what,
                       (unsigned long long)n, (unsigned long long)max);
    if (n + 1 > *scap) {
        free(*scratch);
        *scap = (size_t)n + 1 > 4096 ? (size_t)n + 1 : 4096;
        *scratch = cd_malloc(*scap);
    }
    if (cd_read_bytes(r, *scratch, (size_t)n, what) < 0)
        return -1;
    (*scratch)[n] = 0;
    *len = n;
    return 0;
}

int cd_pread_at(int fd, const char *path, uint64_t off, void *dst, size_t n, cd_error *err)
{
    size_t got = 0;
    while (got < n) {
        ssize_t k = pread(fd, (char *)dst + got, n - got, (off_t)(off + got));
        if (k < 0 && errno == EINTR)
            continue;
        if (k <= 0)
            return cd_fail(err, CD_EIO, path, (int64_t)(off + got), "read failed: %s",
                           k < 0 ? strerror(errno) : "unexpected end of file");
        got += (size_t)k;
    }
    return 0;
}
