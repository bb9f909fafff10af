#!/bin/sh
# sweep.sh REPLAY_PIPELINE — the truncation sweep through the whole
# pipeline (tests/test_heapdump.c sweeps the reader alone): real dumps cut
# at record boundaries and ended with the EOF record (cut_dump.py: the
# first N objects; the N objects nearest the roots), and one-byte
# corruptions and EOF-ended prefixes of whole dumps, each loaded, typed,
# analysed, compared with the real before dump and rendered in every
# format (fuzz_pipeline.c). Fails on a crash or a sanitizer report.
set -eu
replay=$1
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
for v in 19 26; do
    src=testdata/go1.$v/leaky/after.heapdump
    for n in 0 1 2 5 10 30 100 300 1000; do
        python3 tests/fuzz/cut_dump.py "$src" "$tmp/go1.$v-prefix$n" "$n" prefix
        python3 tests/fuzz/cut_dump.py "$src" "$tmp/go1.$v-roots$n" "$n"
    done
done
"$replay" "$tmp" | tail -n 1
for v in 19 26; do
    "$replay" --corrupt "${SWEEP_N:-250}" testdata/go1.$v/leaky/after.heapdump
done
