/* snapjson_read.c — reads a typed JSON snapshot (snapjson.h) with the
 * streaming reader of jsonpull.h straight into the compact snapshot model,
 * its typing and a bare binary of its types. The top-level members come in
 * a fixed order (ctxdiff_snapshot, source, binary, types, goroutines,
 * roots, objects), so each reference is checked as soon as what it names
 * is known; references to objects (which come last) are checked at the
 * end. Unknown members are errors, as the JSON Schema says; a repeated
 * member is refused by jsonpull.c. */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "jsonpull.h"
#include "snapjson.h"
#include "util.h"

#define MAX_OBJECT_SIZE UINT32_MAX
#define MAX_TYPE_SIZE (1ull << 48)
#define MAX_FRAMES (1u << 24)   /* in all: 56 bytes each in memory */

typedef struct rd {
    cd_jp *jp;
    const char *path;
    cd_error *err;
    cd_snapshot *s;
    cd_typing *t;
    cd_binary *bin;
    size_t obj_cap, edge_cap, root_cap, g_cap, frame_cap, fact_cap;
    cd_strtab root_names, closures;   /* until the end: root names first, as typing does */
    uint32_t *root_name_tmp;
    uint32_t *obj_closure;            /* closure name id + 1 per object, or 0 */
} rd;

static int fail_at(rd *r, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static int fail_at(rd *r, const char *fmt, ...)
{
    char msg[900];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    return cd_jp_fail(r->jp, "%s", msg);
}

/* A member we do not know: the schema allows none. */
static int unknown(rd *r, const char *key)
{
    char k[64];
    snprintf(k, sizeof k, "%s", key);
    return fail_at(r, "unknown member \"%s\"", k);
}

static int get_u32(rd *r, uint32_t *v, uint64_t max)
{
    uint64_t x;
    *v = 0;
    if (cd_jp_u64(r->jp, &x) < 0)
        return -1;
    if (x > max)
        return fail_at(r, "%llu is larger than %llu", (unsigned long long)x, (unsigned long long)max);
    *v = (uint32_t)x;
    return 0;
}

static int get_hex(rd *r, uint64_t *v)
{
    *v = 0;
    const char *str;
    size_t len;
    if (cd_jp_string(r->jp, &str, &len) < 0)
        return -1;
    if (len < 3 || len > 18 || str[0] != '0' || str[1] != 'x')
        return fail_at(r, "expected an address such as \"0xc000010000\"");
    uint64_t x = 0;
    for (size_t i = 2; i < len; i++) {
        char c = str[i];
        unsigned d = c >= '0' && c <= '9' ? (unsigned)(c - '0') : c >= 'a' && c <= 'f' ? (unsigned)(c - 'a' + 10) : 99;
        if (d == 99)
            return fail_at(r, "expected an address such as \"0xc000010000\" (lower-case hex)");
        x = x << 4 | d;
    }
    *v = x;
    return 0;
}

/* A required member missing from the record just closed. */
static int missing(rd *r, const char *what, size_t index, const char *member)
{
    return cd_fail(r->err, CD_EFORMAT, r->path, -1, "$.%s[%zu]: the member \"%s\" is missing", what, index, member);
}

/* ---- source, binary ---- */

static int read_source(rd *r)
{
    cd_snapshot *s = r->s;
    const char *key;
    int have_ptr = 0, k;
    if (cd_jp_begin_object(r->jp) < 0)
        return -1;
    while ((k = cd_jp_member(r->jp, &key)) > 0) {
        const char *str;
        size_t len;
        if (strcmp(key, "format") == 0) {
            if (cd_jp_string(r->jp, &str, &len) < 0)
                return -1;
            if (strcmp(str, "heapdump") == 0)
                s->format = "heapdump";
            else if (strcmp(str, "core") == 0)
                s->format = "core";
            else
                return fail_at(r, "expected \"heapdump\" or \"core\"");
        } else if (strcmp(key, "path") == 0) {
            if (cd_jp_string(r->jp, &str, &len) < 0)
                return -1;   /* informative: the report names the file given */
        } else if (strcmp(key, "go_version") == 0 || strcmp(key, "goarch") == 0) {
            int ver = key[1] == 'o' && key[2] == '_';
            if (cd_jp_string(r->jp, &str, &len) < 0)
                return -1;
            char *dst = ver ? s->go_version : s->goarch;
            size_t cap = ver ? sizeof s->go_version : sizeof s->goarch;
            if (len >= cap)
                return fail_at(r, "longer than %zu bytes", cap - 1);
            memcpy(dst, str, len + 1);
        } else if (strcmp(key, "ptr_size") == 0) {
            uint32_t v;
            if (get_u32(r, &v, 8) < 0)
                return -1;
            if (v != 4 && v != 8)
                return fail_at(r, "the pointer size must be 4 or 8");
            s->ptr_size = (int)v;
            have_ptr = 1;
        } else if (strcmp(key, "big_endian") == 0) {
            if (cd_jp_bool(r->jp, &s->big_endian) < 0)
                return -1;
        } else if (strcmp(key, "last_gc_unix_ns") == 0) {
            if (cd_jp_u64(r->jp, &s->memstats[22]) < 0)
                return -1;
            if (s->memstats[22] > INT64_MAX)
                return fail_at(r, "%llu is larger than 2^63-1", (unsigned long long)s->memstats[22]);
            s->have_memstats = 1;
        } else {
            return unknown(r, key);
        }
    }
    if (k < 0)
        return -1;
    if (!have_ptr || !s->format)
        return cd_fail(r->err, CD_EFORMAT, r->path, -1, "$.source: \"%s\" is missing",
                       !have_ptr ? "ptr_size" : "format");
    r->bin->ptr_size = s->ptr_size;
    r->bin->big_endian = s->big_endian;
    return 0;
}

static int read_binary(rd *r)
{
    const char *key, *str;
    size_t len;
    int k;
    if (cd_jp_begin_object(r->jp) < 0)
        return -1;
    while ((k = cd_jp_member(r->jp, &key)) > 0) {
        if (strcmp(key, "path") == 0) {
            if (cd_jp_string(r->jp, &str, &len) < 0)
                return -1;
            free(r->bin->path);
            r->bin->path = cd_strdup(str);
        } else if (strcmp(key, "go_version") == 0) {
            if (cd_jp_string(r->jp, &str, &len) < 0)
                return -1;
            if (len >= sizeof r->bin->go_version)
                return fail_at(r, "longer than %zu bytes", sizeof r->bin->go_version - 1);
            memcpy(r->bin->go_version, str, len + 1);
        } else if (strcmp(key, "dwarf_types") == 0) {
            uint64_t v;
            if (cd_jp_u64(r->jp, &v) < 0)
                return -1;
            r->bin->ndwarf_types = (size_t)v;   /* reported only */
        } else {
            return unknown(r, key);
        }
    }
    return k;
}

/* ---- types ---- */

static int kind_of(const char *name)
{
    static const char *const names[] = {
        "invalid", "bool", "int", "int8", "int16", "int32", "int64", "uint", "uint8", "uint16",
        "uint32", "uint64", "uintptr", "float32", "float64", "complex64", "complex128", "array",
        "chan", "func", "interface", "map", "ptr", "slice", "string", "struct", "unsafe.Pointer",
    };
    for (size_t i = 0; i < sizeof names / sizeof *names; i++)
        if (strcmp(name, names[i]) == 0)
            return (int)i;
    return -1;
}

static int read_fields(rd *r, cd_type *ty)
{
    cd_binary *bin = r->bin;
    int k;
    ty->field0 = (uint32_t)bin->nfields;
    if (cd_jp_begin_array(r->jp) < 0)
        return -1;
    while ((k = cd_jp_element(r->jp)) > 0) {
        cd_field f = {"", 0, 0, 0};
        const char *key, *str;
        size_t len;
        int have_name = 0, have_off = 0, m;
        if (cd_jp_begin_object(r->jp) < 0)
            return -1;
        while ((m = cd_jp_member(r->jp, &key)) > 0) {
            if (strcmp(key, "name") == 0) {
                if (cd_jp_string(r->jp, &str, &len) < 0)
                    return -1;
                f.name = cd_binary_keep(bin, str);
                have_name = 1;
            } else if (strcmp(key, "offset") == 0) {
                if (cd_jp_u64(r->jp, &f.offset) < 0)
                    return -1;
                have_off = 1;
            } else if (strcmp(key, "type") == 0) {
                if (get_u32(r, &f.type, UINT32_MAX - 1) < 0)
                    return -1;
            } else if (strcmp(key, "embedded") == 0) {
                int b;
                if (cd_jp_bool(r->jp, &b) < 0)
                    return -1;
                f.embedded = (uint32_t)b;
            } else {
                return unknown(r, key);
            }
        }
        if (m < 0)
            return -1;
        if (!have_name || !have_off)
            return fail_at(r, "a field needs \"name\" and \"offset\"");
        if (ty->nfields == UINT32_MAX)
            return fail_at(r, "too many fields");
        cd_binary_add_field(bin, &f);
        ty->nfields++;
    }
    return k;
}

/* A type may not contain itself by value (through struct fields or array
 * elements; pointers are fine): Go cannot express it, and field naming
 * would go round it. An iterative depth-first search. */
static int check_containment(rd *r)
{
    const cd_binary *bin = r->bin;
    size_t n = bin->ntypes;
    uint8_t *state = cd_calloc(n + 1, 1);            /* 0 new, 1 on the stack, 2 done */
    uint32_t *stack = cd_malloc((n + 1) * sizeof *stack);
    uint32_t *next = cd_calloc(n + 1, sizeof *next);  /* the next child to visit */
    int rc = 0;
    for (uint32_t root = 1; root < n && rc == 0; root++) {
        if (state[root])
            continue;
        size_t sp = 0;
        stack[sp++] = root;
        state[root] = 1;
        while (sp && rc == 0) {
            uint32_t v = stack[sp - 1];
            const cd_type *t = &bin->types[v];
            uint32_t nkids = t->kind == CD_KIND_ARRAY ? 1 : t->kind == CD_KIND_STRUCT ? t->nfields : 0;
            if (next[v] == nkids) {
                state[v] = 2;
                sp--;
                continue;
            }
            uint32_t c = t->kind == CD_KIND_ARRAY ? t->elem : bin->fields[t->field0 + next[v]].type;
            next[v]++;
            if (!c || state[c] == 2)
                continue;
            if (state[c] == 1)
                rc = cd_fail(r->err, CD_EFORMAT, r->path, -1,
                             "$.types[%u]: type %u (%.100s) contains itself", v - 1, c, bin->types[c].name);
            else {
                state[c] = 1;
                stack[sp++] = c;
            }
        }
    }
    free(state);
    free(stack);
    free(next);
    return rc;
}

static int read_types(rd *r)
{
    cd_binary *bin = r->bin;
    int k;
    if (cd_jp_begin_array(r->jp) < 0)
        return -1;
    while ((k = cd_jp_element(r->jp)) > 0) {
        cd_type ty;
        memset(&ty, 0, sizeof ty);
        ty.name = "";
        const char *key, *str;
        size_t len;
        int m, have_id = 0, have_name = 0, have_kind = 0, have_size = 0;
        if (cd_jp_begin_object(r->jp) < 0)
            return -1;
        while ((m = cd_jp_member(r->jp, &key)) > 0) {
            if (strcmp(key, "id") == 0) {
                uint64_t id;
                if (cd_jp_u64(r->jp, &id) < 0)
                    return -1;
                if (id != bin->ntypes)
                    return fail_at(r, "type ids count from 1 in order: expected %zu", bin->ntypes);
                have_id = 1;
            } else if (strcmp(key, "name") == 0) {
                if (cd_jp_string(r->jp, &str, &len) < 0)
                    return -1;
                ty.name = cd_binary_keep(bin, str);
                have_name = 1;
            } else if (strcmp(key, "kind") == 0) {
                if (cd_jp_string(r->jp, &str, &len) < 0)
                    return -1;
                int kd = kind_of(str);
                if (kd < 0)
                    return fail_at(r, "unknown kind \"%.40s\"", str);
                ty.kind = (uint8_t)kd;
                have_kind = 1;
            } else if (strcmp(key, "size") == 0) {
                if (cd_jp_u64(r->jp, &ty.size) < 0)
                    return -1;
                if (ty.size > MAX_TYPE_SIZE)
                    return fail_at(r, "a type larger than 2^48 bytes");
                have_size = 1;
            } else if (strcmp(key, "elem") == 0 || strcmp(key, "key") == 0 || strcmp(key, "impl") == 0) {
                uint32_t *dst = key[0] == 'e' ? &ty.elem : key[0] == 'k' ? &ty.key : &ty.impl;
                if (get_u32(r, dst, UINT32_MAX - 1) < 0)
                    return -1;
            } else if (strcmp(key, "count") == 0) {
                if (cd_jp_u64(r->jp, &ty.count) < 0)
                    return -1;
            } else if (strcmp(key, "empty") == 0) {
                int b;
                if (cd_jp_bool(r->jp, &b) < 0)
                    return -1;
                ty.eface = (uint8_t)b;
            } else if (strcmp(key, "fields") == 0) {
                if (read_fields(r, &ty) < 0)
                    return -1;
            } else {
                return unknown(r, key);
            }
        }
        if (m < 0)
            return -1;
        if (!have_id || !have_name || !have_kind || !have_size)
            return missing(r, "types", bin->ntypes - 1, !have_id ? "id" : !have_name ? "name"
                                                        : !have_kind ? "kind" : "size");
        if (bin->ntypes >= UINT32_MAX / 2)
            return fail_at(r, "too many types");
        cd_binary_add_type(bin, &ty);
    }
    if (k < 0)
        return -1;
    /* references between types, now that all are known */
    for (size_t i = 1; i < bin->ntypes; i++) {
        const cd_type *ty = &bin->types[i];
        uint32_t refs[3] = {ty->elem, ty->key, ty->impl};
        static const char *const rn[3] = {"elem", "key", "impl"};
        for (int j = 0; j < 3; j++)
            if (refs[j] >= bin->ntypes)
                return cd_fail(r->err, CD_EFORMAT, r->path, -1, "$.types[%zu].%s: type %u does not exist",
                               i - 1, rn[j], refs[j]);
        for (uint32_t f = 0; f < ty->nfields; f++) {
            const cd_field *fd = &bin->fields[ty->field0 + f];
            if (fd->type >= bin->ntypes)
                return cd_fail(r->err, CD_EFORMAT, r->path, -1,
                               "$.types[%zu].fields[%u].type: type %u does not exist", i - 1, f, fd->type);
            uint64_t fsize = fd->type ? bin->types[fd->type].size : 0;
            if (fd->offset > ty->size || fsize > ty->size - fd->offset)
                return cd_fail(r->err, CD_EFORMAT, r->path, -1,
                               "$.types[%zu].fields[%u]: the field (offset %llu, %llu bytes) is not inside the type (%llu bytes)",
                               i - 1, f, (unsigned long long)fd->offset, (unsigned long long)fsize,
                               (unsigned long long)ty->size);
        }
    }
    if (check_containment(r) < 0)
        return -1;
    size_t reported = bin->ndwarf_types;
    cd_binary_index_types(bin);
    bin->ndwarf_types = reported;
    return 0;
}

/* ---- goroutines ---- */

static int read_goroutines(rd *r)
{
    cd_snapshot *s = r->s;
    int k;
    if (cd_jp_begin_array(r->jp) < 0)
        return -1;
    while ((k = cd_jp_element(r->jp)) > 0) {
        cd_goroutine g;
        memset(&g, 0, sizeof g);
        g.gobj = CD_NONE32;
        g.frame0 = (uint32_t)s->nframes;
        const char *key, *str;
        size_t len;
        int m, have_id = 0, have_status = 0, have_frames = 0;
        if (cd_jp_begin_object(r->jp) < 0)
            return -1;
        while ((m = cd_jp_member(r->jp, &key)) > 0) {
            if (strcmp(key, "id") == 0) {
                if (cd_jp_u64(r->jp, &g.goid) < 0)
                    return -1;
                have_id = 1;
            } else if (strcmp(key, "status") == 0) {
                if (cd_jp_u64(r->jp, &g.status) < 0)
                    return -1;
                have_status = 1;
            } else if (strcmp(key, "wait_reason") == 0) {
                if (cd_jp_string(r->jp, &str, &len) < 0)
                    return -1;
                g.wait_reason = cd_strtab_add(&s->strings, str, len);
            } else if (strcmp(key, "system") == 0) {
                int b;
                if (cd_jp_bool(r->jp, &b) < 0)
                    return -1;
                g.system = (uint8_t)b;
            } else if (strcmp(key, "object") == 0) {
                if (get_u32(r, &g.gobj, CD_NONE32 - 1) < 0)
                    return -1;
            } else if (strcmp(key, "frames") == 0) {
                int e;
                have_frames = 1;   /* a repeated member is jsonpull's error */
                if (cd_jp_begin_array(r->jp) < 0)
                    return -1;
                while ((e = cd_jp_element(r->jp)) > 0) {
                    if (cd_jp_string(r->jp, &str, &len) < 0)
                        return -1;
                    if (!len)
                        return fail_at(r, "a frame names its function: an empty string");
                    if (s->nframes >= MAX_FRAMES)
                        return fail_at(r, "more than %u frames in all", MAX_FRAMES);
                    CD_GROW(s->frames, r->frame_cap, s->nframes + 1);
                    cd_frame *f = &s->frames[s->nframes++];
                    memset(f, 0, sizeof *f);
                    f->goroutine = (uint32_t)s->ngoroutines;
                    f->depth = g.nframes++;
                    f->func = cd_strtab_add(&s->strings, str, len);
                }
                if (e < 0)
                    return -1;
            } else {
                return unknown(r, key);
            }
        }
        if (m < 0)
            return -1;
        if (!have_id || !have_status || !have_frames)
            return missing(r, "goroutines", s->ngoroutines, !have_id ? "id" : !have_status ? "status" : "frames");
        if (s->ngoroutines >= CD_NONE32 - 1)
            return fail_at(r, "too many goroutines");
        CD_GROW(s->goroutines, r->g_cap, s->ngoroutines + 1);
        s->goroutines[s->ngoroutines++] = g;
    }
    return k;
}

/* ---- roots ---- */

static int root_kind(const char *k)
{
    static const char *const names[] = {"", "data", "bss", "frame", "finalizer", "queued-finalizer",
                                        "defer", "panic", "other"};
    for (int i = 1; i < (int)(sizeof names / sizeof *names); i++)
        if (strcmp(k, names[i]) == 0)
            return i;
    return -1;
}

static int read_roots(rd *r)
{
    cd_snapshot *s = r->s;
    int k;
    if (cd_jp_begin_array(r->jp) < 0)
        return -1;
    while ((k = cd_jp_element(r->jp)) > 0) {
        cd_root rt;
        memset(&rt, 0, sizeof rt);
        rt.frame = CD_NONE32;
        uint32_t btype = 0, name = 0, gi = CD_NONE32, depth = CD_NONE32;
        const char *key, *str;
        size_t len;
        int m, have_kind = 0, have_obj = 0, have_name = 0;
        if (cd_jp_begin_object(r->jp) < 0)
            return -1;
        while ((m = cd_jp_member(r->jp, &key)) > 0) {
            if (strcmp(key, "kind") == 0) {
                if (cd_jp_string(r->jp, &str, &len) < 0)
                    return -1;
                int rk = root_kind(str);
                if (rk < 0)
                    return fail_at(r, "unknown root kind \"%.40s\"", str);
                rt.kind = (uint8_t)rk;
                have_kind = 1;
            } else if (strcmp(key, "name") == 0) {
                if (cd_jp_string(r->jp, &str, &len) < 0)
                    return -1;
                name = cd_strtab_add(&r->root_names, str, len);
                have_name = 1;
            } else if (strcmp(key, "object") == 0) {
                if (get_u32(r, &rt.dst, CD_NONE32 - 1) < 0)
                    return -1;
                have_obj = 1;
            } else if (strcmp(key, "type") == 0) {
                if (get_u32(r, &btype, UINT32_MAX) < 0)
                    return -1;
                if (btype >= r->bin->ntypes)
                    return fail_at(r, "type %u does not exist", btype);
            } else if (strcmp(key, "goroutine") == 0) {
                if (get_u32(r, &gi, UINT32_MAX) < 0)
                    return -1;
                if (gi >= s->ngoroutines)
                    return fail_at(r, "goroutine %u does not exist (%zu goroutines)", gi, s->ngoroutines);
            } else if (strcmp(key, "depth") == 0) {
                if (get_u32(r, &depth, UINT32_MAX) < 0)
                    return -1;
            } else if (strcmp(key, "address") == 0) {
                if (get_hex(r, &rt.slot) < 0)
                    return -1;
            } else {
                return unknown(r, key);
            }
        }
        if (m < 0)
            return -1;
        if (!have_kind || !have_obj || !have_name)
            return missing(r, "roots", s->nroots, !have_kind ? "kind" : !have_obj ? "object" : "name");
        if ((gi == CD_NONE32) != (depth == CD_NONE32))
            return missing(r, "roots", s->nroots, gi == CD_NONE32 ? "goroutine" : "depth");
        if (rt.kind == CD_ROOT_FRAME && gi != CD_NONE32) {
            if (depth >= s->goroutines[gi].nframes)
                return cd_fail(r->err, CD_EFORMAT, r->path, -1,
                               "$.roots[%zu].depth: goroutine %u has %u frames", s->nroots, gi,
                               s->goroutines[gi].nframes);
            rt.frame = s->goroutines[gi].frame0 + depth;
        } else if (gi != CD_NONE32) {
            return cd_fail(r->err, CD_EFORMAT, r->path, -1,
                           "$.roots[%zu]: \"goroutine\" and \"depth\" are for frame roots", s->nroots);
        }
        if (s->nroots >= CD_NONE32 - 1)
            return fail_at(r, "too many roots");
        if (s->nroots == r->root_cap) {
            r->root_cap = r->root_cap ? 2 * r->root_cap : 64;
            s->roots = cd_reallocarray(s->roots, r->root_cap, sizeof *s->roots);
            r->t->root_btype = cd_reallocarray(r->t->root_btype, r->root_cap, sizeof *r->t->root_btype);
            r->root_name_tmp = cd_reallocarray(r->root_name_tmp, r->root_cap, sizeof *r->root_name_tmp);
        }
        r->t->root_btype[s->nroots] = btype;
        r->root_name_tmp[s->nroots] = name;
        s->roots[s->nroots++] = rt;
    }
    return k;
}

/* ---- objects ---- */

static int read_edges(rd *r, uint32_t o, uint32_t size)
{
    cd_snapshot *s = r->s;
    int k;
    if (cd_jp_begin_array(r->jp) < 0)
        return -1;
    while ((k = cd_jp_element(r->jp)) > 0) {
        uint32_t to, off;
        const char *str;
        size_t len;
        if (cd_jp_begin_array(r->jp) < 0 || cd_jp_element(r->jp) != 1 ||
            get_u32(r, &to, CD_NONE32 - 1) < 0)
            return r->err->kind ? -1 : fail_at(r, "an edge is [object, offset] or [object, offset, name]");
        if (cd_jp_element(r->jp) != 1 || get_u32(r, &off, UINT32_MAX) < 0)
            return r->err->kind ? -1 : fail_at(r, "an edge is [object, offset] or [object, offset, name]");
        if ((uint64_t)off + (uint64_t)s->ptr_size > size)
            return fail_at(r, "offset %u is not inside the object (%u bytes)", off, size);
        if (off % (uint32_t)s->ptr_size)
            return fail_at(r, "offset %u is not a multiple of the pointer size", off);
        if (s->nedge > s->obj_edge[o] && s->edge_off[s->nedge - 1] >= off)
            return fail_at(r, "offset %u: edges come in increasing offset order", off);
        int e = cd_jp_element(r->jp);
        if (e == 1) {
            if (cd_jp_string(r->jp, &str, &len) < 0)   /* the field's name: informative */
                return -1;
            e = cd_jp_element(r->jp);
        }
        if (e != 0)
            return r->err->kind ? -1 : fail_at(r, "an edge has at most three elements");
        if (s->nedge == r->edge_cap) {
            r->edge_cap = r->edge_cap ? 2 * r->edge_cap : 1024;
            s->edge_dst = cd_reallocarray(s->edge_dst, r->edge_cap, sizeof *s->edge_dst);
            s->edge_off = cd_reallocarray(s->edge_off, r->edge_cap, sizeof *s->edge_off);
        }
        s->edge_dst[s->nedge] = to;
        s->edge_off[s->nedge] = off;
        s->nedge++;
    }
    return k;
}

static int read_context(rd *r, uint32_t o)
{
    cd_ctx_facts f;
    memset(&f, 0, sizeof f);
    f.obj = o;
    const char *key;
    int m, b, have[3] = {0, 0, 0};
    if (cd_jp_begin_object(r->jp) < 0)
        return -1;
    while ((m = cd_jp_member(r->jp, &key)) > 0) {
        if (strcmp(key, "canceled") == 0) {
            if (cd_jp_bool(r->jp, &b) < 0)
                return -1;
            f.canceled = (uint8_t)b;
            have[0] = 1;
        } else if (strcmp(key, "timer") == 0) {
            if (cd_jp_bool(r->jp, &b) < 0)
                return -1;
            f.timer_set = (uint8_t)b;
            have[1] = 1;
        } else if (strcmp(key, "children") == 0) {
            if (cd_jp_u64(r->jp, &f.nchildren) < 0)
                return -1;
            have[2] = 1;
        } else {
            return unknown(r, key);
        }
    }
    if (m < 0)
        return -1;
    if (!have[0] || !have[1] || !have[2])
        return fail_at(r, "a context needs \"canceled\", \"timer\" and \"children\"");
    CD_GROW(r->t->facts, r->fact_cap, r->t->nfacts + 1);
    r->t->facts[r->t->nfacts++] = f;
    return 0;
}

static int read_objects(rd *r)
{
    cd_snapshot *s = r->s;
    cd_typing *t = r->t;
    int k;
    s->obj_edge = cd_calloc(1, sizeof *s->obj_edge);
    if (cd_jp_begin_array(r->jp) < 0)
        return -1;
    while ((k = cd_jp_element(r->jp)) > 0) {
        uint32_t o = (uint32_t)s->nobj;
        if (s->nobj >= CD_NONE32 - 1)
            return fail_at(r, "too many objects");
        if (s->nobj == r->obj_cap) {
            size_t c = r->obj_cap = r->obj_cap ? 2 * r->obj_cap : 1024;
            s->obj_edge = cd_reallocarray(s->obj_edge, c + 1, sizeof *s->obj_edge);
            s->obj_addr = cd_reallocarray(s->obj_addr, c, sizeof *s->obj_addr);
            s->obj_size = cd_reallocarray(s->obj_size, c, sizeof *s->obj_size);
            s->obj_hdr = cd_reallocarray(s->obj_hdr, c, sizeof *s->obj_hdr);
            t->obj_btype = cd_reallocarray(t->obj_btype, c, sizeof *t->obj_btype);
            t->obj_array = cd_reallocarray(t->obj_array, c, sizeof *t->obj_array);
            r->obj_closure = cd_reallocarray(r->obj_closure, c, sizeof *r->obj_closure);
        }
        uint64_t addr = 0, size = 0;
        uint32_t btype = 0, closure = 0;
        int array = 0, hdr = 0, have_id = 0, have_addr = 0, have_size = 0, m;
        const char *key, *str;
        size_t len;
        if (cd_jp_begin_object(r->jp) < 0)
            return -1;
        while ((m = cd_jp_member(r->jp, &key)) > 0) {
            if (strcmp(key, "id") == 0) {
                uint64_t id;
                if (cd_jp_u64(r->jp, &id) < 0)
                    return -1;
                if (id != o)
                    return fail_at(r, "object ids count from 0 in order: expected %u", o);
                have_id = 1;
            } else if (strcmp(key, "address") == 0) {
                if (get_hex(r, &addr) < 0)
                    return -1;
                have_addr = 1;
            } else if (strcmp(key, "size") == 0) {
                if (cd_jp_u64(r->jp, &size) < 0)
                    return -1;
                if (size > MAX_OBJECT_SIZE)
                    return fail_at(r, "an object larger than 4 GiB");
                have_size = 1;
            } else if (strcmp(key, "type") == 0) {
                if (get_u32(r, &btype, UINT32_MAX) < 0)
                    return -1;
                if (btype >= r->bin->ntypes)
                    return fail_at(r, "type %u does not exist", btype);
            } else if (strcmp(key, "array") == 0) {
                if (cd_jp_bool(r->jp, &array) < 0)
                    return -1;
            } else if (strcmp(key, "closure") == 0) {
                if (cd_jp_string(r->jp, &str, &len) < 0)
                    return -1;
                closure = cd_strtab_add(&r->closures, str, len) + 1;
            } else if (strcmp(key, "header") == 0) {
                if (cd_jp_bool(r->jp, &hdr) < 0)
                    return -1;
            } else if (strcmp(key, "edges") == 0) {
                if (!have_size)
                    return fail_at(r, "\"size\" must come before \"edges\"");
                if (read_edges(r, o, (uint32_t)size) < 0)
                    return -1;
            } else if (strcmp(key, "context") == 0) {
                if (read_context(r, o) < 0)
                    return -1;
            } else {
                return unknown(r, key);
            }
        }
        if (m < 0)
            return -1;
        if (!have_id || !have_addr || !have_size)
            return missing(r, "objects", o, !have_id ? "id" : !have_addr ? "address" : "size");
        if (closure && btype)
            return cd_fail(r->err, CD_EFORMAT, r->path, -1,
                           "$.objects[%u]: an object has a \"type\" or a \"closure\", not both", o);
        if (hdr && size < (uint64_t)s->ptr_size)
            return cd_fail(r->err, CD_EFORMAT, r->path, -1,
                           "$.objects[%u]: a header needs an object of at least %d bytes", o, s->ptr_size);
        for (uint64_t e = s->obj_edge[o]; hdr && e < s->nedge; e++)
            if (s->edge_off[e] < (uint32_t)s->ptr_size)   /* the header word points at a type, not the heap */
                return cd_fail(r->err, CD_EFORMAT, r->path, -1,
                               "$.objects[%u].edges[%llu][1]: offset %u is inside the header", o,
                               (unsigned long long)(e - s->obj_edge[o]), s->edge_off[e]);
        if (addr + size < addr)
            return cd_fail(r->err, CD_EFORMAT, r->path, -1, "$.objects[%u]: the object runs past the end of memory", o);
        s->obj_addr[o] = addr;
        s->obj_size[o] = (uint32_t)size;
        s->obj_hdr[o] = (uint32_t)hdr;
        t->obj_btype[o] = closure ? CD_CLOSURE_BIT : btype;
        t->obj_array[o] = (uint8_t)(array && btype);
        r->obj_closure[o] = closure;
        s->bytes_total += size;
        s->nobj++;
        s->obj_edge[s->nobj] = s->nedge;
    }
    return k;
}

/* ---- after the document: references to objects, names ---- */

static int finish(rd *r)
{
    cd_snapshot *s = r->s;
    cd_typing *t = r->t;
    for (uint32_t o = 0; o < s->nobj; o++)
        for (uint64_t e = s->obj_edge[o]; e < s->obj_edge[o + 1]; e++)
            if (s->edge_dst[e] >= s->nobj)
                return cd_fail(r->err, CD_EFORMAT, r->path, -1,
                               "$.objects[%u].edges[%llu][0]: object %u does not exist (%zu objects)", o,
                               (unsigned long long)(e - s->obj_edge[o]), s->edge_dst[e], s->nobj);
    for (size_t i = 0; i < s->nroots; i++)
        if (s->roots[i].dst >= s->nobj)
            return cd_fail(r->err, CD_EFORMAT, r->path, -1,
                           "$.roots[%zu].object: object %u does not exist (%zu objects)", i, s->roots[i].dst, s->nobj);
    for (size_t i = 0; i < s->ngoroutines; i++)
        if (s->goroutines[i].gobj != CD_NONE32 && s->goroutines[i].gobj >= s->nobj)
            return cd_fail(r->err, CD_EFORMAT, r->path, -1,
                           "$.goroutines[%zu].object: object %u does not exist (%zu objects)", i,
                           s->goroutines[i].gobj, s->nobj);
    /* objects may not overlap (contexts are matched by address) */
    uint32_t clash[2];
    if (s->nobj && cd_snapshot_index(s, clash) < 0)
        return cd_fail(r->err, CD_EFORMAT, r->path, -1,
                       "$.objects[%u]: it overlaps object %u (0x%llx, %u bytes)", clash[1], clash[0],
                       (unsigned long long)s->obj_addr[clash[0]], s->obj_size[clash[0]]);
    free(s->by_addr);        /* not needed later (and goroutines come linked) */
    free(s->sorted_addr);
    free(s->page_first);
    s->by_addr = NULL;
    s->sorted_addr = NULL;
    s->page_first = NULL;
    size_t n = s->nobj ? s->nobj : 1;
    t->obj_type = cd_calloc(n, sizeof *t->obj_type);
    if (!s->nobj) {   /* at least one element each, as the dump readers give */
        s->obj_addr = cd_calloc(1, sizeof *s->obj_addr);
        s->obj_size = cd_calloc(1, sizeof *s->obj_size);
        t->obj_btype = cd_calloc(1, sizeof *t->obj_btype);
        t->obj_array = cd_calloc(1, 1);
    }
    if (!t->root_btype)
        t->root_btype = cd_calloc(1, sizeof *t->root_btype);
    /* names as typing makes them: root names, then one key per type */
    t->root_name = cd_calloc(s->nroots ? s->nroots : 1, sizeof *t->root_name);
    for (size_t i = 0; i < s->nroots; i++) {
        const char *nm = cd_strtab_get(&r->root_names, r->root_name_tmp[i]);
        t->root_name[i] = cd_strtab_add(&t->names, nm, strlen(nm));
    }
    cd_map64 keys = {0};
    char buf[1024];
    for (uint32_t o = 0; o < s->nobj; o++) {
        uint32_t bt = t->obj_btype[o], id;
        if (!bt)
            continue;
        uint64_t kk = r->obj_closure[o] ? (uint64_t)r->obj_closure[o] << 33 : ((uint64_t)bt << 1 | t->obj_array[o]) + 1;
        if (!cd_map64_get(&keys, kk, &id)) {
            if (r->obj_closure[o])
                snprintf(buf, sizeof buf, "func %s (closure)", cd_strtab_get(&r->closures, r->obj_closure[o] - 1));
            else
                snprintf(buf, sizeof buf, "%s%s", t->obj_array[o] ? "[]" : "", r->bin->types[bt].name);
            id = cd_strtab_add(&t->names, buf, strlen(buf));
            cd_map64_put(&keys, kk, id);
        }
        t->obj_type[o] = id;
    }
    cd_map64_free(&keys);
    /* no header objects: no header table, as the readers do */
    int any_hdr = 0;
    for (uint32_t o = 0; o < s->nobj && !any_hdr; o++)
        any_hdr = s->obj_hdr[o] != 0;
    if (!any_hdr) {
        free(s->obj_hdr);
        s->obj_hdr = NULL;
    }
    return 0;
}

/* ---- the document ---- */

int cd_snapjson_sniff(const unsigned char *head, size_t n)
{
    static const char want[] = "\"ctxdiff_snapshot\"";
    size_t i = 0;
    while (i < n && (head[i] == ' ' || head[i] == '\n' || head[i] == '\t' || head[i] == '\r'))
        i++;
    if (i >= n || head[i] != '{')
        return 0;
    i++;
    while (i < n && (head[i] == ' ' || head[i] == '\n' || head[i] == '\t' || head[i] == '\r'))
        i++;
    return n - i >= sizeof want - 1 && memcmp(head + i, want, sizeof want - 1) == 0;
}

static const char *const SECTIONS[] = {"ctxdiff_snapshot", "source", "binary", "types",
                                       "goroutines", "roots", "objects"};
#define NSECTIONS (sizeof SECTIONS / sizeof *SECTIONS)

static int read_doc(rd *r)
{
    const char *key;
    size_t next = 0;
    int k;
    if (cd_jp_begin_object(r->jp) < 0)
        return -1;
    while ((k = cd_jp_member(r->jp, &key)) > 0) {
        size_t sec = 0;
        while (sec < NSECTIONS && strcmp(key, SECTIONS[sec]) != 0)
            sec++;
        if (sec == NSECTIONS)
            return unknown(r, key);
        if (sec != next)
            return fail_at(r, "\"%s\" where \"%s\" belongs (the members come in the order %s, %s, %s, %s, %s, %s, %s)",
                           SECTIONS[sec], SECTIONS[next], SECTIONS[0], SECTIONS[1], SECTIONS[2],
                           SECTIONS[3], SECTIONS[4], SECTIONS[5], SECTIONS[6]);
        next++;
        int rc = 0;
        switch (sec) {
        case 0: {
            uint64_t v;
            rc = cd_jp_u64(r->jp, &v);
            if (rc == 0 && v != 1)
                rc = fail_at(r, "version %llu: this ctxdiff reads version 1", (unsigned long long)v);
            break;
        }
        case 1: rc = read_source(r); break;
        case 2: rc = read_binary(r); break;
        case 3: rc = read_types(r); break;
        case 4: rc = read_goroutines(r); break;
        case 5: rc = read_roots(r); break;
        default: rc = read_objects(r); break;
        }
        if (rc < 0)
            return -1;
    }
    if (k < 0)
        return -1;
    if (next < NSECTIONS)
        return cd_fail(r->err, CD_EFORMAT, r->path, -1, "$: the member \"%s\" is missing", SECTIONS[next]);
    return cd_jp_end(r->jp);
}

int cd_snapjson_read(const char *path, cd_snapshot **sp, cd_typing **tp, cd_binary **bp,
                     cd_error *err)
{
    *sp = NULL;
    *tp = NULL;
    *bp = NULL;
    rd r;
    memset(&r, 0, sizeof r);
    r.path = path;
    r.err = err;
    if (cd_jp_open(path, &r.jp, err) < 0)
        return -1;
    cd_snapshot *s = cd_calloc(1, sizeof *s);
    s->fd = -1;
    s->path = cd_strdup(path);
    cd_strtab_init(&s->strings);
    cd_typing *t = cd_calloc(1, sizeof *t);
    cd_strtab_init(&t->names);
    t->snap = s;
    cd_binary *bin = cd_binary_new_bare("");
    t->bin = bin;
    r.s = s;
    r.t = t;
    r.bin = bin;
    cd_strtab_init(&r.root_names);
    cd_strtab_init(&r.closures);
    int rc = read_doc(&r);
    if (rc == 0)
        rc = finish(&r);
    cd_jp_close(r.jp);
    cd_strtab_free(&r.root_names);
    cd_strtab_free(&r.closures);
    free(r.root_name_tmp);
    free(r.obj_closure);
    if (rc < 0) {
        cd_typing_free(t);
        cd_snapshot_free(s);
        cd_binary_free(bin);
        return -1;
    }
    *sp = s;
    *tp = t;
    *bp = bin;
    return 0;
}
