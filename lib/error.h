/* error.h — how every stage of libctxdiff reports a failure.
 *
 * A stage that fails fills a cd_error (kind, file, offset, message) and
 * returns -1; the caller passes it up unchanged. The library never prints and
 * never exits: the CLI turns a cd_error into one line on stderr and exit 2. */
#ifndef CD_ERROR_H
#define CD_ERROR_H

#include <stdint.h>

enum cd_error_kind {
    CD_OK = 0,
    CD_EUSAGE,   /* bad option or argument */
    CD_EIO,      /* cannot open/read/write a file */
    CD_EFORMAT,  /* input is not what it claims, truncated or corrupt */
    CD_EBINARY,  /* the binary is missing, unreadable or does not match */
    CD_ENOMEM,   /* allocation failed */
};

typedef struct cd_error {
    int kind;           /* enum cd_error_kind */
    char file[512];     /* file the error is about, "" if none */
    int64_t offset;     /* byte offset in file, -1 if none */
    char msg[1024];     /* what went wrong, one line, no trailing newline */
} cd_error;

/* Fill err and return -1. offset < 0 means "no offset". */
int cd_fail(cd_error *err, int kind, const char *file, int64_t offset,
            const char *fmt, ...) __attribute__((format(printf, 5, 6)));

/* Format err as one line: "FILE: offset N: MSG" (parts omitted when unset). */
void cd_error_format(const cd_error *err, char *buf, size_t cap);

#endif
