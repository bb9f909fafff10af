# lib.sh — what the shell tests share (sourced): a scratch directory $T,
# the pass/fail counters, and the checks. Set CTXDIFF first.
T=$(mktemp -d)
trap 'rm -rf "$T"' EXIT
pass=0 fail=0

ok() { echo "ok: $1"; pass=$((pass + 1)); }
bad() { echo "FAIL: $1"; fail=$((fail + 1)); }

# expect NAME CODE PATTERN -- ARGS...: ctxdiff ARGS exits CODE, stderr
# matches PATTERN (if not empty), and an error (2) is one line
expect() {
    name=$1 code=$2 pat=$3
    shift 4
    "$CTXDIFF" "$@" >"$T/out" 2>"$T/err"
    rc=$?
    if [ "$rc" != "$code" ]; then
        bad "$name: exit $rc, want $code"; sed 's/^/    /' "$T/err" | head -5
        return
    fi
    if [ -n "$pat" ] && ! grep -q -- "$pat" "$T/err"; then
        bad "$name: stderr lacks '$pat'"; sed 's/^/    /' "$T/err" | head -5
        return
    fi
    if [ "$code" = 2 ] && [ "$(wc -l <"$T/err")" -gt 2 ]; then
        bad "$name: more than one error line"
        return
    fi
    ok "$name"
}

# the last line meson and tools/test.sh read
finish() {
    echo "$pass passed, $fail failed"
    [ "$fail" = 0 ]
}
