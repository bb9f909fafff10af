#!/bin/sh
# golden.sh — the reports for the Go 1.19 and 1.26 leaky fixtures, in every
# format, compared byte for byte with tests/golden/. After an intended
# change of output: tests/golden.sh CTXDIFF --update, then review the diff.
# The pprof profile is kept as the text tests/pprof_dump.py makes of it
# (readable in a diff, and independent of the zlib version's bytes).
set -u
CTXDIFF=$1
update=${2:-}
pass=0 fail=0
T=$(mktemp -d)
trap 'rm -rf "$T"' EXIT
for v in 1.19 1.26; do
    D=testdata/go$v/leaky
    for f in text json markdown html dot pprof; do
        case $f in text) ext=txt ;; json) ext=json ;; markdown) ext=md ;; html) ext=html ;;
                   dot) ext=dot ;; pprof) ext=pprof.txt ;; esac
        g=tests/golden/leaky-go$v.$ext
        "$CTXDIFF" -b $D/leaky -f $f --top 15 --paths 2 --color never $D/before.heapdump $D/after.heapdump >"$T/out" 2>&1
        if [ $f = pprof ]; then
            mv "$T/out" "$T/out.pb.gz"
            python3 tests/pprof_dump.py "$T/out.pb.gz" >"$T/out" 2>&1
        fi
        if [ "$update" = --update ]; then
            cp "$T/out" "$g"
            echo "updated $g"
        elif diff -u "$g" "$T/out" >"$T/diff" 2>&1; then
            echo "ok: $g"; pass=$((pass + 1))
        else
            echo "FAIL: $g differs:"; head -40 "$T/diff"; fail=$((fail + 1))
        fi
    done
done
echo "$pass passed, $fail failed"
[ "$fail" = 0 ]
