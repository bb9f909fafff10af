/* typing.h — gives heap objects their Go types.
 *
 * Stage: typing (after reading, before diff and paths). Types start at
 * typed roots (globals named by DWARF, frame locals and parameters) and
 * flow over pointer slots through struct layouts, slices, maps, channels
 * and interfaces (the dump's itab and type words give dynamic types). What
 * stays untyped is then matched by shape (size class and pointer slots)
 * against the binary's runtime types, and closures are named by their code
 * pointer. Without a binary only interface words type objects, with the
 * dump's own (degraded) type names. */
#ifndef CD_TYPING_H
#define CD_TYPING_H

#include <stdint.h>

#include "binary.h"
#include "snapshot.h"
#include "strtab.h"

/* obj_btype of a closure object (funcval): this bit, and the index of its
 * function in bin->funcs (0 for snapshots read from JSON). */
#define CD_CLOSURE_BIT 0x80000000u

/* What the context model reads from a context object's bytes, kept for
 * snapshots that have no bytes (typed JSON snapshots). */
typedef struct cd_ctx_facts {
    uint32_t obj;              /* object number */
    uint8_t canceled;          /* err is set */
    uint8_t timer_set;         /* timerCtx: the timer word is set */
    uint64_t nchildren;        /* entries of the children map */
} cd_ctx_facts;

/* Names of the roots and of the objects, as report keys. */
typedef struct cd_typing {
    const cd_snapshot *snap;
    cd_binary *bin;            /* may be NULL */
    uint32_t *obj_type;        /* per object: type key (index in names), 0 untyped */
    uint32_t *obj_btype;       /* per object: binary type id of the element, 0 none */
    uint8_t *obj_array;        /* 1 when the object holds several elements */
    uint32_t *root_name;       /* per root: strtab id of its name ("main.x",
                                  "goroutine main.worker ctx"): read it with
                                  cd_root_name */
    uint8_t *root_goid;        /* per root: 1 if the name leaves out its
                                  goroutine's id (NULL: none does) */
    uint32_t *root_btype;      /* per root: static type of the slot's word (binary id), 0 none */
    cd_strtab names;           /* type keys and root names */
    int degraded;              /* 1 without a binary */
    cd_ctx_facts *facts;       /* sorted by obj; NULL: read the objects' bytes */
    size_t nfacts;
} cd_typing;

/* Resolve the runtime types the dump mentions to binary types (this may
 * add synthesised types to bin). Call it for each snapshot, from one
 * thread, before cd_type_snapshot; typing then leaves bin unchanged. */
void cd_type_prepare(cd_snapshot *s, cd_binary *bin);

/* Type every object of s (calling cd_type_prepare if it was not). bin may
 * be NULL. Returns 0 or -1. */
int cd_type_snapshot(cd_snapshot *s, cd_binary *bin, cd_typing **out, cd_error *err);
/* The name of root r as a report shows it ("goroutine 7 main.worker
 * ctx"): in buf when it has to be made (cap bytes), else the stored name.
 * Needs the snapshot's roots and frames: "?" once they are released. */
const char *cd_root_name(const cd_typing *t, uint32_t r, char *buf, size_t cap);

/* Free the per-object and per-root arrays; the names stay. */
void cd_typing_release(cd_typing *t);
void cd_typing_free(cd_typing *t);

/* The binary type id of the static type of the pointer word at byte offset
 * off inside a value of type `type`, and what the word points to:
 * *target = element type of the target, *array = target holds several.
 * Returns 1 for a plain pointer, 2 for an interface data word (dynamic
 * type), 3 for a closure (func value), 0 when unknown. */
int cd_word_target(cd_binary *bin, uint32_t type, uint64_t off,
                   uint32_t *target, int *array, uint32_t *field_path_type);

/* Describe the field at byte offset off of type `type` as ".a.b[3].c" into
 * buf (for path edges). */
void cd_field_name(const cd_binary *bin, uint32_t type, uint64_t off, int array,
                   char *buf, size_t cap);

#endif
