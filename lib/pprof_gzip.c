/* pprof_gzip.c — gzip input for pprof profiles (RFC 1952 via zlib).
 *
 * Go's gzip.Reader is multistream: concatenated members decompress into one
 * byte stream, and anything after a member that is not another gzip header
 * is an error ("gzip: invalid header"). We do the same, check each member's
 * CRC-32 and length (zlib does), and bound the output. */
#include <stdlib.h>   /* free */
#include <string.h>   /* memset */
#include <zlib.h>     /* inflate* */

#include "pprof.h"

int cd_pprof__gunzip(const unsigned char *in, size_t n, size_t max,
                     unsigned char **out, size_t *out_len, const char *name,
                     cd_error *err)
{
    z_stream z;
    memset(&z, 0, sizeof z);
    if (inflateInit2(&z, 16 + MAX_WBITS) != Z_OK)
        return cd_fail(err, CD_ENOMEM, name, -1, "gzip: cannot initialise zlib");
    if (n > (size_t)UINT32_MAX) {
        inflateEnd(&z);
        return cd_fail(err, CD_EFORMAT, name, -1, "gzip: input too large");
    }
    size_t cap = n < (max / 8) ? n * 8 : max;
    if (cap < 65536)
        cap = max < 65536 ? max : 65536;
    unsigned char *buf = cd_malloc(cap);
    size_t len = 0;
    z.next_in = (unsigned char *)in;
    z.avail_in = (uInt)n;
    size_t member_start = 0;
    for (;;) {
        if (len == cap) {
            if (cap >= max) {
                free(buf);
                inflateEnd(&z);
                return cd_fail(err, CD_EFORMAT, name,
                               (int64_t)(n - z.avail_in),
                               "gzip: decompressed data exceeds the %zu MiB "
                               "limit; refusing to inflate further",
                               max >> 20);
            }
            cap = cap > max / 2 ? max : cap * 2;
            buf = cd_realloc(buf, cap);
        }
        size_t room = cap - len;
        if (room > (size_t)UINT32_MAX / 2)
            room = (size_t)UINT32_MAX / 2;
        z.next_out = buf + len;
        z.avail_out = (uInt)room;
        int rc = inflate(&z, Z_NO_FLUSH);
        len += room - z.avail_out;
        if (rc == Z_STREAM_END) {
            if (z.avail_in == 0)
                break;
            size_t at = n - z.avail_in;
            if (z.avail_in < 2 || z.next_in[0] != 0x1f || z.next_in[1] != 0x8b) {
                free(buf);
                inflateEnd(&z);
                return cd_fail(err, CD_EFORMAT, name, (int64_t)at,
                               "gzip: %u bytes after the member that started "
                               "at offset %zu are not another gzip member "
                               "(invalid header)", z.avail_in, member_start);
            }
            member_start = at;
            inflateReset(&z);
            continue;
        }
        if (rc == Z_OK)
            continue;
        if (rc == Z_BUF_ERROR && z.avail_out == 0)
            continue;   /* needs more output room */
        int64_t at = (int64_t)(n - z.avail_in);
        const char *why = z.msg ? z.msg : "corrupt data";
        free(buf);
        inflateEnd(&z);
        if (rc == Z_BUF_ERROR)
            return cd_fail(err, CD_EFORMAT, name, at,
                           "gzip: truncated: the member that starts at offset "
                           "%zu ends before its trailer", member_start);
        if (rc == Z_MEM_ERROR)
            return cd_fail(err, CD_ENOMEM, name, at, "gzip: out of memory");
        return cd_fail(err, CD_EFORMAT, name, at,
                       "gzip: member at offset %zu: %s", member_start, why);
    }
    inflateEnd(&z);
    *out = buf;
    *out_len = len;
    return 0;
}

long cd_pprof__gunzip_peek(const unsigned char *in, size_t n,
                           unsigned char *out, size_t cap, int *complete)
{
    *complete = 0;
    z_stream z;
    memset(&z, 0, sizeof z);
    if (inflateInit2(&z, 16 + MAX_WBITS) != Z_OK)
        return -1;
    if (n > 1u << 30)
        n = 1u << 30;
    if (cap > 1u << 30)
        cap = 1u << 30;
    z.next_in = (unsigned char *)in;
    z.avail_in = (uInt)n;
    z.next_out = out;
    z.avail_out = (uInt)cap;
    int rc = inflate(&z, Z_SYNC_FLUSH);
    long got = (long)(cap - z.avail_out);
    inflateEnd(&z);
    *complete = rc == Z_STREAM_END;
    if (rc == Z_OK || rc == Z_STREAM_END || rc == Z_BUF_ERROR)
        return got;
    return -1;
}
