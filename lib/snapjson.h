/* snapjson.h — typed JSON snapshots (man/ctxdiff-snapshot.5, schema
 * schema/ctxdiff-snapshot.schema.json): a heap snapshot with its types
 * resolved, written once with the binary and read back without it.
 *
 * It holds what the later stages read (paths, verdicts, report): the
 * types the objects use (name, kind, size, fields), every object (id,
 * address, size, type, named edges), roots with their names, goroutines
 * with wait reasons and frames, and for each live context the three facts
 * the context model reads from its bytes (canceled, timer set, children).
 * No other object contents. Both directions stream: memory stays that of
 * the compact snapshot model, never a JSON tree.
 *
 * Stage: read (and, for writing, after typing and analysis). */
#ifndef CD_SNAPJSON_H
#define CD_SNAPJSON_H

#include <stddef.h>

#include "analysis.h"
#include "binary.h"
#include "snapshot.h"
#include "typing.h"

/* Write the snapshot s (typed by t with bin, analysed by a) to path, gzip
 * when path ends in ".gz", "-" for standard output; atomically (a
 * temporary file renamed at the end). 0 or -1. */
int cd_snapjson_write(const char *path, const cd_snapshot *s, const cd_typing *t,
                      const cd_analysis *a, const cd_binary *bin, cd_error *err);

/* Read a snapshot written by cd_snapjson_write (or any producer following
 * the schema), plain or gzip. Gives the snapshot model, its typing and a
 * bare binary holding its types; the caller frees all three. Errors name
 * the file, the offset and the path in the document ("$.objects[3].size"). */
int cd_snapjson_read(const char *path, cd_snapshot **s, cd_typing **t, cd_binary **bin,
                     cd_error *err);

/* 1 if the first bytes (already inflated) open a typed JSON snapshot. */
int cd_snapjson_sniff(const unsigned char *head, size_t n);

#endif
