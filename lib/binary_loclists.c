/* binary_loclists.c — check .debug_loclists (DWARF 5, Go >= 1.25) before
 * libdwarf reads it. libdwarf 20210528 crashes (wild read in
 * _dwarf_loclists_fill_in_lle_head) on a location list entry with an
 * unknown DW_LLE code or one that runs past its unit, so a corrupt section
 * would crash ctxdiff instead of giving an error. We walk every unit once:
 * header, offset table, then the lists back to back (what Go and GCC
 * write), checking each entry's kind and operand lengths, and mark the
 * entry boundaries of every list that checks out up to its end_of_list.
 * binary_dwarf.c hands libdwarf a DW_FORM_sec_offset location only if it
 * points at such a mark, and reports the binary as corrupt otherwise.
 * Nothing here fails: a unit we do not understand (a C compiler's vendor
 * extension in a cgo binary, say) just gets no marks, and only matters if
 * a Go variable points into it.
 *
 * Section bytes come from the ELF image; SHF_COMPRESSED (zlib) and .zdebug
 * sections are inflated with zlib. */
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <zlib.h>

#include "binary_priv.h"

#define SHF_COMPRESSED_ 0x800
#define ELFCOMPRESS_ZLIB_ 1
#define MAX_INFLATED ((uint64_t)1 << 32)

int cd_binary_section_data(const cd_binary *bin, const bin_section *sec, unsigned char **out,
                           uint64_t *len)
{
    const bin_priv *p = bin_p(bin);
    const unsigned char *raw = p->img + sec->off;
    uint64_t rawlen = sec->size, size;
    size_t hdr;
    *out = NULL;
    *len = 0;
    if (sec->flags & SHF_COMPRESSED_) {
        hdr = bin->ptr_size == 8 ? 24 : 12;
        if (rawlen < hdr || cd_binary_rdint(bin, raw, 4) != ELFCOMPRESS_ZLIB_)
            return -1;
        size = cd_binary_rdint(bin, raw + (bin->ptr_size == 8 ? 8 : 4), bin->ptr_size);
    } else if (strncmp(sec->name, ".zdebug", 7) == 0) {
        hdr = 12;
        if (rawlen < hdr || memcmp(raw, "ZLIB", 4) != 0)
            return -1;
        size = 0;
        for (int i = 4; i < 12; i++)
            size = (size << 8) | raw[i];
    } else {
        *out = cd_malloc(rawlen ? (size_t)rawlen : 1);
        memcpy(*out, raw, (size_t)rawlen);
        *len = rawlen;
        return 0;
    }
    if (size > MAX_INFLATED || (rawlen - hdr) > ULONG_MAX)
        return -1;
    unsigned char *buf = cd_malloc(size ? (size_t)size : 1);
    uLongf got = (uLongf)size;
    if (uncompress(buf, &got, raw + hdr, (uLong)(rawlen - hdr)) != Z_OK || got != size) {
        free(buf);
        return -1;
    }
    *out = buf;
    *len = size;
    return 0;
}

/* Unsigned LEB128 at *pos (< end); returns 0, or -1 if it runs off. */
static int uleb(const unsigned char *b, uint64_t *pos, uint64_t end, uint64_t *v)
{
    uint64_t r = 0;
    for (int shift = 0; *pos < end && shift < 70; shift += 7) {
        uint8_t c = b[(*pos)++];
        if (shift < 64)
            r |= (uint64_t)(c & 0x7f) << shift;
        if (!(c & 0x80)) {
            *v = r;
            return 0;
        }
    }
    return -1;
}

static int skip(uint64_t *pos, uint64_t end, uint64_t n)
{
    if (n > end - *pos)
        return -1;
    *pos += n;
    return 0;
}

/* A counted location expression: ULEB length, bytes. */
static int expr(const unsigned char *b, uint64_t *pos, uint64_t end)
{
    uint64_t n;
    return uleb(b, pos, end, &n) < 0 ? -1 : skip(pos, end, n);
}

void cd_binary_check_loclists(cd_binary *bin, uint8_t **starts, uint64_t *nbytes)
{
    *starts = NULL;
    *nbytes = 0;
    const bin_section *sec = cd_binary_section(bin, ".debug_loclists");
    if (!sec)
        sec = cd_binary_section(bin, ".zdebug_loclists");
    if (!sec || sec->type == 8 /* SHT_NOBITS */ || sec->size == 0)
        return;
    unsigned char *b;
    uint64_t n;
    if (cd_binary_section_data(bin, sec, &b, &n) < 0)
        return;
    uint8_t *bits = cd_calloc((size_t)(n / 8 + 1), 1);
    uint64_t pos = 0;
    while (pos < n) {
        uint64_t len, end, count, v;
        int off8 = 0;
        if (n - pos < 4)
            break;
        len = cd_binary_rdint(bin, b + pos, 4);
        pos += 4;
        if (len == 0xffffffffu) {
            if (n - pos < 8)
                break;
            len = cd_binary_rdint(bin, b + pos, 8);
            pos += 8;
            off8 = 1;
        }
        if (len > n - pos || len < 8)
            break;   /* the rest of the section is not trusted */
        end = pos + len;
        uint64_t ver = cd_binary_rdint(bin, b + pos, 2);
        uint8_t asz = b[pos + 2], ssz = b[pos + 3];
        count = cd_binary_rdint(bin, b + pos + 4, 4);
        pos += 8;
        int osz = off8 ? 8 : 4;
        if (ver != 5 || (asz != 4 && asz != 8) || ssz != 0 || count > (end - pos) / (uint64_t)osz) {
            pos = end;   /* skip this unit: nothing in it is marked */
            continue;
        }
        pos += count * (uint64_t)osz;
        /* Lists back to back. Every entry boundary is marked (a list may
         * be entered at any entry), but the marks of a list that does not
         * check out up to its end_of_list are taken back. */
        uint64_t list = pos;
        while (pos < end) {
            bits[pos / 8] |= (uint8_t)(1u << (pos % 8));
            uint8_t kind = b[pos++];
            int rc = 0;
            switch (kind) {
            case 0:   /* DW_LLE_end_of_list */
                list = pos;
                break;
            case 1:   /* base_addressx */
                rc = uleb(b, &pos, end, &v);
                break;
            case 2:   /* startx_endx */
            case 3:   /* startx_length */
            case 4:   /* offset_pair */
                rc = uleb(b, &pos, end, &v) < 0 || uleb(b, &pos, end, &v) < 0 ||
                     expr(b, &pos, end) < 0 ? -1 : 0;
                break;
            case 5:   /* default_location */
                rc = expr(b, &pos, end);
                break;
            case 6:   /* base_address */
                rc = skip(&pos, end, asz);
                break;
            case 7:   /* start_end */
                rc = skip(&pos, end, 2u * asz) < 0 || expr(b, &pos, end) < 0 ? -1 : 0;
                break;
            case 8:   /* start_length */
                rc = skip(&pos, end, asz) < 0 || uleb(b, &pos, end, &v) < 0 ||
                     expr(b, &pos, end) < 0 ? -1 : 0;
                break;
            case 9:   /* DW_LLE_GNU_view_pair (GCC) */
                rc = uleb(b, &pos, end, &v) < 0 || uleb(b, &pos, end, &v) < 0 ? -1 : 0;
                break;
            default:
                rc = -1;
                break;
            }
            if (rc < 0)
                break;   /* the rest of this unit is not trusted */
        }
        for (uint64_t q = list; q < end; q++)
            bits[q / 8] &= (uint8_t)~(1u << (q % 8));
        pos = end;
    }
    free(b);
    *starts = bits;
    *nbytes = n;
}
