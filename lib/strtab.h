/* strtab.h — interned strings: each distinct string is stored once and
 * named by a small id (0 is the empty string). Used for function names,
 * wait reasons and file names read from snapshots. */
#ifndef CD_STRTAB_H
#define CD_STRTAB_H

#include <stddef.h>
#include <stdint.h>

typedef struct cd_strtab {
    char *buf;  size_t len, cap;        /* NUL-terminated strings, back to back */
    uint32_t *off; size_t n, ncap;      /* id -> offset in buf */
    uint32_t *slots; size_t nslots;     /* hash slots: id+1, 0 = empty */
} cd_strtab;

void cd_strtab_init(cd_strtab *t);
uint32_t cd_strtab_add(cd_strtab *t, const char *s, size_t n);
static inline const char *cd_strtab_get(const cd_strtab *t, uint32_t id)
{
    return id < t->n ? t->buf + t->off[id] : "";
}
void cd_strtab_free(cd_strtab *t);

#endif
