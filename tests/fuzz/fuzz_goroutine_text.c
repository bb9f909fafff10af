/* fuzz_goroutine_text.c — goroutine text (debug=1 counts, debug=2 stacks)
 * through the same loader as fuzz_pprof.c; seeded with the committed
 * goroutine text files, so mutations stay mostly inside the text parsers. */
#include "pprof_body.h"
