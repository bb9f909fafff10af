#!/bin/sh
# progress.sh — progress on stderr, only on a terminal: under a pseudo-
# terminal (script(1)) with CTXDIFF_PROGRESS_DELAY=0 every stage shows as
# "ctxdiff: STAGE (N/M), T s" on one rewritten line, erased at the end;
# with the default delay (a second) the small fixture shows nothing; with
# stderr not a terminal nothing ever shows, and the report is the same.
# Without script(1): prints "SKIP: script (util-linux) not installed", 77.
# usage: progress.sh CTXDIFF   (run from the repository root)
set -u
CTXDIFF=$1
if ! command -v script >/dev/null 2>&1; then
    echo "SKIP: script (util-linux) not installed"
    exit 77
fi
case $CTXDIFF in /*) ;; *) CTXDIFF=$PWD/$CTXDIFF ;; esac
D=testdata/go1.19/leaky
T=$(mktemp -d)
trap 'rm -rf "$T"' EXIT
pass=0 fail=0
result() { if [ "$1" = 0 ]; then echo "ok: $2"; pass=$((pass + 1)); else echo "FAIL: $2"; fail=$((fail + 1)); fi; }

# tty CMD: run CMD with stdin/stdout/stderr on a pseudo-terminal; what the
# terminal shows goes to $T/tty (stdout is redirected to a file by CMD)
tty() { script -qec "$1" /dev/null </dev/null >"$T/tty" 2>&1; }

tty "CTXDIFF_PROGRESS_DELAY=0 '$CTXDIFF' -b $D/leaky $D/before.heapdump $D/after.heapdump >'$T/report1'"
for s in 'loading (1/3)' 'comparing (3/3)'; do
    grep -q "ctxdiff: $s, [0-9.]* s" "$T/tty"; result $? "heap dumps on a terminal: '$s' shown"
done
tr '\r' '\n' <"$T/tty" | grep -q 'typing and analysing (2/3)'; result $? "heap dumps: the stage between shown"
# the line is rewritten in place (\r ... erase to end of line), and erased last
printf '\r\033[K' >"$T/erase"
tail -c 4 "$T/tty" | cmp -s - "$T/erase"; result $? "the progress line is erased at the end"
[ "$(tr -cd '\n' <"$T/tty" | wc -c)" -le 1 ]; result $? "progress uses no new lines"

tty "CTXDIFF_PROGRESS_DELAY=0 '$CTXDIFF' $D/before.heap.pb.gz $D/after.heap.pb.gz >/dev/null"
grep -q 'ctxdiff: loading (1/2)' "$T/tty" && grep -q 'comparing (2/2)' "$T/tty"; result $? "profiles on a terminal: 2 stages"

tty "'$CTXDIFF' -b $D/leaky $D/before.heapdump $D/after.heapdump >/dev/null"
[ ! -s "$T/tty" ]; result $? "a short run (under a second) shows nothing"

CTXDIFF_PROGRESS_DELAY=0 "$CTXDIFF" -b $D/leaky $D/before.heapdump $D/after.heapdump >"$T/report2" 2>"$T/err"
[ ! -s "$T/err" ]; result $? "stderr not a terminal: nothing shown"
cmp -s "$T/report1" "$T/report2"; result $? "the report is the same with and without progress"

# an error after loading started: the line is erased before the message
tty "CTXDIFF_PROGRESS_DELAY=0 '$CTXDIFF' -b testdata/go1.21/leaky/leaky $D/before.heapdump $D/after.heapdump >/dev/null"
tr '\r' '\n' <"$T/tty" | sed 's/\x1b\[K//g' | grep -v '^ctxdiff: [a-z]* ([0-9]/[0-9]), \|^$' >"$T/lines"
grep -q '^ctxdiff: .*written by go1.19' "$T/lines" && [ "$(wc -l <"$T/lines")" = 1 ]
result $? "an error: the progress line erased, the message on its own line"
grep -q 'analysing' "$T/tty"; [ $? != 0 ]; result $? "an error: no stage after it shown"

# a binary profile is not written to a terminal
tty "'$CTXDIFF' -b $D/leaky -f pprof $D/before.heapdump $D/after.heapdump; echo exit \$?"
grep -q 'binary profile: give -o FILE' "$T/tty" && grep -q 'exit 2' "$T/tty" && ! grep -qa "$(printf '\037\213')" "$T/tty"
result $? "-f pprof to a terminal: refused (exit 2)"
tty "'$CTXDIFF' -b $D/leaky -f pprof -o '$T/p.pb.gz' $D/before.heapdump $D/after.heapdump; echo exit \$?"
grep -q 'exit 0' "$T/tty" && [ -s "$T/p.pb.gz" ]; result $? "-f pprof -o FILE from a terminal: written"

echo "$pass passed, $fail failed"
[ "$fail" = 0 ]
