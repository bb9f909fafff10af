#!/bin/sh
# Makes a big before/after heap-dump pair for benchmarks (never committed;
# testdata/big/ is git-ignored).
#
# Usage: testdata/make-bigpair.sh [OUTDIR [SCALE]]
#   OUTDIR  default testdata/big (relative to the current directory, or
#           absolute)
#   SCALE   positive integer, default 1. SCALE=1 gives a before.heapdump of
#           about 0.1 GB (~1.4 M objects) and an after.heapdump of about
#           0.5 GB (~7 M objects) with Go 1.19; sizes grow linearly.
#
# It builds testdata/gen/leaky (GO, default `go`) into OUTDIR and runs it
# there under `env -i` with
#   -n 20000*SCALE -bursts 5 -filler 1000000*SCALE -memprofilerate 524288
# i.e. 5 bursts before the after snapshot (before is still taken after 1),
# the usual leak patterns at 20000*SCALE contexts each per burst, plus
# 1000000*SCALE small live non-context objects per burst (linked lists of
# 1024 nodes, every 4th node with a small byte slice) so that object counts
# reach millions. The heap profile uses the default sampling rate (set
# MEMPROFILERATE=1 to sample every allocation: much slower and bigger).
# truth.json is exact as for the small fixtures: the filler holds no
# contexts. At SCALE=1 it takes ~8 s and ~0.75 GB RSS (100000 parked
# goroutines). Check it with: (cd testdata/gen/checkfix && go run . /abs/OUTDIR)
set -eu
here=$(cd "$(dirname "$0")" && pwd)
out=${1:-$here/big}
scale=${2:-1}
gobin=${GO:-go}
rate=${MEMPROFILERATE:-524288}
case $scale in ''|*[!0-9]*|0) echo "make-bigpair: SCALE must be a positive integer" >&2; exit 2 ;; esac
mkdir -p "$out"
out=$(cd "$out" && pwd)
(cd "$here/gen/leaky" && GOTOOLCHAIN=local GOWORK=off CGO_ENABLED=0 "$gobin" build -trimpath -o "$out/leaky" .)
n=$((20000 * scale))
filler=$((1000000 * scale))
cd "$out"
rm -f before.* after.* truth.json
echo "make-bigpair: $($gobin env GOVERSION) leaky -n $n -bursts 5 -filler $filler -memprofilerate $rate in $out"
env -i ./leaky -out . -n "$n" -bursts 5 -filler "$filler" -memprofilerate "$rate"
ls -l "$out"
