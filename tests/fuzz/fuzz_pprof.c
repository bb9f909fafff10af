/* fuzz_pprof.c — pprof profiles: gzip, profile.proto, heap text (debug=1).
 * Seeds: the committed heap and goroutine profiles (see tools/fuzz.sh). */
#include "pprof_body.h"
