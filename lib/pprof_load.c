/* pprof_load.c — finding a profile's format from its bytes, reading the
 * file (bounded), inflating gzip, and handing the bytes to the decoder of
 * that format. */
#include <errno.h>    /* errno */
#include <stdio.h>    /* fopen */
#include <stdlib.h>   /* free */
#include <string.h>   /* memcmp, strerror */
#include <sys/stat.h> /* fstat */

#include "pprof.h"

/* Skip leading blank lines and spaces. */
static size_t skip_ws(const unsigned char *b, size_t n)
{
    size_t i = 0;
    while (i < n && (b[i] == ' ' || b[i] == '\t' || b[i] == '\n' || b[i] == '\r'))
        i++;
    return i;
}

static int starts(const unsigned char *b, size_t n, const char *lit)
{
    size_t l = strlen(lit);
    return n >= l && !memcmp(b, lit, l);
}

/* "<name> profile: total <digit>": a count profile header (pprof's
 * countStartRE). Leading "#" comment lines are allowed by pprof; Go never
 * writes them, so we do not look past them. */
static int count_header(const unsigned char *b, size_t n)
{
    size_t i = 0;
    while (i < n && b[i] > ' ' && b[i] < 0x7f)
        i++;
    if (i == 0)
        return 0;
    static const char mid[] = " profile: total ";
    if (!starts(b + i, n - i, mid))
        return 0;
    i += sizeof mid - 1;
    return i < n && b[i] >= '0' && b[i] <= '9';
}

/* Does the head look like the start of a profile.proto? Every field key
 * that fits in the head must be a Profile field (1..15) with the schema's
 * wire type, and varints/lengths must be well formed; a length may run
 * past the head. */
static int proto_head(const unsigned char *b, size_t n)
{
    size_t i = 0;
    int fields = 0;
    while (i < n) {
        uint64_t key = 0;
        int k = 0;
        for (;; k++) {
            if (k >= 10)
                return 0;
            if (i + k >= n)
                return fields > 0;
            key |= (uint64_t)(b[i + k] & 0x7f) << (7 * k);
            if (!(b[i + k] & 0x80))
                break;
        }
        i += k + 1;
        uint64_t f = key >> 3;
        unsigned wt = key & 7;
        int want;
        switch (f) {
        case 1: case 2: case 3: case 4: case 5: case 6: case 11:
            want = 2; break;
        case 7: case 8: case 9: case 10: case 12: case 14: case 15:
            want = 0; break;
        case 13:
            want = wt == 2 ? 2 : 0; break;
        default:
            return 0;
        }
        if ((int)wt != want)
            return 0;
        uint64_t v = 0;
        for (k = 0;; k++) {
            if (k >= 10)
                return 0;
            if (i + k >= n)
                return 1;
            v |= (uint64_t)(b[i + k] & 0x7f) << (7 * k);
            if (!(b[i + k] & 0x80))
                break;
        }
        i += k + 1;
        fields++;
        if (wt == 2) {
            if (v > CD_PPROF_MAX_BYTES)
                return 0;
            if (v >= n - i)
                return 1;
            i += v;
        }
    }
    return fields > 0;
}

static int sniff_plain(const unsigned char *b, size_t n)
{
    size_t i = skip_ws(b, n);
    if (starts(b + i, n - i, "heap profile:"))
        return CD_PPROF_HEAP_TEXT;
    if (starts(b + i, n - i, "goroutine ") && n - i > 10 &&
        b[i + 10] >= '0' && b[i + 10] <= '9')
        return CD_PPROF_STACKS_TEXT;
    if (count_header(b + i, n - i))
        return CD_PPROF_COUNT_TEXT;
    if (n > 0 && proto_head(b, n))
        return CD_PPROF_PROTO;
    return CD_PPROF_NOT;
}

int cd_pprof_sniff(const unsigned char *head, size_t n)
{
    if (!head || n == 0)
        return CD_PPROF_NOT;
    if (n >= 2 && head[0] == 0x1f && head[1] == 0x8b) {
        unsigned char buf[4096];
        int complete;
        long got = cd_pprof__gunzip_peek(head, n, buf, sizeof buf, &complete);
        if (got < 0)
            return CD_PPROF_NOT;
        int f = sniff_plain(buf, (size_t)got);
        if (f != CD_PPROF_NOT)
            return f | CD_PPROF_GZIPPED;
        /* Too little inflated to tell (the head stops early): maybe. */
        return got < 32 && !complete ? (CD_PPROF_MAYBE | CD_PPROF_GZIPPED)
                                     : CD_PPROF_NOT;
    }
    return sniff_plain(head, n);
}

const char *cd_pprof_format_name(int format)
{
    int gz = format & CD_PPROF_GZIPPED;
    switch (format & 0xff) {
    case CD_PPROF_PROTO: return gz ? "gzip profile.proto" : "profile.proto";
    case CD_PPROF_HEAP_TEXT: return gz ? "gzip heap text (debug=1)" : "heap text (debug=1)";
    case CD_PPROF_COUNT_TEXT: return gz ? "gzip goroutine text (debug=1)" : "goroutine text (debug=1)";
    case CD_PPROF_STACKS_TEXT: return gz ? "gzip goroutine text (debug=2)" : "goroutine text (debug=2)";
    case CD_PPROF_MAYBE: return "gzip (unknown content)";
    default: return "not a pprof profile";
    }
}

/* Decode p->data (owned by p) according to its format. */
static int decode(cd_profile *p, cd_error *err)
{
    int gz = 0;
    if (p->data_len >= 2 && p->data[0] == 0x1f && p->data[1] == 0x8b) {
        unsigned char *out;
        size_t len;
        if (cd_pprof__gunzip(p->data, p->data_len, CD_PPROF_MAX_BYTES, &out,
                             &len, p->path, err) < 0)
            return -1;
        free(p->data);
        p->data = out;
        p->data_len = len;
        gz = CD_PPROF_GZIPPED;
    }
    if (p->data_len == 0)
        return cd_fail(err, CD_EFORMAT, p->path, -1,
                       gz ? "gzip data inflates to nothing" : "empty file");
    size_t head = p->data_len < 4096 ? p->data_len : 4096;
    int f = sniff_plain(p->data, head);
    p->format = f | gz;
    switch (f) {
    case CD_PPROF_HEAP_TEXT:
        return cd_pprof__parse_heap_text(p, err);
    case CD_PPROF_COUNT_TEXT:
        return cd_pprof__parse_count_text(p, err);
    case CD_PPROF_STACKS_TEXT:
        return cd_pprof__parse_stacks_text(p, err);
    case CD_PPROF_PROTO:
        return cd_pprof__decode_proto(p, err);
    default:
        if (p->data_len >= 16 && !memcmp(p->data, "go1.7 heap dump\n", 16))
            return cd_fail(err, CD_EFORMAT, p->path, 0,
                           "this is a Go heap dump, not a pprof profile");
        /* Not clearly a profile.proto from its head (unknown fields, or an
         * error early on): decode it anyway, like pprof does, and keep the
         * decoder's precise message when the first field is a Profile
         * field. */
        p->format = CD_PPROF_PROTO | gz;
        if (cd_pprof__decode_proto(p, err) == 0)
            return 0;
        size_t key_len = p->data[0] >= 0x80 && p->data_len > 1 ? 2 : 1;
        if (proto_head(p->data, key_len))
            return -1;
        return cd_fail(err, CD_EFORMAT, p->path, 0,
                       "not a pprof profile: neither profile.proto (plain or "
                       "gzip) nor heap/goroutine profile text");
    }
}

static cd_profile *new_profile(const char *name)
{
    cd_profile *p = cd_calloc(1, sizeof *p);
    p->path = cd_strdup(name ? name : "");
    return p;
}

int cd_pprof_load_mem(const unsigned char *data, size_t n, const char *name,
                      cd_profile **out, cd_error *err)
{
    *out = NULL;
    if (n > CD_PPROF_MAX_BYTES)
        return cd_fail(err, CD_EFORMAT, name, -1,
                       "input is larger than the %zu MiB limit",
                       CD_PPROF_MAX_BYTES >> 20);
    cd_profile *p = new_profile(name);
    p->data = cd_malloc(n);
    if (n)
        memcpy(p->data, data, n);
    p->data_len = n;
    if (decode(p, err) < 0) {
        cd_profile_free(p);
        return -1;
    }
    *out = p;
    return 0;
}

int cd_pprof_load(const char *path, cd_profile **out, cd_error *err)
{
    *out = NULL;
    FILE *f = fopen(path, "rb");
    if (!f)
        return cd_fail(err, CD_EIO, path, -1, "cannot open: %s", strerror(errno));
    struct stat st;
    size_t cap = 1 << 16;
    if (fstat(fileno(f), &st) == 0 && S_ISREG(st.st_mode)) {
        if ((uint64_t)st.st_size > CD_PPROF_MAX_BYTES) {
            fclose(f);
            return cd_fail(err, CD_EFORMAT, path, -1,
                           "file is larger than the %zu MiB limit",
                           CD_PPROF_MAX_BYTES >> 20);
        }
        cap = (size_t)st.st_size + 1;
    }
    unsigned char *buf = cd_malloc(cap);
    size_t len = 0;
    for (;;) {
        if (len == cap) {
            if (cap > CD_PPROF_MAX_BYTES) {
                free(buf);
                fclose(f);
                return cd_fail(err, CD_EFORMAT, path, -1,
                               "input is larger than the %zu MiB limit",
                               CD_PPROF_MAX_BYTES >> 20);
            }
            cap *= 2;
            buf = cd_realloc(buf, cap);
        }
        size_t got = fread(buf + len, 1, cap - len, f);
        len += got;
        if (got == 0)
            break;
    }
    int rerr = ferror(f);
    fclose(f);
    if (rerr) {
        free(buf);
        return cd_fail(err, CD_EIO, path, (int64_t)len, "read error");
    }
    if (len > CD_PPROF_MAX_BYTES) {
        free(buf);
        return cd_fail(err, CD_EFORMAT, path, -1,
                       "input is larger than the %zu MiB limit",
                       CD_PPROF_MAX_BYTES >> 20);
    }
    cd_profile *p = new_profile(path);
    p->data = buf;
    p->data_len = len;
    if (decode(p, err) < 0) {
        cd_profile_free(p);
        return -1;
    }
    *out = p;
    return 0;
}

void cd_profile_free(cd_profile *p)
{
    if (!p)
        return;
    free(p->path);
    free(p->data);
    free(p->str);
    free(p->sample_type);
    free(p->comment);
    free(p->mapping);
    free(p->function);
    free(p->location);
    free(p->line);
    free(p->sample);
    free(p->loc);
    free(p->value);
    free(p->label);
    free(p);
}
