/* jsonpull.c — the streaming JSON reader of jsonpull.h: a 64 KiB window
 * over gzread, one token at a time, a stack of the open containers for
 * error paths. Strings are bounded (CD_JP_MAX_STRING), nesting is bounded
 * (CD_JP_MAX_DEPTH); nothing is allocated from a length the input
 * declares. */
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <zlib.h>

#include "jsonpull.h"
#include "util.h"

#define CD_JP_MAX_STRING (1u << 20)
#define CD_JP_MAX_DEPTH 32
#define CD_JP_BUF 65536

#define CD_JP_DUP_CHECK 16   /* member names checked for repeats, per object */

typedef struct jp_frame {
    char is_array;
    uint64_t count;       /* members or elements met so far */
    char key[48];         /* object: the current member's name (cut) */
    uint64_t seen[CD_JP_DUP_CHECK];   /* object: hashes of its first member names */
} jp_frame;

struct cd_jp {
    gzFile gz;
    const char *path;     /* as given (owned by the caller) */
    cd_error *err;
    unsigned char buf[CD_JP_BUF];
    size_t pos, len;
    uint64_t off;         /* offset of buf[0] in the text */
    int eof;
    jp_frame stack[CD_JP_MAX_DEPTH];
    int depth;
    char *str;            /* the last string */
    size_t strcap;
};

int cd_jp_open(const char *path, cd_jp **out, cd_error *err)
{
    *out = NULL;
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0)
        return cd_fail(err, CD_EIO, path, -1, "cannot open: %s", strerror(errno));
    gzFile gz = gzdopen(fd, "rb");
    if (!gz) {
        close(fd);
        return cd_fail(err, CD_EIO, path, -1, "cannot open");
    }
    gzbuffer(gz, 1u << 17);
    cd_jp *jp = cd_calloc(1, sizeof *jp);
    jp->gz = gz;
    jp->path = path;
    jp->err = err;
    err->kind = CD_OK;
    *out = jp;
    return 0;
}

void cd_jp_close(cd_jp *jp)
{
    if (!jp)
        return;
    gzclose(jp->gz);
    free(jp->str);
    free(jp);
}

/* ---- bytes ---- */

static int fill(cd_jp *jp)
{
    if (jp->eof)
        return 0;
    jp->off += jp->len;
    jp->pos = 0;
    int n = gzread(jp->gz, jp->buf, CD_JP_BUF);
    if (n < 0) {
        int code;
        const char *m = gzerror(jp->gz, &code);
        jp->len = 0;
        jp->eof = 1;
        return cd_jp_fail(jp, "cannot read (%s)", m && *m ? m : "gzip error");
    }
    jp->len = (size_t)n;
    if (n == 0)
        jp->eof = 1;
    return n > 0;
}

/* The next byte, -1 at the end (-2 after a read error). */
static int peekc(cd_jp *jp)
{
    if (jp->pos == jp->len) {
        int r = fill(jp);
        if (r < 0)
            return -2;
        if (r == 0) {
            /* a gzip stream cut short may read as an early end: say so */
            int code;
            gzerror(jp->gz, &code);
            if (code != Z_OK && code != Z_STREAM_END) {
                cd_jp_fail(jp, "the gzip stream is truncated or corrupt");
                return -2;
            }
            return -1;
        }
    }
    return jp->buf[jp->pos];
}

static int getc_(cd_jp *jp)
{
    int c = peekc(jp);
    if (c >= 0)
        jp->pos++;
    return c;
}

static int skip_ws(cd_jp *jp)
{
    for (;;) {
        int c = peekc(jp);
        if (c == ' ' || c == '\t' || c == '\n' || c == '\r')
            jp->pos++;
        else
            return c;
    }
}

/* ---- errors ---- */

static const char *what_is(int c)
{
    switch (c) {
    case '{': return "an object";
    case '[': return "an array";
    case '"': return "a string";
    case 't': case 'f': return "a boolean";
    case 'n': return "null";
    case '}': case ']': return "the end of a container";
    case ',': return "a comma";
    case ':': return "a colon";
    case -1: return "the end of the file";
    default: return c == '-' || (c >= '0' && c <= '9') ? "a number" : "an invalid character";
    }
}

int cd_jp_fail(cd_jp *jp, const char *fmt, ...)
{
    char where[512];
    size_t n = (size_t)snprintf(where, sizeof where, "$");
    for (int i = 0; i < jp->depth && n < sizeof where; i++) {
        const jp_frame *f = &jp->stack[i];
        if (f->is_array && f->count)
            n += (size_t)snprintf(where + n, sizeof where - n, "[%llu]", (unsigned long long)(f->count - 1));
        else if (!f->is_array && f->count)
            n += (size_t)snprintf(where + n, sizeof where - n, ".%s", f->key);
    }
    char msg[768];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    if (jp->err->kind)   /* the first error stands (a read error under a parse error) */
        return -1;
    return cd_fail(jp->err, CD_EFORMAT, jp->path, (int64_t)(jp->off + jp->pos), "%s: %s", where, msg);
}

static int unexpected(cd_jp *jp, int c, const char *want)
{
    if (c == -2)
        return -1;
    return cd_jp_fail(jp, "expected %s, found %s", want, what_is(c));
}

/* ---- containers ---- */

static int push(cd_jp *jp, int is_array)
{
    if (jp->depth == CD_JP_MAX_DEPTH)
        return cd_jp_fail(jp, "nested more than %d deep", CD_JP_MAX_DEPTH);
    jp_frame *f = &jp->stack[jp->depth++];
    f->is_array = (char)is_array;
    f->count = 0;
    f->key[0] = 0;
    return 0;
}

static int begin(cd_jp *jp, int open, int is_array)
{
    int c = skip_ws(jp);
    if (c != open)
        return unexpected(jp, c, is_array ? "an array" : "an object");
    jp->pos++;
    return push(jp, is_array);
}

int cd_jp_begin_object(cd_jp *jp) { return begin(jp, '{', 0); }
int cd_jp_begin_array(cd_jp *jp) { return begin(jp, '[', 1); }

/* Before the next member or element: 1 one follows, 0 the container closed. */
static int next_item(cd_jp *jp, int close)
{
    jp_frame *f = &jp->stack[jp->depth - 1];
    int c = skip_ws(jp);
    if (c == close) {
        jp->pos++;
        jp->depth--;
        return 0;
    }
    if (f->count) {
        if (c != ',')
            return unexpected(jp, c, close == '}' ? "',' or '}'" : "',' or ']'");
        jp->pos++;
        c = skip_ws(jp);
        if (c == close)
            return cd_jp_fail(jp, "a comma before '%c'", close);
    }
    return 1;
}

int cd_jp_member(cd_jp *jp, const char **key)
{
    int r = next_item(jp, '}');
    if (r <= 0)
        return r;
    jp_frame *f = &jp->stack[jp->depth - 1];
    size_t len;
    if (skip_ws(jp) != '"')
        return unexpected(jp, peekc(jp), "a member name");
    f->count++;
    snprintf(f->key, sizeof f->key, "?");
    if (cd_jp_string(jp, key, &len) < 0)
        return -1;
    snprintf(f->key, sizeof f->key, "%s", *key);
    uint64_t h = cd_hash_bytes(*key, len, 0) | 1;
    for (uint64_t i = 0; i + 1 < f->count && i < CD_JP_DUP_CHECK; i++)
        if (f->seen[i] == h)
            return cd_jp_fail(jp, "the member \"%.40s\" is given twice", *key);
    if (f->count <= CD_JP_DUP_CHECK)
        f->seen[f->count - 1] = h;
    int c = skip_ws(jp);
    if (c != ':')
        return unexpected(jp, c, "':'");
    jp->pos++;
    return 1;
}

int cd_jp_element(cd_jp *jp)
{
    int r = next_item(jp, ']');
    if (r <= 0)
        return r;
    jp->stack[jp->depth - 1].count++;
    return 1;
}

/* ---- scalars ---- */

static int hex4(cd_jp *jp, unsigned *v)
{
    *v = 0;
    for (int i = 0; i < 4; i++) {
        int c = getc_(jp);
        unsigned d;
        if (c >= '0' && c <= '9') d = (unsigned)(c - '0');
        else if (c >= 'a' && c <= 'f') d = (unsigned)(c - 'a' + 10);
        else if (c >= 'A' && c <= 'F') d = (unsigned)(c - 'A' + 10);
        else return c == -2 ? -1 : cd_jp_fail(jp, "bad \\u escape in a string");
        *v = *v << 4 | d;
    }
    return 0;
}

static void put(cd_jp *jp, size_t *n, unsigned char b)
{
    CD_GROW(jp->str, jp->strcap, *n + 2);
    jp->str[(*n)++] = (char)b;
}

static void put_utf8(cd_jp *jp, size_t *n, unsigned cp)
{
    if (cp < 0x80) {
        put(jp, n, (unsigned char)cp);
    } else if (cp < 0x800) {
        put(jp, n, (unsigned char)(0xc0 | cp >> 6));
        put(jp, n, (unsigned char)(0x80 | (cp & 0x3f)));
    } else if (cp < 0x10000) {
        put(jp, n, (unsigned char)(0xe0 | cp >> 12));
        put(jp, n, (unsigned char)(0x80 | ((cp >> 6) & 0x3f)));
        put(jp, n, (unsigned char)(0x80 | (cp & 0x3f)));
    } else {
        put(jp, n, (unsigned char)(0xf0 | cp >> 18));
        put(jp, n, (unsigned char)(0x80 | ((cp >> 12) & 0x3f)));
        put(jp, n, (unsigned char)(0x80 | ((cp >> 6) & 0x3f)));
        put(jp, n, (unsigned char)(0x80 | (cp & 0x3f)));
    }
}

int cd_jp_string(cd_jp *jp, const char **s, size_t *len)
{
    *s = "";
    *len = 0;
    int c = skip_ws(jp);
    if (c != '"')
        return unexpected(jp, c, "a string");
    jp->pos++;
    size_t n = 0;
    CD_GROW(jp->str, jp->strcap, 1);
    for (;;) {
        if (n >= CD_JP_MAX_STRING)
            return cd_jp_fail(jp, "a string longer than %u bytes", CD_JP_MAX_STRING);
        c = getc_(jp);
        if (c < 0)
            return c == -2 ? -1 : cd_jp_fail(jp, "the file ends inside a string");
        if (c == '"')
            break;
        if (c < 0x20)
            return cd_jp_fail(jp, "a control character inside a string");
        if (c != '\\') {
            put(jp, &n, (unsigned char)c);
            continue;
        }
        c = getc_(jp);
        switch (c) {
        case '"': case '\\': case '/': put(jp, &n, (unsigned char)c); break;
        case 'b': put(jp, &n, '\b'); break;
        case 'f': put(jp, &n, '\f'); break;
        case 'n': put(jp, &n, '\n'); break;
        case 'r': put(jp, &n, '\r'); break;
        case 't': put(jp, &n, '\t'); break;
        case 'u': {
            unsigned cp, lo;
            if (hex4(jp, &cp) < 0)
                return -1;
            if (cp >= 0xd800 && cp < 0xdc00) {
                if (getc_(jp) != '\\' || getc_(jp) != 'u' || hex4(jp, &lo) < 0 || lo < 0xdc00 || lo >= 0xe000)
                    return jp->err->kind ? -1 : cd_jp_fail(jp, "a lone UTF-16 surrogate in a string");
                cp = 0x10000 + ((cp - 0xd800) << 10) + (lo - 0xdc00);
            } else if (cp >= 0xdc00 && cp < 0xe000) {
                return cd_jp_fail(jp, "a lone UTF-16 surrogate in a string");
            }
            if (cp == 0)
                return cd_jp_fail(jp, "a NUL character (\\u0000) in a string");
            put_utf8(jp, &n, cp);
            break;
        }
        default:
            return c == -2 ? -1 : cd_jp_fail(jp, "a bad escape in a string");
        }
    }
    jp->str[n] = 0;
    *s = jp->str;
    *len = n;
    return 0;
}

int cd_jp_u64(cd_jp *jp, uint64_t *v)
{
    *v = 0;
    int c = skip_ws(jp);
    if (c == '-')
        return cd_jp_fail(jp, "expected an unsigned integer, found a negative number");
    if (c < '0' || c > '9')
        return unexpected(jp, c, "an unsigned integer");
    uint64_t x = 0;
    int digits = 0;
    while ((c = peekc(jp)) >= '0' && c <= '9') {
        if (digits == 1 && x == 0)
            return cd_jp_fail(jp, "a number with a leading zero");
        unsigned d = (unsigned)(c - '0');
        if (x > (UINT64_MAX - d) / 10)
            return cd_jp_fail(jp, "a number larger than 2^64-1");
        x = x * 10 + d;
        digits++;
        jp->pos++;
    }
    if (c == '.' || c == 'e' || c == 'E')
        return cd_jp_fail(jp, "expected an integer, found a fraction or exponent");
    if (c == -2)
        return -1;
    *v = x;
    return 0;
}

static int literal(cd_jp *jp, const char *word)
{
    for (const char *p = word; *p; p++) {
        int c = getc_(jp);
        if (c != *p)
            return c == -2 ? -1 : cd_jp_fail(jp, "an invalid literal (expected %s)", word);
    }
    int c = peekc(jp);
    if ((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9'))
        return cd_jp_fail(jp, "an invalid literal (expected %s)", word);
    return 0;
}

int cd_jp_bool(cd_jp *jp, int *v)
{
    *v = 0;
    int c = skip_ws(jp);
    if (c != 't' && c != 'f')
        return unexpected(jp, c, "true or false");
    *v = c == 't';
    return literal(jp, c == 't' ? "true" : "false");
}

int cd_jp_null(cd_jp *jp)
{
    if (skip_ws(jp) != 'n')
        return 0;
    return literal(jp, "null") < 0 ? -1 : 1;
}

int cd_jp_end(cd_jp *jp)
{
    int c = skip_ws(jp);
    if (c == -2)
        return -1;
    if (c != -1)
        return cd_jp_fail(jp, "data after the end of the document (%s)", what_is(c));
    return 0;
}
