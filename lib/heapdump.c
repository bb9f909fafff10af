/* heapdump.c — reader for Go heap dumps ("go1.7 heap dump", written by
 * runtime/debug.WriteHeapDump), filling the snapshot model.
 *
 * One sequential pass over the file with a bounded buffered reader: every
 * record is parsed field by field (the format has no record lengths), object
 * contents are looked at only to pick up pointer values and interface type
 * words, then dropped. Afterwards objects are put in address order and every
 * pointer is resolved to (object, offset) — interior pointers included, as
 * Go 1.22+ objects with a malloc header are referenced 8 bytes in. Record
 * layouts: ../shared/reference/go-heapdump.md §3. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "graph.h"
#include "reader.h"
#include "snapshot.h"
#include "sort.h"
#include "util.h"

static const char HEADER[] = "go1.7 heap dump\n";
#define HEADER_LEN 16

enum {
    TAG_EOF = 0, TAG_OBJECT = 1, TAG_OTHERROOT = 2, TAG_TYPE = 3,
    TAG_GOROUTINE = 4, TAG_FRAME = 5, TAG_PARAMS = 6, TAG_FINALIZER = 7,
    TAG_ITAB = 8, TAG_OSTHREAD = 9, TAG_MEMSTATS = 10, TAG_QUEUEDFIN = 11,
    TAG_DATA = 12, TAG_BSS = 13, TAG_DEFER = 14, TAG_PANIC = 15,
    TAG_MEMPROF = 16, TAG_ALLOCSAMPLE = 17,
};

static const char *const TAG_NAMES[] = {
    "eof", "object", "other root", "type", "goroutine", "stack frame",
    "params", "finalizer", "itab", "OS thread", "memstats",
    "queued finalizer", "data segment", "bss segment", "defer", "panic",
    "memprof bucket", "alloc sample",
};

/* A pointer seen before objects are sorted: where it is and what it holds. */
typedef struct raw_root {
    uint8_t kind;
    uint32_t frame;
    uint64_t slot, target;
    uint32_t dyn;
} raw_root;

typedef struct pending_fin {
    uint64_t obj;        /* finalized object address */
    int queued;
} pending_fin;

typedef struct parser {
    cd_reader r;
    cd_snapshot *s;
    const cd_load_options *opt;
    cd_error *err;
    unsigned char *scratch; size_t scap;
    unsigned char *scratch2; size_t scap2;
    uint64_t rec_start;
    const char *rec;

    /* raw objects in file order */
    uint64_t *addr; uint32_t *size; uint64_t *content; uint64_t *estart;
    size_t nobj, objcap;
    /* raw edges in file order */
    uint64_t *etarget; uint32_t *eoff;
    size_t nedge, edgecap;
    /* interface data words: raw edge index -> dynamic type (sparse) */
    uint64_t *dyn_edge; uint32_t *dyn_type; size_t ndyn, dyncap;
    /* header type hints: raw object index, rtype index */
    uint64_t *hint_obj; uint32_t *hint_rt; size_t nhint, hintcap;
    /* alloc samples */
    uint64_t *samp_addr, *samp_bucket; size_t nsamp, sampcap;
    raw_root *roots; size_t nroots, rootcap;
    pending_fin *fins; size_t nfins, fincap;
    size_t goroutine_cap, frame_cap, bucket_cap, mframe_cap;
    int have_params;
    int malloc_headers;   /* Go 1.22+: objects over 512 B start with their type */
    uint64_t shape;    /* running hash of the current fieldlist's offsets */
    uint64_t nfields;  /* pointer slots in the current fieldlist (nil or not) */
    uint32_t *shapes;  /* raw object -> shape hash (parallel to addr) */
} parser;

static int fail(parser *p, const char *msg)
{
    return cd_fail(p->err, CD_EFORMAT, p->s->path, (int64_t)p->rec_start,
                   "%s record: %s", p->rec, msg);
}

static int u(parser *p, uint64_t *v, const char *what)
{
    return cd_read_uvarint(&p->r, v, what);
}

static int boolean(parser *p, uint64_t *v, const char *what)
{
    if (u(p, v, what) < 0)
        return -1;
    if (*v > 1)
        return cd_fail(p->err, CD_EFORMAT, p->s->path, (int64_t)p->r.pos - 1,
                       "%s record: %s is %llu, not a bool", p->rec, what,
                       (unsigned long long)*v);
    return 0;
}

static uint64_t word_at(const cd_snapshot *s, const unsigned char *b)
{
    return cd_snapshot_word(s, b);
}

uint64_t cd_snapshot_word(const cd_snapshot *s, const unsigned char *b)
{
    uint64_t w = 0;
    int n = s->ptr_size;
    if (s->big_endian)
        for (int i = 0; i < n; i++)
            w = (w << 8) | b[i];
    else
        for (int i = n - 1; i >= 0; i--)
            w = (w << 8) | b[i];
    return w;
}

uint32_t cd_snapshot_rtype(cd_snapshot *s, uint64_t addr)
{
    uint32_t idx;
    if (cd_map64_get(&s->rtype_index, addr, &idx))
        return idx;
    if (s->nrtypes == 0)
        s->nrtypes = 1;  /* index 0 means "none" */
    size_t old = s->rtypes_cap;
    CD_GROW(s->rtypes, s->rtypes_cap, s->nrtypes + 1);
    if (s->rtypes_cap != old) {
        s->rtype_name = cd_reallocarray(s->rtype_name, s->rtypes_cap, sizeof *s->rtype_name);
        s->rtype_size = cd_reallocarray(s->rtype_size, s->rtypes_cap, sizeof *s->rtype_size);
    }
    idx = (uint32_t)s->nrtypes++;
    s->rtypes[idx] = addr;
    s->rtype_name[idx] = 0;
    s->rtype_size[idx] = 0;
    cd_map64_put(&s->rtype_index, addr, idx);
    return idx;
}

/* The dynamic type announced by the word before a pointer slot: an itab
 * (non-empty interface) or a type descriptor (empty interface). */
static uint32_t dyn_type(parser *p, uint64_t prev)
{
    uint32_t idx;
    if (!prev)
        return 0;
    if (cd_map64_get(&p->s->itabs, prev, &idx))
        return idx;
    if (p->opt->types_hi && prev >= p->opt->types_lo && prev < p->opt->types_hi)
        return cd_snapshot_rtype(p->s, prev);
    if (!p->opt->types_hi && cd_map64_get(&p->s->rtype_index, prev, &idx) && p->s->rtype_name[idx])
        return idx;  /* without a binary: a type the dump named */
    return 0;
}

static void add_root(parser *p, uint8_t kind, uint32_t frame, uint64_t slot,
                     uint64_t target, uint32_t dyn)
{
    if (!target)
        return;
    CD_GROW(p->roots, p->rootcap, p->nroots + 1);
    p->roots[p->nroots++] = (raw_root){kind, frame, slot, target, dyn};
}

/* Read a fieldlist for a region whose bytes are in buf[0..len). For each
 * pointer slot, call back with (offset, value, dynamic type). */
typedef void (*slot_fn)(parser *p, void *ctx, uint64_t off, uint64_t val, uint32_t dyn);

static int read_fields(parser *p, const unsigned char *buf, uint64_t len,
                       slot_fn fn, void *ctx)
{
    const int ps = p->s->ptr_size;
    uint64_t last = 0;
    int first = 1;
    for (;;) {
        uint64_t kind, off;
        if (u(p, &kind, "field kind") < 0)
            return -1;
        if (kind == 0)
            return 0;
        if (kind > 3)
            return cd_fail(p->err, CD_EFORMAT, p->s->path, (int64_t)p->r.pos - 1,
                           "%s record: unknown field kind %llu", p->rec,
                           (unsigned long long)kind);
        if (u(p, &off, "field offset") < 0)
            return -1;
        if (off > len || len - off < (uint64_t)ps)
            return cd_fail(p->err, CD_EFORMAT, p->s->path, (int64_t)p->r.pos - 1,
                           "%s record: pointer offset %llu outside its %llu bytes",
                           p->rec, (unsigned long long)off, (unsigned long long)len);
        if (off % (uint64_t)ps)
            return cd_fail(p->err, CD_EFORMAT, p->s->path, (int64_t)p->r.pos - 1,
                           "%s record: pointer offset %llu not aligned", p->rec,
                           (unsigned long long)off);
        if (!first && off <= last)
            return cd_fail(p->err, CD_EFORMAT, p->s->path, (int64_t)p->r.pos - 1,
                           "%s record: pointer offsets not ascending (%llu after %llu)",
                           p->rec, (unsigned long long)off, (unsigned long long)last);
        first = 0;
        last = off;
        p->shape = cd_hash64(p->shape ^ (off + 1));
        p->nfields++;
        uint64_t val = word_at(p->s, buf + off);
        if (!val)
            continue;
        uint32_t dyn = off >= (uint64_t)ps ? dyn_type(p, word_at(p->s, buf + off - ps)) : 0;
        fn(p, ctx, off, val, dyn);
    }
}

static void object_slot(parser *p, void *ctx, uint64_t off, uint64_t val, uint32_t dyn)
{
    (void)ctx;
    /* rec_object reserved room for every slot (offsets are aligned, ascending) */
    p->etarget[p->nedge] = val;
    p->eoff[p->nedge] = (uint32_t)off;
    if (dyn) {
        CD_GROW(p->dyn_edge, p->dyncap, p->ndyn + 1);
        p->dyn_type = cd_reallocarray(p->dyn_type, p->dyncap, sizeof *p->dyn_type);
        p->dyn_edge[p->ndyn] = p->nedge;
        p->dyn_type[p->ndyn] = dyn;
        p->ndyn++;
    }
    p->nedge++;
}

typedef struct root_ctx { uint8_t kind; uint32_t frame; uint64_t base; } root_ctx;

static void root_slot(parser *p, void *ctx, uint64_t off, uint64_t val, uint32_t dyn)
{
    root_ctx *rc = ctx;
    add_root(p, rc->kind, rc->frame, rc->base + off, val, dyn);
}

static void grow_edges(parser *p, size_t need)
{
    if (need <= p->edgecap)
        return;
    size_t cap = p->edgecap;
    /* grow by half, not double: edges are the largest arrays */
    if (cap < need)
        cap = need + need / 2 + 1024;
    p->etarget = cd_reallocarray(p->etarget, cap, sizeof *p->etarget);
    p->eoff = cd_reallocarray(p->eoff, cap, sizeof *p->eoff);
    p->edgecap = cap;
}

static int rec_object(parser *p)
{
    cd_snapshot *s = p->s;
    uint64_t addr, len;
    if (u(p, &addr, "object address") < 0)
        return -1;
    uint64_t content_off;
    if (cd_read_lenbytes(&p->r, &p->scratch, &p->scap, UINT32_MAX, &len, "object contents") < 0)
        return -1;
    content_off = p->r.pos - len;
    if (addr == 0 || addr + len < addr)
        return fail(p, "bad object address");
    if (p->nobj == p->objcap) {
        /* grow by half: seven arrays of this length */
        size_t cap = p->objcap + p->objcap / 2 + 4096;
        p->addr = cd_reallocarray(p->addr, cap, sizeof *p->addr);
        p->size = cd_reallocarray(p->size, cap, sizeof *p->size);
        p->content = cd_reallocarray(p->content, cap, sizeof *p->content);
        p->estart = cd_reallocarray(p->estart, cap, sizeof *p->estart);
        p->shapes = cd_reallocarray(p->shapes, cap, sizeof *p->shapes);
        p->objcap = cap;
    }
    size_t i = p->nobj++;
    p->addr[i] = addr;
    p->size[i] = (uint32_t)len;
    p->content[i] = content_off;
    p->estart[i] = p->nedge;
    s->bytes_total += len;
    /* Pointer slots: at most len/ptrsize, so reserve that many edges. */
    grow_edges(p, p->nedge + (size_t)(len / (uint64_t)s->ptr_size) + 1);
    p->shape = 0;
    p->nfields = 0;
    if (read_fields(p, p->scratch, len, object_slot, NULL) < 0)
        return -1;
    p->shapes[i] = (uint32_t)p->shape;
    /* Go 1.22+: objects over 512 bytes with pointers start with their type. */
    /* only small objects (513 B to 32 KiB) carry the header; large ones
       keep their type in the span, which the dump does not have */
    if (p->malloc_headers && len > 512 && len <= 32768 && p->nfields > 0) {
        uint64_t w = word_at(s, p->scratch);
        if (w && p->opt->types_hi && w >= p->opt->types_lo && w < p->opt->types_hi) {
            CD_GROW(p->hint_obj, p->hintcap, p->nhint + 1);
            p->hint_rt = cd_reallocarray(p->hint_rt, p->hintcap, sizeof *p->hint_rt);
            p->hint_obj[p->nhint] = i;
            p->hint_rt[p->nhint] = cd_snapshot_rtype(s, w);
            p->nhint++;
        }
    }
    return 0;
}

static int rec_params(parser *p)
{
    cd_snapshot *s = p->s;
    uint64_t be, ps, ncpu;
    uint64_t len;
    if (p->have_params)
        return fail(p, "second params record");
    if (boolean(p, &be, "big endian") < 0 || u(p, &ps, "pointer size") < 0)
        return -1;
    if (ps != 4 && ps != 8)
        return fail(p, "pointer size is not 4 or 8");
    s->big_endian = (int)be;
    s->ptr_size = (int)ps;
    if (u(p, &s->heap_start, "heap start") < 0 || u(p, &s->heap_end, "heap end") < 0)
        return -1;
    if (cd_read_lenbytes(&p->r, &p->scratch, &p->scap, 4096, &len, "GOARCH") < 0)
        return -1;
    snprintf(s->goarch, sizeof s->goarch, "%s", (char *)p->scratch);
    if (cd_read_lenbytes(&p->r, &p->scratch, &p->scap, 4096, &len, "Go version") < 0)
        return -1;
    snprintf(s->go_version, sizeof s->go_version, "%s", (char *)p->scratch);
    if (u(p, &ncpu, "ncpu") < 0)
        return -1;
    s->ncpu = ncpu;
    p->have_params = 1;
    int major = 0, minor = 0;
    /* "go1.22.1", "go1.23rc1", "devel go1.25-abcdef": headers from 1.22 on */
    const char *v = strstr(s->go_version, "go1.");
    if (v && sscanf(v, "go%d.%d", &major, &minor) == 2)
        p->malloc_headers = major > 1 || minor >= 22;
    else
        p->malloc_headers = 1;  /* unknown: newer than this reader */
    return 0;
}

static int rec_type(parser *p)
{
    uint64_t addr, size, len, indirect;
    if (u(p, &addr, "type address") < 0 || u(p, &size, "type size") < 0)
        return -1;
    if (cd_read_lenbytes(&p->r, &p->scratch, &p->scap, 1 << 20, &len, "type name") < 0)
        return -1;
    if (boolean(p, &indirect, "indirect") < 0)
        return -1;
    if (!addr)
        return 0;
    uint32_t idx = cd_snapshot_rtype(p->s, addr);
    p->s->rtype_name[idx] = cd_strtab_add(&p->s->strings, (char *)p->scratch, (size_t)len);
    p->s->rtype_size[idx] = size;
    return 0;
}

static int rec_itab(parser *p)
{
    uint64_t itab, type;
    if (u(p, &itab, "itab address") < 0 || u(p, &type, "itab type") < 0)
        return -1;
    if (itab && type)
        cd_map64_put(&p->s->itabs, itab, cd_snapshot_rtype(p->s, type));
    return 0;
}

static int rec_goroutine(parser *p)
{
    cd_snapshot *s = p->s;
    cd_goroutine g = {0};
    g.gobj = CD_NONE32;
    uint64_t sp, sys, bg, len, ctxt, m, def, pan;
    if (u(p, &g.gaddr, "g address") < 0 || u(p, &sp, "sp") < 0 ||
        u(p, &g.goid, "goid") < 0 || u(p, &g.gopc, "gopc") < 0 ||
        u(p, &g.status, "status") < 0 || boolean(p, &sys, "system") < 0 ||
        boolean(p, &bg, "background") < 0 || u(p, &g.waitsince, "waitsince") < 0)
        return -1;
    if (cd_read_lenbytes(&p->r, &p->scratch, &p->scap, 1 << 16, &len, "wait reason") < 0)
        return -1;
    g.wait_reason = cd_strtab_add(&s->strings, (char *)p->scratch, (size_t)len);
    if (u(p, &ctxt, "sched ctxt") < 0 || u(p, &m, "m address") < 0 ||
        u(p, &def, "top defer") < 0 || u(p, &pan, "top panic") < 0)
        return -1;
    g.system = (uint8_t)sys;
    g.frame0 = (uint32_t)s->nframes;
    g.nframes = 0;
    CD_GROW(s->goroutines, p->goroutine_cap, s->ngoroutines + 1);
    s->goroutines[s->ngoroutines++] = g;
    /* sched.ctxt may hold a closure pointer of a parked goroutine. */
    add_root(p, CD_ROOT_FRAME, CD_NONE32, 0, ctxt, 0);
    return 0;
}

static int rec_frame(parser *p)
{
    cd_snapshot *s = p->s;
    cd_frame f = {0};
    uint64_t depth, childsp, len, contpc;
    if (!s->ngoroutines)
        return fail(p, "stack frame before any goroutine");
    if (u(p, &f.sp, "frame sp") < 0 || u(p, &depth, "frame depth") < 0 ||
        u(p, &childsp, "child sp") < 0)
        return -1;
    if (cd_read_lenbytes(&p->r, &p->scratch, &p->scap, UINT32_MAX, &len, "frame contents") < 0)
        return -1;
    f.content_off = p->r.pos - len;
    f.size = len;
    if (u(p, &f.entry_pc, "entry pc") < 0 || u(p, &f.pc, "pc") < 0 ||
        u(p, &contpc, "continuation pc") < 0)
        return -1;
    uint64_t nlen;
    if (cd_read_lenbytes(&p->r, &p->scratch2, &p->scap2, 1 << 20, &nlen, "function name") < 0)
        return -1;
    f.func = cd_strtab_add(&s->strings, (char *)p->scratch2, (size_t)nlen);
    f.depth = (uint32_t)depth;
    f.goroutine = (uint32_t)(s->ngoroutines - 1);
    uint32_t fi = (uint32_t)s->nframes;
    CD_GROW(s->frames, p->frame_cap, s->nframes + 1);
    s->frames[s->nframes++] = f;
    s->goroutines[s->ngoroutines - 1].nframes++;
    root_ctx rc = {CD_ROOT_FRAME, fi, f.sp};
    return read_fields(p, p->scratch, len, root_slot, &rc);
}

static int rec_segment(parser *p, int bss)
{
    cd_snapshot *s = p->s;
    cd_segment *seg = bss ? &s->bss : &s->data;
    uint64_t addr, len;
    if (u(p, &addr, "segment address") < 0)
        return -1;
    if (cd_read_lenbytes(&p->r, &p->scratch, &p->scap, UINT32_MAX, &len, "segment contents") < 0)
        return -1;
    seg->addr = addr;
    seg->size = len;
    seg->content_off = p->r.pos - len;
    root_ctx rc = {bss ? CD_ROOT_BSS : CD_ROOT_DATA, CD_NONE32, addr};
    return read_fields(p, p->scratch, len, root_slot, &rc);
}

static int rec_finalizer(parser *p, int queued)
{
    uint64_t obj, fn, pc, fint, ot;
    if (u(p, &obj, "object") < 0 || u(p, &fn, "funcval") < 0 ||
        u(p, &pc, "fn pc") < 0 || u(p, &fint, "arg type") < 0 ||
        u(p, &ot, "object type") < 0)
        return -1;
    uint8_t kind = queued ? CD_ROOT_QUEUED : CD_ROOT_FINALIZER;
    add_root(p, kind, CD_NONE32, 0, fn, 0);
    if (queued)
        add_root(p, kind, CD_NONE32, 0, obj, 0);
    CD_GROW(p->fins, p->fincap, p->nfins + 1);
    p->fins[p->nfins++] = (pending_fin){obj, queued};
    if (queued)
        p->s->nqueued++;
    else
        p->s->nfinalizers++;
    return 0;
}

static int rec_memprof(parser *p)
{
    cd_snapshot *s = p->s;
    cd_bucket b = {0};
    uint64_t nstk, len;
    if (u(p, &b.addr, "bucket address") < 0 || u(p, &b.size, "alloc size") < 0 ||
        u(p, &nstk, "stack depth") < 0)
        return -1;
    /* each frame takes at least 3 bytes */
    if (nstk > cd_reader_left(&p->r) / 3)
        return fail(p, "stack depth larger than the file");
    b.frame0 = (uint32_t)s->nmemprof_frames;
    b.nframes = (uint32_t)nstk;
    for (uint64_t i = 0; i < nstk; i++) {
        cd_memprof_frame mf;
        if (cd_read_lenbytes(&p->r, &p->scratch, &p->scap, 1 << 20, &len, "function") < 0)
            return -1;
        mf.func = cd_strtab_add(&s->strings, (char *)p->scratch, (size_t)len);
        if (cd_read_lenbytes(&p->r, &p->scratch, &p->scap, 1 << 20, &len, "file") < 0)
            return -1;
        mf.file = cd_strtab_add(&s->strings, (char *)p->scratch, (size_t)len);
        if (u(p, &mf.line, "line") < 0)
            return -1;
        CD_GROW(s->memprof_frames, p->mframe_cap, s->nmemprof_frames + 1);
        s->memprof_frames[s->nmemprof_frames++] = mf;
    }
    if (u(p, &b.allocs, "allocs") < 0 || u(p, &b.frees, "frees") < 0)
        return -1;
    CD_GROW(s->buckets, p->bucket_cap, s->nbuckets + 1);
    s->buckets[s->nbuckets++] = b;
    return 0;
}

static int parse_records(parser *p)
{
    cd_snapshot *s = p->s;
    unsigned char hdr[HEADER_LEN];
    p->rec = "header";
    p->rec_start = 0;
    if (p->r.size < HEADER_LEN || cd_read_bytes(&p->r, hdr, HEADER_LEN, "header") < 0 ||
        memcmp(hdr, HEADER, HEADER_LEN) != 0)
        return cd_fail(p->err, CD_EFORMAT, s->path, 0,
                       "not a Go heap dump (no \"go1.7 heap dump\" header)");
    for (;;) {
        uint64_t tag, v, len;
        p->rec_start = p->r.pos;
        p->rec = "record";
        if (cd_reader_left(&p->r) == 0)
            return cd_fail(p->err, CD_EFORMAT, s->path, (int64_t)p->r.pos,
                           "truncated: file ends without an EOF record");
        if (u(p, &tag, "record tag") < 0)
            return -1;
        if (tag > TAG_ALLOCSAMPLE)
            return cd_fail(p->err, CD_EFORMAT, s->path, (int64_t)p->rec_start,
                           "unknown record tag %llu", (unsigned long long)tag);
        p->rec = TAG_NAMES[tag];
        if (tag != TAG_PARAMS && tag != TAG_EOF && !p->have_params)
            return cd_fail(p->err, CD_EFORMAT, s->path, (int64_t)p->rec_start,
                           "%s record before the params record", p->rec);
        int rc = 0;
        switch (tag) {
        case TAG_EOF:
            if (!p->have_params)
                return cd_fail(p->err, CD_EFORMAT, s->path, (int64_t)p->rec_start,
                               "dump has no params record");
            if (cd_reader_left(&p->r) != 0)
                return cd_fail(p->err, CD_EFORMAT, s->path, (int64_t)p->r.pos,
                               "%llu bytes after the EOF record",
                               (unsigned long long)cd_reader_left(&p->r));
            return 0;
        case TAG_OBJECT: rc = rec_object(p); break;
        case TAG_OTHERROOT:
            if (cd_read_lenbytes(&p->r, &p->scratch, &p->scap, 1 << 20, &len, "description") < 0 ||
                u(p, &v, "pointer") < 0)
                return -1;
            add_root(p, CD_ROOT_OTHER, CD_NONE32, 0, v, 0);
            break;
        case TAG_TYPE: rc = rec_type(p); break;
        case TAG_GOROUTINE: rc = rec_goroutine(p); break;
        case TAG_FRAME: rc = rec_frame(p); break;
        case TAG_PARAMS: rc = rec_params(p); break;
        case TAG_FINALIZER: rc = rec_finalizer(p, 0); break;
        case TAG_QUEUEDFIN: rc = rec_finalizer(p, 1); break;
        case TAG_ITAB: rc = rec_itab(p); break;
        case TAG_OSTHREAD:
            for (int i = 0; i < 3 && rc == 0; i++)
                rc = u(p, &v, "thread field");
            s->nthreads++;
            break;
        case TAG_MEMSTATS:
            for (int i = 0; i < 281 && rc == 0; i++)
                rc = u(p, &s->memstats[i], "memstats field");
            s->have_memstats = 1;
            break;
        case TAG_DATA: rc = rec_segment(p, 0); break;
        case TAG_BSS: rc = rec_segment(p, 1); break;
        case TAG_DEFER: {
            uint64_t d[7];
            static const char *const names[7] = {"defer address", "g", "sp", "pc", "funcval", "fn pc", "link"};
            for (int i = 0; i < 7 && rc == 0; i++)
                rc = u(p, &d[i], names[i]);
            if (rc == 0)
                add_root(p, CD_ROOT_DEFER, CD_NONE32, 0, d[4], 0);
            s->ndefers++;
            break;
        }
        case TAG_PANIC: {
            uint64_t d[6];
            static const char *const names[6] = {"panic address", "g", "arg type", "arg data", "defer", "link"};
            for (int i = 0; i < 6 && rc == 0; i++)
                rc = u(p, &d[i], names[i]);
            if (rc == 0)
                add_root(p, CD_ROOT_PANIC, CD_NONE32, 0, d[3], d[2] ? cd_snapshot_rtype(s, d[2]) : 0);
            s->npanics++;
            break;
        }
        case TAG_MEMPROF: rc = rec_memprof(p); break;
        case TAG_ALLOCSAMPLE: {
            uint64_t a, b;
            if (u(p, &a, "object address") < 0 || u(p, &b, "bucket address") < 0)
                return -1;
            CD_GROW(p->samp_addr, p->sampcap, p->nsamp + 1);
            p->samp_bucket = cd_reallocarray(p->samp_bucket, p->sampcap, sizeof *p->samp_bucket);
            p->samp_addr[p->nsamp] = a;
            p->samp_bucket[p->nsamp] = b;
            p->nsamp++;
            break;
        }
        }
        if (rc < 0)
            return -1;
    }
}

#define PAGE_SHIFT 13

void cd_snapshot_link_goroutines(cd_snapshot *s)
{
    for (size_t i = 0; i < s->ngoroutines; i++)
        s->goroutines[i].gobj = cd_snapshot_find(s, s->goroutines[i].gaddr);
}

void cd_snapshot_release(cd_snapshot *s, int what)
{
    if ((what & CD_RELEASE_INDEX) && s->sorted_addr)   /* JSON snapshots come linked */
        cd_snapshot_link_goroutines(s);
    if (what & CD_RELEASE_INDEX) {
        CD_FREE(s->by_addr);
        CD_FREE(s->sorted_addr);
        CD_FREE(s->page_first);
    }
    if (what & (CD_RELEASE_SHAPES | CD_RELEASE_OBJECTS)) {
        free(s->obj_shape);
        s->obj_shape = NULL;
    }
    if (what & CD_RELEASE_OBJECTS) {
        cd_u64pack_free(&s->addr_pack);
        cd_u64pack_free(&s->content_pack);
        CD_FREE(s->obj_addr);
        CD_FREE(s->obj_size);
        CD_FREE(s->obj_content);
        CD_FREE(s->obj_edge);
        CD_FREE(s->obj_hdr);
        CD_FREE(s->sample_obj);
        CD_FREE(s->sample_bucket);
        s->nsamples = 0;
        CD_FREE(s->edge_dst);
        CD_FREE(s->edge_off);
        CD_FREE(s->dyn_edge);
        CD_FREE(s->dyn_type);
        CD_FREE(s->off_edge);
        CD_FREE(s->off_value);
        CD_FREE(s->roots);
        s->nedge = s->ndyn = s->noff = s->nroots = 0;
    }
}

uint32_t cd_snapshot_find(const cd_snapshot *s, uint64_t a)
{
    size_t lo = 0, hi = s->nobj;
    if (!s->sorted_addr)
        return CD_NONE32;
    /* the page table narrows the search to the objects of a's page */
    if (s->page_first) {
        if (a < s->page_base)
            return CD_NONE32;
        uint64_t pg = (a - s->page_base) >> PAGE_SHIFT;
        if (pg >= s->npages)
            pg = s->npages - 1;  /* the last page's objects, or none */
        lo = s->page_first[pg] ? s->page_first[pg] - 1 : 0;
        hi = s->page_first[pg + 1] < s->nobj ? s->page_first[pg + 1] + 1 : s->nobj;
    }
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        if (s->sorted_addr[mid] <= a)
            lo = mid + 1;
        else
            hi = mid;
    }
    if (lo == 0)
        return CD_NONE32;
    uint32_t o = s->by_addr[lo - 1];
    if (a - s->obj_addr[o] < s->obj_size[o])
        return o;
    return CD_NONE32;
}

static size_t sparse_find(const uint64_t *keys, size_t n, uint64_t e)
{
    size_t lo = 0, hi = n;
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        if (keys[mid] < e)
            lo = mid + 1;
        else
            hi = mid;
    }
    return lo;
}

uint32_t cd_edge_dyn(const cd_snapshot *s, uint64_t e)
{
    size_t i = sparse_find(s->dyn_edge, s->ndyn, e);
    return i < s->ndyn && s->dyn_edge[i] == e ? s->dyn_type[i] : 0;
}

void cd_edge_cursor_at(const cd_snapshot *s, uint64_t e, cd_edge_cursor *c)
{
    c->dyn = sparse_find(s->dyn_edge, s->ndyn, e);
    c->off = sparse_find(s->off_edge, s->noff, e);
}

uint32_t cd_edge_dst_off(const cd_snapshot *s, uint64_t e)
{
    size_t i = sparse_find(s->off_edge, s->noff, e);
    return i < s->noff && s->off_edge[i] == e ? s->off_value[i] : 0;
}

int cd_snapshot_index(cd_snapshot *s, uint32_t clash[2])
{
    size_t n = s->nobj;
    s->by_addr = cd_malloc((n + 1) * sizeof *s->by_addr);
    s->sorted_addr = cd_malloc((n + 1) * sizeof *s->sorted_addr);
    cd_sort_u64_index_dense(s->obj_addr, n, s->by_addr, s->sorted_addr);
    for (size_t i = 1; i < n; i++) {
        uint32_t o = s->by_addr[i], q = s->by_addr[i - 1];
        if (s->sorted_addr[i] < s->sorted_addr[i - 1] + s->obj_size[q]) {
            clash[0] = q;
            clash[1] = o;
            return -1;
        }
    }
    /* page table: page_first[p] = first sorted index whose address is at or
       past page p's start; bounded by the object count */
    if (n) {
        uint64_t lo = s->sorted_addr[0] & ~((1ull << PAGE_SHIFT) - 1);
        uint32_t last = s->by_addr[n - 1];
        uint64_t end = s->obj_addr[last] + s->obj_size[last];
        uint64_t np = ((end - lo) >> PAGE_SHIFT) + 1;
        if (np <= ((uint64_t)1 << 26) && np <= 2 * (uint64_t)n + 1024) {
            s->page_base = lo;
            s->npages = np;
            s->page_first = cd_malloc((np + 1) * sizeof *s->page_first);
            size_t i = 0;
            for (uint64_t pg = 0; pg <= np; pg++) {
                uint64_t base = lo + (pg << PAGE_SHIFT);
                while (i < n && s->sorted_addr[i] < base)
                    i++;
                s->page_first[pg] = (uint32_t)i;
            }
        }
    }
    return 0;
}

/* Objects keep their file order as their numbers (the file's order is
 * deterministic); an address-sorted index finds the object holding any
 * address. Edge targets are resolved in place: the u64 targets become u32
 * object numbers in the same buffer. */
static int build_model(parser *p)
{
    cd_snapshot *s = p->s;
    size_t n = p->nobj;
    if (n >= CD_NONE32)
        return cd_fail(p->err, CD_EFORMAT, s->path, -1, "too many objects (%zu)", n);
    s->nobj = n;
    s->obj_addr = cd_reallocarray(p->addr, n + 1, sizeof *s->obj_addr);
    s->obj_size = cd_reallocarray(p->size, n + 1, sizeof *s->obj_size);
    s->obj_content = cd_reallocarray(p->content, n + 1, sizeof *s->obj_content);
    s->obj_shape = cd_reallocarray(p->shapes, n + 1, sizeof *s->obj_shape);
    s->obj_edge = cd_reallocarray(p->estart, n + 1, sizeof *s->obj_edge);
    p->addr = NULL; p->size = NULL; p->content = NULL; p->shapes = NULL; p->estart = NULL;
    s->obj_edge[n] = p->nedge;

    uint32_t clash[2];
    if (cd_snapshot_index(s, clash) < 0)
        return cd_fail(p->err, CD_EFORMAT, s->path, (int64_t)s->obj_content[clash[1]],
                       "object at 0x%llx overlaps the object at 0x%llx",
                       (unsigned long long)s->obj_addr[clash[1]], (unsigned long long)s->obj_addr[clash[0]]);

    /* Resolve targets in place, dropping pointers outside the heap. Writing
       dst[m] (bytes 4m..4m+3, m <= e) never clobbers an unread etarget[e'] (e' > e). */
    uint32_t *dst = (uint32_t *)p->etarget;
    size_t m = 0, d = 0, noffcap = 0;
    for (size_t o = 0; o < n; o++) {
        uint64_t e0 = s->obj_edge[o], e1 = s->obj_edge[o + 1];
        s->obj_edge[o] = m;
        for (uint64_t e = e0; e < e1; e++) {
            uint64_t target = p->etarget[e];
            uint32_t t = cd_snapshot_find(s, target);
            int has_dyn = d < p->ndyn && p->dyn_edge[d] == e;
            if (t == CD_NONE32) {
                if (has_dyn)
                    p->dyn_edge[d++] = UINT64_MAX;  /* dropped with its edge */
                continue;
            }
            uint32_t off = p->eoff[e];
            dst[m] = t;
            p->eoff[m] = off;
            if (has_dyn)
                p->dyn_edge[d++] = m | (1ull << 63);  /* kept: renumbered */
            if (target != s->obj_addr[t]) {
                CD_GROW(s->off_edge, noffcap, s->noff + 1);
                s->off_value = cd_reallocarray(s->off_value, noffcap, sizeof *s->off_value);
                s->off_edge[s->noff] = m;
                s->off_value[s->noff] = (uint32_t)(target - s->obj_addr[t]);
                s->noff++;
            }
            m++;
        }
    }
    s->obj_edge[n] = m;
    s->nedge = m;
    s->edge_dst = cd_reallocarray(p->etarget, m ? m : 1, sizeof *s->edge_dst);
    s->edge_off = cd_reallocarray(p->eoff, m ? m : 1, sizeof *s->edge_off);
    p->etarget = NULL;
    p->eoff = NULL;
    /* keep the dynamic types of the edges that stayed */
    size_t k = 0;
    for (size_t i = 0; i < p->ndyn; i++)
        if (p->dyn_edge[i] != UINT64_MAX) {
            p->dyn_edge[k] = p->dyn_edge[i] & ~(1ull << 63);
            p->dyn_type[k] = p->dyn_type[i];
            k++;
        }
    s->ndyn = k;
    s->dyn_edge = cd_reallocarray(p->dyn_edge, k ? k : 1, sizeof *s->dyn_edge);
    s->dyn_type = cd_reallocarray(p->dyn_type, k ? k : 1, sizeof *s->dyn_type);
    p->dyn_edge = NULL;
    p->dyn_type = NULL;

    if (p->nhint) {
        s->obj_hdr = cd_calloc(n ? n : 1, sizeof *s->obj_hdr);
        for (size_t h = 0; h < p->nhint; h++)
            s->obj_hdr[p->hint_obj[h]] = p->hint_rt[h];
    }

    /* alloc samples -> (object, bucket), by object; a later sample of the
       same object wins, as the records come */
    if (p->nsamp && s->nbuckets) {
        cd_map64 bidx = {0}, seen = {0};
        for (size_t b = 0; b < s->nbuckets; b++)
            if (s->buckets[b].addr)
                cd_map64_put(&bidx, s->buckets[b].addr, (uint32_t)b);
        uint64_t *pairs = cd_malloc(p->nsamp * sizeof *pairs);  /* object << 32 | bucket */
        size_t np = 0;
        for (size_t j = 0; j < p->nsamp; j++) {
            uint32_t o = cd_snapshot_find(s, p->samp_addr[j]), b, at;
            if (o == CD_NONE32 || !cd_map64_get(&bidx, p->samp_bucket[j], &b))
                continue;
            if (cd_map64_get(&seen, (uint64_t)o + 1, &at)) {
                pairs[at] = (uint64_t)o << 32 | b;
                continue;
            }
            cd_map64_put(&seen, (uint64_t)o + 1, (uint32_t)np);
            pairs[np++] = (uint64_t)o << 32 | b;
        }
        s->sample_obj = cd_malloc((np + 1) * sizeof *s->sample_obj);
        s->sample_bucket = cd_malloc((np + 1) * sizeof *s->sample_bucket);
        cd_sort_pairs_u32(pairs, np, s->sample_obj, s->sample_bucket);
        s->nsamples = np;
        free(pairs);
        cd_map64_free(&bidx);
        cd_map64_free(&seen);
    }

    /* roots: resolve targets; a finalized object's referents are roots
       (once per object: repeated finalizer records must not multiply them) */
    size_t extra = 0;
    uint8_t *fin_seen = cd_calloc(n ? n : 1, 1);
    for (size_t f = 0; f < p->nfins; f++) {
        uint32_t o = cd_snapshot_find(s, p->fins[f].obj);
        if (o != CD_NONE32 && !p->fins[f].queued && !fin_seen[o]) {
            fin_seen[o] = 1;
            extra += s->obj_edge[o + 1] - s->obj_edge[o];
        }
    }
    s->roots = cd_malloc((p->nroots + extra + 1) * sizeof *s->roots);
    k = 0;
    for (size_t i = 0; i < p->nroots; i++) {
        raw_root *rr = &p->roots[i];
        uint32_t t = cd_snapshot_find(s, rr->target);
        if (t == CD_NONE32)
            continue;
        s->roots[k++] = (cd_root){rr->kind, rr->frame, rr->slot, t,
                                  (uint32_t)(rr->target - s->obj_addr[t]), rr->dyn};
    }
    for (size_t f = 0; f < p->nfins; f++) {
        uint32_t o = cd_snapshot_find(s, p->fins[f].obj);
        if (o == CD_NONE32 || p->fins[f].queued || fin_seen[o] != 1)
            continue;
        fin_seen[o] = 2;
        for (uint64_t e = s->obj_edge[o]; e < s->obj_edge[o + 1]; e++)
            s->roots[k++] = (cd_root){CD_ROOT_FINALIZER, CD_NONE32, s->obj_addr[o] + s->edge_off[e],
                                      s->edge_dst[e], cd_edge_dst_off(s, e), cd_edge_dyn(s, e)};
    }
    free(fin_seen);
    s->nroots = k;
    /* arrays grown by doubling give their slack back (frames run to a
       million records in a dump with 100k goroutines) */
    s->roots = cd_reallocarray(s->roots, k + 1, sizeof *s->roots);
    s->frames = cd_reallocarray(s->frames, s->nframes + 1, sizeof *s->frames);
    s->goroutines = cd_reallocarray(s->goroutines, s->ngoroutines + 1, sizeof *s->goroutines);
    s->off_edge = cd_reallocarray(s->off_edge, s->noff + 1, sizeof *s->off_edge);
    s->off_value = cd_reallocarray(s->off_value, s->noff + 1, sizeof *s->off_value);
    return 0;
}

static void parser_free(parser *p)
{
    free(p->scratch); free(p->scratch2);
    free(p->addr); free(p->size); free(p->content); free(p->estart); free(p->shapes);
    free(p->etarget); free(p->eoff); free(p->dyn_edge); free(p->dyn_type);
    free(p->hint_obj); free(p->hint_rt);
    free(p->samp_addr); free(p->samp_bucket);
    free(p->roots); free(p->fins);
}

int cd_heapdump_sniff(const unsigned char *head, size_t n)
{
    return n >= HEADER_LEN && memcmp(head, HEADER, HEADER_LEN) == 0;
}

int cd_heapdump_load(const char *path, const cd_load_options *opt,
                     cd_snapshot **out, cd_error *err)
{
    static const cd_load_options none = {0, 0};
    parser p;
    memset(&p, 0, sizeof p);
    p.opt = opt ? opt : &none;
    p.err = err;
    cd_snapshot *s = cd_calloc(1, sizeof *s);
    s->fd = -1;
    s->path = cd_strdup(path);
    cd_strtab_init(&s->strings);
    p.s = s;
    *out = NULL;
    if (cd_reader_open(&p.r, s->path, err) < 0) {
        cd_snapshot_free(s);
        return -1;
    }
    s->file_size = p.r.size;
    int rc = parse_records(&p);
    if (rc == 0)
        rc = build_model(&p);
    if (rc == 0) {
        s->fd = dup(p.r.fd);
        if (s->fd < 0)
            rc = cd_fail(err, CD_EIO, s->path, -1, "cannot keep the file open");
    }
    cd_reader_close(&p.r);
    parser_free(&p);
    if (rc < 0) {
        cd_snapshot_free(s);
        return -1;
    }
    *out = s;
    return 0;
}

int cd_snapshot_read(const cd_snapshot *s, uint32_t obj, uint64_t off, void *buf,
                     size_t n, cd_error *err)
{
    if (obj >= s->nobj || off > s->obj_size[obj] || n > s->obj_size[obj] - off)
        return cd_fail(err, CD_EFORMAT, s->path, -1, "read outside object %u", obj);
    if (!cd_snapshot_has_contents(s))
        return cd_fail(err, CD_EFORMAT, s->path, -1, "object %u: the snapshot has no object contents", obj);
    return cd_pread_at(s->fd, s->path, cd_obj_content(s, obj) + off, buf, n, err);
}

int cd_snapshot_read_ahead(const cd_snapshot *s, cd_read_window *w, uint32_t obj, uint64_t off,
                           void *buf, size_t n, cd_error *err)
{
    if (obj >= s->nobj || off > s->obj_size[obj] || n > s->obj_size[obj] - off ||
        !cd_snapshot_has_contents(s) || n > CD_READ_WINDOW / 2)
        return cd_snapshot_read(s, obj, off, buf, n, err);   /* errors and big reads */
    uint64_t at = cd_obj_content(s, obj) + off;
    if (!w->buf || at < w->off || at + n > w->off + w->len) {
        if (at > s->file_size || n > s->file_size - at)
            return cd_snapshot_read(s, obj, off, buf, n, err);
        if (!w->buf)
            w->buf = cd_malloc(CD_READ_WINDOW);
        uint64_t left = s->file_size - at;
        w->len = left < CD_READ_WINDOW ? (size_t)left : CD_READ_WINDOW;
        w->off = at;
        if (cd_pread_at(s->fd, s->path, at, w->buf, w->len, err) < 0) {
            w->len = 0;
            return -1;
        }
    }
    memcpy(buf, w->buf + (at - w->off), n);
    return 0;
}

void cd_read_window_free(cd_read_window *w)
{
    free(w->buf);
    w->buf = NULL;
    w->len = 0;
}

void cd_snapshot_pack(cd_snapshot *s)
{
    if (s->obj_addr) {
        cd_u64pack_build(&s->addr_pack, s->obj_addr, s->nobj);
        free(s->obj_addr);
        s->obj_addr = NULL;
    }
    if (s->obj_content) {
        cd_u64pack_build(&s->content_pack, s->obj_content, s->nobj);
        free(s->obj_content);
        s->obj_content = NULL;
    }
}

void cd_snapshot_free(cd_snapshot *s)
{
    if (!s)
        return;
    cd_u64pack_free(&s->addr_pack);
    cd_u64pack_free(&s->content_pack);
    if (s->fd >= 0)
        close(s->fd);
    free(s->path);
    free(s->obj_addr); free(s->obj_size); free(s->obj_content); free(s->obj_edge);
    free(s->obj_hdr); free(s->sample_obj); free(s->sample_bucket); free(s->obj_shape);
    free(s->edge_dst); free(s->edge_off);
    free(s->dyn_edge); free(s->dyn_type); free(s->off_edge); free(s->off_value);
    free(s->by_addr); free(s->sorted_addr); free(s->page_first);
    free(s->roots);
    free(s->rtypes); free(s->rtype_name); free(s->rtype_size); free(s->rtype_btype);
    cd_map64_free(&s->rtype_index);
    cd_map64_free(&s->itabs);
    free(s->goroutines); free(s->frames);
    free(s->buckets); free(s->memprof_frames);
    cd_strtab_free(&s->strings);
    free(s);
}
