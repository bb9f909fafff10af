/* jsonpull.h — a streaming (pull) JSON reader with bounded memory, for
 * documents too large to hold as a tree: the caller walks the document
 * in order (objects, members, arrays, elements, scalars) and the reader
 * keeps only the current token. It reads plain or gzip-compressed files
 * (zlib's gzread) and knows where it is, so every error names the file,
 * the byte offset (of the uncompressed text) and the path in the document
 * ("$.objects[12].edges[3][0]").
 *
 * Stage: read (used by the JSON snapshot reader, snapjson_read.c). */
#ifndef CD_JSONPULL_H
#define CD_JSONPULL_H

#include <stddef.h>
#include <stdint.h>

#include "error.h"

typedef struct cd_jp cd_jp;

/* Open path for reading (gzip or plain, found from the bytes). */
int cd_jp_open(const char *path, cd_jp **out, cd_error *err);
void cd_jp_close(cd_jp *jp);

/* Containers. cd_jp_member returns 1 with *key set (valid until the next
 * call) when a member follows, 0 after the closing brace, -1 on error
 * (also when a name repeats one of the object's first 16 member names);
 * cd_jp_element returns 1 when an element follows, 0 after the closing
 * bracket, -1 on error. */
int cd_jp_begin_object(cd_jp *jp);
int cd_jp_member(cd_jp *jp, const char **key);
int cd_jp_begin_array(cd_jp *jp);
int cd_jp_element(cd_jp *jp);

/* Scalars: 0 or -1 (wrong type, malformed, out of range). */
int cd_jp_u64(cd_jp *jp, uint64_t *v);
int cd_jp_bool(cd_jp *jp, int *v);
/* A string (NUL-terminated, no embedded NUL; valid until the next call). */
int cd_jp_string(cd_jp *jp, const char **s, size_t *len);
/* 1 (and consumed) when the next value is null, 0 when it is not. */
int cd_jp_null(cd_jp *jp);
/* Nothing but white space may follow the document. */
int cd_jp_end(cd_jp *jp);

/* Fail at the current place: "PATH: message" with the file and offset. */
int cd_jp_fail(cd_jp *jp, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

#endif
