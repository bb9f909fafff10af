#!/bin/sh
# core.sh — core files against heap dumps taken at the same moments.
#
# For every Go toolchain found (go on PATH and /usr/lib/go-1.NN/bin/go, or
# the space-separated list in CTXDIFF_CORE_GO), testdata/make-cores.sh runs
# testdata/gen/leaky with -pause and takes, at each snapshot, the heap dump
# and a gcore core. The JSON report of the core pair must agree with the
# report of the heap dump pair (tests/core_compare.py: context counts per
# kind, leak groups' kind/verdict/holder/counts, watchers), and every object
# of each dump must be in its core with the same size and pointer-slot shape
# (tests/core_shapes.py on core_info -s). Then the errors:
# a core of a non-Go program, a core with another binary, a truncated core,
# no -b, a core with a heap dump, a PIE binary: exit 2 and one clear line;
# corrupted cores (tests/core_mutate.py): exit 0 or 2, never a crash; a
# kernel core (GOTRACEBACK=crash) against its heap dump.
#
# Cores are made in $CTXDIFF_CORE_SCRATCH (default /tmp/ctxdiff-cores) and
# reused while the generator and the toolchain are unchanged (the sanitizer
# run reuses the plain run's). Without go or gdb: prints SKIP, exit 77.
# usage: core.sh CTXDIFF CORE_INFO   (from the repository root)
set -u
CTXDIFF=$1
INFO=${2:-}
scratch=${CTXDIFF_CORE_SCRATCH:-/tmp/ctxdiff-cores}
if ! command -v gcore >/dev/null 2>&1; then
    echo "SKIP: gcore (gdb) not installed: core files not tested"
    exit 77
fi
gos=${CTXDIFF_CORE_GO:-}
if [ -z "$gos" ]; then
    command -v go >/dev/null 2>&1 && gos=go
    for g in /usr/lib/go-1.*/bin/go; do
        [ -x "$g" ] && gos="$gos $g"
    done
fi
[ -n "$gos" ] || { echo "SKIP: no go toolchain: core files not tested"; exit 77; }
mkdir -p "$scratch"
T=$(mktemp -d)
trap 'rm -rf "$T"' EXIT
pass=0 fail=0 seen=" " first=""

for g in $gos; do
    ver=$(GOTOOLCHAIN=local "$g" env GOVERSION 2>/dev/null) || continue
    case "$seen" in *" $ver "*) continue ;; esac
    seen="$seen$ver "
    dir=$scratch/$ver
    stamp=$( (echo "$ver"; cat testdata/gen/leaky/*.go testdata/gen/leaky/go.mod testdata/make-cores.sh) | cksum)
    if [ "$(cat "$dir/stamp" 2>/dev/null)" != "$stamp" ] || [ ! -f "$dir/after.core" ]; then
        rm -rf "$dir"
        if ! sh testdata/make-cores.sh "$dir" "$g" >"$T/make.log" 2>&1; then
            echo "FAIL: $ver: make-cores.sh"; sed 's/^/    /' "$T/make.log" | tail -5
            fail=$((fail + 1)); continue
        fi
        echo "$stamp" >"$dir/stamp"
    fi
    [ -n "$first" ] || first=$dir
    if ! "$CTXDIFF" -f json -b "$dir/leaky" "$dir/before.heapdump" "$dir/after.heapdump" >"$T/dump.json" 2>"$T/err"; then
        echo "FAIL: $ver: heap dumps"; head -3 "$T/err"; fail=$((fail + 1)); continue
    fi
    if ! "$CTXDIFF" -f json -b "$dir/leaky" "$dir/before.core" "$dir/after.core" >"$T/core.json" 2>"$T/err"; then
        echo "FAIL: $ver: cores"; head -3 "$T/err"; fail=$((fail + 1)); continue
    fi
    if python3 tests/core_compare.py "$T/dump.json" "$T/core.json" >"$T/cmp" 2>&1; then
        echo "ok: $ver: core pair = heap dump pair: $(tail -1 "$T/cmp" | sed 's/^ok: //')"
        pass=$((pass + 1))
    else
        echo "FAIL: $ver: core pair differs from the heap dump pair"; sed 's/^/    /' "$T/cmp"
        fail=$((fail + 1))
    fi
    # one job: before's core is analysed and reduced before after's loads
    # (with two, cores wait for both loads); the same report
    if "$CTXDIFF" -j 1 -f json -b "$dir/leaky" "$dir/before.core" "$dir/after.core" >"$T/core1.json" 2>"$T/err" &&
       cmp -s "$T/core.json" "$T/core1.json"; then
        pass=$((pass + 1))
    else
        echo "FAIL: $ver: cores with -j 1 differ from -j 2"; head -3 "$T/err"; fail=$((fail + 1))
    fi
    # the same objects with the same pointer slots (no GC between dump and core)
    if [ -n "$INFO" ]; then
        for snap in before after; do
            "$INFO" "$dir/leaky" "$dir/$snap.heapdump" -s >"$T/d.s" 2>&1
            "$INFO" "$dir/leaky" "$dir/$snap.core" -s >"$T/c.s" 2>&1
            if python3 tests/core_shapes.py "$T/d.s" "$T/c.s" >"$T/cmp" 2>&1; then
                pass=$((pass + 1))
            else
                echo "FAIL: $ver: $snap objects differ"; sed 's/^/    /' "$T/cmp"; fail=$((fail + 1))
            fi
        done
    fi
    # every report format renders from cores
    if "$CTXDIFF" -b "$dir/leaky" "$dir/before.core" "$dir/after.core" >"$T/out" 2>"$T/err" &&
       grep -q "canceled-retained" "$T/out"; then
        pass=$((pass + 1))
    else
        echo "FAIL: $ver: text report from cores"; head -3 "$T/err"; fail=$((fail + 1))
    fi
    # cores convert to typed JSON snapshots that give the cores' report
    if "$CTXDIFF" convert -b "$dir/leaky" -o "$T/cb.json.gz" "$dir/before.core" 2>"$T/err" &&
       "$CTXDIFF" convert -b "$dir/leaky" -o "$T/ca.json.gz" "$dir/after.core" 2>>"$T/err" &&
       "$CTXDIFF" -f json "$T/cb.json.gz" "$T/ca.json.gz" >"$T/snap.json" 2>>"$T/err" &&
       python3 - "$T/core.json" "$T/snap.json" <<'PY'
import json, sys
a, b = (json.load(open(p)) for p in sys.argv[1:3])
for k in ("before", "after"):
    b["snapshots"][k]["path"] = a["snapshots"][k]["path"]
b["binary"]["path"] = a["binary"]["path"]
assert b["snapshots"]["after"]["format"] == "core"
sys.exit(0 if a == b else 1)
PY
    then
        pass=$((pass + 1))
    else
        echo "FAIL: $ver: the converted cores' report differs from the cores'"; head -3 "$T/err"; fail=$((fail + 1))
    fi
    if [ -n "$INFO" ] && ! "$INFO" "$dir/leaky" "$dir/after.core" -g >/dev/null 2>"$T/err"; then
        echo "FAIL: $ver: core_info"; head -3 "$T/err"; fail=$((fail + 1))
    fi
done

[ -n "$first" ] || { echo "SKIP: no core pair could be made"; [ $fail = 0 ] && exit 77; }

# expect NAME PATTERN ARGS...: exit 2, one stderr line matching PATTERN
expect2() {
    name=$1 pat=$2
    shift 2
    "$CTXDIFF" "$@" >"$T/out" 2>"$T/err"
    rc=$?
    if [ $rc != 2 ]; then
        echo "FAIL: $name: exit $rc, want 2"; head -3 "$T/err"; fail=$((fail + 1)); return
    fi
    if ! grep -q -- "$pat" "$T/err" || [ "$(wc -l <"$T/err")" -gt 1 ]; then
        echo "FAIL: $name: stderr is not one line matching '$pat':"; sed 's/^/    /' "$T/err" | head -3
        fail=$((fail + 1)); return
    fi
    echo "ok: $name: $(cat "$T/err")"
    pass=$((pass + 1))
}

if [ -n "$first" ]; then
    B=$first/before.core A=$first/after.core BIN=$first/leaky
    # a core of a program that is not Go (sleep)
    if [ ! -f "$scratch/sleep.core" ]; then
        sleep 30 &
        sp=$!
        gcore -o "$scratch/sleep.core" "$sp" >/dev/null 2>&1 && mv "$scratch/sleep.core.$sp" "$scratch/sleep.core"
        fallocate -d "$scratch/sleep.core" 2>/dev/null
        kill "$sp" 2>/dev/null; wait "$sp" 2>/dev/null
    fi
    if [ -f "$scratch/sleep.core" ]; then
        expect2 "core of a non-Go program" "not from" -b "$BIN" "$scratch/sleep.core" "$A"
    else
        echo "FAIL: could not make a core of sleep"; fail=$((fail + 1))
    fi
    # the right kind of core, the wrong binary (a binary from testdata)
    other=testdata/go1.19/httpleak/httpleak
    [ -f "$other" ] && expect2 "core with another Go binary" "not from" -b "$other" "$B" "$A"
    # truncated: cut in the middle of the memory
    head -c 3000000 "$B" >"$T/cut.core"
    expect2 "truncated core" "truncated" -b "$BIN" "$T/cut.core" "$A"
    head -c 100 "$B" >"$T/tiny.core"
    expect2 "core cut in its ELF header" "truncated" -b "$BIN" "$T/tiny.core" "$A"
    expect2 "cores without -b" "needs the binary" "$B" "$A"
    expect2 "a core with a heap dump" "cannot compare" -b "$BIN" "$B" "$first/after.heapdump"
    expect2 "the binary given as a snapshot" "not a core file" -b "$BIN" "$BIN" "$A"
    # position-independent binaries are refused (addresses would need a bias)
    gofirst=$(echo $gos | cut -d' ' -f1)
    if (cd testdata/gen/leaky && GOTOOLCHAIN=local GOWORK=off CGO_ENABLED=0 "$gofirst" build -buildmode=pie \
            -trimpath -o "$T/leaky-pie" .) >/dev/null 2>&1; then
        expect2 "a position-independent binary" "position-independent" -b "$T/leaky-pie" "$B" "$A"
    fi
fi

# Corrupted cores (words of the span and goroutine structures, data, bss,
# heap): a clear error or a report, never a crash (the sanitizer build runs
# this too).
if [ -n "$first" ] && [ -n "$INFO" ]; then
    if python3 tests/core_mutate.py "$INFO" "$first/leaky" "$first/before.core" "${CTXDIFF_CORE_MUTATIONS:-60}" >"$T/cmp" 2>&1; then
        echo "$(tail -1 "$T/cmp")"
        pass=$((pass + 1))
    else
        echo "FAIL: corrupted cores"; sed 's/^/    /' "$T/cmp" | head -20; fail=$((fail + 1))
    fi
fi

# A kernel core (not gcore): leaky with GOTRACEBACK=crash is sent SIGQUIT
# at its before snapshot; the core must hold the dump's objects and
# contexts. Only where core_pattern writes a plain file.
pattern=$(cat /proc/sys/kernel/core_pattern 2>/dev/null)
if [ -n "$first" ] && [ -n "$pattern" ] && [ "${pattern#|}" = "$pattern" ] && [ "${pattern#/}" = "$pattern" ] &&
   (ulimit -c unlimited) 2>/dev/null; then
    K=$T/kernel
    mkdir -p "$K"
    cp "$first/leaky" "$K/leaky"
    (
        cd "$K" || exit 1
        mkfifo ctl
        ulimit -c unlimited
        env -i GOTRACEBACK=crash ./leaky -out . -pause <ctl >log 2>err &
        child=$!
        exec 3>ctl
        i=0
        while ! grep -q " snapshot before" log 2>/dev/null && [ $i -lt 600 ]; do sleep 0.05; i=$((i + 1)); done
        kill -QUIT "$(cut -d' ' -f1 log)" 2>/dev/null
        wait "$child"
        exec 3>&-
    ) >/dev/null 2>&1
    kcore=$(ls "$K"/core* 2>/dev/null | head -1)
    if [ -n "$kcore" ] && [ -f "$K/before.heapdump" ]; then
        "$INFO" "$K/leaky" "$K/before.heapdump" -s >"$T/d.s" 2>&1
        "$INFO" "$K/leaky" "$kcore" -s >"$T/c.s" 2>&1
        "$CTXDIFF" -f json -b "$K/leaky" "$K/before.heapdump" "$K/before.heapdump" >"$T/kd.json" 2>"$T/err"
        "$CTXDIFF" -f json -b "$K/leaky" "$kcore" "$kcore" >"$T/kc.json" 2>>"$T/err"
        if python3 tests/core_shapes.py "$T/d.s" "$T/c.s" >"$T/cmp" 2>&1 &&
           python3 tests/core_compare.py "$T/kd.json" "$T/kc.json" >>"$T/cmp" 2>&1; then
            echo "ok: kernel core (GOTRACEBACK=crash) = heap dump: $(tail -1 "$T/cmp" | sed 's/^ok: //')"
            pass=$((pass + 1))
        else
            echo "FAIL: kernel core differs from the heap dump"; sed 's/^/    /' "$T/cmp" "$T/err" | head -12
            fail=$((fail + 1))
        fi
    else
        echo "SKIP: no kernel core was written (core_pattern '$pattern')"
    fi
else
    echo "SKIP: kernel core (core_pattern '$pattern' is not a plain file name)"
fi

echo "core: $pass passed, $fail failed"
[ $fail = 0 ]
