/* main.c — the ctxdiff command line: parses flags, calls libctxdiff. */
#include <stdio.h>
int main(void) { puts("ctxdiff: not yet"); return 2; }
