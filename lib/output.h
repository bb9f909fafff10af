/* output.h — writing an output file atomically where that can be done
 * (output.c). Used by the CLI's -o (through ctxdiff.h) and by convert. */
#ifndef CD_OUTPUT_H
#define CD_OUTPUT_H

#include "error.h"

typedef struct cd_out {
    const char *path;     /* as given (not owned) */
    char *tmp;            /* the temporary file renamed to path, NULL when written in place */
    int fd;               /* where to write */
} cd_out;

/* Open path for writing: 0 or -1 (err names path). */
int cd_out_open(const char *path, cd_out *o, cd_error *err);
/* Finish: ok != 0 puts the file in place (fsync, rename), ok == 0 removes
 * the temporary file. Closes the descriptor. 0 or -1. */
int cd_out_close(cd_out *o, int ok, cd_error *err);

#endif
