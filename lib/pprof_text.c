/* pprof_text.c — the text profiles Go's net/http/pprof serves:
 *
 *   heap ?debug=1       "heap profile: 6: 384 [9: 576] @ heap/1048576", then
 *                       "<inuse n>: <bytes> [<alloc n>: <bytes>] @ 0xPC ..."
 *                       records, each followed by "#\t0xPC\tfunc+0xoff\tfile:N"
 *                       frame lines (leading runtime frames hidden);
 *   goroutine ?debug=1  "goroutine profile: total N", "<count> @ 0xPC ...",
 *                       optional "# labels: {...}", frame lines as above;
 *   goroutine ?debug=2  runtime.Stack(all): "goroutine 7 [select, 3
 *                       minutes]:" blocks of "func(args)" / "\tfile:N +0xoff"
 *                       pairs and an optional "created by f".
 *
 * Values and sample types follow pprof's legacy parsers (legacy_profile.go)
 * exactly: heap values are unsampled with scaleHeapSample (period = N/2 for
 * "heap/N"), the bytes label is size/count, and the alloc columns are there
 * only when they differ from the inuse ones. Unlike pprof, which ignores the
 * "#" lines and needs the binary, function names and lines are read from
 * them; one location per frame PC. Records without "#" lines get
 * address-only locations (PC - 1, as pprof does). Lines may end in \r\n. */
#include <math.h>     /* exp */
#include <stdarg.h>   /* va_list */
#include <stdio.h>    /* vsnprintf */
#include <string.h>   /* memchr, memcmp */

#include "pprof.h"

typedef struct cur {
    const char *p, *end, *base;
} cur;

/* Next line [*s, *e) without its newline (and \r). 0 at the end. */
static int next_line(cur *c, const char **s, const char **e)
{
    if (c->p >= c->end)
        return 0;
    const char *nl = memchr(c->p, '\n', (size_t)(c->end - c->p));
    const char *le = nl ? nl : c->end;
    *s = c->p;
    *e = le;
    if (*e > *s && (*e)[-1] == '\r')
        (*e)--;
    c->p = nl ? nl + 1 : c->end;
    return 1;
}

static int is_space(int ch)
{
    return ch == ' ' || ch == '\t' || ch == '\r' || ch == '\v' || ch == '\f';
}

static void trim(const char **s, const char **e)
{
    while (*s < *e && is_space((unsigned char)**s))
        (*s)++;
    while (*e > *s && is_space((unsigned char)(*e)[-1]))
        (*e)--;
}

static int is_digit(int ch)
{
    return ch >= '0' && ch <= '9';
}

static void skip_spaces(const char **s, const char *e)
{
    while (*s < e && **s == ' ')
        (*s)++;
}

/* Decimal int64 with optional '-' (neg_ok). 0 ok, -1 not a number or
 * overflow. */
static int parse_i64(const char **s, const char *e, int neg_ok, int64_t *out)
{
    const char *p = *s;
    int neg = 0;
    if (neg_ok && p < e && *p == '-') {
        neg = 1;
        p++;
    }
    if (p >= e || !is_digit((unsigned char)*p))
        return -1;
    uint64_t v = 0;
    uint64_t lim = neg ? (uint64_t)INT64_MAX + 1 : (uint64_t)INT64_MAX;
    while (p < e && is_digit((unsigned char)*p)) {
        unsigned d = (unsigned)(*p - '0');
        if (v > (lim - d) / 10)
            return -1;
        v = v * 10 + d;
        p++;
    }
    *out = neg ? (int64_t)(0 - v) : (int64_t)v;
    *s = p;
    return 0;
}

/* "0x" + lowercase hex digits (pprof's 0x[0-9a-f]+), as uint64. */
static int parse_hex(const char **s, const char *e, uint64_t *out)
{
    const char *p = *s;
    if (e - p < 3 || p[0] != '0' || p[1] != 'x')
        return -1;
    p += 2;
    uint64_t v = 0;
    const char *d0 = p;
    while (p < e && ((*p >= '0' && *p <= '9') || (*p >= 'a' && *p <= 'f') ||
                     (*p >= 'A' && *p <= 'F'))) {
        if (v >> 60)
            return -1;
        int ch = *p;
        v = v << 4 | (uint64_t)(ch <= '9' ? ch - '0' : (ch | 0x20) - 'a' + 10);
        p++;
    }
    if (p == d0)
        return -1;
    *out = v;
    *s = p;
    return 0;
}

/* Parser state shared by the three formats. */
typedef struct tp {
    cd_profile *p;
    cd_error *err;
    cur c;
    cd_pprof__builder b;
    const char *fmt;     /* "heap profile text", ... for messages */
    long lineno;
} tp;

static int fail_at(tp *t, const char *at, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
static int fail_at(tp *t, const char *at, const char *fmt, ...)
{
    char msg[768];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    return cd_fail(t->err, CD_EFORMAT, t->p->path,
                   at ? (int64_t)(at - t->c.base) : -1, "%s, line %ld: %s",
                   t->fmt, t->lineno, msg);
}

static int tline(tp *t, const char **s, const char **e)
{
    if (!next_line(&t->c, s, e))
        return 0;
    t->lineno++;
    return 1;
}

static void tp_init(tp *t, cd_profile *p, cd_error *err, const char *fmt)
{
    memset(t, 0, sizeof *t);
    t->p = p;
    t->err = err;
    t->fmt = fmt;
    t->c.base = t->c.p = (const char *)p->data;
    t->c.end = t->c.base + p->data_len;
    cd_pprof__builder_init(&t->b, p);
}

static uint32_t lit(tp *t, const char *s)
{
    return cd_pprof__b_str(&t->b, s, strlen(s));
}

static int is_blank_or_comment(const char *s, const char *e)
{
    trim(&s, &e);
    return s == e || *s == '#';
}

/* A frame line "#\t0xPC\tfunc+0xoff\tfile:line" (tab runs between fields;
 * older Go: spaces). Sets *pc, name/file views and *line; *has_name = 0 for
 * "#\t0xPC" alone. Returns 0, or -1 if the line is not a frame line. */
static int frame_line(const char *s, const char *e, uint64_t *pc,
                      const char **ns, const char **ne, const char **fs,
                      const char **fe, int64_t *line, int *has_name)
{
    if (s >= e || *s != '#')
        return -1;
    s++;
    if (s >= e || !is_space((unsigned char)*s))
        return -1;
    while (s < e && is_space((unsigned char)*s))
        s++;
    if (parse_hex(&s, e, pc) < 0)
        return -1;
    while (s < e && is_space((unsigned char)*s))
        s++;
    *has_name = 0;
    *line = 0;
    *ns = *ne = *fs = *fe = s;
    if (s == e)
        return 0;
    const char *t = s;
    while (t < e && !is_space((unsigned char)*t))
        t++;
    /* func+0xoff: cut at the last "+0x" */
    const char *plus = NULL;
    for (const char *q = s; q + 2 < t; q++)
        if (q[0] == '+' && q[1] == '0' && q[2] == 'x')
            plus = q;
    *ns = s;
    *ne = plus ? plus : t;
    *has_name = 1;
    while (t < e && is_space((unsigned char)*t))
        t++;
    const char *fs0 = t, *fe0 = e;
    trim(&fs0, &fe0);
    const char *colon = NULL;
    for (const char *q = fs0; q < fe0; q++)
        if (*q == ':')
            colon = q;
    if (colon) {
        const char *q = colon + 1;
        int64_t ln;
        if (parse_i64(&q, fe0, 0, &ln) == 0 && q == fe0) {
            *line = ln;
            fe0 = colon;
        }
    }
    *fs = fs0;
    *fe = fe0;
    return 0;
}

/* Push the frames of the "#" lines after a record; returns how many frames
 * were pushed. The cursor is left on the first line that is not a frame.
 * With strip_runtime, leading runtime.* frames are left out unless all
 * frames are runtime ones, as Go's proto writer does (text heap profiles of
 * newer Go keep runtime.mallocgc and friends at the leaf). */
static size_t push_frames(tp *t, int strip_runtime)
{
    size_t skip = 0;
    if (strip_runtime) {
        cur save = t->c;
        size_t n = 0;
        int all = 1;
        const char *s, *e;
        while (next_line(&t->c, &s, &e)) {
            uint64_t pc;
            const char *ns, *ne, *fs, *fe;
            int64_t line;
            int has_name;
            trim(&s, &e);
            if (frame_line(s, e, &pc, &ns, &ne, &fs, &fe, &line, &has_name) < 0)
                break;
            if (has_name && ne - ns >= 8 && !memcmp(ns, "runtime.", 8)) {
                if (all)
                    skip++;
            } else {
                all = 0;
            }
            n++;
        }
        if (all)
            skip = 0;
        t->c = save;
    }
    size_t n = 0;
    for (;; skip -= skip > 0) {
        cur save = t->c;
        const char *s, *e;
        if (!tline(t, &s, &e))
            break;
        uint64_t pc;
        const char *ns, *ne, *fs, *fe;
        int64_t line;
        int has_name;
        const char *s2 = s, *e2 = e;
        trim(&s2, &e2);
        if (frame_line(s2, e2, &pc, &ns, &ne, &fs, &fe, &line, &has_name) < 0) {
            t->c = save;
            t->lineno--;
            break;
        }
        if (skip > 0)
            continue;
        uint32_t fn = UINT32_MAX;
        if (has_name) {
            uint32_t name = cd_pprof__b_str(&t->b, ns, (size_t)(ne - ns));
            uint32_t file = cd_pprof__b_str(&t->b, fs, (size_t)(fe - fs));
            fn = cd_pprof__b_func(&t->b, name, file);
        }
        cd_pprof__b_push_loc(&t->b, cd_pprof__b_loc(&t->b, pc, pc, fn, line));
        n++;
    }
    return n;
}

static void push_addrs(tp *t, const uint64_t *addr, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        uint64_t a = addr[i] - 1;
        cd_pprof__b_push_loc(&t->b, cd_pprof__b_loc(&t->b, a, a, UINT32_MAX, 0));
    }
}

/* Hex addresses of "@ 0x1 0x2 ..." into a growable array. -1 on a number
 * that does not fit 64 bits. */
static int read_addrs(const char *s, const char *e, uint64_t **arr, size_t *n,
                      size_t *cap)
{
    *n = 0;
    while (s < e) {
        while (s < e && *s == ' ')
            s++;
        if (s >= e)
            break;
        uint64_t a;
        if (parse_hex(&s, e, &a) < 0)
            return -1;
        CD_GROW(*arr, *cap, *n + 1);
        (*arr)[(*n)++] = a;
        if (s < e && *s != ' ')
            return -1;
    }
    return 0;
}

/* Go's int64(f) on amd64: out of range (and NaN) give INT64_MIN. */
static int64_t go_f2i(double f)
{
    if (!(f > -9223372036854775808.0 - 1025.0 && f < 9223372036854775808.0))
        return INT64_MIN;
    if (f <= -9223372036854775808.0)
        return INT64_MIN;
    return (int64_t)f;
}

/* pprof's scaleHeapSample. */
static void scale_heap(int64_t *count, int64_t *size, int64_t rate)
{
    if (*count == 0 || *size == 0) {
        *count = *size = 0;
        return;
    }
    if (rate <= 1)
        return;
    double avg = (double)*size / (double)*count;
    double scale = 1 / (1 - exp(-avg / (double)rate));
    *count = go_f2i((double)*count * scale);
    *size = go_f2i((double)*size * scale);
}

/* ---------------------------------------------------------------- heap */

/* "<n>: <n>" with spaces as in pprof's regexps; neg_ok for the inuse pair. */
static int parse_pair(const char **s, const char *e, int neg_ok, int64_t *a,
                      int64_t *b)
{
    if (parse_i64(s, e, neg_ok, a) < 0 || *s >= e || **s != ':')
        return -1;
    (*s)++;
    skip_spaces(s, e);
    return parse_i64(s, e, neg_ok, b);
}

static int heap_header(tp *t, const char *s, const char *e, int *v2,
                       int *has_alloc)
{
    static const char pre[] = "heap profile:";
    const char *at = s;
    trim(&s, &e);
    if ((size_t)(e - s) < sizeof pre - 1 || memcmp(s, pre, sizeof pre - 1))
        return fail_at(t, at, "not a heap profile header");
    s += sizeof pre - 1;
    skip_spaces(&s, e);
    const char *d[4][2];
    int64_t v[4];
    for (int i = 0; i < 4; i++) {
        if (i == 2) {
            skip_spaces(&s, e);
            if (s >= e || *s != '[')
                return fail_at(t, s, "heap header: expected '['");
            s++;
            skip_spaces(&s, e);
        }
        d[i][0] = s;
        if (parse_i64(&s, e, 0, &v[i]) < 0)
            return fail_at(t, s, "heap header: bad number");
        d[i][1] = s;
        if (i % 2 == 0) {
            if (s >= e || *s != ':')
                return fail_at(t, s, "heap header: expected ':'");
            s++;
            skip_spaces(&s, e);
        }
    }
    skip_spaces(&s, e);
    if (s >= e || *s != ']')
        return fail_at(t, s, "heap header: expected ']'");
    s++;
    skip_spaces(&s, e);
    if (s >= e || *s != '@')
        return fail_at(t, s, "heap header: expected '@'");
    s++;
    skip_spaces(&s, e);
    const char *ks = s;
    if (e - s < 4 || memcmp(s, "heap", 4))
        return fail_at(t, s, "heap header: expected heap/<rate>");
    s += 4;
    while (s < e && ((*s >= 'a' && *s <= 'z') || *s == '_' || is_digit(*s)))
        s++;
    const char *ke = s;
    if (s < e && *s == '/')
        s++;
    int64_t period = 0;
    if (s < e && is_digit((unsigned char)*s) && parse_i64(&s, e, 0, &period) < 0)
        return fail_at(t, s, "heap header: bad sampling period");
    /* pprof: alloc columns when the alloc pair is not the inuse pair and
     * not "0" (compared as digit strings). */
    for (int i = 2; i < 4; i++) {
        size_t la = (size_t)(d[i][1] - d[i][0]), lb = (size_t)(d[i - 2][1] - d[i - 2][0]);
        int same = la == lb && !memcmp(d[i][0], d[i - 2][0], la);
        int zero = la == 1 && d[i][0][0] == '0';
        if (!same && !zero)
            *has_alloc = 1;
    }
    size_t kl = (size_t)(ke - ks);
    if ((kl == 8 && !memcmp(ks, "heapz_v2", 8)) ||
        (kl == 7 && !memcmp(ks, "heap_v2", 7))) {
        *v2 = 1;
    } else if (kl == 11 && !memcmp(ks, "heapprofile", 11)) {
        *v2 = 0;
        period = 1;
    } else if (kl == 4) {
        *v2 = 1;
        period /= 2;
    } else {
        return fail_at(t, ks, "heap header: unknown profile kind '%.*s'",
                       (int)kl, ks);
    }
    t->p->period = period;
    return 0;
}

/* pprof's addValues: error if count == 0 but size != 0; blocksize =
 * size/count; unsample when v2. */
static int heap_values(tp *t, const char *at, const char *label, int64_t *count,
                       int64_t *size, int v2, int64_t *blocksize)
{
    if (*count == 0 && *size != 0)
        return fail_at(t, at, "%s count was 0 but %s bytes was %lld", label,
                       label, (long long)*size);
    if (*count != 0) {
        if (!(*count == -1 && *size == INT64_MIN))
            *blocksize = *size / *count;
        else
            *blocksize = INT64_MIN;
        if (v2)
            scale_heap(count, size, t->p->period);
    }
    return 0;
}

/* Does [s, e) contain lit? */
static int has_sub(const char *s, const char *e, const char *lit)
{
    size_t n = strlen(lit);
    for (; (size_t)(e - s) >= n; s++)
        if (!memcmp(s, lit, n))
            return 1;
    return 0;
}

int cd_pprof__parse_heap_text(cd_profile *p, cd_error *err)
{
    tp t;
    tp_init(&t, p, err, "heap profile text");
    const char *s, *e;
    int rc = -1;
    uint64_t *addrs = NULL;
    size_t naddr = 0, cap_addr = 0;
    do {
        if (!tline(&t, &s, &e)) {
            fail_at(&t, NULL, "empty");
            goto out;
        }
    } while (s == e);
    int v2 = 0, has_alloc = 0;
    if (heap_header(&t, s, e, &v2, &has_alloc) < 0)
        goto out;
    p->period_type.type = lit(&t, "space");
    p->period_type.unit = lit(&t, "bytes");
    static const char *types4[] = { "alloc_objects", "alloc_space",
                                    "inuse_objects", "inuse_space" };
    static const char *types2[] = { "objects", "space" };
    p->ntype = has_alloc ? 4 : 2;
    p->sample_type = cd_calloc(p->ntype, sizeof *p->sample_type);
    for (uint32_t i = 0; i < p->ntype; i++) {
        p->sample_type[i].type = lit(&t, has_alloc ? types4[i] : types2[i]);
        p->sample_type[i].unit = lit(&t, i % 2 ? "bytes" : "count");
    }
    uint32_t bytes_key = lit(&t, "bytes");
    while (tline(&t, &s, &e)) {
        const char *s0 = s;
        trim(&s, &e);
        if (s == e || *s == '#')
            continue;
        if (has_sub(s, e, "--- Memory map: ---") ||
            has_sub(s, e, "MAPPED_LIBRARIES:"))
            break;
        int64_t in_n, in_b, al_n = 0, al_b = 0;
        if (parse_pair(&s, e, 1, &in_n, &in_b) < 0) {
            fail_at(&t, s0, "malformed heap sample (want \"N: N [N: N] @ 0x..\")");
            goto out;
        }
        skip_spaces(&s, e);
        if (s >= e || *s != '[') {
            fail_at(&t, s, "malformed heap sample: expected '['");
            goto out;
        }
        s++;
        skip_spaces(&s, e);
        if (parse_pair(&s, e, 0, &al_n, &al_b) < 0) {
            fail_at(&t, s, "malformed heap sample: bad alloc pair");
            goto out;
        }
        skip_spaces(&s, e);
        if (e - s < 3 || s[0] != ']' || s[1] != ' ' || s[2] != '@') {
            fail_at(&t, s, "malformed heap sample: expected \"] @\"");
            goto out;
        }
        s += 3;
        if (read_addrs(s, e, &addrs, &naddr, &cap_addr) < 0) {
            fail_at(&t, s, "malformed heap sample: bad address list");
            goto out;
        }
        int64_t vals[4], bs = 0;
        int k = 0;
        if (has_alloc) {
            if (heap_values(&t, s0, "allocation", &al_n, &al_b, v2, &bs) < 0)
                goto out;
            vals[k++] = al_n;
            vals[k++] = al_b;
        }
        if (heap_values(&t, s0, "inuse", &in_n, &in_b, v2, &bs) < 0)
            goto out;
        vals[k++] = in_n;
        vals[k++] = in_b;
        cd_pprof__b_sample(&t.b, vals);
        cd_plabel lb = { bytes_key, 0, 0, bs };
        cd_pprof__b_push_label(&t.b, &lb);
        if (push_frames(&t, 1) == 0)
            push_addrs(&t, addrs, naddr);
    }
    rc = 0;
out:
    free(addrs);
    cd_pprof__builder_done(&t.b);
    if (!rc)
        cd_pprof__set_kind(p);
    return rc;
}

/* ------------------------------------------------------ count (debug=1) */

/* "# labels: {"k":"v", "k2":"v2"}" -> string labels (kept %q-quoted
 * content, without unescaping). */
static void parse_labels(tp *t, const char *s, const char *e)
{
    const char *open = memchr(s, '{', (size_t)(e - s));
    if (!open)
        return;
    s = open + 1;
    for (;;) {
        const char *q[4];
        int k = 0;
        while (s < e && k < 4) {
            if (*s == '"') {
                const char *st = ++s;
                while (s < e && *s != '"') {
                    if (*s == '\\' && s + 1 < e)
                        s++;
                    s++;
                }
                q[k++] = st;
                q[k++] = s;
                if (s < e)
                    s++;
                if (k == 2) {
                    while (s < e && (*s == ':' || *s == ' '))
                        s++;
                }
            } else if (*s == '}') {
                return;
            } else {
                s++;
            }
        }
        if (k < 4)
            return;
        cd_plabel lb = { cd_pprof__b_str(&t->b, q[0], (size_t)(q[1] - q[0])),
                         cd_pprof__b_str(&t->b, q[2], (size_t)(q[3] - q[2])), 0, 0 };
        if (lb.str == 0)
            continue;  /* an empty value would read as "no string label" */
        cd_pprof__b_push_label(&t->b, &lb);
    }
}

int cd_pprof__parse_count_text(cd_profile *p, cd_error *err)
{
    tp t;
    tp_init(&t, p, err, "count profile text");
    const char *s, *e;
    int rc = -1;
    uint64_t *addrs = NULL;
    size_t naddr = 0, cap_addr = 0;
    do {
        if (!tline(&t, &s, &e)) {
            fail_at(&t, NULL, "empty");
            goto out;
        }
    } while (is_blank_or_comment(s, e));
    /* \A(\S+) profile: total \d+\z */
    const char *ts = s, *te = s;
    while (te < e && !is_space((unsigned char)*te))
        te++;
    static const char mid[] = " profile: total ";
    const char *q = te;
    int64_t total;
    if (te == ts || (size_t)(e - te) < sizeof mid - 1 ||
        memcmp(te, mid, sizeof mid - 1) ||
        (q = te + sizeof mid - 1, parse_i64(&q, e, 0, &total) < 0) || q != e) {
        fail_at(&t, s, "expected \"<name> profile: total <N>\"");
        goto out;
    }
    uint32_t type = cd_pprof__b_str(&t.b, ts, (size_t)(te - ts));
    p->period_type.type = type;
    p->period_type.unit = lit(&t, "count");
    p->period = 1;
    p->ntype = 1;
    p->sample_type = cd_calloc(1, sizeof *p->sample_type);
    p->sample_type[0] = p->period_type;
    while (tline(&t, &s, &e)) {
        if (is_blank_or_comment(s, e))
            continue;
        if (e - s >= 3 && !memcmp(s, "---", 3))
            break;
        /* \A(\d+) @(( 0x[0-9a-f]+)+)\z */
        const char *r = s;
        int64_t n;
        if (parse_i64(&r, e, 0, &n) < 0 || e - r < 3 || r[0] != ' ' ||
            r[1] != '@' || r[2] != ' ') {
            fail_at(&t, s, "malformed record (want \"<count> @ 0x...\")");
            goto out;
        }
        r += 2;
        if (read_addrs(r, e, &addrs, &naddr, &cap_addr) < 0 || naddr == 0) {
            fail_at(&t, r, "malformed record: bad address list");
            goto out;
        }
        cd_pprof__b_sample(&t.b, &n);
        /* labels line, then frames */
        cur save = t.c;
        long save_ln = t.lineno;
        if (tline(&t, &s, &e)) {
            const char *s2 = s, *e2 = e;
            trim(&s2, &e2);
            if (e2 - s2 >= 9 && !memcmp(s2, "# labels:", 9))
                parse_labels(&t, s2 + 9, e2);
            else {
                t.c = save;
                t.lineno = save_ln;
            }
        }
        if (push_frames(&t, 0) == 0)
            push_addrs(&t, addrs, naddr);
    }
    rc = 0;
out:
    free(addrs);
    cd_pprof__builder_done(&t.b);
    if (!rc)
        cd_pprof__set_kind(p);
    return rc;
}

/* ---------------------------------------------------- stacks (debug=2) */

/* "goroutine 7 [select, 3 minutes, locked to thread]:" (also with
 * "gp=... m=..." before the bracket). Sets the wait reason view and the
 * minutes. Returns 0, -1 if not a goroutine header. */
static int gr_header(const char *s, const char *e, const char **ws,
                     const char **we, uint32_t *minutes)
{
    static const char pre[] = "goroutine ";
    if ((size_t)(e - s) < sizeof pre || memcmp(s, pre, sizeof pre - 1) ||
        !is_digit((unsigned char)s[sizeof pre - 1]))
        return -1;
    const char *lb = memchr(s, '[', (size_t)(e - s));
    const char *rb = NULL;
    for (const char *q = e; q > s; q--)
        if (q[-1] == ']') {
            rb = q - 1;
            break;
        }
    *minutes = 0;
    if (!lb || !rb || rb < lb) {
        *ws = *we = s;   /* "goroutine N running on other thread; ..." */
        return 0;
    }
    const char *p = lb + 1, *comma = NULL;
    for (const char *q = p; q + 1 < rb; q++)
        if (q[0] == ',' && q[1] == ' ') {
            comma = q;
            break;
        }
    *ws = p;
    *we = comma ? comma : rb;
    /* ", N minutes" */
    for (const char *q = comma; q && q < rb;) {
        q += 2;
        const char *c0 = q;
        int64_t m;
        if (parse_i64(&c0, rb, 0, &m) == 0 && rb - c0 >= 8 &&
            !memcmp(c0, " minutes", 8))
            *minutes = m > UINT32_MAX ? UINT32_MAX : (uint32_t)m;
        const char *nx = NULL;
        for (const char *r = q; r + 1 < rb; r++)
            if (r[0] == ',' && r[1] == ' ') {
                nx = r;
                break;
            }
        q = nx;
    }
    return 0;
}

/* "pkg.f(args)" -> name view (args removed by matching the final
 * parenthesis group). */
static void func_name(const char *s, const char *e, const char **ne)
{
    *ne = e;
    if (e > s && e[-1] == ')') {
        int depth = 0;
        for (const char *q = e - 1; q >= s; q--) {
            if (*q == ')')
                depth++;
            else if (*q == '(' && --depth == 0) {
                *ne = q;
                return;
            }
        }
    }
}

/* "\t/path/file.go:45 +0x29" -> file view and line. */
static int file_line(const char *s, const char *e, const char **fs,
                     const char **fe, int64_t *line)
{
    trim(&s, &e);
    /* cut " +0x.." and anything after the line number */
    const char *colon = NULL;
    for (const char *q = s; q < e; q++)
        if (*q == ':' && q + 1 < e && is_digit((unsigned char)q[1]))
            colon = q;
    if (!colon)
        return -1;
    const char *q = colon + 1;
    if (parse_i64(&q, e, 0, line) < 0)
        return -1;
    *fs = s;
    *fe = colon;
    return 0;
}

int cd_pprof__parse_stacks_text(cd_profile *p, cd_error *err)
{
    tp t;
    tp_init(&t, p, err, "goroutine stacks text");
    const char *s, *e;
    p->period_type.type = lit(&t, "goroutine");
    p->period_type.unit = lit(&t, "count");
    p->period = 1;
    p->ntype = 1;
    p->sample_type = cd_calloc(1, sizeof *p->sample_type);
    p->sample_type[0] = p->period_type;
    int64_t one = 1;
    cd_psample *cur_s = NULL;
    int in_created = 0;
    const char *pend_name = NULL, *pend_ne = NULL;   /* frame awaiting file line */
    int pend_created = 0;
    size_t ngor = 0;
    while (tline(&t, &s, &e)) {
        const char *ws, *we;
        uint32_t minutes;
        if (s == e) {
            cur_s = NULL;
            pend_name = NULL;
            continue;
        }
        if (gr_header(s, e, &ws, &we, &minutes) == 0) {
            cur_s = cd_pprof__b_sample(&t.b, &one);
            cur_s->wait = cd_pprof__b_str(&t.b, ws, (size_t)(we - ws));
            cur_s->minutes = minutes;
            pend_name = NULL;
            in_created = 0;
            ngor++;
            continue;
        }
        if (!cur_s)
            continue;   /* text around the dump (panic message, ...) */
        /* re-fetch: b_sample may have moved the array */
        cur_s = &p->sample[p->nsample - 1];
        if (*s == '\t' || *s == ' ') {
            if (!pend_name)
                continue;
            const char *fs, *fe;
            int64_t line = 0;
            if (file_line(s, e, &fs, &fe, &line) < 0) {
                fs = fe = s;
                line = 0;
            }
            uint32_t name = cd_pprof__b_str(&t.b, pend_name,
                                            (size_t)(pend_ne - pend_name));
            uint32_t file = cd_pprof__b_str(&t.b, fs, (size_t)(fe - fs));
            uint32_t fn = cd_pprof__b_func(&t.b, name, file);
            if (pend_created) {
                cur_s->created_by = fn + 1;
            } else {
                uint64_t key = cd_hash_bytes(&line, sizeof line,
                                             cd_hash64((uint64_t)fn + 1));
                cd_pprof__b_push_loc(&t.b, cd_pprof__b_loc(&t.b, key, 0, fn, line));
            }
            pend_name = NULL;
            continue;
        }
        if (in_created)
            continue;
        static const char cb[] = "created by ";
        if ((size_t)(e - s) > sizeof cb - 1 && !memcmp(s, cb, sizeof cb - 1)) {
            const char *ns = s + sizeof cb - 1, *ne = e;
            const char *in = NULL;
            for (const char *q = ns; q + 14 <= ne; q++)
                if (!memcmp(q, " in goroutine ", 14)) {
                    in = q;
                    break;
                }
            if (in)
                ne = in;
            pend_name = ns;
            pend_ne = ne;
            pend_created = 1;
            in_created = 1;
            continue;
        }
        if (*s == '.' && e - s >= 3 && !memcmp(s, "...", 3))
            continue;   /* "...additional frames elided..." */
        const char *ne;
        func_name(s, e, &ne);
        pend_name = s;
        pend_ne = ne;
        pend_created = 0;
    }
    cd_pprof__builder_done(&t.b);
    if (ngor == 0)
        return cd_fail(err, CD_EFORMAT, p->path, 0,
                       "goroutine stacks text: no \"goroutine N [...]:\" "
                       "header found");
    cd_pprof__set_kind(p);
    return 0;
}
