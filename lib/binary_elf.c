/* binary_elf.c — the ELF side of cd_binary: map the file, check and parse
 * the section headers and .symtab, find .data/.bss, runtime.types and the
 * Go version in .go.buildinfo. Every read is bounded by the file size: a
 * section whose bytes do not fit in the file makes the whole file an error
 * (so libdwarf never sees a truncated image). ELF32/ELF64, either byte
 * order. */
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include "binary_priv.h"

#define SHT_NOBITS_ 8
#define SHT_SYMTAB_ 2
#define SHF_ALLOC_ 0x2
#define SHN_UNDEF_ 0
#define SHN_XINDEX_ 0xffff
#define STT_FUNC_ 2
#define STT_SECTION_ 3
#define STT_FILE_ 4

uint64_t cd_binary_rdint(const cd_binary *bin, const unsigned char *p, int n)
{
    uint64_t v = 0;
    if (bin->big_endian) {
        for (int i = 0; i < n; i++)
            v = (v << 8) | p[i];
    } else {
        for (int i = n - 1; i >= 0; i--)
            v = (v << 8) | p[i];
    }
    return v;
}

/* Is [off, off+n) inside the image? */
static int in_file(const bin_priv *p, uint64_t off, uint64_t n)
{
    return off <= p->img_size && n <= p->img_size - off;
}

/* NUL-terminated string at tab->off + idx, or NULL if it runs past the
 * string table. */
static const char *strtab_at(const bin_priv *p, const bin_section *tab, uint64_t idx)
{
    if (!tab || idx >= tab->size)
        return NULL;
    const char *s = (const char *)p->img + tab->off + idx;
    if (!memchr(s, 0, tab->size - idx))
        return NULL;
    return s;
}

const bin_section *cd_binary_section(const cd_binary *bin, const char *name)
{
    const bin_priv *p = bin_p(bin);
    for (size_t i = 0; i < p->nsecs; i++)
        if (strcmp(p->secs[i].name, name) == 0)
            return &p->secs[i];
    return NULL;
}

static int range_cmp(const void *a, const void *b)
{
    const bin_range *x = a, *y = b;
    return x->addr < y->addr ? -1 : x->addr > y->addr;
}

static int sym_cmp(const void *a, const void *b)
{
    const cd_symbol *x = a, *y = b;
    if (x->addr != y->addr)
        return x->addr < y->addr ? -1 : 1;
    if (x->size != y->size)
        return x->size > y->size ? -1 : 1;   /* bigger first */
    return strcmp(x->name, y->name);
}

static int parse_sections(cd_binary *bin, const char *path, cd_error *err)
{
    bin_priv *p = bin_p(bin);
    const unsigned char *h = p->img;
    int is64 = bin->ptr_size == 8;
    uint64_t shoff = cd_binary_rdint(bin, h + (is64 ? 0x28 : 0x20), is64 ? 8 : 4);
    uint32_t shentsize = (uint32_t)cd_binary_rdint(bin, h + (is64 ? 0x3a : 0x2e), 2);
    uint64_t shnum = cd_binary_rdint(bin, h + (is64 ? 0x3c : 0x30), 2);
    uint32_t shstrndx = (uint32_t)cd_binary_rdint(bin, h + (is64 ? 0x3e : 0x32), 2);
    uint32_t want = is64 ? 64 : 40;

    if (shoff == 0)
        return cd_fail(err, CD_EBINARY, path, -1, "ELF file has no section headers");
    if (shentsize < want)
        return cd_fail(err, CD_EBINARY, path, is64 ? 0x3a : 0x2e,
                       "bad ELF section header size %u", shentsize);
    if (!in_file(p, shoff, shentsize))
        return cd_fail(err, CD_EBINARY, path, (int64_t)shoff,
                       "truncated ELF: section headers at offset %llu lie past the end of the "
                       "file (%zu bytes)", (unsigned long long)shoff, p->img_size);
    /* Extended numbering: real counts live in section header 0. */
    const unsigned char *sh0 = h + shoff;
    if (shnum == 0)
        shnum = cd_binary_rdint(bin, sh0 + (is64 ? 0x20 : 0x14), is64 ? 8 : 4);
    if (shstrndx == SHN_XINDEX_)
        shstrndx = (uint32_t)cd_binary_rdint(bin, sh0 + (is64 ? 0x28 : 0x18), 4);
    if (shnum == 0 || shnum > (p->img_size - shoff) / shentsize)
        return cd_fail(err, CD_EBINARY, path, (int64_t)shoff,
                       "truncated ELF: %llu section headers of %u bytes at offset %llu do not "
                       "fit in the file (%zu bytes)", (unsigned long long)shnum, shentsize,
                       (unsigned long long)shoff, p->img_size);

    p->secs = cd_calloc(shnum, sizeof *p->secs);
    p->nsecs = shnum;
    for (uint64_t i = 0; i < shnum; i++) {
        const unsigned char *s = h + shoff + i * shentsize;
        bin_section *sec = &p->secs[i];
        sec->name = "";
        sec->type = (uint32_t)cd_binary_rdint(bin, s + 4, 4);
        if (is64) {
            sec->flags = cd_binary_rdint(bin, s + 8, 8);
            sec->addr = cd_binary_rdint(bin, s + 0x10, 8);
            sec->off = cd_binary_rdint(bin, s + 0x18, 8);
            sec->size = cd_binary_rdint(bin, s + 0x20, 8);
            sec->link = (uint32_t)cd_binary_rdint(bin, s + 0x28, 4);
            sec->entsize = cd_binary_rdint(bin, s + 0x38, 8);
        } else {
            sec->flags = cd_binary_rdint(bin, s + 8, 4);
            sec->addr = cd_binary_rdint(bin, s + 0x0c, 4);
            sec->off = cd_binary_rdint(bin, s + 0x10, 4);
            sec->size = cd_binary_rdint(bin, s + 0x14, 4);
            sec->link = (uint32_t)cd_binary_rdint(bin, s + 0x18, 4);
            sec->entsize = cd_binary_rdint(bin, s + 0x24, 4);
        }
    }
    const bin_section *tab = shstrndx && shstrndx < shnum ? &p->secs[shstrndx] : NULL;
    if (tab && tab->type != SHT_NOBITS_ && in_file(p, tab->off, tab->size)) {
        for (uint64_t i = 0; i < shnum; i++) {
            const unsigned char *s = h + shoff + i * shentsize;
            const char *nm = strtab_at(p, tab, cd_binary_rdint(bin, s, 4));
            if (nm)
                p->secs[i].name = nm;
        }
    }
    for (uint64_t i = 1; i < shnum; i++) {
        const bin_section *sec = &p->secs[i];
        if (sec->type != SHT_NOBITS_ && sec->size && !in_file(p, sec->off, sec->size))
            return cd_fail(err, CD_EBINARY, path, (int64_t)sec->off,
                           "truncated ELF: section [%llu] %s: %llu bytes at offset %llu extend "
                           "past the end of the file (%zu bytes)", (unsigned long long)i,
                           sec->name[0] ? sec->name : "?", (unsigned long long)sec->size,
                           (unsigned long long)sec->off, p->img_size);
    }

    /* Loaded sections with file bytes, for cd_binary_read. */
    p->ranges = cd_calloc(shnum, sizeof *p->ranges);
    for (size_t i = 1; i < p->nsecs; i++) {
        const bin_section *sec = &p->secs[i];
        if (!(sec->flags & SHF_ALLOC_) || sec->type == SHT_NOBITS_ || !sec->size || !sec->addr)
            continue;
        if (sec->addr + sec->size < sec->addr)
            continue;
        p->ranges[p->nranges++] = (bin_range){sec->addr, sec->size, sec->off};
    }
    qsort(p->ranges, p->nranges, sizeof *p->ranges, range_cmp);

    const bin_section *d = cd_binary_section(bin, ".data");
    if (d) {
        bin->data_addr = d->addr;
        bin->data_size = d->size;
    }
    const bin_section *b = cd_binary_section(bin, ".bss");
    if (b) {
        bin->bss_addr = b->addr;
        bin->bss_size = b->size;
    }
    return 0;
}

static void parse_symtab(cd_binary *bin)
{
    bin_priv *p = bin_p(bin);
    const bin_section *st = NULL;
    for (size_t i = 1; i < p->nsecs; i++)
        if (p->secs[i].type == SHT_SYMTAB_) {
            st = &p->secs[i];
            break;
        }
    if (!st || st->link == 0 || st->link >= p->nsecs)
        return;
    const bin_section *strs = &p->secs[st->link];
    if (strs->type == SHT_NOBITS_)
        return;
    int is64 = bin->ptr_size == 8;
    uint64_t esz = is64 ? 24 : 16;
    if (st->entsize >= esz)
        esz = st->entsize;
    uint64_t n = st->size / esz;
    if (n == 0)
        return;
    bin->syms = cd_calloc(n, sizeof *bin->syms);
    size_t k = 0;
    for (uint64_t i = 1; i < n; i++) {
        const unsigned char *s = p->img + st->off + i * esz;
        uint32_t nameoff = (uint32_t)cd_binary_rdint(bin, s, 4);
        uint8_t info;
        uint32_t shndx;
        uint64_t addr, size;
        if (is64) {
            info = s[4];
            shndx = (uint32_t)cd_binary_rdint(bin, s + 6, 2);
            addr = cd_binary_rdint(bin, s + 8, 8);
            size = cd_binary_rdint(bin, s + 16, 8);
        } else {
            addr = cd_binary_rdint(bin, s + 4, 4);
            size = cd_binary_rdint(bin, s + 8, 4);
            info = s[12];
            shndx = (uint32_t)cd_binary_rdint(bin, s + 14, 2);
        }
        int type = info & 0xf;
        if (shndx == SHN_UNDEF_ || type == STT_SECTION_ || type == STT_FILE_)
            continue;
        const char *nm = strtab_at(p, strs, nameoff);
        if (!nm || !*nm)
            continue;
        if (addr + size < addr)
            size = 0;
        bin->syms[k++] = (cd_symbol){nm, addr, size, type == STT_FUNC_};
    }
    bin->nsyms = k;
    qsort(bin->syms, k, sizeof *bin->syms, sym_cmp);
    p->sym_maxend = cd_malloc((k ? k : 1) * sizeof *p->sym_maxend);
    uint64_t m = 0;
    for (size_t i = 0; i < k; i++) {
        uint64_t e = bin->syms[i].addr + bin->syms[i].size;
        if (e > m)
            m = e;
        p->sym_maxend[i] = m;
    }
}

static const cd_symbol *sym_named(const cd_binary *bin, const char *name)
{
    for (size_t i = 0; i < bin->nsyms; i++)
        if (strcmp(bin->syms[i].name, name) == 0)
            return &bin->syms[i];
    return NULL;
}

int cd_binary_elf_load(cd_binary *bin, const char *path, cd_error *err)
{
    bin_priv *p = bin_p(bin);
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0)
        return cd_fail(err, CD_EBINARY, path, -1, "cannot open binary: %s", strerror(errno));
    struct stat st;
    if (fstat(fd, &st) < 0) {
        int e = errno;
        close(fd);
        return cd_fail(err, CD_EBINARY, path, -1, "cannot stat binary: %s", strerror(e));
    }
    if (!S_ISREG(st.st_mode)) {
        close(fd);
        return cd_fail(err, CD_EBINARY, path, -1, "not a regular file");
    }
    if (st.st_size < 52) {
        close(fd);
        return cd_fail(err, CD_EBINARY, path, -1,
                       "not an ELF file (only %lld bytes)", (long long)st.st_size);
    }
    if ((uint64_t)st.st_size > SIZE_MAX) {
        close(fd);
        return cd_fail(err, CD_EBINARY, path, -1, "file too large");
    }
    void *m = mmap(NULL, (size_t)st.st_size, PROT_READ, MAP_PRIVATE, fd, 0);
    int e = errno;
    close(fd);
    if (m == MAP_FAILED)
        return cd_fail(err, CD_EBINARY, path, -1, "cannot map binary: %s", strerror(e));
    p->img = m;
    p->img_size = (size_t)st.st_size;

    const unsigned char *h = p->img;
    if (memcmp(h, "\177ELF", 4) != 0)
        return cd_fail(err, CD_EBINARY, path, 0, "not an ELF file (bad magic)");
    if (h[4] != 1 && h[4] != 2)
        return cd_fail(err, CD_EBINARY, path, 4, "bad ELF class %u", h[4]);
    if (h[5] != 1 && h[5] != 2)
        return cd_fail(err, CD_EBINARY, path, 5, "bad ELF byte order %u", h[5]);
    bin->ptr_size = h[4] == 2 ? 8 : 4;
    bin->big_endian = h[5] == 2;
    if (bin->ptr_size == 8 && p->img_size < 64)
        return cd_fail(err, CD_EBINARY, path, -1, "truncated ELF header");

    if (parse_sections(bin, path, err) < 0)
        return -1;
    parse_symtab(bin);

    const cd_symbol *s = sym_named(bin, "runtime.types");
    if (!s)
        s = sym_named(bin, "type:*");
    if (!s)
        s = sym_named(bin, "type.*");
    if (s)
        bin->types_base = s->addr;
    s = sym_named(bin, "runtime.etypes");
    if (s)
        bin->types_end = s->addr;
    s = sym_named(bin, "runtime.firstmoduledata");
    if (s)
        p->firstmoduledata = s->addr;
    return 0;
}

void cd_binary_elf_unload(cd_binary *bin)
{
    bin_priv *p = bin_p(bin);
    if (p->img)
        munmap((void *)p->img, p->img_size);
    p->img = NULL;
    free(p->secs);
    free(p->ranges);
    free(p->sym_maxend);
}

/* .go.buildinfo: "\xff Go buildinf:" (14 bytes), ptr size, flags; with
 * flags&2 (Go 1.18+) the version follows at 32 as uvarint length + bytes,
 * else two pointers to Go string headers (version, mod info) at 16. */
void cd_binary_buildinfo_version(cd_binary *bin)
{
    const bin_section *s = cd_binary_section(bin, ".go.buildinfo");
    if (!s || s->type == SHT_NOBITS_ || s->size < 32)
        return;
    const bin_priv *p = bin_p(bin);
    const unsigned char *b = p->img + s->off;
    if (memcmp(b, "\377 Go buildinf:", 14) != 0)
        return;
    uint8_t flags = b[15];
    char ver[64];
    size_t n = 0;
    if (flags & 2) {
        uint64_t len = 0;
        size_t i = 32;
        for (int shift = 0; i < s->size && shift < 64; shift += 7) {
            uint8_t c = b[i++];
            len |= (uint64_t)(c & 0x7f) << shift;
            if (!(c & 0x80))
                break;
        }
        if (len == 0 || len >= sizeof ver || len > s->size - i)
            return;
        memcpy(ver, b + i, len);
        n = len;
    } else {
        int ps = b[14];
        if (ps != 4 && ps != 8)
            return;
        uint64_t hdr = cd_binary_rdint(bin, b + 16, ps);
        unsigned char sh[16];
        if (cd_binary_read(bin, hdr, sh, 2 * (size_t)ps) < 0)
            return;
        uint64_t str = cd_binary_rdint(bin, sh, ps), len = cd_binary_rdint(bin, sh + ps, ps);
        if (len == 0 || len >= sizeof ver || cd_binary_read(bin, str, ver, len) < 0)
            return;
        n = len;
    }
    ver[n] = 0;
    if (strncmp(ver, "go", 2) == 0 && !memchr(ver, '\n', n))
        memcpy(bin->go_version, ver, n + 1);
}
