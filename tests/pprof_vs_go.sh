#!/bin/sh
# pprof_vs_go.sh DRIVER — compare libctxdiff's -top rows with go tool pprof.
#
# For every real fixture pair (testdata/go1.*/*/{before,after}.heap.pb.gz
# and .goroutine.pb.gz), for each of the four heap sample indices (and the
# goroutine default), run
#     go tool pprof -top -sample_index=X -base before after
# and DRIVER (tests/pprof_top.c) on the same files, and require the output
# from the "Showing nodes" line down to be byte-identical: every row's flat,
# flat%, sum%, cum, cum% and name, the totals and the Dropped line. The
# pairs are also compared reversed (negative growth) and across Go versions
# (no sample cancels), and so are 40 random profile pairs made by
# `DRIVER -gen SEED` (unnamed functions, locations without lines, inlining,
# recursion, negative values, labels). Without go: prints "SKIP: go not
# installed", exit 77.
set -u
driver=${1:?usage: pprof_vs_go.sh DRIVER}
if ! command -v go >/dev/null 2>&1; then
    echo "SKIP: go not installed"
    exit 77
fi
cd "$(dirname "$0")/.." || exit 1
tmp=$(mktemp -d) || exit 1
trap 'rm -rf "$tmp"' EXIT INT TERM

pairs=0 fails=0
# compare SAMPLE_INDEX BASE SOURCE
compare() {
    "$driver" -sample_index="$1" "$2" "$3" >"$tmp/mine" 2>"$tmp/mine.err" || {
        echo "FAIL: driver failed on -sample_index=$1 $2 $3:"
        cat "$tmp/mine.err"
        fails=$((fails + 1))
        return
    }
    go tool pprof -top -sample_index="$1" -base "$2" "$3" 2>"$tmp/go.err" |
        sed -n '/^Showing nodes/,$p' >"$tmp/go"
    pairs=$((pairs + 1))
    if ! [ -s "$tmp/go" ]; then
        echo "FAIL: go tool pprof printed no rows for $1 $2 $3:"
        cat "$tmp/go.err"
        fails=$((fails + 1))
    elif ! cmp -s "$tmp/go" "$tmp/mine"; then
        echo "FAIL: -sample_index=$1 -base $2 $3 differs (< go tool pprof, > ctxdiff):"
        diff "$tmp/go" "$tmp/mine" | head -20
        fails=$((fails + 1))
    fi
}

found=0
prev=
for d in testdata/go1.*/*/; do
    d=${d%/}
    [ -f "$d/before.heap.pb.gz" ] && [ -f "$d/after.heap.pb.gz" ] || continue
    found=1
    for si in inuse_objects inuse_space alloc_objects alloc_space; do
        compare $si "$d/before.heap.pb.gz" "$d/after.heap.pb.gz"
    done
    compare inuse_objects "$d/after.heap.pb.gz" "$d/before.heap.pb.gz"
    compare alloc_space "$d/after.heap.pb.gz" "$d/before.heap.pb.gz"
    if [ -f "$d/before.goroutine.pb.gz" ]; then
        compare goroutine "$d/before.goroutine.pb.gz" "$d/after.goroutine.pb.gz"
        compare goroutine "$d/after.goroutine.pb.gz" "$d/before.goroutine.pb.gz"
    fi
    if [ -n "$prev" ]; then
        compare inuse_space "$prev/after.heap.pb.gz" "$d/after.heap.pb.gz"
    fi
    prev=$d
done
seed=1
while [ $seed -le 40 ]; do
    "$driver" -gen $seed "$tmp/b.pb" "$tmp/a.pb" || exit 1
    for si in 0 1 2 3; do
        compare $si "$tmp/b.pb" "$tmp/a.pb"
    done
    seed=$((seed + 1))
done
[ $found = 1 ] || echo "note: no fixture pairs under testdata/go1.*/; random pairs only"
echo "pprof_vs_go: $pairs comparisons, $fails differ"
[ $fails = 0 ]
