/* output.c — how ctxdiff writes a file it is told to write (-o, convert):
 * a new regular file, or one replacing a regular file, is written to a
 * temporary file beside it (created with O_EXCL, never through a planted
 * link) and renamed over it once complete and on disk, so that a reader
 * never sees half a report; anything else the path names (a device such
 * as /dev/stdout or /dev/null, a FIFO, a link to one) is written in place,
 * never replaced. */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "error.h"
#include "output.h"
#include "util.h"

int cd_out_open(const char *path, cd_out *o, cd_error *err)
{
    memset(o, 0, sizeof *o);
    o->path = path;
    o->fd = -1;
    struct stat st;
    int exists = stat(path, &st) == 0;   /* through links: what would be written */
    if (exists && !S_ISREG(st.st_mode)) {
        o->fd = open(path, O_WRONLY | O_CLOEXEC | O_NOCTTY);
        if (o->fd < 0)
            return cd_fail(err, CD_EIO, path, -1, "cannot write: %s", strerror(errno));
        return 0;
    }
    size_t n = strlen(path) + 32;
    o->tmp = cd_malloc(n);
    snprintf(o->tmp, n, "%s.tmp.%ld", path, (long)getpid());
    o->fd = open(o->tmp, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0666);
    if (o->fd < 0) {
        int e = errno;
        free(o->tmp);
        o->tmp = NULL;
        return cd_fail(err, CD_EIO, path, -1, "cannot write: %s", strerror(e));
    }
    return 0;
}

int cd_out_close(cd_out *o, int ok, cd_error *err)
{
    int rc = 0;
    if (o->fd >= 0) {
        if (ok && o->tmp && fsync(o->fd) != 0)   /* on disk before the rename */
            rc = cd_fail(err, CD_EIO, o->path, -1, "cannot write: %s", strerror(errno));
        if (close(o->fd) != 0 && ok && rc == 0)
            rc = cd_fail(err, CD_EIO, o->path, -1, "cannot write: %s", strerror(errno));
    }
    o->fd = -1;
    if (o->tmp) {
        if (ok && rc == 0 && rename(o->tmp, o->path) != 0)
            rc = cd_fail(err, CD_EIO, o->path, -1, "cannot write: %s", strerror(errno));
        if (!ok || rc != 0)
            unlink(o->tmp);
        free(o->tmp);
        o->tmp = NULL;
    }
    return rc;
}

/* ---- the public face (ctxdiff.h), for the CLI's -o ---- */

struct ctxdiff_output {
    cd_out o;
};

FILE *ctxdiff_output_open(const char *path, ctxdiff_output **out, cd_error *err)
{
    *out = NULL;
    ctxdiff_output *h = cd_calloc(1, sizeof *h);
    if (cd_out_open(path, &h->o, err) < 0) {
        free(h);
        return NULL;
    }
    int fd = dup(h->o.fd);
    FILE *f = fd >= 0 ? fdopen(fd, "w") : NULL;
    if (!f) {
        int e = errno;
        if (fd >= 0)
            close(fd);
        cd_out_close(&h->o, 0, err);
        free(h);
        cd_fail(err, CD_EIO, path, -1, "cannot write: %s", strerror(e));
        return NULL;
    }
    *out = h;
    return f;
}

int ctxdiff_output_close(ctxdiff_output *h, FILE *f, int ok, cd_error *err)
{
    int written = fflush(f) == 0 && !ferror(f);
    int e = errno;
    if (fclose(f) != 0)
        written = 0;
    int rc = 0;
    if (ok && !written)
        rc = cd_fail(err, CD_EIO, h->o.path, -1, "cannot write: %s", e ? strerror(e) : "write failed");
    if (cd_out_close(&h->o, ok && written, err) < 0)
        rc = -1;
    free(h);
    return rc;
}
