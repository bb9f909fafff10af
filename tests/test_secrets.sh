#!/bin/sh
# test_secrets.sh CTXDIFF — no secrets out. tests/data/secrets/ holds real
# heap dumps of a process whose only environment variable is
# CTXDIFF_SECRET_MARKER=s3cr3t-... and which keeps copies of the marker as
# context values (context.WithValue) in the contexts it leaks (main.go,
# make.sh). ctxdiff must never print the marker: in every output format
# (text, json, markdown and whatever else `ctxdiff --help` lists), on stdout,
# stderr or an -o file, with and without the binary, with all paths shown;
# nor in the error messages for truncated or corrupted copies of the dump.
set -u
exe=$1
dir=tests/data/secrets
bin=$dir/secretleak
before=$dir/before.heapdump
after=$dir/after.heapdump
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
pass=0 fail=0
ok() { pass=$((pass + 1)); }
bad() { fail=$((fail + 1)); echo "FAIL: $*"; }

# The marker, read from the dump's copy of the environment: the fixture
# must hold it (else this test proves nothing).
marker=$(grep -a -o 'CTXDIFF_SECRET_MARKER=s3cr3t-[0-9a-f]*' "$after" | head -1 | sed 's/^[^=]*=//')
case $marker in s3cr3t-????????*) ok ;; *) bad "no marker in $after"; echo "0 passed, 1 failed"; exit 1 ;; esac
n=$(grep -a -c -F "$marker/value-" "$after")
[ "$n" -ge 1 ] && ok || bad "the dump holds no context value with the marker"

# Output formats: the baseline and those the help text lists for -f.
formats=$("$exe" --help 2>&1 | awk '
    /--format/ { on = 1; sub(/.*--format[ \t]+[A-Z]+/, ""); print; next }
    on && /^[ \t]{12,}[a-z]/ && !/^[ \t]*-/ { print; next }
    { on = 0 }' | sed 's/([^)]*)//g' | tr ',;/' '   ' | tr ' \t' '\n\n' | grep -E '^[a-z][a-z0-9-]*$' | sort -u)
formats=$(printf '%s\n' text json markdown $formats | sort -u)
echo "formats: $(echo $formats)"

# check NAME FILE...: the marker is in none of the files
check() {
    name=$1
    shift
    if grep -a -l -F "$marker" "$@" >/dev/null 2>&1; then
        bad "$name: the marker appears in $(grep -a -l -F "$marker" "$@" | tr '\n' ' ')"
    else
        ok
    fi
}

for f in $formats; do
    for withbin in yes no; do
        args="-f $f --top 0 --paths 100 --color always"
        [ $withbin = yes ] && args="-b $bin $args"
        # shellcheck disable=SC2086
        "$exe" $args "$before" "$after" >"$tmp/out" 2>"$tmp/err"
        rc=$?
        [ $rc -le 2 ] || bad "-f $f (binary: $withbin): exit $rc"
        check "-f $f (binary: $withbin) stdout/stderr" "$tmp/out" "$tmp/err"
        # shellcheck disable=SC2086
        "$exe" $args -o "$tmp/report.$f" --fail-on 'leaks>0' "$before" "$after" >"$tmp/out" 2>"$tmp/err"
        rc=$?
        [ $rc -le 2 ] || bad "-f $f -o (binary: $withbin): exit $rc"
        check "-f $f -o (binary: $withbin)" "$tmp/out" "$tmp/err" "$tmp"/report.*
    done
    # the report is not empty for the heap dump formats (the test looks at real output)
    if [ $f = text ] || [ $f = json ] || [ $f = markdown ]; then
        "$exe" -b $bin -f $f "$before" "$after" >"$tmp/out" 2>&1
        grep -q 'main.held' "$tmp/out" && ok || bad "-f $f: the report does not name main.held"
    fi
done
# typed JSON snapshots: the converted dumps (plain and gzip) and the
# reports read from them
"$exe" convert -b $bin -o "$tmp/snap-before.json" "$before" >"$tmp/out" 2>"$tmp/err"
"$exe" convert -b $bin -o "$tmp/snap-after.json.gz" "$after" >>"$tmp/out" 2>>"$tmp/err"
gzip -dc "$tmp/snap-after.json.gz" >"$tmp/snap-after.json"
[ -s "$tmp/snap-after.json" ] && ok || bad "convert wrote nothing"
check "convert" "$tmp/out" "$tmp/err" "$tmp/snap-before.json" "$tmp/snap-after.json"
"$exe" -f json --paths 100 --top 0 "$tmp/snap-before.json" "$tmp/snap-after.json.gz" >"$tmp/out" 2>"$tmp/err"
check "report from snapshots" "$tmp/out" "$tmp/err"
# comparing a dump with itself, and after with before
"$exe" -b $bin --paths 100 --top 0 "$after" "$before" >"$tmp/out" 2>"$tmp/err"
check "reversed" "$tmp/out" "$tmp/err"
"$exe" --paths 100 --top 0 -f json "$after" "$after" >"$tmp/out" 2>"$tmp/err"
check "same dump, no binary" "$tmp/out" "$tmp/err"

# Error messages on damaged copies: prefixes (cut inside the environment
# strings too) and single-byte corruptions around them.
size=$(wc -c <"$after")
envoff=$(grep -a -b -o -F "CTXDIFF_SECRET_MARKER=$marker" "$after" | head -1 | cut -d: -f1)
cuts="16 17 100 1000 4096 $((envoff - 3)) $((envoff + 5)) $((envoff + 30)) $((size / 3)) $((size / 2)) $((size - 1))"
for c in $cuts; do
    head -c "$c" "$after" >"$tmp/cut.heapdump"
    "$exe" -b $bin "$before" "$tmp/cut.heapdump" >"$tmp/out" 2>"$tmp/err"
    rc=$?
    [ $rc = 2 ] || bad "prefix $c: exit $rc, not 2"
    check "prefix $c" "$tmp/out" "$tmp/err"
done
i=0
for off in $((envoff - 40)) $((envoff - 20)) $((envoff - 2)) $((envoff - 1)) $envoff $((envoff + 10)); do
    for byte in 0 1 127 255; do
        cp "$after" "$tmp/bad.heapdump"
        printf "$(printf '\\%03o' $byte)" | dd of="$tmp/bad.heapdump" bs=1 seek="$off" conv=notrunc 2>/dev/null
        "$exe" -b $bin -f json --paths 100 "$before" "$tmp/bad.heapdump" >"$tmp/out" 2>"$tmp/err"
        rc=$?
        [ $rc -le 2 ] || bad "byte $byte at $off: exit $rc"
        check "byte $byte at $off" "$tmp/out" "$tmp/err"
        i=$((i + 1))
    done
done
echo "$pass passed, $fail failed"
[ $fail = 0 ]
