#!/bin/sh
# test.sh — set up (as root on Debian 12: installs missing packages), build
# twice (plain at -O2 so that the optimiser's warnings are errors too, and with AddressSanitizer + UndefinedBehaviorSanitizer), run
# every test in both builds, and end with one line "N passed, N failed".
set -u
cd "$(dirname "$0")/.."
sh tools/deps.sh || exit 2
sh tools/build.sh build -Dbuildtype=debugoptimized || { echo "build failed"; echo "0 passed, 1 failed"; exit 1; }
sh tools/build.sh build-asan -Db_sanitize=address,undefined -Db_lundef=false -Dbuildtype=debug \
    || { echo "sanitizer build failed"; echo "0 passed, 1 failed"; exit 1; }
# exit code 86 for sanitizer reports, so they never pass for "threshold crossed" (1)
export ASAN_OPTIONS=detect_leaks=1:exitcode=86 UBSAN_OPTIONS=halt_on_error=1:print_stacktrace=1:exitcode=86
total_ok=0 total_fail=0
for dir in build build-asan; do
    echo "== meson test ($dir)"
    meson test -C "$dir" --print-errorlogs --num-processes 2 ${TEST_ARGS:-} >"$dir/test-output.txt" 2>&1
    rc=$?
    grep -E '^ *[0-9]+/[0-9]+ ' "$dir/test-output.txt"
    [ $rc = 0 ] || sed -n '/^=* *[0-9]*\/[0-9]* .*FAIL/,/^===/p' "$dir/test-output.txt" | tail -80
    ok=$(sed -n 's/^Ok: *\([0-9]*\).*/\1/p' "$dir/test-output.txt")
    bad=0
    for k in Fail 'Unexpected Pass' Timeout; do
        n=$(sed -n "s/^$k: *\([0-9]*\).*/\1/p" "$dir/test-output.txt")
        bad=$((bad + ${n:-0}))
    done
    [ -z "$ok" ] && bad=$((bad + 1))
    total_ok=$((total_ok + ${ok:-0}))
    total_fail=$((total_fail + bad))
done
echo "$total_ok passed, $total_fail failed"
[ "$total_fail" = 0 ]
