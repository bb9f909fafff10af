#!/bin/sh
# fuzz.sh NAME|all SECONDS [LIBFUZZER OPTIONS...] — builds the libFuzzer
# harnesses of tests/fuzz/ with clang (ASan + UBSan, in build-fuzz/, apart
# from the normal build) and runs harness NAME for SECONDS seconds (all:
# each harness in turn, SECONDS each), niced, on its corpus
# tests/fuzz/corpus-NAME/ (git-ignored, kept between runs) seeded from the
# committed fixtures. Crashers go to tests/fuzz/artifacts/NAME/; keep each
# one, minimised, under tests/fuzz/regressions/NAME/ with its fix (the
# fuzz_replay_* tests replay them in the normal build).
#   NAME: heapdump pipeline pprof goroutine_text binary snapjson (pprof is the
#   target in tests/test_pprof_fuzz.c; goroutine_text, tests/fuzz/
#   fuzz_goroutine_text.c, also compares each input with real profiles)
#   fuzz.sh --build          only build
#   fuzz.sh --smoke SECONDS  CI smoke run: SECONDS shared by the harnesses;
#                            prints SKIP (exit 77, meson's skip) without
#                            clang/libFuzzer; replays the kept crashers too
# Needs clang and libfuzzer-14-dev (Debian 12; tools/deps.sh installs them).
set -eu
cd "$(dirname "$0")/.."
HARNESSES="heapdump pipeline pprof goroutine_text binary snapjson"
B=build-fuzz
CC=${FUZZ_CC:-clang}
SAN="-fsanitize=address,undefined -fno-sanitize-recover=undefined -fno-omit-frame-pointer"

have_fuzzer() {
    command -v "$CC" >/dev/null 2>&1 || return 1
    printf 'int LLVMFuzzerTestOneInput(const char *d, unsigned long n){(void)d;(void)n;return 0;}\n' \
        >"${TMPDIR:-/tmp}/ctxdiff-fuzz-probe.c"
    "$CC" -fsanitize=fuzzer "${TMPDIR:-/tmp}/ctxdiff-fuzz-probe.c" -o "${TMPDIR:-/tmp}/ctxdiff-fuzz-probe" \
        >/dev/null 2>&1
}

build() {
    mkdir -p "$B/obj"
    cflags="-std=c11 -g -O1 -D_GNU_SOURCE -DCTXDIFF_VERSION=\"fuzz\" -Ilib $SAN"
    # the library's sources, as lib/meson.build lists them
    srcs=$(sed -n "s/^ *'\([a-z_0-9]*\.c\)',*$/\1/p" lib/meson.build)
    objs=""
    for s in $srcs; do
        o="$B/obj/${s%.c}.o"
        if [ ! -f "$o" ] || [ "lib/$s" -nt "$o" ] || [ -n "$(find lib -name '*.h' -newer "$o" | head -1)" ]; then
            # shellcheck disable=SC2086
            $CC $cflags -fsanitize=fuzzer-no-link -c "lib/$s" -o "$o"
        fi
        objs="$objs $o"
    done
    libs="-ldwarf -lelf -ljansson -lz -lpthread -lm"
    for x in $HARNESSES; do
        src=tests/fuzz/fuzz_$x.c
        # pprof: the pprof readers' own target (load, compare, render)
        [ "$x" = pprof ] && src="-DCD_LIBFUZZER tests/test_pprof_fuzz.c"
        # shellcheck disable=SC2086
        $CC $cflags -fsanitize=fuzzer -Itests/fuzz $src $objs $libs -o "$B/fuzz_$x"
    done
    # the CLI, for seeds (snapjson's are converted dumps)
    # shellcheck disable=SC2086
    $CC $cflags cli/main.c $objs $libs -o "$B/ctxdiff"
}

# Seed corpus from the committed fixtures (regenerated, never committed).
seeds() {
    h=$1
    d="$B/seeds-$h"
    [ -d "$d" ] && return 0
    mkdir -p "$d"
    case $h in
    heapdump)
        for v in 19 26; do
            for n in 0 20 200; do
                python3 tests/fuzz/cut_dump.py testdata/go1.$v/leaky/before.heapdump "$d/go1.$v-prefix$n" $n prefix
            done
            python3 tests/fuzz/cut_dump.py testdata/go1.$v/leaky/before.heapdump "$d/go1.$v-bfs50" 50
        done ;;
    pipeline)
        for v in 19 26; do
            for n in 100 400 1500; do
                python3 tests/fuzz/cut_dump.py testdata/go1.$v/leaky/after.heapdump "$d/go1.$v-bfs$n" $n
            done
            python3 tests/fuzz/cut_dump.py testdata/go1.$v/leaky/after.heapdump "$d/go1.$v-prefix300" 300 prefix
        done ;;
    pprof)
        cp tests/data/pprof/* "$d/"
        for v in 19 26; do
            for f in before.heap.pb.gz after.goroutine.pb.gz before.goroutine.pb.gz; do
                cp "testdata/go1.$v/leaky/$f" "$d/go1.$v-$f"
            done
            gzip -dc "testdata/go1.$v/leaky/before.heap.pb.gz" >"$d/go1.$v-before.heap.pb"
            gzip -dc "testdata/go1.$v/leaky/before.goroutine.pb.gz" >"$d/go1.$v-before.goroutine.pb"
            head -c 20000 "testdata/go1.$v/leaky/before.heap.txt" >"$d/go1.$v-before.heap.txt"
        done ;;
    goroutine_text)
        cp tests/data/pprof/*goroutine* "$d/"
        for v in 19 26; do
            for f in before.goroutine.txt before.goroutine1.txt; do
                cp "testdata/go1.$v/leaky/$f" "$d/go1.$v-$f"
            done
            cp testdata/go1.$v/httpleak/before.goroutine.txt "$d/go1.$v-http-before.goroutine.txt"
        done ;;
    binary)
        # small ELF files: the Go test binary with its DWARF decompressed and
        # the code gone, and the plain build (a few MB)
        objcopy --only-keep-debug --decompress-debug-sections \
            tests/data/binary/ctxprog-go1.19 "$d/ctxprog-go1.19-debugonly" 2>/dev/null || true
        objcopy --only-keep-debug tests/data/binary/ctxprog-go1.26 "$d/ctxprog-go1.26-debugonly" 2>/dev/null || true
        cp tests/data/binary/ctxprog-go1.19 "$d/" ;;
    snapjson)
        # typed JSON snapshots of real dumps (ctxdiff convert), whole and cut
        # down to their first objects, and a gzip one
        for v in 19 26; do
            "$B/ctxdiff" convert -b testdata/go1.$v/leaky/leaky -o "$d/go1.$v.json" \
                testdata/go1.$v/leaky/before.heapdump
        done
        python3 - "$d" <<'PY'
import json, gzip, sys
d = sys.argv[1]
doc = json.load(open(d + "/go1.19.json"))
small = dict(doc)
small["objects"] = [dict(o, edges=[e for e in o.get("edges", []) if e[0] < 60]) for o in doc["objects"][:60]]
keep = {o["id"] for o in small["objects"]}
small["roots"] = [r for r in doc["roots"] if r["object"] in keep]
small["goroutines"] = [dict(g, object=g["object"]) if g.get("object", 0) in keep else {k: v for k, v in g.items() if k != "object"} for g in doc["goroutines"]]
open(d + "/small.json", "w").write(json.dumps(small, separators=(",", ":")))
with gzip.open(d + "/small.json.gz", "wt") as f:
    f.write(json.dumps(small))
PY
        ;;
    esac
}

# Inputs over this many bytes are not tried (the seeds are smaller).
maxlen() {
    case $1 in
    heapdump) echo 262144 ;;
    pipeline) echo 1048576 ;;
    binary) echo 4194304 ;;
    snapjson) echo 262144 ;;
    *) echo 131072 ;;
    esac
}

# run NAME SECONDS [OPTIONS]: corpus in $CORPUS-NAME, crashers in $ART/NAME/
CORPUS=tests/fuzz/corpus
ART=tests/fuzz/artifacts
run() {
    h=$1 secs=$2
    shift 2
    seeds "$h"
    mkdir -p "$CORPUS-$h" "$ART/$h"
    echo "== fuzz $h ${secs}s"
    dict=""
    [ -f "tests/fuzz/$h.dict" ] && dict="-dict=tests/fuzz/$h.dict"
    # shellcheck disable=SC2086
    nice -n 10 "./$B/fuzz_$h" $dict -max_total_time="$secs" -max_len="$(maxlen "$h")" \
        -rss_limit_mb=2048 -timeout=30 -print_final_stats=1 \
        -artifact_prefix="$ART/$h/" "$@" \
        "$CORPUS-$h" "$B/seeds-$h"
}

case ${1:-} in
--build)
    build ;;
--smoke)
    secs=${2:-60}
    if ! have_fuzzer; then
        echo "SKIP fuzz smoke: clang with libFuzzer not installed (apt-get install clang libfuzzer-14-dev)"
        exit 77   # meson's SKIP
    fi
    build
    per=$((secs / $(echo $HARNESSES | wc -w)))
    [ "$per" -ge 1 ] || per=1
    # a fresh corpus each time, apart from the long runs' corpora: the smoke
    # run proves the harnesses run and the seeds and quick mutations do not crash
    CORPUS=$B/smoke-corpus ART=$B/smoke-artifacts
    rm -rf "$B"/smoke-corpus-* "$ART"
    fail=0
    for h in $HARNESSES; do
        # the kept crashers under clang's sanitizers too (some checks, such
        # as NULL + 0, are clang's only)
        if ! "./$B/fuzz_$h" "tests/fuzz/regressions/$h"/* >"$B/smoke-replay-$h.log" 2>&1; then
            echo "fuzz smoke: $h fails on a kept crasher:"
            grep -E 'ERROR|SUMMARY|Running' "$B/smoke-replay-$h.log" | tail -5
            fail=1
        fi
        # a fixed seed: the same mutations on every machine (a faster one
        # gets further), so that the smoke run does not flake
        run "$h" "$per" -seed=1 2>&1 | grep -E '^(== |Done|stat::number_of_executed_units|==[0-9]+==ERROR|SUMMARY)' || true
        for f in "$ART/$h"/*; do
            [ -f "$f" ] || continue
            echo "fuzz smoke: $h failed on $f"
            fail=1
        done
    done
    exit $fail ;;
all)
    [ $# -ge 2 ] || { echo "usage: $0 NAME|all SECONDS" >&2; exit 2; }
    build
    secs=$2
    shift 2
    for h in $HARNESSES; do run "$h" "$secs" "$@"; done ;;
'' | -h | --help)
    sed -n '2,/^set -eu/p' "$0" | grep '^#' | sed 's/^# \{0,1\}//'
    exit 2 ;;
*)
    [ $# -ge 2 ] || { echo "usage: $0 NAME|all SECONDS" >&2; exit 2; }
    h=$1 secs=$2
    shift 2
    case " $HARNESSES " in *" $h "*) ;; *) echo "unknown harness $h ($HARNESSES)" >&2; exit 2 ;; esac
    build
    run "$h" "$secs" "$@" ;;
esac
