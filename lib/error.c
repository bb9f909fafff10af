/* error.c — filling and formatting cd_error (see error.h). */
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "error.h"

int cd_fail(cd_error *err, int kind, const char *file, int64_t offset,
            const char *fmt, ...)
{
    if (!err)
        return -1;
    err->kind = kind;
    snprintf(err->file, sizeof err->file, "%s", file ? file : "");
    err->offset = offset;
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(err->msg, sizeof err->msg, fmt, ap);
    va_end(ap);
    return -1;
}

void cd_error_format(const cd_error *err, char *buf, size_t cap)
{
    if (err->file[0] && err->offset >= 0)
        snprintf(buf, cap, "%s: offset %lld: %s", err->file,
                 (long long)err->offset, err->msg);
    else if (err->file[0])
        snprintf(buf, cap, "%s: %s", err->file, err->msg);
    else
        snprintf(buf, cap, "%s", err->msg);
}
