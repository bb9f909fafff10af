/* strtab.c — interned strings (see strtab.h). */
#include <stdlib.h>
#include <string.h>

#include "strtab.h"
#include "util.h"

void cd_strtab_init(cd_strtab *t)
{
    memset(t, 0, sizeof *t);
    cd_strtab_add(t, "", 0);
}

static void strtab_rehash(cd_strtab *t)
{
    size_t ns = t->nslots ? t->nslots * 2 : 256;
    free(t->slots);
    t->slots = cd_calloc(ns, sizeof *t->slots);
    t->nslots = ns;
    for (uint32_t id = 0; id < t->n; id++) {
        const char *s = t->buf + t->off[id];
        size_t j = cd_hash_bytes(s, strlen(s), cd_hash_seed()) & (ns - 1);
        while (t->slots[j])
            j = (j + 1) & (ns - 1);
        t->slots[j] = id + 1;
    }
}

uint32_t cd_strtab_add(cd_strtab *t, const char *s, size_t n)
{
    if ((t->n + 1) * 2 > t->nslots)
        strtab_rehash(t);
    /* Embedded NULs cannot be represented: cut the string there (before
       looking it up, so that e[m] below stays inside the stored string). */
    const char *nul = memchr(s, 0, n);
    size_t m = nul ? (size_t)(nul - s) : n;
    /* the same seed as strtab_rehash: a string is looked up where it was put */
    size_t j = cd_hash_bytes(s, m, cd_hash_seed()) & (t->nslots - 1);
    while (t->slots[j]) {
        uint32_t id = t->slots[j] - 1;
        const char *e = t->buf + t->off[id];
        if (strncmp(e, s, m) == 0 && e[m] == 0)
            return id;
        j = (j + 1) & (t->nslots - 1);
    }
    CD_GROW(t->buf, t->cap, t->len + m + 1);
    memcpy(t->buf + t->len, s, m);
    t->buf[t->len + m] = 0;
    CD_GROW(t->off, t->ncap, t->n + 1);
    t->off[t->n] = (uint32_t)t->len;
    t->len += m + 1;
    t->slots[j] = (uint32_t)t->n + 1;
    return (uint32_t)t->n++;
}

void cd_strtab_free(cd_strtab *t)
{
    free(t->buf);
    free(t->off);
    free(t->slots);
    memset(t, 0, sizeof *t);
}
