#!/bin/sh
# run.sh [SCALE...] — the ctxdiff benchmark (separate from the tests).
# For each SCALE (default: 1 2 4) it makes a big heap-dump pair with the
# fixture generator (testdata/make-bigpair.sh: SCALE=1 is about 0.1 + 0.5 GB,
# 1.5 M + 7.6 M objects), then measures in one run, with the files in the
# page cache:
#   floor    bench/floor.c: decode every varint of both files, skip contents
#   ctxdiff  the full analysis: typing, growth table, grouped retention paths
#            with retained sizes (dominators)
# and prints time as a multiple of the floor, peak RSS as a fraction of the
# two files' bytes, and time per million objects (linearity across scales).
# Then the same pairs as typed JSON snapshots: ctxdiff convert (time, peak
# RSS, sizes plain and gzip) and the comparison of the two snapshots
# without the binary (time, peak RSS; its report must equal the dumps').
# Also, when Go is installed: `go tool pprof -top -base` against ctxdiff on
# a small fixture pair of heap profiles and a generated big one
# (bench/pprofgen). Needs about 3 GB of disk and 5 GB of memory per unit of
# SCALE. Outputs go to ${BENCH_DIR:-/tmp/ctxdiff-bench}.
set -eu
cd "$(dirname "$0")/.."
scales=${*:-1 2 4}
dir=${BENCH_DIR:-/tmp/ctxdiff-bench}
mkdir -p "$dir"
sh tools/build.sh build-bench -Dbuildtype=release -Dstatic_deps=true >/dev/null
cc -O2 -o "$dir/floor" bench/floor.c
ctxdiff=build-bench/cli/ctxdiff
measure() {  # prints "seconds maxrss_kb"
    /usr/bin/time -f "%e %M" -o "$dir/time.out" "$@" >/dev/null 2>"$dir/err.out" || {
        cat "$dir/err.out" >&2; exit 1; }
    cat "$dir/time.out"
}
printf '%-6s %9s %10s %8s %9s %7s %9s %8s %12s\n' scale "input MB" objects "floor s" "ctxdiff s" "x floor" "peak MB" "RSS/in" "s/M objects"
for s in $scales; do
    d="$dir/scale$s"
    if [ ! -f "$d/after.heapdump" ]; then
        sh testdata/make-bigpair.sh "$d" "$s" >/dev/null 2>&1 || { echo "make-bigpair failed for $s" >&2; exit 1; }
    fi
    bytes=$(($(stat -c %s "$d/before.heapdump") + $(stat -c %s "$d/after.heapdump")))
    "$dir/floor" "$d/before.heapdump" "$d/after.heapdump" >"$dir/records.out"   # warm the cache
    set -- $(measure "$dir/floor" "$d/before.heapdump" "$d/after.heapdump"); floor=$1
    set -- $(measure $ctxdiff -b "$d/leaky" -f json -o "$dir/report$s.json" "$d/before.heapdump" "$d/after.heapdump")
    t=$1 rss=$2
    objs=$(python3 -c "import json; d=json.load(open('$dir/report$s.json'))['snapshots']; print(d['before']['objects'] + d['after']['objects'])")
    awk -v s="$s" -v b="$bytes" -v o="$objs" -v f="$floor" -v t="$t" -v r="$rss" 'BEGIN {
        printf "%-6s %9.0f %10d %8.2f %9.2f %7.1f %9.0f %8.2f %12.3f\n", s, b/1e6, o, f, t, t/f, r/1024, r*1024/b, t/(o/1e6) }'
done
# typed JSON snapshots of the same pairs: convert each dump (gzip), then
# compare the two snapshots without the binary; the reports must agree
printf '%-6s %10s %10s %10s %10s %9s %8s %10s %9s\n' scale "dumps MB" "json MB" "json.gz MB" "convert s" "conv MB" "load s" "load MB" "RSS/json"
for s in $scales; do
    d="$dir/scale$s"
    dumps=$(($(stat -c %s "$d/before.heapdump") + $(stat -c %s "$d/after.heapdump")))
    set -- $(measure $ctxdiff convert -b "$d/leaky" -o "$d/before.json.gz" "$d/before.heapdump"); c1=$1 r1=$2
    set -- $(measure $ctxdiff convert -b "$d/leaky" -o "$d/after.json.gz" "$d/after.heapdump"); c2=$1 r2=$2
    gz=$(($(stat -c %s "$d/before.json.gz") + $(stat -c %s "$d/after.json.gz")))
    plain=$(gzip -l "$d/before.json.gz" "$d/after.json.gz" | awk 'END { print $2 }')
    set -- $(measure $ctxdiff -f json -o "$dir/snapreport$s.json" "$d/before.json.gz" "$d/after.json.gz"); t=$1 rss=$2
    python3 - "$dir/report$s.json" "$dir/snapreport$s.json" <<'PY' || { echo "the snapshot report differs from the dump report" >&2; exit 1; }
import json, sys
a, b = (json.load(open(p)) for p in sys.argv[1:3])
for k in ("before", "after"):
    b["snapshots"][k]["path"] = a["snapshots"][k]["path"]
b["binary"]["path"] = a["binary"]["path"]
sys.exit(0 if a == b else 1)
PY
    awk -v s="$s" -v dm="$dumps" -v p="$plain" -v g="$gz" -v c1="$c1" -v c2="$c2" -v r1="$r1" -v r2="$r2" -v t="$t" -v r="$rss" 'BEGIN {
        printf "%-6s %10.0f %10.0f %10.0f %10.2f %9.0f %8.2f %10.0f %9.2f\n", s, dm/1e6, p/1e6, g/1e6, c1+c2, (r1>r2?r1:r2)/1024, t, r/1024, r*1024/p }'
done
# pprof: the same heap profiles through go tool pprof and ctxdiff: the
# largest pair of fixture profiles (tiny: process start-up is most of
# either run; 20 runs each), then a generated pair with 60,000 distinct
# allocation stacks (bench/pprofgen; 3 runs each, the median). The rows
# from "Showing nodes" down must be identical.
if command -v go >/dev/null 2>&1; then
    d=testdata/go1.19/httpleak
    loop() { i=0; while [ $i -lt 20 ]; do "$@" >/dev/null 2>&1 || exit 1; i=$((i + 1)); done; }
    start=$(date +%s.%N)
    loop go tool pprof -top -sample_index=inuse_objects -base "$d/before.heap.pb.gz" "$d/after.heap.pb.gz"
    mid=$(date +%s.%N)
    loop $ctxdiff --sample-index inuse_objects "$d/before.heap.pb.gz" "$d/after.heap.pb.gz"
    end=$(date +%s.%N)
    awk -v a="$start" -v b="$mid" -v c="$end" 'BEGIN { g = (b - a) / 20; x = (c - b) / 20;
        printf "pprof pair (%s): go tool pprof -top -base %.1f ms, ctxdiff %.1f ms: %.0fx faster\n", "go1.19 httpleak heap, 16 + 28 KB", g * 1000, x * 1000, g / x }'
    p="$dir/pprofgen"
    mkdir -p "$p"
    if [ ! -f "$p/after.heap.pb.gz" ]; then
        (cd bench/pprofgen && GOTOOLCHAIN=local GOWORK=off CGO_ENABLED=0 go build -trimpath -o "$p/pprofgen" .)
        (cd "$p" && env -i ./pprofgen -out . -paths 20000)
    fi
    median3() {  # median wall seconds of three runs of "$@", output kept in $dir/rows.out
        for i in 1 2 3; do
            /usr/bin/time -f "%e" -o "$dir/time.out" "$@" >"$dir/rows.out" 2>/dev/null || exit 1
            cat "$dir/time.out"
        done | sort -n | sed -n 2p
    }
    g=$(median3 go tool pprof -top -sample_index=inuse_objects -base "$p/before.heap.pb.gz" "$p/after.heap.pb.gz")
    sed -n '/^Showing nodes/,$p' "$dir/rows.out" >"$dir/rows.go"
    x=$(median3 $ctxdiff --sample-index inuse_objects "$p/before.heap.pb.gz" "$p/after.heap.pb.gz")
    awk '/^Showing nodes/ { p = 1 } p && /^$/ { exit } p && !/^---/' "$dir/rows.out" >"$dir/rows.ctxdiff"
    cmp -s "$dir/rows.go" "$dir/rows.ctxdiff" || { echo "pprofgen pair: rows differ from go tool pprof" >&2; exit 1; }
    kb=$(( ($(stat -c %s "$p/before.heap.pb.gz") + $(stat -c %s "$p/after.heap.pb.gz")) / 1000 ))
    awk -v g="$g" -v x="$x" -v kb="$kb" 'BEGIN {
        printf "pprof pair (pprofgen, 60000 stacks, %d KB gzip): go tool pprof -top -base %.2f s, ctxdiff %.3f s: %.0fx faster, identical rows\n", kb, g, x, g / x }'
fi
