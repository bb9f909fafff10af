#!/bin/sh
# test_secrets_io.sh CTXDIFF — inputs are opened read-only, outputs written
# atomically. Under strace (when installed; the checks needing it SKIP
# otherwise): every open of an input (heap dumps, profiles, the binary) is
# O_RDONLY; the -o file is never opened, only renamed into place from a
# temporary file in its directory created with O_EXCL (no symlink
# following); -o never leaves the temporary file behind; a failed run
# leaves an existing -o file untouched. Without strace: the sources open
# inputs only with O_RDONLY or "r"/"rb" (the one write is the CLI's -o).
set -u
exe=$1
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
pass=0 fail=0 skip=0
ok() { pass=$((pass + 1)); }
bad() { fail=$((fail + 1)); echo "FAIL: $*"; }

d=testdata/go1.19/leaky
hb=$d/before.heapdump ha=$d/after.heapdump bin=$d/leaky
pb=$d/before.heap.pb.gz pa=$d/after.heap.pb.gz

# -- static: every open/fopen in lib/ and cli/ ---------------------------
grep -n -E '\b(open|openat|fopen|creat)\(' lib/*.c cli/*.c | grep -v -E '^\S+:[0-9]+:\s*(/\*|\*)' >"$tmp/opens"
while IFS= read -r line; do
    case $line in
    *O_RDONLY* | *'"r"'* | *'"rb"'*) ok ;;
    lib/output.c:*O_EXCL*) ok ;;                                      # the temporary file of -o and convert
    lib/output.c:*O_NOCTTY*) ok ;;                                    # -o to a device or FIFO, written in place
    *cd_binary_open* | *cd_reader_open* | *'int cd_'*) ok ;;        # definitions and callers
    *) bad "an open that is not read-only: $line" ;;
    esac
done <"$tmp/opens"

# -- output: -o is atomic -----------------------------------------------
mkdir "$tmp/out"
"$exe" -b $bin -o "$tmp/out/report.txt" $hb $ha >/dev/null 2>&1
"$exe" -b $bin $hb $ha >"$tmp/stdout.txt" 2>/dev/null
cmp -s "$tmp/out/report.txt" "$tmp/stdout.txt" && ok || bad "-o file differs from stdout"
[ "$(ls "$tmp/out")" = report.txt ] && ok || bad "-o left files behind: $(ls "$tmp/out")"
# a failed run (bad input) leaves the existing report untouched, no temporary file
cp "$tmp/out/report.txt" "$tmp/keep.txt"
head -c 1000 $ha >"$tmp/cut.heapdump"
"$exe" -b $bin -o "$tmp/out/report.txt" $hb "$tmp/cut.heapdump" >/dev/null 2>&1
[ $? = 2 ] && ok || bad "a truncated input did not exit 2"
cmp -s "$tmp/out/report.txt" "$tmp/keep.txt" && ok || bad "a failed run changed the -o file"
[ "$(ls "$tmp/out")" = report.txt ] && ok || bad "a failed run left files behind: $(ls "$tmp/out")"
# an unknown format fails after the temporary file is made: cleaned up too
"$exe" -b $bin -f nosuchformat -o "$tmp/out/report.txt" $hb $ha >/dev/null 2>&1
[ $? = 2 ] && ok || bad "-f nosuchformat did not exit 2"
cmp -s "$tmp/out/report.txt" "$tmp/keep.txt" && ok || bad "a failed render changed the -o file"
[ "$(ls "$tmp/out")" = report.txt ] && ok || bad "a failed render left files behind: $(ls "$tmp/out")"
# -o into a missing directory: exit 2 and a message naming it
"$exe" -b $bin -o "$tmp/missing/report.txt" $hb $ha >/dev/null 2>"$tmp/err"
[ $? = 2 ] && grep -q "missing/report.txt" "$tmp/err" && ok || bad "-o into a missing directory: $(cat "$tmp/err")"
# -o onto a symlink replaces the link, never writes through it
echo precious >"$tmp/target"
ln -s "$tmp/target" "$tmp/out/link.txt"
"$exe" -b $bin -o "$tmp/out/link.txt" $hb $ha >/dev/null 2>&1
[ "$(cat "$tmp/target")" = precious ] && ok || bad "-o wrote through a symlink"

# -- under strace: how files are opened ----------------------------------
if ! command -v strace >/dev/null 2>&1 || ! strace -f -qq -o /dev/null true 2>/dev/null; then
    echo "SKIP strace checks: strace not installed or not permitted"
    skip=1
else
    for pair in "$hb $ha" "$pb $pa"; do
        # shellcheck disable=SC2086
        strace -f -qq -e trace=open,openat,openat2,creat,rename,renameat,renameat2,truncate,ftruncate \
            -o "$tmp/trace" "$exe" -b $bin -o "$tmp/out/traced.txt" $pair >/dev/null 2>&1
        # shellcheck disable=SC2086
        for f in $pair $bin; do
            n=$(grep -c -F "\"$f\"" "$tmp/trace")
            [ "$n" -ge 1 ] || { case $pair in *pb.gz*) [ $f = $bin ] && continue ;; esac; bad "strace: $f never opened"; continue; }
            if grep -F "\"$f\"" "$tmp/trace" | grep -v -q 'O_RDONLY'; then
                bad "strace: $f opened other than read-only: $(grep -F "\"$f\"" "$tmp/trace" | grep -v O_RDONLY | head -1)"
            elif grep -F "\"$f\"" "$tmp/trace" | grep -q -E 'O_(WRONLY|RDWR|CREAT|TRUNC|APPEND)'; then
                bad "strace: $f opened for writing"
            else
                ok
            fi
        done
        # the report: made as a temporary file with O_EXCL, renamed into place
        if grep -E 'open' "$tmp/trace" | grep -q -F "\"$tmp/out/traced.txt\""; then
            bad "strace: the -o file itself was opened (not atomic): $(grep -F "\"$tmp/out/traced.txt\"" "$tmp/trace" | head -1)"
        else
            ok
        fi
        grep -E 'rename' "$tmp/trace" | grep -q -F "\"$tmp/out/traced.txt\"" && ok || bad "strace: no rename onto the -o file"
        grep -E 'open' "$tmp/trace" | grep -F "$tmp/out/" | grep -q 'O_EXCL' && ok ||
            bad "strace: the temporary file is not created with O_EXCL: $(grep -F "$tmp/out/" "$tmp/trace" | head -1)"
    done
    [ "$(ls "$tmp/out" | grep -v -x -e report.txt -e link.txt -e traced.txt)" = "" ] && ok || bad "left files: $(ls "$tmp/out")"
fi
echo "$pass passed, $fail failed"
[ $fail = 0 ] || exit 1
exit 0
