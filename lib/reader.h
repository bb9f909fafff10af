/* reader.h — a bounded, buffered reader over a file opened read-only.
 * Tracks the byte offset so that every error can name it. Never reads past
 * the end; a request for more bytes than remain is an error before any
 * allocation happens. */
#ifndef CD_READER_H
#define CD_READER_H

#include <stddef.h>
#include <stdint.h>

#include "error.h"

typedef struct cd_reader {
    int fd;
    const char *path;
    uint64_t size;           /* file size */
    uint64_t pos;            /* offset of the next byte to read */
    unsigned char *buf;      /* window [buf_off, buf_off + buf_len) */
    size_t buf_len, buf_cap;
    uint64_t buf_off;
    cd_error *err;
} cd_reader;

int cd_reader_open(cd_reader *r, const char *path, cd_error *err);
void cd_reader_close(cd_reader *r);
static inline uint64_t cd_reader_left(const cd_reader *r) { return r->size - r->pos; }

/* Each returns 0, or -1 with r->err filled (file, offset, `what`). */
int cd_read_uvarint(cd_reader *r, uint64_t *v, const char *what);
int cd_read_bytes(cd_reader *r, void *dst, size_t n, const char *what);
int cd_read_skip(cd_reader *r, uint64_t n, const char *what);
/* A length-prefixed string/bytes field: its length must fit the bytes
 * left (and max); *data points into a reusable scratch buffer owned by the
 * caller (grown as needed). */
int cd_read_lenbytes(cd_reader *r, unsigned char **scratch, size_t *scap,
                     uint64_t max, uint64_t *len, const char *what);
/* Read n bytes at an absolute offset (for re-reading object contents). */
int cd_pread_at(int fd, const char *path, uint64_t off, void *dst, size_t n, cd_error *err);

#endif
