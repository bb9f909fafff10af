/* core.h — reader for ELF core files of Go programs (gcore, kernel cores),
 * filling the same snapshot model as the heap dump reader (snapshot.h), so
 * typing, analysis and reports run unchanged.
 *
 * A core holds raw memory, no records: the heap is found by walking the
 * runtime's own structures (runtime.mheap_.allspans, runtime.allgs,
 * runtime.itabTable, runtime.firstmoduledata), whose layouts are read from
 * the binary's DWARF by field name. So a core needs the binary that made it
 * (-b). linux/amd64 only.
 *
 * What is read, and how (see README "Core files"):
 *   objects      every allocated slot of every in-use span (the set
 *                WriteHeapDump writes); a span not swept since the last
 *                mark through its mark bits (Go <= 1.24)
 *   object edges the runtime's pointer bitmaps: Go <= 1.19 two-bit heap
 *                arena bitmap, 1.20-1.21 one-bit bitmap with noMorePtrs,
 *                1.22+ span heap bits, malloc-header types and largeType; so
 *                edges and shapes are the dump's. An object whose bitmap
 *                cannot be read is scanned conservatively (every aligned
 *                word that points into an object). The word before an edge
 *                gives an interface's dynamic type, as in heapdump.c
 *   data, bss    the runtime's gcdata/gcbss pointer masks
 *   stack frames unwound with the pclntab's SP deltas, live slots from the
 *                stack maps as dumpframe lists them; a running goroutine
 *                from its thread's registers (innermost frame: every word)
 *   finalizers   span specials: the funcval and the object's referents;
 *                queued ones (runtime.allfin): the funcval and the object
 * Object contents stay in the core file: obj_content is the file offset of
 * the object's memory, so cd_snapshot_read works as for dumps. */
#ifndef CD_CORE_H
#define CD_CORE_H

#include <stddef.h>

#include "binary.h"
#include "snapshot.h"

/* 1 if head is the start of an ELF core file (e_type ET_CORE). */
int cd_core_sniff(const unsigned char *head, size_t n);

/* Load the core at path, made by a process running bin. Errors name the
 * file: not a core, truncated, not from a Go program, not from bin,
 * memory the runtime structures need that the core does not hold. */
int cd_core_load(const char *path, cd_binary *bin, const cd_load_options *opt,
                 cd_snapshot **out, cd_error *err);

#endif
