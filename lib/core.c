/* core.c — ELF core files of Go programs (see core.h).
 *
 * Steps: map the core's PT_LOAD segments (vaddr -> file offset); check that
 * the core is from bin (AT_ENTRY, runtime.firstmoduledata bytes); read the
 * runtime layouts from DWARF by field name; itabs from runtime.itabTable;
 * objects from runtime.mheap_.allspans; goroutines from runtime.allgs with
 * frames unwound through the pclntab's SP deltas; then the same model
 * heapdump.c builds (address index, CSR edges, sparse interface types and
 * interior offsets, roots). Every read is bounded by the segment table;
 * memory the core does not hold is an error where the walk needs it and
 * skipped with a count elsewhere. */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include "core.h"
#include "reader.h"

#include "util.h"

#define PAGE_SHIFT 13          /* runtime page size 8 KiB (the snapshot page table too) */
#define ET_CORE_ 4
#define EM_X86_64_ 62
#define PT_LOAD_ 1
#define PT_NOTE_ 4
#define NT_AUXV_ 6
#define NT_PRPSINFO_ 3
#define NT_PRSTATUS_ 1
#define AT_ENTRY_ 9
#define MSPAN_INUSE 1
#define G_DEAD 6
#define G_SCAN 0x1000
#define MAX_FRAMES 10000

typedef struct seg { uint64_t va, memsz, off, filesz; } seg;

/* A field's place in a runtime struct: offset and byte size. */
typedef struct lay { uint64_t off; uint32_t size; } lay;

typedef struct layouts {
    uint64_t mspan_size, g_size, md_size, func_size, functab_size;
    lay heap_allspans;
    lay sp_start, sp_npages, sp_freeindex, sp_nelems, sp_allocbits, sp_class, sp_state, sp_elemsize;
    lay g_lo, g_hi, g_sp, g_pc, g_ctxt, g_status, g_goid, g_wait, g_ssp, g_spc, g_gopc, g_startpc, g_since;
    lay md_data, md_edata, md_bss, md_ebss, md_gcdata_n, md_gcdata_p, md_gcbss_n, md_gcbss_p;
    lay md_pctab, md_ftab, md_pclntable, md_funcnametab, md_text;
    lay ft_entry, ft_funcoff, fn_entry, fn_name, fn_pcsp, fn_args, fn_npcdata, fn_nfuncdata, md_gofunc;
    lay itt_size, itt_entries, itab_type;
    /* pointer bitmaps: heap arenas (Go <= 1.21), span bits and types (1.22+) */
    lay m_alllink, m_procid, m_curg;
    lay heap_sweepgen, sp_sweepgen, sp_markbits;
    lay fb_alllink, fb_cnt, fb_fin, fz_fn, fz_arg;
    uint64_t fz_size;
    lay sp_specials, sl_next, sl_offset, sl_kind, sf_fn;
    lay heap_arenas, ha_bitmap, ha_nomore, sp_largetype, at_size, at_ptrbytes, at_gcdata;
    uint64_t inline_marks;     /* sizeof(runtime.spanInlineMarkBits), Go 1.25+ Green Tea GC */
} layouts;

/* A thread's registers from NT_PRSTATUS (x86-64 user_regs_struct). */
typedef struct thread_regs { uint64_t tid, rip, rsp; } thread_regs;

typedef struct span_info { uint64_t base, npages, esize, large_type; uint8_t scan, small; } span_info;

typedef struct core {
    const char *path;
    int fd;
    uint64_t fsize;
    seg *segs; size_t nsegs;
    cd_binary *bin;
    cd_error *err;
    cd_snapshot *s;
    const cd_load_options *opt;
    layouts L;
    char fname[17];            /* the process's name (NT_PRPSINFO pr_fname) */
    thread_regs *threads; size_t nthreads, thcap;
    int minor;                 /* Go 1.minor, from the binary */
    /* the core file mapped read-only (NULL: read through the window) */
    const unsigned char *map;
    /* a window on the core file */
    unsigned char *win; uint64_t win_off; size_t win_len, win_cap;
    /* pclntab (read from the binary) */
    uint64_t gofunc;
    uint64_t text, pctab, pctab_len, pclntable, pclntable_len, funcnametab, funcnametab_len;
    uint32_t *ftab_entry, *ftab_off; size_t nftab;
    /* objects, in allspans order */
    uint64_t *addr; uint32_t *size; uint64_t *content; uint8_t *scan; uint8_t *hdr;
    uint32_t *span;            /* object -> index in spans */
    size_t nobj, objcap;
    span_info *spans; size_t nspans, spancap;
    uint64_t arenas_l2;        /* mheap_.arenas[0] (Go <= 1.21) */
    uint64_t last_ai, last_ha; /* arena lookup cache */
    size_t imprecise;          /* objects scanned conservatively */
    uint64_t heap_lo, heap_hi;
    size_t skipped_objs, skipped_spans;
    size_t frame_cap;
    size_t stale_running;
    size_t unswept;            /* spans read through their mark bits */      /* running goroutines without their thread's registers */
    uint64_t *fin_obj, *fin_fn; size_t nfin, fincap;   /* finalizer specials */
} core;

/* ---- reading the core ---- */

static uint64_t le(const unsigned char *b, unsigned n)
{
    uint64_t v = 0;
    for (unsigned i = n; i-- > 0;)
        v = (v << 8) | b[i];
    return v;
}

static const seg *seg_at(const core *c, uint64_t a)
{
    size_t lo = 0, hi = c->nsegs;
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        if (c->segs[mid].va <= a)
            lo = mid + 1;
        else
            hi = mid;
    }
    if (lo == 0)
        return NULL;
    const seg *g = &c->segs[lo - 1];
    return a - g->va < g->memsz ? g : NULL;
}

/* File offset of [a, a+n) when the core holds all of it contiguously. */
static int core_off(const core *c, uint64_t a, uint64_t n, uint64_t *off)
{
    const seg *g = seg_at(c, a);
    if (!g || a - g->va >= g->filesz)
        return -1;
    *off = g->off + (a - g->va);
    uint64_t have = g->filesz - (a - g->va);
    while (have < n) {
        /* continues in the next segment, adjacent in memory and file */
        if (g->filesz != g->memsz || g + 1 >= c->segs + c->nsegs)
            return -1;
        const seg *h = g + 1;
        if (h->va != g->va + g->memsz || h->off != g->off + g->filesz)
            return -1;
        have += h->filesz;
        if (h->filesz != h->memsz && have < n)
            return -1;
        g = h;
    }
    return 0;
}

static int pread_full(const core *c, uint64_t off, void *buf, size_t n)
{
    unsigned char *p = buf;
    if (c->map) {
        if (off > c->fsize || n > c->fsize - off)
            return -1;
        memcpy(buf, c->map + off, n);
        return 0;
    }
    while (n) {
        ssize_t r = pread(c->fd, p, n, (off_t)off);
        if (r < 0 && errno == EINTR)
            continue;
        if (r <= 0)
            return -1;
        p += r;
        off += (uint64_t)r;
        n -= (size_t)r;
    }
    return 0;
}

/* Read n bytes of process memory at a; -1 if the core does not hold them. */
static int cread(core *c, uint64_t a, void *buf, size_t n)
{
    unsigned char *p = buf;
    while (n) {
        const seg *g = seg_at(c, a);
        if (!g || a - g->va >= g->filesz)
            return -1;
        uint64_t in = g->filesz - (a - g->va);
        size_t k = in < n ? (size_t)in : n;
        if (pread_full(c, g->off + (a - g->va), p, k) < 0)
            return -1;
        p += k;
        a += k;
        n -= k;
    }
    return 0;
}

/* Pointer to n bytes of memory at a through a window (valid until the next
 * call); NULL if the core does not hold them contiguously. */
static const unsigned char *view(core *c, uint64_t a, size_t n)
{
    uint64_t off;
    if (core_off(c, a, n, &off) < 0)
        return NULL;
    if (c->map)
        return off <= c->fsize && n <= c->fsize - off ? c->map + off : NULL;
    if (c->win && off >= c->win_off && off + n <= c->win_off + c->win_len)
        return c->win + (off - c->win_off);
    size_t want = n > (1u << 20) ? n : (1u << 20);
    if (want > c->fsize - off)
        want = (size_t)(c->fsize - off);
    if (want < n)
        return NULL;
    if (want > c->win_cap) {
        free(c->win);
        c->win = cd_malloc(want);
        c->win_cap = want;
    }
    if (pread_full(c, off, c->win, want) < 0) {
        c->win_len = 0;
        return NULL;
    }
    c->win_off = off;
    c->win_len = want;
    return c->win;
}

static int cword(core *c, uint64_t a, uint64_t *v)
{
    unsigned char b[8];
    if (cread(c, a, b, 8) < 0)
        return -1;
    *v = le(b, 8);
    return 0;
}

/* Memory from the core, else from the binary's file (read-only data). */
static int read_any(core *c, uint64_t a, void *buf, size_t n)
{
    if (cread(c, a, buf, n) == 0)
        return 0;
    return cd_binary_read(c->bin, a, buf, n);
}

static int missing(core *c, const char *what, uint64_t a)
{
    return cd_fail(c->err, CD_EFORMAT, c->path, -1,
                   "the core does not hold %s at 0x%llx (memory left out of the core, or not a core of this program)",
                   what, (unsigned long long)a);
}

/* ---- ELF ---- */

int cd_core_sniff(const unsigned char *h, size_t n)
{
    if (n < 18 || memcmp(h, "\177ELF", 4) != 0)
        return 0;
    unsigned et = h[5] == 2 ? (unsigned)h[16] << 8 | h[17] : (unsigned)h[17] << 8 | h[16];
    return et == ET_CORE_;
}

static int cmp_seg(const void *x, const void *y)
{
    const seg *a = x, *b = y;
    return a->va < b->va ? -1 : a->va > b->va;
}

static int read_elf(core *c, uint64_t *at_entry)
{
    unsigned char eh[64];
    *at_entry = 0;
    if (c->fsize < 64 || pread_full(c, 0, eh, 64) < 0 || memcmp(eh, "\177ELF", 4) != 0)
        return cd_fail(c->err, CD_EFORMAT, c->path, 0, "not an ELF file");
    if (le(eh + 16, 2) != ET_CORE_)
        return cd_fail(c->err, CD_EFORMAT, c->path, 16, "an ELF file but not a core file (e_type %llu)",
                       (unsigned long long)le(eh + 16, 2));
    if (eh[4] != 2 || eh[5] != 1 || le(eh + 18, 2) != EM_X86_64_)
        return cd_fail(c->err, CD_EFORMAT, c->path, 4,
                       "core of an unsupported platform (ctxdiff reads linux/amd64 cores: 64-bit little-endian x86-64)");
    uint64_t phoff = le(eh + 32, 8), phentsize = le(eh + 54, 2), phnum = le(eh + 56, 2);
    if (phnum == 0xffff) {
        /* PN_XNUM: the real count is section 0's sh_info */
        uint64_t shoff = le(eh + 40, 8);
        unsigned char sh[64];
        if (shoff > c->fsize || c->fsize - shoff < 64 || pread_full(c, shoff, sh, 64) < 0)
            return cd_fail(c->err, CD_EFORMAT, c->path, 40, "truncated: no section header for the segment count");
        phnum = le(sh + 44, 4);
    }
    if (phentsize != 56 || phoff > c->fsize || phnum > (c->fsize - phoff) / 56)
        return cd_fail(c->err, CD_EFORMAT, c->path, 32, "truncated or bad program header table (%llu entries at %llu)",
                       (unsigned long long)phnum, (unsigned long long)phoff);
    unsigned char *ph = cd_malloc(phnum * 56 + 1);
    if (pread_full(c, phoff, ph, phnum * 56) < 0) {
        free(ph);
        return cd_fail(c->err, CD_EIO, c->path, (int64_t)phoff, "cannot read the program headers");
    }
    size_t cap = 0;
    int rc = 0;
    for (uint64_t i = 0; i < phnum && rc == 0; i++) {
        const unsigned char *p = ph + i * 56;
        uint64_t type = le(p, 4), off = le(p + 8, 8), va = le(p + 16, 8);
        uint64_t filesz = le(p + 32, 8), memsz = le(p + 40, 8);
        if ((type == PT_LOAD_ || type == PT_NOTE_) && (off > c->fsize || filesz > c->fsize - off))
            rc = cd_fail(c->err, CD_EFORMAT, c->path, (int64_t)(phoff + i * 56),
                         "truncated: segment %llu (0x%llx) needs bytes up to %llu, the file has %llu",
                         (unsigned long long)i, (unsigned long long)va,
                         (unsigned long long)(off + filesz), (unsigned long long)c->fsize);
        else if (type == PT_LOAD_ && memsz) {
            if (filesz > memsz || va + memsz < va)
                rc = cd_fail(c->err, CD_EFORMAT, c->path, (int64_t)(phoff + i * 56), "bad segment %llu",
                             (unsigned long long)i);
            CD_GROW(c->segs, cap, c->nsegs + 1);
            c->segs[c->nsegs++] = (seg){va, memsz, off, filesz};
        } else if (type == PT_NOTE_ && filesz <= (1u << 26)) {
            unsigned char *nb = cd_malloc(filesz + 1);
            if (pread_full(c, off, nb, filesz) == 0) {
                uint64_t k = 0;
                while (k + 12 <= filesz) {
                    uint64_t nsz = le(nb + k, 4), dsz = le(nb + k + 4, 4), nt = le(nb + k + 8, 4);
                    uint64_t d = k + 12 + ((nsz + 3) & ~3ull);
                    if (d > filesz || dsz > filesz - d)
                        break;
                    if (nt == NT_PRPSINFO_ && dsz >= 56) {
                        memcpy(c->fname, nb + d + 40, 16);
                        c->fname[16] = 0;
                    }
                    if (nt == NT_PRSTATUS_ && dsz >= 112 + 27 * 8) {
                        /* pr_pid at 32, pr_reg at 112: rip is reg 16, rsp reg 19 */
                        CD_GROW(c->threads, c->thcap, c->nthreads + 1);
                        c->threads[c->nthreads++] = (thread_regs){le(nb + d + 32, 4),
                                                                  le(nb + d + 112 + 16 * 8, 8),
                                                                  le(nb + d + 112 + 19 * 8, 8)};
                    }
                    if (nt == NT_AUXV_)
                        for (uint64_t a = 0; a + 16 <= dsz; a += 16)
                            if (le(nb + d + a, 8) == AT_ENTRY_)
                                *at_entry = le(nb + d + a + 8, 8);
                    k = d + ((dsz + 3) & ~3ull);
                }
            }
            free(nb);
        }
    }
    free(ph);
    if (rc)
        return rc;
    if (!c->nsegs)
        return cd_fail(c->err, CD_EFORMAT, c->path, 0, "core has no memory segments");
    qsort(c->segs, c->nsegs, sizeof *c->segs, cmp_seg);
    for (size_t i = 1; i < c->nsegs; i++)
        if (c->segs[i].va < c->segs[i - 1].va + c->segs[i - 1].memsz)
            return cd_fail(c->err, CD_EFORMAT, c->path, -1, "overlapping memory segments at 0x%llx",
                           (unsigned long long)c->segs[i].va);
    return 0;
}

/* e_entry and e_type of the binary's ELF header. */
static int binary_entry(const cd_binary *bin, uint64_t *entry, unsigned *etype)
{
    int fd = open(bin->path, O_RDONLY | O_CLOEXEC);
    unsigned char eh[64];
    if (fd < 0)
        return -1;
    ssize_t n = pread(fd, eh, sizeof eh, 0);
    close(fd);
    if (n != (ssize_t)sizeof eh)
        return -1;
    *entry = le(eh + 24, 8);
    *etype = (unsigned)le(eh + 16, 2);
    return 0;
}

/* ---- layouts from DWARF ---- */

static uint64_t global_addr(const cd_binary *bin, const char *name)
{
    for (size_t i = 0; i < bin->nglobals; i++)
        if (strcmp(bin->globals[i].name, name) == 0)
            return bin->globals[i].addr;
    for (size_t i = 0; i < bin->nsyms; i++)
        if (strcmp(bin->syms[i].name, name) == 0)
            return bin->syms[i].addr;
    return 0;
}

static const cd_global *global_named(const cd_binary *bin, const char *name)
{
    for (size_t i = 0; i < bin->nglobals; i++)
        if (strcmp(bin->globals[i].name, name) == 0)
            return &bin->globals[i];
    return NULL;
}

/* Type by one of '|'-separated names. */
static uint32_t type_any(const cd_binary *bin, const char *names)
{
    char buf[256];
    const char *p = names;
    while (*p) {
        const char *e = strchr(p, '|');
        size_t n = e ? (size_t)(e - p) : strlen(p);
        if (n < sizeof buf) {
            memcpy(buf, p, n);
            buf[n] = 0;
            uint32_t t = cd_binary_type_by_name(bin, buf);
            if (t)
                return t;
        }
        p += n + (e ? 1 : 0);
    }
    return 0;
}

/* Field path "sched.sp" (each part may list '|'-separated spellings) in
 * struct type t. */
static int field_path(const cd_binary *bin, uint32_t t, const char *path, lay *out)
{
    char part[128];
    uint64_t off = 0;
    const char *p = path;
    while (*p) {
        const char *dot = strchr(p, '.');
        size_t n = dot ? (size_t)(dot - p) : strlen(p);
        if (n >= sizeof part)
            return -1;
        memcpy(part, p, n);
        part[n] = 0;
        const cd_field *f = NULL;
        char *save = NULL;
        for (char *alt = strtok_r(part, "|", &save); alt && !f; alt = strtok_r(NULL, "|", &save))
            f = cd_binary_field(bin, t, alt);
        if (!f)
            return -1;
        off += f->offset;
        t = f->type;
        p += n + (dot ? 1 : 0);
    }
    if (!t || t >= bin->ntypes)
        return -1;
    out->off = off;
    out->size = (uint32_t)bin->types[t].size;
    return 0;
}

typedef struct want { const char *type; const char *path; lay *out; int optional; lay dflt; } want;

static int need_layouts(core *c)
{
    const cd_binary *bin = c->bin;
    layouts *L = &c->L;
    const want w[] = {
        {"runtime.mheap", "allspans", &L->heap_allspans, 0, {0, 0}},
        {"runtime.mspan", "startAddr", &L->sp_start, 0, {0, 0}},
        {"runtime.mspan", "npages", &L->sp_npages, 0, {0, 0}},
        {"runtime.mspan", "freeindex", &L->sp_freeindex, 0, {0, 0}},
        {"runtime.mspan", "nelems", &L->sp_nelems, 0, {0, 0}},
        {"runtime.mspan", "allocBits", &L->sp_allocbits, 0, {0, 0}},
        {"runtime.mspan", "spanclass", &L->sp_class, 0, {0, 0}},
        {"runtime.mspan", "state", &L->sp_state, 0, {0, 0}},
        {"runtime.mspan", "elemsize", &L->sp_elemsize, 0, {0, 0}},
        {"runtime.g", "stack.lo", &L->g_lo, 0, {0, 0}},
        {"runtime.g", "stack.hi", &L->g_hi, 0, {0, 0}},
        {"runtime.g", "sched.sp", &L->g_sp, 0, {0, 0}},
        {"runtime.g", "sched.pc", &L->g_pc, 0, {0, 0}},
        {"runtime.g", "sched.ctxt", &L->g_ctxt, 0, {0, 0}},
        {"runtime.g", "atomicstatus", &L->g_status, 0, {0, 0}},
        {"runtime.g", "goid", &L->g_goid, 0, {0, 0}},
        {"runtime.g", "waitreason", &L->g_wait, 0, {0, 0}},
        {"runtime.g", "syscallsp", &L->g_ssp, 0, {0, 0}},
        {"runtime.g", "syscallpc", &L->g_spc, 0, {0, 0}},
        {"runtime.g", "gopc", &L->g_gopc, 0, {0, 0}},
        {"runtime.g", "startpc", &L->g_startpc, 0, {0, 0}},
        {"runtime.g", "waitsince", &L->g_since, 1, {0, 0}},
        {"runtime.moduledata", "data", &L->md_data, 0, {0, 0}},
        {"runtime.moduledata", "edata", &L->md_edata, 0, {0, 0}},
        {"runtime.moduledata", "bss", &L->md_bss, 0, {0, 0}},
        {"runtime.moduledata", "ebss", &L->md_ebss, 0, {0, 0}},
        {"runtime.moduledata", "gcdatamask.n", &L->md_gcdata_n, 1, {0, 0}},
        {"runtime.moduledata", "gcdatamask.bytedata", &L->md_gcdata_p, 1, {0, 0}},
        {"runtime.moduledata", "gcbssmask.n", &L->md_gcbss_n, 1, {0, 0}},
        {"runtime.moduledata", "gcbssmask.bytedata", &L->md_gcbss_p, 1, {0, 0}},
        {"runtime.moduledata", "pctab", &L->md_pctab, 0, {0, 0}},
        {"runtime.moduledata", "ftab", &L->md_ftab, 0, {0, 0}},
        {"runtime.moduledata", "pclntable", &L->md_pclntable, 0, {0, 0}},
        {"runtime.moduledata", "funcnametab", &L->md_funcnametab, 0, {0, 0}},
        {"runtime.moduledata", "text", &L->md_text, 0, {0, 0}},
        /* layouts shared by Go 1.18-1.26 when DWARF lacks the types */
        {"runtime.functab", "entryoff|entryOff", &L->ft_entry, 1, {0, 4}},
        {"runtime.functab", "funcoff", &L->ft_funcoff, 1, {4, 4}},
        {"runtime._func", "entryoff|entryOff", &L->fn_entry, 1, {0, 4}},
        {"runtime._func", "nameoff|nameOff", &L->fn_name, 1, {4, 4}},
        {"runtime._func", "pcsp", &L->fn_pcsp, 1, {16, 4}},
        {"runtime._func", "args", &L->fn_args, 1, {8, 4}},
        {"runtime._func", "npcdata", &L->fn_npcdata, 1, {28, 4}},
        {"runtime._func", "nfuncdata", &L->fn_nfuncdata, 0, {0, 0}},
        {"runtime.moduledata", "gofunc", &L->md_gofunc, 0, {0, 0}},
        {"runtime.itabTableType", "size", &L->itt_size, 1, {0, 8}},
        {"runtime.itabTableType", "entries", &L->itt_entries, 1, {16, 8}},
        {"runtime.itab|internal/abi.ITab", "_type|Type", &L->itab_type, 1, {8, 8}},
        {"runtime.mheap", "arenas", &L->heap_arenas, 1, {0, 0}},
        {"runtime.mspan", "specials", &L->sp_specials, 1, {0, 0}},
        {"runtime.finblock|runtime.finBlock", "alllink", &L->fb_alllink, 1, {0, 0}},
        {"runtime.finblock|runtime.finBlock", "cnt", &L->fb_cnt, 1, {0, 0}},
        {"runtime.finblock|runtime.finBlock", "fin", &L->fb_fin, 1, {0, 0}},
        {"runtime.finalizer", "fn", &L->fz_fn, 1, {0, 0}},
        {"runtime.finalizer", "arg", &L->fz_arg, 1, {0, 0}},
        {"runtime.mheap", "sweepgen", &L->heap_sweepgen, 1, {0, 0}},
        {"runtime.mspan", "sweepgen", &L->sp_sweepgen, 1, {0, 0}},
        {"runtime.mspan", "gcmarkBits", &L->sp_markbits, 1, {0, 0}},
        {"runtime.m", "alllink", &L->m_alllink, 1, {0, 0}},
        {"runtime.m", "procid", &L->m_procid, 1, {0, 0}},
        {"runtime.m", "curg", &L->m_curg, 1, {0, 0}},
        {"runtime.special", "next", &L->sl_next, 1, {0, 0}},
        {"runtime.special", "offset", &L->sl_offset, 1, {0, 0}},
        {"runtime.special", "kind", &L->sl_kind, 1, {0, 0}},
        {"runtime.specialfinalizer", "fn", &L->sf_fn, 1, {0, 0}},
        {"runtime.heapArena", "bitmap", &L->ha_bitmap, 1, {0, 0}},
        {"runtime.heapArena", "noMorePtrs", &L->ha_nomore, 1, {0, 0}},
        {"runtime.mspan", "largeType", &L->sp_largetype, 1, {0, 0}},
        {"internal/abi.Type|runtime._type", "Size_|size", &L->at_size, 1, {0, 8}},
        {"internal/abi.Type|runtime._type", "PtrBytes|ptrdata", &L->at_ptrbytes, 1, {8, 8}},
        {"internal/abi.Type|runtime._type", "GCData|gcdata", &L->at_gcdata, 1, {32, 8}},
    };
    for (size_t i = 0; i < sizeof w / sizeof *w; i++) {
        uint32_t t = type_any(bin, w[i].type);
        if (t && field_path(bin, t, w[i].path, w[i].out) == 0 && w[i].out->size)
            continue;  /* slices and arrays: only the offset is used */
        if (w[i].optional) {
            *w[i].out = w[i].dflt;
            continue;
        }
        return cd_fail(c->err, CD_EBINARY, bin->path, -1,
                       "the binary's DWARF has no %s.%s: cannot read the runtime's structures from the core",
                       w[i].type, w[i].path);
    }
    uint32_t t;
    L->mspan_size = (t = type_any(bin, "runtime.mspan")) ? bin->types[t].size : 0;
    L->g_size = (t = type_any(bin, "runtime.g")) ? bin->types[t].size : 0;
    L->md_size = (t = type_any(bin, "runtime.moduledata")) ? bin->types[t].size : 0;
    L->func_size = (t = type_any(bin, "runtime._func")) ? bin->types[t].size : 44;
    L->functab_size = (t = type_any(bin, "runtime.functab")) ? bin->types[t].size : 8;
    L->fz_size = (t = type_any(bin, "runtime.finalizer")) ? bin->types[t].size : 0;
    L->inline_marks = (t = type_any(bin, "runtime.spanInlineMarkBits")) ? bin->types[t].size : 0;
    if (!L->mspan_size || L->mspan_size > 4096 || !L->g_size || L->g_size > 8192 ||
        !L->md_size || L->md_size > 8192)
        return cd_fail(c->err, CD_EBINARY, bin->path, -1, "unexpected runtime struct sizes in DWARF");
    return 0;
}

static uint64_t get(const unsigned char *b, lay l)
{
    return le(b + l.off, l.size > 8 ? 8 : l.size);
}

/* ---- pclntab: function names, entries, SP deltas ---- */

static int load_pclntab(core *c, const unsigned char *md)
{
    const layouts *L = &c->L;
    c->text = get(md, L->md_text);
    c->gofunc = get(md, L->md_gofunc);
    c->pctab = le(md + L->md_pctab.off, 8);
    c->pctab_len = le(md + L->md_pctab.off + 8, 8);
    c->pclntable = le(md + L->md_pclntable.off, 8);
    c->pclntable_len = le(md + L->md_pclntable.off + 8, 8);
    c->funcnametab = le(md + L->md_funcnametab.off, 8);
    c->funcnametab_len = le(md + L->md_funcnametab.off + 8, 8);
    uint64_t ftab = le(md + L->md_ftab.off, 8), nftab = le(md + L->md_ftab.off + 8, 8);
    uint64_t fts = L->functab_size;
    if (!nftab || nftab > (1u << 24) || !fts || fts > 64)
        return cd_fail(c->err, CD_EBINARY, c->bin->path, -1, "bad function table in runtime.firstmoduledata");
    unsigned char *buf = cd_malloc(nftab * fts);
    if (cd_binary_read(c->bin, ftab, buf, nftab * fts) < 0) {
        free(buf);
        return cd_fail(c->err, CD_EBINARY, c->bin->path, -1, "cannot read the function table at 0x%llx",
                       (unsigned long long)ftab);
    }
    c->ftab_entry = cd_malloc(nftab * sizeof *c->ftab_entry);
    c->ftab_off = cd_malloc(nftab * sizeof *c->ftab_off);
    for (uint64_t i = 0; i < nftab; i++) {
        c->ftab_entry[i] = (uint32_t)get(buf + i * fts, L->ft_entry);
        c->ftab_off[i] = (uint32_t)get(buf + i * fts, L->ft_funcoff);
    }
    c->nftab = nftab;
    free(buf);
    return 0;
}

typedef struct funcinfo {
    uint64_t entry, fstart;     /* entry pc; address of the _func in the binary */
    uint32_t pcsp, nameoff, npcdata, nfuncdata;
    int32_t args;
} funcinfo;

/* The function containing pc; -1 if none. The last ftab entry is the end. */
static int find_func(core *c, uint64_t pc, funcinfo *fi)
{
    if (pc < c->text || c->nftab < 2)
        return -1;
    uint64_t rel = pc - c->text;
    if (rel >= c->ftab_entry[c->nftab - 1])
        return -1;
    size_t lo = 0, hi = c->nftab - 1;
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        if (c->ftab_entry[mid] <= rel)
            lo = mid + 1;
        else
            hi = mid;
    }
    if (lo == 0)
        return -1;
    uint32_t fo = c->ftab_off[lo - 1];
    unsigned char b[128];
    size_t fs = c->L.func_size < sizeof b ? (size_t)c->L.func_size : sizeof b;
    if (fo > c->pclntable_len || cd_binary_read(c->bin, c->pclntable + fo, b, fs) < 0)
        return -1;
    fi->entry = c->text + get(b, c->L.fn_entry);
    fi->pcsp = (uint32_t)get(b, c->L.fn_pcsp);
    fi->nameoff = (uint32_t)get(b, c->L.fn_name);
    fi->args = (int32_t)(uint32_t)get(b, c->L.fn_args);
    fi->npcdata = (uint32_t)get(b, c->L.fn_npcdata);
    fi->nfuncdata = (uint32_t)get(b, c->L.fn_nfuncdata);
    fi->fstart = c->pclntable + fo;
    return 0;
}

static void func_name(core *c, const funcinfo *fi, char *buf, size_t cap)
{
    size_t n = cap - 1;
    buf[0] = 0;
    if (fi->nameoff >= c->funcnametab_len)
        return;
    if (n > c->funcnametab_len - fi->nameoff)
        n = (size_t)(c->funcnametab_len - fi->nameoff);
    while (n && cd_binary_read(c->bin, c->funcnametab + fi->nameoff, buf, n) < 0)
        n /= 2;
    buf[n] = 0;
}

static int uvarint32(const unsigned char *p, size_t n, size_t *i, uint32_t *v)
{
    uint32_t r = 0;
    for (unsigned shift = 0; shift < 35; shift += 7) {
        if (*i >= n)
            return -1;
        unsigned char b = p[(*i)++];
        r |= (uint32_t)(b & 0x7f) << shift;
        if (!(b & 0x80)) {
            *v = r;
            return 0;
        }
    }
    return -1;
}

/* The runtime's pcvalue: the value of table off at targetpc. Tables are
 * short: read 256 bytes, more only when the walk runs past them. */
static int pcvalue(core *c, uint32_t off, uint64_t entry, uint64_t target, int32_t *out)
{
    if (!off || off >= c->pctab_len)
        return -1;
    uint64_t left = c->pctab_len - off;
    unsigned char small[256];
    unsigned char *p = small;
    size_t got = 0;
    for (size_t n = 256;; n *= 8) {
        if (n > left)
            n = (size_t)left;
        if (n > sizeof small && p == small)
            p = NULL;
        if (p != small)
            p = cd_realloc(p, n);
        while (n > 16 && cd_binary_read(c->bin, c->pctab + off, p, n) < 0)
            n /= 2;
        if (n <= got) {   /* no more bytes readable */
            if (p != small)
                free(p);
            return -1;
        }
        got = n;
        size_t i = 0;
        uint64_t pc = entry;
        int32_t val = -1;
        int first = 1, rc = -1, ran_out = 0;
        for (;;) {
            uint32_t uv, pcd;
            if (uvarint32(p, n, &i, &uv) < 0) {
                ran_out = 1;
                break;
            }
            if (uv == 0 && !first)
                break;
            first = 0;
            int32_t vd = (uv & 1) ? (int32_t)~(uv >> 1) : (int32_t)(uv >> 1);
            if (uvarint32(p, n, &i, &pcd) < 0) {
                ran_out = 1;
                break;
            }
            pc += pcd;   /* PCQuantum 1 on amd64 */
            val += vd;
            if (target < pc) {
                *out = val;
                rc = 0;
                break;
            }
        }
        if (rc == 0 || !ran_out || n >= left || n >= (1u << 22)) {
            if (p != small)
                free(p);
            return rc;
        }
    }
}

/* ---- stack maps (the runtime's FUNCDATA/PCDATA, as dumpframe uses them) ---- */

#define PCDATA_STACKMAP 1
#define FUNCDATA_ARGS 0
#define FUNCDATA_LOCALS 1
#define ARGS_SIZE_UNKNOWN INT32_MIN

/* A stack map bit vector: n bits (-1: none, all words), bits owned. */
typedef struct bitvec { int32_t n; unsigned char *bits; } bitvec;

static uint32_t func_u32_after(core *c, const funcinfo *fi, uint64_t idx)
{
    unsigned char b[4];
    uint64_t a = fi->fstart + c->L.fn_nfuncdata.off + 1 + idx * 4;
    if (cd_binary_read(c->bin, a, b, 4) < 0)
        return 0;
    return (uint32_t)le(b, 4);
}

/* Address of funcdata i of fi, 0 if none. */
static uint64_t funcdata(core *c, const funcinfo *fi, uint32_t i)
{
    if (i >= fi->nfuncdata)
        return 0;
    uint32_t off = func_u32_after(c, fi, fi->npcdata + i);
    if (off == UINT32_MAX)
        return 0;
    return c->gofunc + off;
}

/* Stack map at sm (0: none): *n_out = its n (count of bitmaps; < 0: a
 * conservative size); bitmap `index` into bv. */
static int stackmap(core *c, uint64_t sm, int32_t index, int32_t *n_out, bitvec *bv)
{
    unsigned char h[8];
    bv->n = -1;
    bv->bits = NULL;
    *n_out = 0;
    if (!sm || cd_binary_read(c->bin, sm, h, 8) < 0)
        return -1;
    int32_t n = (int32_t)(uint32_t)le(h, 4), nbit = (int32_t)(uint32_t)le(h + 4, 4);
    *n_out = n;
    if (n <= 0 || index < 0 || index >= n || nbit < 0 || nbit > (1 << 20))
        return 0;
    size_t nb = (size_t)(nbit + 7) / 8;
    bv->bits = cd_malloc(nb + 1);
    if (cd_binary_read(c->bin, sm + 8 + (uint64_t)index * nb, bv->bits, nb) < 0) {
        free(bv->bits);
        bv->bits = NULL;
        return -1;
    }
    bv->n = nbit;
    return 0;
}

/* ---- objects ---- */

static void add_object(core *c, uint64_t a, uint32_t size, uint64_t off, int scan, int hdr)
{
    uint32_t sp = (uint32_t)(c->nspans - 1);
    if (c->nobj == c->objcap) {
        size_t cap = c->objcap;
        CD_GROW(c->addr, cap, c->nobj + 1);
        c->size = cd_reallocarray(c->size, cap, sizeof *c->size);
        c->content = cd_reallocarray(c->content, cap, sizeof *c->content);
        c->scan = cd_reallocarray(c->scan, cap, 1);
        c->hdr = cd_reallocarray(c->hdr, cap, 1);
        c->span = cd_reallocarray(c->span, cap, sizeof *c->span);
        c->objcap = cap;
    }
    size_t i = c->nobj++;
    c->addr[i] = a;
    c->size[i] = size;
    c->content[i] = off;
    c->scan[i] = (uint8_t)scan;
    c->hdr[i] = (uint8_t)hdr;
    c->span[i] = sp;
}

static int walk_spans(core *c)
{
    const layouts *L = &c->L;
    uint64_t mh = global_addr(c->bin, "runtime.mheap_");
    if (!mh)
        return cd_fail(c->err, CD_EBINARY, c->bin->path, -1, "no runtime.mheap_ in the binary");
    unsigned char sl[24];
    if (cread(c, mh + L->heap_allspans.off, sl, 24) < 0)
        return missing(c, "runtime.mheap_", mh);
    uint64_t arr = le(sl, 8), n = le(sl + 8, 8);
    if (c->minor <= 21 && L->heap_arenas.size && cword(c, mh + L->heap_arenas.off, &c->arenas_l2) < 0)
        c->arenas_l2 = 0;
    if (n > (1u << 28))
        return cd_fail(c->err, CD_EFORMAT, c->path, -1, "runtime.mheap_.allspans has %llu spans: not a Go heap",
                       (unsigned long long)n);
    unsigned char *ptrs = cd_malloc(n * 8 + 1);
    if (n && cread(c, arr, ptrs, n * 8) < 0) {
        free(ptrs);
        return missing(c, "runtime.mheap_.allspans", arr);
    }
    /* the heap's sweep generation: a span two behind was not swept since the
       last mark, so its mark bits, not its alloc bits, say what is live
       (what the sweep, which WriteHeapDump runs first, would leave) */
    uint64_t hsg = 0;
    unsigned char sg[4];
    int sweep_aware = c->minor <= 24 && L->heap_sweepgen.size == 4 && L->sp_sweepgen.size == 4 &&
                      L->sp_markbits.size == 8 && cread(c, mh + L->heap_sweepgen.off, sg, 4) == 0;
    if (sweep_aware)
        hsg = le(sg, 4);
    unsigned char *sp = cd_malloc(L->mspan_size);
    unsigned char *bits = NULL;
    size_t bcap = 0;
    int rc = 0;
    for (uint64_t i = 0; i < n && rc == 0; i++) {
        uint64_t sa = le(ptrs + i * 8, 8);
        if (!sa || cread(c, sa, sp, L->mspan_size) < 0) {
            c->skipped_spans++;
            continue;
        }
        if (get(sp, L->sp_state) != MSPAN_INUSE)
            continue;
        uint64_t base = get(sp, L->sp_start), npages = get(sp, L->sp_npages);
        uint64_t esize = get(sp, L->sp_elemsize), nelems = get(sp, L->sp_nelems);
        uint64_t freeidx = get(sp, L->sp_freeindex), ab = get(sp, L->sp_allocbits);
        uint64_t cls = get(sp, L->sp_class);
        if (esize < 8 || esize % 8 || !npages || npages > (1u << 22) || esize > npages << PAGE_SHIFT ||
            esize > UINT32_MAX || (npages << PAGE_SHIFT) / esize > (1u << 20)) {
            c->skipped_spans++;
            continue;
        }
        uint64_t nslots = (npages << PAGE_SHIFT) / esize;
        /* finalizer specials: _KindSpecialFinalizer is 1 up to Go 1.24, 2
           from 1.25 (a tiny-block kind comes first) */
        uint64_t spc = L->sp_specials.size && L->sl_kind.size && L->sf_fn.size ? get(sp, L->sp_specials) : 0;
        unsigned fin_kind = c->minor >= 25 ? 2 : 1;
        for (int guard = 0; spc && guard < (1 << 20); guard++) {
            unsigned char sb[64];
            if (cread(c, spc, sb, sizeof sb) < 0)
                break;
            if (get(sb, L->sl_kind) == fin_kind) {
                CD_GROW(c->fin_obj, c->fincap, c->nfin + 1);
                c->fin_fn = cd_reallocarray(c->fin_fn, c->fincap, sizeof *c->fin_fn);
                c->fin_obj[c->nfin] = base + get(sb, L->sl_offset);
                c->fin_fn[c->nfin++] = get(sb, L->sf_fn);
            }
            spc = get(sb, L->sl_next);
        }
        if (nelems > nslots)
            nelems = nslots;
        size_t nb = (size_t)((nelems + 7) / 8);
        CD_GROW(bits, bcap, nb + 1);
        if (sweep_aware) {
            uint64_t ssg = get(sp, L->sp_sweepgen);
            if ((uint32_t)(ssg + 2) == (uint32_t)hsg || (uint32_t)(ssg + 1) == (uint32_t)hsg) {
                ab = get(sp, L->sp_markbits);   /* unswept: live = marked */
                freeidx = 0;
                c->unswept++;
            }
        }
        if (nb && cread(c, ab, bits, nb) < 0) {
            c->skipped_spans++;
            continue;
        }
        int scan = !(cls & 1);
        /* Go 1.22+: objects over 512 B in small-object scan spans start
           with their type (malloc header) */
        int hdr = c->minor >= 22 && scan && (cls >> 1) != 0 && esize > 512;
        uint64_t off;
        if (core_off(c, base, nslots * esize, &off) < 0) {
            c->skipped_spans++;
            continue;
        }
        CD_GROW(c->spans, c->spancap, c->nspans + 1);
        c->spans[c->nspans++] = (span_info){base, npages, esize,
                                            c->L.sp_largetype.size ? get(sp, c->L.sp_largetype) : 0,
                                            (uint8_t)scan, (uint8_t)((cls >> 1) != 0)};
        for (uint64_t j = 0; j < nslots; j++) {
            /* the heap dump's rule: a slot below nelems is free unless below
               freeindex or marked in allocBits; slots past nelems (inline
               heap bits at a span's end, Go 1.22+) are written too */
            int isfree = j < nelems && j >= freeidx && !(bits[j / 8] >> (j % 8) & 1);
            if (!isfree)
                add_object(c, base + j * esize, (uint32_t)esize, off + j * esize, scan, hdr);
        }
    }
    free(bits);
    free(sp);
    free(ptrs);
    return rc;
}

/* ---- model ---- */

typedef struct builder {
    core *c;
    uint32_t *etarget; uint32_t *eoff; size_t nedge, ecap;
    uint64_t *dyn_edge; uint32_t *dyn_type; size_t ndyn, dcap;
    uint64_t *off_edge; uint32_t *off_value; size_t noff, ocap;
    size_t rcap;
} builder;

static uint32_t dyn_type(core *c, uint64_t prev)
{
    cd_snapshot *s = c->s;
    uint32_t idx;
    if (!prev)
        return 0;
    if (cd_map64_get(&s->itabs, prev, &idx))
        return idx;
    if (c->opt->types_hi && prev >= c->opt->types_lo && prev < c->opt->types_hi)
        return cd_snapshot_rtype(s, prev);
    return 0;
}

static int build_index(core *c)
{
    cd_snapshot *s = c->s;
    size_t n = c->nobj;
    if (n >= CD_NONE32)
        return cd_fail(c->err, CD_EFORMAT, c->path, -1, "too many objects (%zu)", n);
    s->nobj = n;
    s->obj_addr = cd_reallocarray(c->addr, n + 1, sizeof *s->obj_addr);
    s->obj_size = cd_reallocarray(c->size, n + 1, sizeof *s->obj_size);
    s->obj_content = cd_reallocarray(c->content, n + 1, sizeof *s->obj_content);
    c->addr = NULL; c->size = NULL; c->content = NULL;
    for (size_t i = 0; i < n; i++)
        s->bytes_total += s->obj_size[i];
    uint32_t clash[2];
    if (cd_snapshot_index(s, clash) < 0)
        return cd_fail(c->err, CD_EFORMAT, c->path, -1,
                       "heap object at 0x%llx overlaps the object at 0x%llx (inconsistent span table)",
                       (unsigned long long)s->obj_addr[clash[1]], (unsigned long long)s->obj_addr[clash[0]]);
    if (n) {
        uint32_t last = s->by_addr[n - 1];
        uint64_t end = s->obj_addr[last] + s->obj_size[last];
        c->heap_lo = s->sorted_addr[0];
        c->heap_hi = end;
        s->heap_start = s->sorted_addr[0] & ~((1ull << 26) - 1);
        s->heap_end = (end + (1ull << 26) - 1) & ~((1ull << 26) - 1);
    }
    return 0;
}

static uint32_t find(core *c, uint64_t v)
{
    if (v < c->heap_lo || v >= c->heap_hi)
        return CD_NONE32;
    return cd_snapshot_find(c->s, v);
}


/* ---- pointer bitmaps: the heap dump's field list of an object ---- */

#define ARENA_WORDS (1ull << 23)        /* 64 MiB arenas / 8-byte words */
#define ARENA_BASE_OFFSET 0xffff800000000000ull

typedef struct wordlist { uint32_t *w; size_t n, cap; } wordlist;

static void wl_add(wordlist *l, uint64_t i)
{
    CD_GROW(l->w, l->cap, l->n + 1);
    l->w[l->n++] = (uint32_t)i;
}

/* heapArena holding address a (Go <= 1.21), 0 if none */
static uint64_t arena_of(core *c, uint64_t a)
{
    uint64_t ai = ((a - ARENA_BASE_OFFSET) >> 26) & ((1ull << 22) - 1);
    if (c->last_ha && ai == c->last_ai)
        return c->last_ha;
    uint64_t ha;
    if (!c->arenas_l2 || cword(c, c->arenas_l2 + ai * 8, &ha) < 0)
        return 0;
    c->last_ai = ai;
    c->last_ha = ha;
    return ha;
}

static int bitmap_byte(core *c, uint64_t a, uint64_t byte_index, lay field, unsigned char *out)
{
    uint64_t ha = arena_of(c, a);
    if (!ha)
        return -1;
    const unsigned char *p = view(c, ha + field.off + byte_index, 1);
    if (!p)
        return -1;
    *out = *p;
    return 0;
}

/* Words of a type-described region: elements of typ repeated from elem
 * while below limit (Go 1.22+ typePointers). */
static int type_words(core *c, uint64_t typ, uint64_t obj, uint64_t elem, uint64_t limit, wordlist *l)
{
    const layouts *L = &c->L;
    unsigned char tb[64];
    if (!typ)
        return 0;
    if (read_any(c, typ, tb, sizeof tb) < 0)
        return -1;
    uint64_t size = get(tb, L->at_size), ptrbytes = get(tb, L->at_ptrbytes), gcdata = get(tb, L->at_gcdata);
    if (!ptrbytes)
        return 0;
    if (!size || ptrbytes > size || ptrbytes > (1u << 24))
        return -1;
    size_t nb = (size_t)(ptrbytes / 8 + 7) / 8;
    unsigned char *mask = cd_malloc(nb + 1);
    if (read_any(c, gcdata, mask, nb) < 0) {
        free(mask);
        return -1;
    }
    for (uint64_t e = elem; e < limit; e += size)
        for (uint64_t j = 0; j < ptrbytes / 8; j++)
            if (mask[j / 8] >> (j % 8) & 1) {
                uint64_t a = e + j * 8;
                if (a >= limit)
                    break;
                wl_add(l, (a - obj) / 8);
            }
    free(mask);
    return 0;
}

/* Word indices of object o's pointer slots as the runtime's bitmaps say
 * (what WriteHeapDump writes); -1 if the bitmaps cannot be read. */
static int obj_ptrs(core *c, uint32_t o, wordlist *l)
{
    const cd_snapshot *s = c->s;
    const layouts *L = &c->L;
    const span_info *sp = &c->spans[c->span[o]];
    uint64_t p = s->obj_addr[o], nw = s->obj_size[o] / 8;
    l->n = 0;
    if (c->minor <= 19) {
        if (!c->arenas_l2)
            return -1;
        for (uint64_t i = 0; i < nw; i++) {
            uint64_t w = (p / 8 + i) % ARENA_WORDS;
            unsigned char b;
            if (bitmap_byte(c, p + i * 8, w / 4, L->ha_bitmap, &b) < 0)
                return -1;
            unsigned sh = (unsigned)(w & 3);
            if (!(b >> (sh + 4) & 1))
                break;   /* no more pointers in this object */
            if (b >> sh & 1)
                wl_add(l, i);
        }
        return 0;
    }
    if (c->minor <= 21) {
        if (!c->arenas_l2)
            return -1;
        for (uint64_t i = 0; i < nw; i++) {
            uint64_t w = (p / 8 + i) % ARENA_WORDS;
            if (i && w % 64 == 0 && L->ha_nomore.size) {
                /* crossing into the next bitmap word: stop if the last one
                   said no more pointers follow */
                uint64_t idx = (w - 1) / 64;
                unsigned char nm;
                if (bitmap_byte(c, p + (i - 1) * 8, idx / 8, L->ha_nomore, &nm) < 0)
                    return -1;
                if (nm >> (idx % 8) & 1)
                    break;
            }
            unsigned char b;
            if (bitmap_byte(c, p + i * 8, w / 8, L->ha_bitmap, &b) < 0)
                return -1;
            if (b >> (w % 8) & 1)
                wl_add(l, i);
        }
        return 0;
    }
    /* Go 1.22+ */
    if (!sp->scan)
        return 0;
    if (!sp->small)   /* large object: span.largeType, no header */
        return L->sp_largetype.size ? type_words(c, sp->large_type, p, p, p + nw * 8, l) : -1;
    if (sp->esize > 512) {   /* malloc header: the type is word 0 */
        const unsigned char *h = view(c, p, 8);
        if (!h)
            return -1;
        return type_words(c, le(h, 8), p, p + 8, p + nw * 8, l);
    }
    /* small: one bit per word at the span's end (before Green Tea's inline
       mark bits) */
    uint64_t span_size = sp->npages << PAGE_SHIFT;
    uint64_t hb = sp->base + span_size - span_size / 64;
    if (c->L.inline_marks && sp->esize >= 16)
        hb -= c->L.inline_marks;
    uint64_t w0 = (p - sp->base) / 8;
    /* slots past nelems overlap the bitmap itself: the dump reads their
       bits the same way, so do the same */
    const unsigned char *bits = view(c, hb + w0 / 8, (size_t)((w0 % 8 + nw + 7) / 8));
    if (!bits)
        return -1;
    for (uint64_t i = 0; i < nw; i++) {
        uint64_t k = w0 % 8 + i;
        if (bits[k / 8] >> (k % 8) & 1)
            wl_add(l, i);
    }
    return 0;
}

static int scan_objects(core *c, builder *b)
{
    cd_snapshot *s = c->s;
    size_t n = s->nobj;
    s->obj_edge = cd_malloc((n + 1) * sizeof *s->obj_edge);
    s->obj_shape = cd_calloc(n + 1, sizeof *s->obj_shape);
    uint32_t *hdr_rt = NULL;
    wordlist wl = {0};
    unsigned char *buf = NULL;
    size_t bufcap = 0;
    for (size_t o = 0; o < n; o++) {
        s->obj_edge[o] = b->nedge;
        uint32_t size = s->obj_size[o];
        if (c->hdr[o] && size >= 8) {
            const unsigned char *p = view(c, s->obj_addr[o], 8);
            uint64_t w = p ? le(p, 8) : 0;
            if (w && c->opt->types_hi && w >= c->opt->types_lo && w < c->opt->types_hi) {
                if (!hdr_rt)
                    hdr_rt = cd_calloc(n ? n : 1, sizeof *hdr_rt);
                hdr_rt[o] = cd_snapshot_rtype(s, w);
            }
        }
        int precise = obj_ptrs(c, (uint32_t)o, &wl) == 0;
        if (!precise) {
            c->imprecise++;
            if (!c->scan[o])
                continue;
        }
        if (precise && wl.n == 0)
            continue;
        /* the bitmap word may sit in the window: copy the object first */
        const unsigned char *p = view(c, s->obj_addr[o], size);
        if (!p) {
            c->skipped_objs++;
            continue;
        }
        CD_GROW(buf, bufcap, size + 8);
        memcpy(buf, p, size);
        uint64_t shape = 0;
        size_t nk = precise ? wl.n : size / 8;
        for (size_t q = 0; q < nk; q++) {
            uint32_t k = precise ? wl.w[q] * 8 : (uint32_t)q * 8;
            if (k + 8 > size)
                break;
            uint64_t v = le(buf + k, 8);
            uint64_t pv = k ? le(buf + k - 8, 8) : 0;
            uint32_t t = find(c, v);
            if (precise)
                shape = cd_hash64(shape ^ ((uint64_t)k + 1));
            else if (t != CD_NONE32)
                shape = cd_hash64(shape ^ ((uint64_t)k + 1));
            if (!v || t == CD_NONE32)
                continue;
            if (b->nedge == b->ecap) {
                size_t cap = b->ecap;
                CD_GROW(b->etarget, cap, b->nedge + 1);
                b->eoff = cd_reallocarray(b->eoff, cap, sizeof *b->eoff);
                b->ecap = cap;
            }
            size_t e = b->nedge++;
            b->etarget[e] = t;
            b->eoff[e] = k;
            uint32_t dyn = k ? dyn_type(c, pv) : 0;
            if (dyn) {
                CD_GROW(b->dyn_edge, b->dcap, b->ndyn + 1);
                b->dyn_type = cd_reallocarray(b->dyn_type, b->dcap, sizeof *b->dyn_type);
                b->dyn_edge[b->ndyn] = e;
                b->dyn_type[b->ndyn++] = dyn;
            }
            if (v != s->obj_addr[t]) {
                CD_GROW(b->off_edge, b->ocap, b->noff + 1);
                b->off_value = cd_reallocarray(b->off_value, b->ocap, sizeof *b->off_value);
                b->off_edge[b->noff] = e;
                b->off_value[b->noff++] = (uint32_t)(v - s->obj_addr[t]);
            }
        }
        s->obj_shape[o] = (uint32_t)shape;
    }
    free(wl.w);
    free(buf);
    s->obj_edge[n] = b->nedge;
    s->nedge = b->nedge;
    s->edge_dst = cd_reallocarray(b->etarget, b->nedge ? b->nedge : 1, sizeof *s->edge_dst);
    s->edge_off = cd_reallocarray(b->eoff, b->nedge ? b->nedge : 1, sizeof *s->edge_off);
    b->etarget = NULL; b->eoff = NULL;
    s->dyn_edge = b->dyn_edge ? b->dyn_edge : cd_malloc(sizeof *s->dyn_edge);
    s->dyn_type = b->dyn_type ? b->dyn_type : cd_malloc(sizeof *s->dyn_type);
    s->ndyn = b->ndyn;
    b->dyn_edge = NULL; b->dyn_type = NULL;
    s->off_edge = b->off_edge ? b->off_edge : cd_malloc(sizeof *s->off_edge);
    s->off_value = b->off_value ? b->off_value : cd_malloc(sizeof *s->off_value);
    s->noff = b->noff;
    b->off_edge = NULL; b->off_value = NULL;
    s->obj_hdr = hdr_rt;
    return 0;
}

static void add_root(core *c, builder *b, uint8_t kind, uint32_t frame, uint64_t slot,
                     uint64_t v, uint64_t prev)
{
    cd_snapshot *s = c->s;
    uint32_t t = find(c, v);
    if (t == CD_NONE32)
        return;
    CD_GROW(s->roots, b->rcap, s->nroots + 1);
    s->roots[s->nroots++] = (cd_root){kind, frame, slot, t, (uint32_t)(v - s->obj_addr[t]),
                                      dyn_type(c, prev)};
}

/* data or bss: precise with the runtime's pointer mask, else every word */
static int scan_segment(core *c, builder *b, cd_segment *g, uint8_t kind, uint64_t lo, uint64_t hi,
                        uint64_t mask_n, uint64_t mask_p)
{
    g->addr = lo;
    g->size = hi > lo ? hi - lo : 0;
    if (!g->size)
        return 0;
    if (core_off(c, lo, g->size, &g->content_off) < 0)
        return missing(c, kind == CD_ROOT_DATA ? "the data segment" : "the bss segment", lo);
    unsigned char *mem = cd_malloc(g->size);
    if (pread_full(c, g->content_off, mem, g->size) < 0) {
        free(mem);
        return cd_fail(c->err, CD_EIO, c->path, (int64_t)g->content_off, "cannot read");
    }
    uint64_t nwords = g->size / 8;
    unsigned char *mask = NULL;
    if (mask_p && mask_n && mask_n <= nwords + 64) {
        mask = cd_malloc((mask_n + 7) / 8);
        if (cread(c, mask_p, mask, (mask_n + 7) / 8) < 0) {
            free(mask);
            mask = NULL;
        }
    }
    for (uint64_t i = 0; i < nwords; i++) {
        if (mask && (i >= mask_n || !(mask[i / 8] >> (i % 8) & 1)))
            continue;
        uint64_t v = le(mem + i * 8, 8);
        add_root(c, b, kind, CD_NONE32, lo + i * 8, v, i ? le(mem + (i - 1) * 8, 8) : 0);
    }
    free(mask);
    free(mem);
    return 0;
}

static void read_itabs(core *c)
{
    const layouts *L = &c->L;
    uint64_t g = global_addr(c->bin, "runtime.itabTable"), t, size;
    if (!g || cword(c, g, &t) < 0 || !t || cword(c, t + L->itt_size.off, &size) < 0 || size > (1u << 24))
        return;
    unsigned char *e = cd_malloc(size * 8 + 1);
    if (cread(c, t + L->itt_entries.off, e, size * 8) == 0)
        for (uint64_t i = 0; i < size; i++) {
            uint64_t itab = le(e + i * 8, 8), typ;
            if (itab && read_any(c, itab + L->itab_type.off, &typ, 8) == 0 && typ)
                cd_map64_put(&c->s->itabs, itab, cd_snapshot_rtype(c->s, typ));
        }
    free(e);
}

/* waitReasonStrings[i] from the binary (initialised data), "" if unknown */
static uint32_t wait_reason(core *c, uint64_t w)
{
    const cd_global *g = global_named(c->bin, "runtime.waitReasonStrings");
    char buf[128] = "";
    if (g && (w + 1) * 16 <= g->size) {
        unsigned char sh[16];
        if (read_any(c, g->addr + w * 16, sh, 16) == 0) {
            uint64_t p = le(sh, 8), n = le(sh + 8, 8);
            if (n < sizeof buf && read_any(c, p, buf, n) == 0)
                buf[n] = 0;
            else
                buf[0] = 0;
        }
    } else if (g) {
        snprintf(buf, sizeof buf, "unknown wait reason");
    }
    return cd_strtab_add(&c->s->strings, buf, strlen(buf));
}

static int is_system(core *c, uint64_t startpc)
{
    funcinfo fi;
    char name[256];
    if (find_func(c, startpc, &fi) < 0)
        return 0;
    func_name(c, &fi, name, sizeof name);
    if (strncmp(name, "runtime.", 8) != 0)
        return 0;
    return strcmp(name, "runtime.main") != 0 && strcmp(name, "runtime.handleAsyncEvent") != 0;
}

static void add_slot(wordlist *l, uint64_t off, uint64_t size)
{
    if (off % 8 == 0 && off + 8 <= size && (l->n == 0 || off > (uint64_t)l->w[l->n - 1] * 8))
        wl_add(l, off / 8);
}

/* Frames of one goroutine from (pc, sp): the pclntab's SP deltas give each
 * frame's size, the stack maps its live pointer slots (the same slots
 * WriteHeapDump lists: the callee's arguments in this frame, then the live
 * locals; every word where a function has no map). */
static void unwind(core *c, builder *b, uint32_t gi, uint64_t pc, uint64_t sp, uint64_t lo, uint64_t hi,
                   int running)
{
    cd_snapshot *s = c->s;
    bitvec child_args = {-1, NULL};
    uint64_t child_arglen = 0;
    wordlist slots = {0};
    for (uint32_t depth = 0; depth < MAX_FRAMES && pc && sp >= lo && sp < hi; depth++) {
        funcinfo fi;
        uint64_t look = pc;
        if (find_func(c, pc, &fi) < 0 || fi.entry != pc)
            look = pc - 1;  /* a return address: the call is before it */
        if (find_func(c, look, &fi) < 0)
            break;
        int32_t spd;
        if (pcvalue(c, fi.pcsp, fi.entry, look, &spd) < 0 || spd < 0)
            break;
        uint64_t fp = sp + (uint64_t)spd + 8;
        if (fp > hi || fp - sp > (1u << 24))
            break;
        char name[512];
        func_name(c, &fi, name, sizeof name);
        cd_frame f = {0};
        f.goroutine = gi;
        f.depth = depth;
        f.sp = sp;
        f.size = fp - sp;
        f.entry_pc = fi.entry;
        f.pc = pc;
        f.func = cd_strtab_add(&s->strings, name, strlen(name));
        uint64_t off = 0;
        if (core_off(c, sp, f.size, &off) == 0)
            f.content_off = off;
        uint32_t fidx = (uint32_t)s->nframes;
        CD_GROW(s->frames, c->frame_cap, s->nframes + 1);
        s->frames[s->nframes++] = f;
        s->goroutines[gi].nframes++;

        /* live pointer slots (dumpframe) */
        int32_t pcdata = -1;
        if (pc != fi.entry) {
            uint32_t tab = fi.npcdata > PCDATA_STACKMAP ? func_u32_after(c, &fi, PCDATA_STACKMAP) : 0;
            if (tab == 0 || pcvalue(c, tab, fi.entry, pc - 1, &pcdata) < 0)
                pcdata = -1;
        }
        if (pcdata == -1)
            pcdata = 0;
        uint64_t varp = fp - 8;
        if (varp > sp)
            varp -= 8;   /* the saved frame pointer */
        uint64_t lsm = funcdata(c, &fi, FUNCDATA_LOCALS);
        int32_t ln;
        bitvec lbv;
        stackmap(c, lsm, pcdata, &ln, &lbv);
        slots.n = 0;
        if (running && depth == 0) {
            /* stopped at any instruction, not at a safe point: every word */
            for (uint64_t o = 0; o < f.size; o += 8)
                add_slot(&slots, o, f.size);
        } else if (child_args.n >= 0) {
            for (int32_t i = 0; i < child_args.n; i++)
                if (child_args.bits[i / 8] >> (i % 8) & 1)
                    add_slot(&slots, (uint64_t)i * 8, f.size);
        } else {
            for (uint64_t o = 0; o < child_arglen; o += 8)
                add_slot(&slots, o, f.size);
        }
        if (!lsm) {
            for (uint64_t o = child_arglen; o < varp - sp; o += 8)
                add_slot(&slots, o, f.size);
        } else if (ln < 0) {
            uint64_t size = (uint64_t)-(int64_t)ln;
            for (uint64_t o = varp - size - sp; o < varp - sp; o += 8)
                add_slot(&slots, o, f.size);
        } else if (lbv.n > 0) {
            uint64_t base = varp - (uint64_t)lbv.n * 8 - sp;
            for (int32_t i = 0; i < lbv.n; i++)
                if (lbv.bits[i / 8] >> (i % 8) & 1)
                    add_slot(&slots, base + (uint64_t)i * 8, f.size);
        }
        free(lbv.bits);
        free(child_args.bits);
        child_arglen = fi.args > 0 ? (uint64_t)fi.args : 0;
        int32_t an;
        stackmap(c, funcdata(c, &fi, FUNCDATA_ARGS), pcdata, &an, &child_args);

        const unsigned char *p = slots.n ? view(c, sp, (size_t)f.size) : NULL;
        if (p) {
            uint64_t *words = cd_malloc((size_t)(f.size / 8 + 1) * 8);
            for (uint64_t i = 0; i < f.size / 8; i++)
                words[i] = le(p + i * 8, 8);
            for (size_t q = 0; q < slots.n; q++) {
                uint32_t w = slots.w[q];
                add_root(c, b, CD_ROOT_FRAME, fidx, sp + (uint64_t)w * 8, words[w], w ? words[w - 1] : 0);
            }
            free(words);
        }
        if (strcmp(name, "runtime.goexit") == 0 || strcmp(name, "runtime.mstart") == 0 ||
            strcmp(name, "runtime.rt0_go") == 0)
            break;
        uint64_t ret;
        if (cword(c, fp - 8, &ret) < 0)
            break;
        pc = ret;
        sp = fp;
    }
    free(child_args.bits);
    free(slots.w);
}

/* pc and sp of the thread running goroutine g (m.curg == g), from the
 * core's thread notes matched by m.procid; -1 if unknown. */
static int running_regs(core *c, uint64_t g, uint64_t *pc, uint64_t *sp)
{
    const layouts *L = &c->L;
    uint64_t m;
    uint64_t am = global_addr(c->bin, "runtime.allm");
    if (!am || !L->m_curg.size || !L->m_procid.size || !L->m_alllink.size || cword(c, am, &m) < 0)
        return -1;
    for (int guard = 0; m && guard < 100000; guard++) {
        uint64_t curg, procid, next;
        if (cword(c, m + L->m_curg.off, &curg) < 0 || cword(c, m + L->m_procid.off, &procid) < 0 ||
            cword(c, m + L->m_alllink.off, &next) < 0)
            return -1;
        if (curg == g) {
            for (size_t i = 0; i < c->nthreads; i++)
                if (c->threads[i].tid == procid) {
                    *pc = c->threads[i].rip;
                    *sp = c->threads[i].rsp;
                    return 0;
                }
            return -1;
        }
        m = next;
    }
    return -1;
}

static int read_goroutines(core *c, builder *b)
{
    cd_snapshot *s = c->s;
    const layouts *L = &c->L;
    uint64_t ga = global_addr(c->bin, "runtime.allgs");
    if (!ga)
        return cd_fail(c->err, CD_EBINARY, c->bin->path, -1, "no runtime.allgs in the binary");
    unsigned char sl[16];
    if (cread(c, ga, sl, 16) < 0)
        return missing(c, "runtime.allgs", ga);
    uint64_t arr = le(sl, 8), n = le(sl + 8, 8);
    if (n > (1u << 26))
        return cd_fail(c->err, CD_EFORMAT, c->path, -1, "runtime.allgs has %llu entries: not a Go process",
                       (unsigned long long)n);
    unsigned char *ptrs = cd_malloc(n * 8 + 1);
    if (n && cread(c, arr, ptrs, n * 8) < 0) {
        free(ptrs);
        return missing(c, "runtime.allgs", arr);
    }
    unsigned char *gb = cd_malloc(L->g_size);
    size_t gcap = 0;
    for (uint64_t i = 0; i < n; i++) {
        uint64_t gaddr = le(ptrs + i * 8, 8);
        if (!gaddr || cread(c, gaddr, gb, L->g_size) < 0)
            continue;
        uint64_t status = get(gb, L->g_status) & ~(uint64_t)G_SCAN;
        if (status == G_DEAD || status == 0)
            continue;
        cd_goroutine g = {0};
        g.gaddr = gaddr;
        g.goid = get(gb, L->g_goid);
        g.gopc = get(gb, L->g_gopc);
        g.status = status;
        g.waitsince = L->g_since.size ? get(gb, L->g_since) : 0;
        g.wait_reason = wait_reason(c, get(gb, L->g_wait));
        g.system = (uint8_t)is_system(c, get(gb, L->g_startpc));
        g.frame0 = (uint32_t)s->nframes;
        uint32_t gi = (uint32_t)s->ngoroutines;
        CD_GROW(s->goroutines, gcap, s->ngoroutines + 1);
        s->goroutines[s->ngoroutines++] = g;
        uint64_t ssp = get(gb, L->g_ssp);
        uint64_t sp = ssp ? ssp : get(gb, L->g_sp);
        uint64_t pc = ssp ? get(gb, L->g_spc) : get(gb, L->g_pc);
        int running = 0;
        if (status == 2) {
            /* running: its thread's registers, if the core has them */
            uint64_t tsp, tpc;
            if (running_regs(c, gaddr, &tpc, &tsp) == 0 && tsp >= get(gb, L->g_lo) && tsp < get(gb, L->g_hi)) {
                sp = tsp;
                pc = tpc;
                running = 1;
            } else {
                c->stale_running++;
            }
        }
        unwind(c, b, gi, pc, sp, get(gb, L->g_lo), get(gb, L->g_hi), running);
        /* a parked goroutine's closure context */
        add_root(c, b, CD_ROOT_FRAME, CD_NONE32, 0, get(gb, L->g_ctxt), 0);
    }
    free(gb);
    free(ptrs);
    return 0;
}

/* ---- load ---- */

static int go_minor(const char *v)
{
    int major = 0, minor = 0;
    const char *p = strstr(v, "go1.");
    if (p && sscanf(p, "go%d.%d", &major, &minor) == 2)
        return minor;
    return 99;
}

static int check_origin(core *c, uint64_t at_entry, unsigned char **md_out)
{
    cd_binary *bin = c->bin;
    uint64_t entry;
    unsigned etype;
    if (binary_entry(bin, &entry, &etype) < 0)
        return cd_fail(c->err, CD_EBINARY, bin->path, -1, "cannot read the ELF header");
    if (etype != 2)
        return cd_fail(c->err, CD_EBINARY, bin->path, -1,
                       "a position-independent binary: core files are read for non-PIE Go binaries only");
    if (at_entry && at_entry != entry)
        return cd_fail(c->err, CD_EBINARY, c->path, -1,
                       "the core is not from %s: it is a core of \"%s\" (entry point 0x%llx, the binary's is 0x%llx)",
                       bin->path, c->fname[0] ? c->fname : "?", (unsigned long long)at_entry,
                       (unsigned long long)entry);
    uint64_t md = global_addr(bin, "runtime.firstmoduledata");
    if (!md)
        return cd_fail(c->err, CD_EBINARY, bin->path, -1, "no runtime.firstmoduledata: not a Go binary");
    unsigned char *m = cd_malloc(c->L.md_size);
    unsigned char head[64];
    if (cread(c, md, m, c->L.md_size) < 0) {
        free(m);
        return cd_fail(c->err, CD_EFORMAT, c->path, -1,
                       "not a core of a Go program built as %s (no memory at runtime.firstmoduledata, 0x%llx)",
                       bin->path, (unsigned long long)md);
    }
    if (cd_binary_read(bin, md, head, sizeof head) == 0 && memcmp(head, m, sizeof head) != 0) {
        free(m);
        return cd_fail(c->err, CD_EBINARY, c->path, -1,
                       "the core is not from %s (its runtime.firstmoduledata differs)", bin->path);
    }
    *md_out = m;
    return 0;
}

static int load(core *c)
{
    cd_snapshot *s = c->s;
    uint64_t at_entry;
    if (read_elf(c, &at_entry) < 0)
        return -1;
    if (!c->bin)
        return cd_fail(c->err, CD_EUSAGE, c->path, -1,
                       "a core file needs the binary that made it (-b BINARY)");
    if (c->bin->ptr_size != 8 || c->bin->big_endian)
        return cd_fail(c->err, CD_EBINARY, c->bin->path, -1, "not a 64-bit little-endian binary");
    if (need_layouts(c) < 0)
        return -1;
    unsigned char *md = NULL;
    if (check_origin(c, at_entry, &md) < 0)
        return -1;
    int rc = load_pclntab(c, md);
    /* version: runtime.buildVersion, else the binary's */
    uint64_t bv = global_addr(c->bin, "runtime.buildVersion");
    unsigned char sh[16];
    snprintf(s->go_version, sizeof s->go_version, "%s", c->bin->go_version);
    if (bv && read_any(c, bv, sh, 16) == 0) {
        uint64_t p = le(sh, 8), n = le(sh + 8, 8);
        char v[64];
        if (n && n < sizeof v && read_any(c, p, v, n) == 0) {
            v[n] = 0;
            snprintf(s->go_version, sizeof s->go_version, "%s", v);
        }
    }
    c->minor = go_minor(s->go_version);
    s->ptr_size = 8;
    s->big_endian = 0;
    snprintf(s->goarch, sizeof s->goarch, "amd64");
    /* LastGC (memstats[22], the dump's clock for rates): runtime.memstats.last_gc_unix */
    uint64_t ms = global_addr(c->bin, "runtime.memstats");
    uint32_t mt = type_any(c->bin, "runtime.mstats");
    lay lg;
    if (ms && mt && field_path(c->bin, mt, "last_gc_unix", &lg) == 0 && lg.size == 8 &&
        cword(c, ms + lg.off, &s->memstats[22]) == 0)
        s->have_memstats = 1;
    uint64_t ncpu = global_addr(c->bin, "runtime.ncpu");
    unsigned char nb[4];
    if (ncpu && cread(c, ncpu, nb, 4) == 0)
        s->ncpu = le(nb, 4);
    builder b;
    memset(&b, 0, sizeof b);
    if (rc == 0) {
        read_itabs(c);
        rc = walk_spans(c);
    }
    if (rc == 0)
        rc = build_index(c);
    if (rc == 0)
        rc = scan_objects(c, &b);
    const layouts *L = &c->L;
    if (rc == 0)
        rc = scan_segment(c, &b, &s->data, CD_ROOT_DATA, get(md, L->md_data), get(md, L->md_edata),
                          L->md_gcdata_n.size ? get(md, L->md_gcdata_n) : 0,
                          L->md_gcdata_p.size ? get(md, L->md_gcdata_p) : 0);
    if (rc == 0)
        rc = scan_segment(c, &b, &s->bss, CD_ROOT_BSS, get(md, L->md_bss), get(md, L->md_ebss),
                          L->md_gcbss_n.size ? get(md, L->md_gcbss_n) : 0,
                          L->md_gcbss_p.size ? get(md, L->md_gcbss_p) : 0);
    if (rc == 0)
        rc = read_goroutines(c, &b);
    /* queued finalizers (runtime.allfin blocks, off the heap): the funcval
       and the resurrected object are roots */
    uint64_t fb = rc == 0 && L->fb_fin.size && L->fz_size && L->fz_arg.size ? global_addr(c->bin, "runtime.allfin") : 0;
    if (fb && cword(c, fb, &fb) < 0)
        fb = 0;
    for (int guard = 0; fb && guard < (1 << 16); guard++) {
        unsigned char cnt[4];
        uint64_t next;
        if (cread(c, fb + L->fb_cnt.off, cnt, 4) < 0 || cword(c, fb + L->fb_alllink.off, &next) < 0)
            break;
        uint64_t n = le(cnt, 4);
        if (n > L->fb_fin.size / L->fz_size)
            break;
        for (uint64_t i = 0; i < n; i++) {
            uint64_t fa = fb + L->fb_fin.off + i * L->fz_size, fnv, arg;
            if (cword(c, fa + L->fz_fn.off, &fnv) < 0 || cword(c, fa + L->fz_arg.off, &arg) < 0)
                break;
            add_root(c, &b, CD_ROOT_QUEUED, CD_NONE32, 0, fnv, 0);
            add_root(c, &b, CD_ROOT_QUEUED, CD_NONE32, 0, arg, 0);
            s->nqueued++;
        }
        fb = next;
    }
    /* finalizers: the funcval, and the finalized object's referents (not
       the object itself), as in heap dumps */
    for (size_t i = 0; rc == 0 && i < c->nfin; i++) {
        add_root(c, &b, CD_ROOT_FINALIZER, CD_NONE32, 0, c->fin_fn[i], 0);
        uint32_t o = find(c, c->fin_obj[i]);
        s->nfinalizers++;
        if (o == CD_NONE32)
            continue;
        for (uint64_t e = s->obj_edge[o]; e < s->obj_edge[o + 1]; e++) {
            CD_GROW(s->roots, b.rcap, s->nroots + 1);
            s->roots[s->nroots++] = (cd_root){CD_ROOT_FINALIZER, CD_NONE32, s->obj_addr[o] + s->edge_off[e],
                                              s->edge_dst[e], cd_edge_dst_off(s, e), cd_edge_dyn(s, e)};
        }
    }
    free(b.etarget); free(b.eoff); free(b.dyn_edge); free(b.dyn_type);
    free(b.off_edge); free(b.off_value);
    free(md);
    return rc;
}

int cd_core_load(const char *path, cd_binary *bin, const cd_load_options *opt,
                 cd_snapshot **out, cd_error *err)
{
    static const cd_load_options none = {0, 0};
    core c;
    memset(&c, 0, sizeof c);
    c.path = path;
    c.bin = bin;
    c.err = err;
    c.opt = opt ? opt : &none;
    *out = NULL;
    cd_snapshot *s = cd_calloc(1, sizeof *s);
    s->fd = -1;
    s->path = cd_strdup(path);
    cd_strtab_init(&s->strings);
    c.s = s;
    int rc = 0;
    c.fd = open(path, O_RDONLY | O_CLOEXEC);
    struct stat st;
    if (c.fd < 0)
        rc = cd_fail(err, CD_EIO, path, -1, "cannot open: %s", strerror(errno));
    else if (fstat(c.fd, &st) < 0 || !S_ISREG(st.st_mode))
        rc = cd_fail(err, CD_EIO, path, -1, "not a regular file");
    if (rc == 0) {
        c.fsize = (uint64_t)st.st_size;
        s->file_size = c.fsize;
        /* segments are checked against the file size before any read, so
           the mapping is never read past its end */
        void *m = c.fsize ? mmap(NULL, (size_t)c.fsize, PROT_READ, MAP_PRIVATE, c.fd, 0) : MAP_FAILED;
        if (m != MAP_FAILED)
            c.map = m;
        rc = load(&c);
    }
    if (rc == 0) {
        s->fd = c.fd;
        c.fd = -1;
    }
    if (c.map)
        munmap((void *)c.map, (size_t)c.fsize);
    if (c.fd >= 0)
        close(c.fd);
    free(c.segs); free(c.win);
    free(c.addr); free(c.size); free(c.content); free(c.scan); free(c.hdr);
    free(c.span); free(c.spans); free(c.threads); free(c.fin_obj); free(c.fin_fn);
    free(c.ftab_entry); free(c.ftab_off);
    if (rc < 0) {
        cd_snapshot_free(s);
        return -1;
    }
    *out = s;
    return 0;
}
