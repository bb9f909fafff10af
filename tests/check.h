/* check.h — the C unit tests' check: prints "ok - WHAT" or "FAIL - WHAT"
 * and counts them in npass and nfail (each test ends with one line
 * "N passed, N failed" from these). Include once, from the test's .c. */
#ifndef CD_TEST_CHECK_H
#define CD_TEST_CHECK_H

#include <stdarg.h>
#include <stdio.h>

static int npass, nfail;

static void check(int ok, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void check(int ok, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    printf("%s - ", ok ? "ok" : "FAIL");
    vprintf(fmt, ap);
    printf("\n");
    va_end(ap);
    if (ok)
        npass++;
    else
        nfail++;
    fflush(stdout);
}

#endif
