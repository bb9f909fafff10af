/* snapjson_write.c — writes a typed JSON snapshot (snapjson.h) as it
 * walks the model: one line per type, goroutine, root and object, through
 * a 64 KiB buffer into zlib (gzip for ".gz", plain otherwise), to a
 * temporary file renamed when complete (output.c). Only the types the snapshot uses
 * are written, renumbered in their binary order. */
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <zlib.h>

#include "output.h"
#include "snapjson.h"
#include "util.h"

typedef struct writer {
    gzFile gz;
    char buf[65536];
    size_t n;
    int failed;
    int errnum;           /* errno of the first failure, 0 if none known */
} writer;

static void w_failed(writer *w)
{
    if (!w->failed)
        w->errnum = errno;
    w->failed = 1;
}

static void w_flush(writer *w)
{
    errno = 0;
    if (w->n && !w->failed && gzwrite(w->gz, w->buf, (unsigned)w->n) != (int)w->n)
        w_failed(w);
    w->n = 0;
}

static void w_put(writer *w, const char *s, size_t len)
{
    while (len) {
        if (w->n == sizeof w->buf)
            w_flush(w);
        size_t k = sizeof w->buf - w->n < len ? sizeof w->buf - w->n : len;
        memcpy(w->buf + w->n, s, k);
        w->n += k;
        s += k;
        len -= k;
    }
}

static void w_printf(writer *w, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void w_printf(writer *w, const char *fmt, ...)
{
    char tmp[256];
    va_list ap;
    va_start(ap, fmt);
    int k = vsnprintf(tmp, sizeof tmp, fmt, ap);
    va_end(ap);
    w_put(w, tmp, k < 0 ? 0 : (size_t)k < sizeof tmp ? (size_t)k : sizeof tmp - 1);
}

/* A JSON string. Bytes that are not UTF-8 become '?', as in reports. */
static void w_str(writer *w, const char *s)
{
    const unsigned char *p = (const unsigned char *)(s ? s : "");
    const unsigned char *end = p + strlen((const char *)p);
    w_put(w, "\"", 1);
    while (*p) {
        unsigned char c = *p;
        size_t len = cd_utf8_seq(p, (size_t)(end - p));
        int ok = len > 0;
        if (!ok) {
            w_put(w, "?", 1);
            p++;
        } else if (c == '"' || c == '\\') {
            char e[2] = {'\\', (char)c};
            w_put(w, e, 2);
            p++;
        } else if (c < 0x20 || c == 0x7f) {
            w_printf(w, "\\u%04x", c);
            p++;
        } else {
            w_put(w, (const char *)p, len);
            p += len;
        }
    }
    w_put(w, "\"", 1);
}

/* ---- the types the snapshot uses ---- */

static const char *const KIND_NAMES[] = {
    "invalid", "bool", "int", "int8", "int16", "int32", "int64", "uint", "uint8", "uint16",
    "uint32", "uint64", "uintptr", "float32", "float64", "complex64", "complex128", "array",
    "chan", "func", "interface", "map", "ptr", "slice", "string", "struct", "unsafe.Pointer",
};

/* newid[old] = new id (0 = not written), in increasing old order. */
static uint32_t *used_types(const cd_snapshot *s, const cd_typing *t, const cd_binary *bin,
                            size_t *nused)
{
    size_t nt = bin->ntypes;
    uint32_t *newid = cd_calloc(nt + 1, sizeof *newid);
    uint8_t *mark = cd_calloc(nt + 1, 1);
    for (size_t o = 0; o < s->nobj; o++)
        if (!(t->obj_btype[o] & CD_CLOSURE_BIT) && t->obj_btype[o] < nt)
            mark[t->obj_btype[o]] = 1;
    for (size_t i = 0; i < s->nroots; i++)
        if (t->root_btype[i] < nt)
            mark[t->root_btype[i]] = 1;
    /* what the context model and the watcher search look up by name */
    static const char *const wanted[] = {
        "context.cancelCtx", "context.timerCtx", "context.afterFuncCtx", "context.valueCtx",
        "context.withoutCancelCtx", "context.stopCtx", "runtime.g", "runtime.sudog",
    };
    for (size_t i = 0; i < sizeof wanted / sizeof *wanted; i++)
        mark[cd_binary_type_by_name(bin, wanted[i])] = 1;
    mark[0] = 0;
    cd_binary_type_closure(bin, mark);
    uint32_t n = 0;
    for (size_t i = 1; i < nt; i++)
        if (mark[i])
            newid[i] = ++n;
    free(mark);
    *nused = n;
    return newid;
}

static void write_types(writer *w, const cd_binary *bin, const uint32_t *newid)
{
    w_put(w, "\"types\":[", 9);
    int first = 1;
    for (size_t i = 1; i < bin->ntypes; i++) {
        if (!newid[i])
            continue;
        const cd_type *ty = &bin->types[i];
        w_put(w, first ? "\n" : ",\n", first ? 1 : 2);
        first = 0;
        w_printf(w, "{\"id\":%u,\"name\":", newid[i]);
        w_str(w, ty->name);
        w_printf(w, ",\"kind\":\"%s\",\"size\":%llu", ty->kind < sizeof KIND_NAMES / sizeof *KIND_NAMES
                 ? KIND_NAMES[ty->kind] : "invalid", (unsigned long long)ty->size);
        if (ty->elem && newid[ty->elem])
            w_printf(w, ",\"elem\":%u", newid[ty->elem]);
        if (ty->key && newid[ty->key])
            w_printf(w, ",\"key\":%u", newid[ty->key]);
        if (ty->impl && newid[ty->impl])
            w_printf(w, ",\"impl\":%u", newid[ty->impl]);
        if (ty->kind == CD_KIND_ARRAY)
            w_printf(w, ",\"count\":%llu", (unsigned long long)ty->count);
        if (ty->kind == CD_KIND_INTERFACE)
            w_printf(w, ",\"empty\":%s", ty->eface ? "true" : "false");
        if (ty->nfields) {
            w_put(w, ",\"fields\":[", 11);
            for (uint32_t f = 0; f < ty->nfields; f++) {
                const cd_field *fd = &bin->fields[ty->field0 + f];
                w_put(w, f ? ",{\"name\":" : "{\"name\":", f ? 9 : 8);
                w_str(w, fd->name);
                w_printf(w, ",\"offset\":%llu", (unsigned long long)fd->offset);
                if (fd->type && newid[fd->type])
                    w_printf(w, ",\"type\":%u", newid[fd->type]);
                if (fd->embedded)
                    w_put(w, ",\"embedded\":true", 16);
                w_put(w, "}", 1);
            }
            w_put(w, "]", 1);
        }
        w_put(w, "}", 1);
    }
    w_put(w, "],\n", 3);
}

static const char *root_kind_name(int k)
{
    switch (k) {
    case CD_ROOT_DATA: return "data";
    case CD_ROOT_BSS: return "bss";
    case CD_ROOT_FRAME: return "frame";
    case CD_ROOT_FINALIZER: return "finalizer";
    case CD_ROOT_QUEUED: return "queued-finalizer";
    case CD_ROOT_DEFER: return "defer";
    case CD_ROOT_PANIC: return "panic";
    default: return "other";
    }
}

static void write_goroutines(writer *w, const cd_snapshot *s)
{
    w_put(w, "\"goroutines\":[", 14);
    for (size_t i = 0; i < s->ngoroutines; i++) {
        const cd_goroutine *g = &s->goroutines[i];
        w_put(w, i ? ",\n" : "\n", i ? 2 : 1);
        w_printf(w, "{\"id\":%llu,\"status\":%llu,\"wait_reason\":", (unsigned long long)g->goid,
                 (unsigned long long)g->status);
        w_str(w, cd_strtab_get(&s->strings, g->wait_reason));
        if (g->system)
            w_put(w, ",\"system\":true", 14);
        if (g->gobj != CD_NONE32)
            w_printf(w, ",\"object\":%u", g->gobj);
        w_put(w, ",\"frames\":[", 11);
        for (uint32_t f = 0; f < g->nframes; f++) {
            if (f)
                w_put(w, ",", 1);
            w_str(w, cd_strtab_get(&s->strings, s->frames[g->frame0 + f].func));
        }
        w_put(w, "]}", 2);
    }
    w_put(w, "],\n", 3);
}

static void write_roots(writer *w, const cd_snapshot *s, const cd_typing *t, const uint32_t *newid)
{
    w_put(w, "\"roots\":[", 9);
    for (size_t i = 0; i < s->nroots; i++) {
        const cd_root *r = &s->roots[i];
        w_put(w, i ? ",\n" : "\n", i ? 2 : 1);
        w_printf(w, "{\"kind\":\"%s\",\"name\":", root_kind_name(r->kind));
        char rbuf[1200];
        w_str(w, cd_root_name(t, (uint32_t)i, rbuf, sizeof rbuf));
        w_printf(w, ",\"object\":%u", r->dst);
        if (t->root_btype[i] && newid[t->root_btype[i]])
            w_printf(w, ",\"type\":%u", newid[t->root_btype[i]]);
        if (r->kind == CD_ROOT_FRAME && r->frame != CD_NONE32) {
            const cd_frame *f = &s->frames[r->frame];
            w_printf(w, ",\"goroutine\":%u,\"depth\":%u", f->goroutine,
                     r->frame - s->goroutines[f->goroutine].frame0);
        }
        if (r->slot)
            w_printf(w, ",\"address\":\"0x%llx\"", (unsigned long long)r->slot);
        w_put(w, "}", 1);
    }
    w_put(w, "],\n", 3);
}

static void write_objects(writer *w, const cd_snapshot *s, const cd_typing *t, const cd_analysis *a,
                          const cd_binary *bin, const uint32_t *newid)
{
    w_put(w, "\"objects\":[", 11);
    size_t ci = 0;
    char field[512];
    for (uint32_t o = 0; o < s->nobj; o++) {
        w_put(w, o ? ",\n" : "\n", o ? 2 : 1);
        w_printf(w, "{\"id\":%u,\"address\":\"0x%llx\",\"size\":%u", o,
                 (unsigned long long)cd_obj_addr(s, o), s->obj_size[o]);
        uint32_t bt = t->obj_btype[o];
        if (bt & CD_CLOSURE_BIT) {
            w_put(w, ",\"closure\":", 11);
            w_str(w, bin->funcs && (bt & ~CD_CLOSURE_BIT) < bin->nfuncs
                     ? bin->funcs[bt & ~CD_CLOSURE_BIT].name : "?");
        } else if (bt && newid[bt]) {
            w_printf(w, ",\"type\":%u", newid[bt]);
            if (t->obj_array[o])
                w_put(w, ",\"array\":true", 13);
        }
        if (s->obj_hdr && s->obj_hdr[o])
            w_put(w, ",\"header\":true", 14);
        if (s->obj_edge[o + 1] > s->obj_edge[o]) {
            w_put(w, ",\"edges\":[", 10);
            for (uint64_t e = s->obj_edge[o]; e < s->obj_edge[o + 1]; e++) {
                cd_edge_name(s, t, bin, o, e, field, sizeof field);
                w_printf(w, "%s[%u,%u,", e > s->obj_edge[o] ? "," : "", s->edge_dst[e], s->edge_off[e]);
                w_str(w, field);
                w_put(w, "]", 1);
            }
            w_put(w, "]", 1);
        }
        while (ci < a->nctx && a->ctxs[ci].obj < o)
            ci++;
        if (ci < a->nctx && a->ctxs[ci].obj == o) {
            const cd_ctx *c = &a->ctxs[ci];
            w_printf(w, ",\"context\":{\"canceled\":%s,\"timer\":%s,\"children\":%llu}",
                     c->canceled ? "true" : "false", c->timer_set ? "true" : "false",
                     (unsigned long long)c->nchildren);
        }
        w_put(w, "}", 1);
    }
    w_put(w, "]}\n", 3);
}

static void write_all(writer *w, const cd_snapshot *s, const cd_typing *t, const cd_analysis *a,
                      const cd_binary *bin)
{
    size_t nused;
    uint32_t *newid = used_types(s, t, bin, &nused);
    w_put(w, "{\"ctxdiff_snapshot\":1,\n\"source\":{\"format\":", 42);
    w_str(w, s->format ? s->format : "heapdump");
    w_put(w, ",\"path\":", 8);
    w_str(w, s->path);
    w_put(w, ",\"go_version\":", 14);
    w_str(w, s->go_version);
    w_put(w, ",\"goarch\":", 10);
    w_str(w, s->goarch);
    w_printf(w, ",\"ptr_size\":%d,\"big_endian\":%s,\"last_gc_unix_ns\":%llu},\n", s->ptr_size,
             s->big_endian ? "true" : "false",
             (unsigned long long)(s->have_memstats ? s->memstats[22] : 0));
    w_put(w, "\"binary\":{\"path\":", 17);
    w_str(w, bin->path);
    w_put(w, ",\"go_version\":", 14);
    w_str(w, bin->go_version);
    w_printf(w, ",\"dwarf_types\":%zu},\n", bin->ndwarf_types);
    write_types(w, bin, newid);
    write_goroutines(w, s);
    write_roots(w, s, t, newid);
    write_objects(w, s, t, a, bin, newid);
    free(newid);
}

int cd_snapjson_write(const char *path, const cd_snapshot *s, const cd_typing *t,
                      const cd_analysis *a, const cd_binary *bin, cd_error *err)
{
    int to_stdout = strcmp(path, "-") == 0;
    size_t plen = strlen(path);
    int gzip = !to_stdout && plen > 3 && strcmp(path + plen - 3, ".gz") == 0;
    cd_out out;
    memset(&out, 0, sizeof out);
    out.fd = -1;
    if (to_stdout)
        out.fd = dup(1);
    else if (cd_out_open(path, &out, err) < 0)
        return -1;
    if (out.fd < 0)
        return cd_fail(err, CD_EIO, "standard output", -1, "cannot write: %s", strerror(errno));
    int gfd = dup(out.fd);   /* gzclose closes its own */
    writer *w = cd_calloc(1, sizeof *w);
    w->gz = gfd >= 0 ? gzdopen(gfd, gzip ? "wb6" : "wT") : NULL;
    int rc = 0;
    if (!w->gz) {
        if (gfd >= 0)
            close(gfd);
        rc = cd_fail(err, CD_EIO, path, -1, "cannot write");
    } else {
        write_all(w, s, t, a, bin);
        w_flush(w);
        errno = 0;
        if (gzclose(w->gz) != Z_OK)
            w_failed(w);
        if (w->failed)
            rc = cd_fail(err, CD_EIO, path, -1, "cannot write: %s",
                         w->errnum ? strerror(w->errnum) : "write failed");
    }
    free(w);
    if (to_stdout) {
        close(out.fd);
        return rc;
    }
    if (cd_out_close(&out, rc == 0, err) < 0)
        rc = -1;
    return rc;
}
