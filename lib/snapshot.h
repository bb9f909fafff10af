/* snapshot.h — the snapshot model: one heap snapshot (a Go heap dump) as
 * compact arrays. Readers fill it; typing, diff and paths read it.
 *
 * Objects are numbered 0..nobj-1 in file order (by_addr lists them in
 * address order). Their pointer slots that
 * point into another heap object are edges, stored in CSR form by source
 * object. Roots are slots outside the heap (data, bss, goroutine frames,
 * finalizers) that point into the heap. Object contents stay in the file:
 * cd_snapshot_read re-reads the few bytes a later stage needs. */
#ifndef CD_SNAPSHOT_H
#define CD_SNAPSHOT_H

#include <stddef.h>
#include <stdint.h>

#include "error.h"
#include "strtab.h"
#include "util.h"

enum cd_root_kind {
    CD_ROOT_DATA = 1,      /* data segment slot */
    CD_ROOT_BSS,           /* bss segment slot */
    CD_ROOT_FRAME,         /* goroutine stack frame slot */
    CD_ROOT_FINALIZER,     /* registered finalizer: fn and the object's referents */
    CD_ROOT_QUEUED,        /* queued finalizer (object resurrected) */
    CD_ROOT_DEFER,         /* defer record funcval */
    CD_ROOT_PANIC,         /* panic argument */
    CD_ROOT_OTHER,         /* tag 2 other root */
};

typedef struct cd_root {
    uint8_t kind;          /* enum cd_root_kind */
    uint32_t frame;        /* CD_ROOT_FRAME: frame index; otherwise CD_NONE32 */
    uint64_t slot;         /* address of the slot (data/bss/stack), 0 if none */
    uint32_t dst;          /* object number */
    uint32_t dst_off;      /* offset of the pointer inside dst */
    uint32_t dyn;          /* dynamic type (index in rtypes) of an interface
                              data word, 0 if none */
} cd_root;

typedef struct cd_goroutine {
    uint64_t gaddr, goid, gopc, status, waitsince;
    uint32_t gobj;         /* the runtime.g heap object, CD_NONE32 if none
                              (set by cd_snapshot_link_goroutines) */
    uint32_t wait_reason;  /* strtab id */
    uint8_t system;
    uint32_t frame0, nframes;
} cd_goroutine;

typedef struct cd_frame {
    uint32_t goroutine;    /* index in goroutines */
    uint32_t depth;
    uint64_t sp, size;     /* [sp, sp+size) */
    uint64_t entry_pc, pc;
    uint32_t func;         /* strtab id of the function name */
    uint64_t content_off;  /* file offset of the frame contents */
} cd_frame;

typedef struct cd_segment {
    uint64_t addr, size, content_off;
} cd_segment;

typedef struct cd_memprof_frame {
    uint32_t func, file;   /* strtab ids */
    uint64_t line;
} cd_memprof_frame;

typedef struct cd_bucket {
    uint64_t addr, size, allocs, frees;
    uint32_t frame0, nframes;  /* range in memprof_frames */
} cd_bucket;

#define CD_NONE32 UINT32_MAX

typedef struct cd_snapshot {
    char *path;
    const char *format;        /* "heapdump" or "core" (static), NULL = heapdump */
    int fd;                    /* kept open, read-only, for cd_snapshot_read */
    uint64_t file_size;

    /* params record */
    int big_endian, ptr_size;
    uint64_t heap_start, heap_end, ncpu;
    char goarch[32];
    char go_version[64];

    /* objects, in file order */
    size_t nobj;
    uint32_t *by_addr;         /* object numbers in address order */
    uint64_t *sorted_addr;     /* their addresses (for cd_snapshot_find) */
    uint32_t *page_first;      /* per 8 KiB page from page_base: first index in
                                  sorted_addr at or past it (npages+1), or NULL */
    uint64_t page_base, npages;
    uint64_t *obj_addr;        /* while loading; then packed (read both with cd_obj_addr) */
    uint32_t *obj_size;
    uint64_t *obj_content;     /* file offset of the contents (cd_obj_content) */
    cd_u64pack addr_pack, content_pack;  /* the two above, by cd_snapshot_pack */
    uint64_t *obj_edge;        /* nobj+1: edges of i are [obj_edge[i], obj_edge[i+1]) */
    uint32_t *obj_shape;       /* hash of the object's pointer-slot offsets
                                  (cd_shape_hash of the dump's fieldlist) */
    uint32_t *obj_hdr;         /* Go 1.22+ malloc header type (rtypes index) or 0; NULL if none */
    uint64_t bytes_total;

    /* edges: pointer slots whose target is inside a heap object */
    size_t nedge;
    uint32_t *edge_dst;        /* target object */
    uint32_t *edge_off;        /* slot offset in the source object */
    /* sparse, sorted by edge: most edges have neither (cd_edge_dyn, cd_edge_dst_off) */
    uint64_t *dyn_edge; uint32_t *dyn_type; size_t ndyn;    /* interface data words */
    uint64_t *off_edge; uint32_t *off_value; size_t noff;   /* interior pointers */

    /* roots */
    cd_root *roots; size_t nroots;

    /* runtime type addresses met in the dump (itab targets, eface type
       words, header words, finalizer types): index -> address; 0 unused */
    uint64_t *rtypes; size_t nrtypes, rtypes_cap;
    cd_map64 rtype_index;      /* address -> index */
    cd_map64 itabs;            /* itab address -> rtypes index */
    /* type records (tag 3): rtypes index -> dump's own name and size */
    uint32_t *rtype_name;      /* parallel to rtypes: strtab id (0 none) */
    uint64_t *rtype_size;      /* parallel to rtypes */
    uint32_t *rtype_btype;     /* parallel to rtypes: binary type id (cd_type_prepare) */

    cd_goroutine *goroutines; size_t ngoroutines;
    cd_frame *frames; size_t nframes;
    cd_segment data, bss;
    cd_bucket *buckets; size_t nbuckets;
    /* alloc samples: sampled objects (ascending, each once) and the index
       of their memprof bucket; few, so not a per-object array */
    uint32_t *sample_obj, *sample_bucket; size_t nsamples;
    cd_memprof_frame *memprof_frames; size_t nmemprof_frames;
    uint64_t memstats[281]; int have_memstats;
    size_t nfinalizers, nqueued, nthreads, ndefers, npanics;

    cd_strtab strings;
} cd_snapshot;

/* Options for loading. types_lo/hi: the binary's [runtime.types,
 * runtime.etypes) range (0,0 without a binary), used to recognise eface
 * type words while reading. */
typedef struct cd_load_options {
    uint64_t types_lo, types_hi;
} cd_load_options;

/* Read a Go heap dump ("go1.7 heap dump"). Returns 0 or -1 (err names the
 * file, the offset and the record). The file is streamed; only compact
 * arrays are kept. */
int cd_heapdump_load(const char *path, const cd_load_options *opt,
                     cd_snapshot **out, cd_error *err);
/* 1 if the first bytes are a Go heap dump header. */
int cd_heapdump_sniff(const unsigned char *head, size_t n);

void cd_snapshot_free(cd_snapshot *s);

/* Free what later stages no longer need, to lower the peak memory of the
 * pipeline: CD_RELEASE_INDEX drops the address index (cd_snapshot_find
 * then always answers CD_NONE32), CD_RELEASE_SHAPES the shape hashes
 * (needed only by typing), CD_RELEASE_OBJECTS the objects themselves
 * (once a comparison has drawn what it needs from them). */
enum { CD_RELEASE_INDEX = 1, CD_RELEASE_SHAPES = 2,
       CD_RELEASE_OBJECTS = 4 /* every per-object and per-edge array and the
                                 roots: nobj, bytes_total, goroutines, frames
                                 and strings stay */ };
/* Pack obj_addr and obj_content (8 -> 4.1 bytes an object each); the
 * accessors below read either form. */
void cd_snapshot_pack(cd_snapshot *s);

static inline uint64_t cd_obj_addr(const cd_snapshot *s, uint32_t o)
{
    return s->obj_addr ? s->obj_addr[o] : cd_u64pack_get(&s->addr_pack, o);
}

static inline uint64_t cd_obj_content(const cd_snapshot *s, uint32_t o)
{
    return s->obj_content ? s->obj_content[o] : cd_u64pack_get(&s->content_pack, o);
}

/* 1 if the snapshot has its objects' contents (heap dumps, cores; not JSON
 * snapshots, which keep only the facts the model needs). */
static inline int cd_snapshot_has_contents(const cd_snapshot *s)
{
    return s->obj_content || s->content_pack.n;
}

/* Find each goroutine's runtime.g object (needs the address index). */
void cd_snapshot_link_goroutines(cd_snapshot *s);
void cd_snapshot_release(cd_snapshot *s, int what);

/* Dynamic type (rtypes index) of the interface data word that edge e is,
 * 0 if none; offset of edge e's target address inside its target object. */
uint32_t cd_edge_dyn(const cd_snapshot *s, uint64_t e);
uint32_t cd_edge_dst_off(const cd_snapshot *s, uint64_t e);

/* Walking the edges of an object in order: a cursor into the two sparse
 * tables, placed once by cd_edge_cursor_at, then moved forward only. */
typedef struct cd_edge_cursor { size_t dyn, off; } cd_edge_cursor;
void cd_edge_cursor_at(const cd_snapshot *s, uint64_t e, cd_edge_cursor *c);
static inline uint32_t cd_cursor_dyn(const cd_snapshot *s, cd_edge_cursor *c, uint64_t e)
{
    while (c->dyn < s->ndyn && s->dyn_edge[c->dyn] < e)
        c->dyn++;
    return c->dyn < s->ndyn && s->dyn_edge[c->dyn] == e ? s->dyn_type[c->dyn] : 0;
}
static inline uint32_t cd_cursor_dst_off(const cd_snapshot *s, cd_edge_cursor *c, uint64_t e)
{
    while (c->off < s->noff && s->off_edge[c->off] < e)
        c->off++;
    return c->off < s->noff && s->off_edge[c->off] == e ? s->off_value[c->off] : 0;
}

/* Build the address index (by_addr, sorted_addr, page_first) over the
 * objects of s. Returns -1 if two objects overlap, with their numbers in
 * clash (the lower first). */
int cd_snapshot_index(cd_snapshot *s, uint32_t clash[2]);

/* Object number containing addr, or CD_NONE32. */
uint32_t cd_snapshot_find(const cd_snapshot *s, uint64_t addr);

/* Re-read n bytes at offset off of object i (bounded by its size). */
int cd_snapshot_read(const cd_snapshot *s, uint32_t obj, uint64_t off, void *buf,
                     size_t n, cd_error *err);
/* The same through a read-ahead window, for reading many objects in file
 * order: one read per CD_READ_WINDOW bytes of the file instead of one per
 * object. Start with a zeroed window; free it with cd_read_window_free. */
#define CD_READ_WINDOW (16u * 1024)
typedef struct cd_read_window {
    unsigned char *buf;
    uint64_t off;              /* file offset of buf[0] */
    size_t len;
} cd_read_window;
int cd_snapshot_read_ahead(const cd_snapshot *s, cd_read_window *w, uint32_t obj, uint64_t off,
                           void *buf, size_t n, cd_error *err);
void cd_read_window_free(cd_read_window *w);

/* Read a pointer-sized word from a buffer in the snapshot's byte order. */
uint64_t cd_snapshot_word(const cd_snapshot *s, const unsigned char *p);

/* Intern a runtime type address; returns its rtypes index (>0). */
uint32_t cd_snapshot_rtype(cd_snapshot *s, uint64_t addr);

#endif
