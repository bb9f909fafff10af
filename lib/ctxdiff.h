/* ctxdiff.h — libctxdiff, the one public header.
 *
 * ctxdiff finds leaked Go contexts in heap snapshots. Given two snapshots
 * of one service (Go heap dumps written by runtime/debug.WriteHeapDump, or
 * pprof heap/goroutine profiles) and, for heap dumps, the binary that wrote
 * them, it builds a report: growth by type, then every surviving cancel
 * context grouped by who holds it (its retention path from a GC root), with
 * a verdict per group (canceled but retained, never canceled, ...).
 *
 * Use:
 *     ctxdiff_options o = ctxdiff_defaults();
 *     o.binary = "./server"; o.before = "a.heapdump"; o.after = "b.heapdump";
 *     ctxdiff_report *r; cd_error err;
 *     if (ctxdiff_compare(&o, &r, &err) < 0) { ... err.msg ... }
 *     ctxdiff_render(r, "text", stdout, 0, &err);
 *     int crossed = ctxdiff_gate(r, exprs, nexprs, stderr, &err);
 *     ctxdiff_report_free(r);
 *
 * Errors: every call that can fail returns -1 and fills a cd_error with
 * the kind, the file, the byte offset and a one-line message. The library
 * never prints (except where given a FILE, and the stage timings it writes
 * to stderr when the environment variable CTXDIFF_TIMING is set) and never
 * exits.
 * Ownership: the caller owns what it creates and frees it with the
 * matching _free call; free functions accept NULL.
 * Output is deterministic: the same inputs give the same bytes. */
#ifndef CTXDIFF_H
#define CTXDIFF_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#ifdef __cplusplus
extern "C" {
#endif

/* ---- errors ---- */
enum cd_error_kind {
    CD_OK = 0,
    CD_EUSAGE,   /* bad option or argument */
    CD_EIO,      /* cannot open/read/write a file */
    CD_EFORMAT,  /* input is not what it claims, truncated or corrupt */
    CD_EBINARY,  /* the binary is missing, unreadable or does not match */
    CD_ENOMEM,   /* allocation failed */
};

typedef struct cd_error {
    int kind;           /* enum cd_error_kind */
    char file[512];     /* file the error is about, "" if none */
    int64_t offset;     /* byte offset in file, -1 if none */
    char msg[1024];     /* what went wrong, one line, no trailing newline */
} cd_error;

/* Format err as one line: "FILE: offset N: MSG" (parts omitted when unset). */
void cd_error_format(const cd_error *err, char *buf, size_t cap);

/* ---- comparing two snapshots ---- */

/* Input formats, found from the bytes (never from the file name). */
enum ctxdiff_format {
    CTXDIFF_FMT_UNKNOWN = 0,
    CTXDIFF_FMT_HEAPDUMP,     /* "go1.7 heap dump" */
    CTXDIFF_FMT_PPROF,        /* profile.proto (plain or gzip) or pprof text */
    CTXDIFF_FMT_ELF,          /* an ELF file that is not a core (a binary) */
    CTXDIFF_FMT_JSON,         /* typed JSON snapshot (ctxdiff convert), plain or gzip */
    CTXDIFF_FMT_CORE,         /* ELF core file (e_type ET_CORE) of a Go program; needs -b */
};

/* Which format the file at path holds; -1 (err filled) if it cannot be read. */
int ctxdiff_sniff(const char *path, cd_error *err);

typedef struct ctxdiff_options {
    const char *binary;        /* Go binary that wrote the dumps (-b); may be NULL */
    const char *before;        /* earlier snapshot */
    const char *after;         /* later snapshot */
    int top;                   /* growth-table rows to render (0 = all) */
    int paths;                 /* example paths per leak group */
    const char *sample_index;  /* pprof: inuse_space, inuse_objects, ... (NULL = default) */
    int show_values;           /* allow raw object values in output (off by default) */
    int no_dominators;         /* skip retained sizes (faster) */
    int jobs;                  /* 1: one thread, least memory; more: two
                                  (loading side by side, typing beside
                                  the graph work) */
    /* Optional progress report, for long loads: ctxdiff_compare calls it
     * on the calling thread as each stage starts, with its name and its
     * number step of nsteps — heap dumps: "loading" (the binary and both
     * dumps), "typing and analysing", "comparing" (1..3 of 3); profiles:
     * "loading", "comparing" (1..2 of 2) — and, once a stage has begun,
     * with stage NULL when it returns (done or failed; an input refused
     * before loading makes no call). NULL: no calls. */
    void (*progress)(void *arg, const char *stage, int step, int nsteps);
    void *progress_arg;        /* passed to progress */
} ctxdiff_options;

ctxdiff_options ctxdiff_defaults(void);

typedef struct ctxdiff_report ctxdiff_report;

/* Load, type and compare the two snapshots of o. Returns 0 or -1. */
int ctxdiff_compare(const ctxdiff_options *o, ctxdiff_report **out, cd_error *err);
void ctxdiff_report_free(ctxdiff_report *r);

/* Convert one Go heap dump or core file, typed with binary (the program
 * that wrote it), to a typed JSON snapshot at output (ctxdiff-snapshot(5);
 * gzip when output ends in ".gz"; "-" for standard output), written
 * atomically. Compared later without the binary, a pair of snapshots gives
 * the same report as the dumps with it. Returns 0 or -1. */
int ctxdiff_convert(const char *binary, const char *input, const char *output, cd_error *err);

/* Output formats, for messages and --help. */
#define CTXDIFF_FORMATS "text, json, markdown, html, pprof, dot"

/* Render the report as format to out:
 *   "text"      for a terminal (fits 80 columns);
 *   "json"      the report document itself (schema "ctxdiff/1");
 *   "markdown"  for a pull-request comment (heap dumps only);
 *   "html"      one self-contained page (no scripts, nothing fetched);
 *   "pprof"     heap dumps only: each leak group's retention path as a
 *               stack (root at the bottom, the context kind and verdict at
 *               the top) in a gzip-compressed profile.proto, sample types
 *               contexts/count, bytes/bytes, retained/bytes; the before
 *               snapshot's values negated (label pprof::base=true) so it
 *               reads as the change, as `go tool pprof -diff_base` does;
 *   "dot"       heap dumps only: the groups' paths as a Graphviz graph.
 * color: use ANSI colour (text only). Same report, same bytes. */
int ctxdiff_render(const ctxdiff_report *r, const char *format, FILE *out,
                   int color, cd_error *err);

/* Evaluate CI gate expressions such as "leaks>0",
 * "type:context.cancelCtx:count>+100", "bytes>+10%". Prints one line per
 * crossed threshold to msgs (may be NULL). Returns 1 if any threshold is
 * crossed, 0 if none, -1 on a malformed expression. */
int ctxdiff_gate(const ctxdiff_report *r, const char *const *exprs, size_t n,
                 FILE *msgs, cd_error *err);

/* Read back a report written earlier by `ctxdiff -f json` (schema
 * ctxdiff/1), e.g. the last release's, as a baseline for
 * ctxdiff_gate_baseline. It renders as json, html, and (heap dumps) every
 * other format. Returns 0 or -1 (CD_EIO, or CD_EFORMAT for other JSON). */
int ctxdiff_report_load(const char *path, ctxdiff_report **out, cd_error *err);

/* ctxdiff_gate, but a value with a sign or % is compared with the change
 * from baseline's after value to r's after value (instead of from r's
 * before value): "leaks>+0" fails when leaks grew since the baseline.
 * Plain values still compare r's after value. baseline may be NULL (then
 * this is ctxdiff_gate). -1 (CD_EUSAGE) if baseline is of another kind
 * (heap dumps, heap profiles, goroutine profiles) or lacks the metric. */
int ctxdiff_gate_baseline(const ctxdiff_report *r, const ctxdiff_report *baseline,
                          const char *const *exprs, size_t n, FILE *msgs, cd_error *err);

/* Writing an output file as the CLI's -o does: a regular file (new or
 * replaced) atomically, through a temporary file beside it renamed when
 * complete and on disk; a device or FIFO (/dev/stdout, /dev/null) in
 * place, never replaced. Write to the FILE, then ctxdiff_output_close
 * with ok = 1 to put it in place (0 or -1), or ok = 0 to discard it. */
typedef struct ctxdiff_output ctxdiff_output;
FILE *ctxdiff_output_open(const char *path, ctxdiff_output **out, cd_error *err);
int ctxdiff_output_close(ctxdiff_output *out, FILE *f, int ok, cd_error *err);

const char *ctxdiff_version(void);

#ifdef __cplusplus
}
#endif
#endif
