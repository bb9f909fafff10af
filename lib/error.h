/* error.h — how every stage of libctxdiff reports a failure.
 *
 * A stage that fails fills a cd_error (kind, file, offset, message) and
 * returns -1; the caller passes it up unchanged. The library never prints and
 * never exits: the CLI turns a cd_error into one line on stderr and exit 2. */
#ifndef CD_ERROR_H
#define CD_ERROR_H

#include <stdint.h>

#include "ctxdiff.h"  /* cd_error, enum cd_error_kind */

/* Fill err and return -1. offset < 0 means "no offset". */
int cd_fail(cd_error *err, int kind, const char *file, int64_t offset,
            const char *fmt, ...) __attribute__((format(printf, 5, 6)));


#endif
