#!/bin/sh
# Makes core-file fixtures: a heap dump pair and a core pair of leaky taken
# at the same moments.
#
# Usage: testdata/make-cores.sh OUTDIR [GO]
#   GO  a go binary (default: go). testdata/gen/leaky is built with
#       CGO_ENABLED=0 GO build -trimpath into OUTDIR and run there under
#       `env -i` (an empty environment) with `-out . -pause`. At each
#       snapshot leaky writes its heap dump, prints "PID snapshot before"
#       (or after) and waits for a line on stdin; this script then runs
#       `gcore` on PID (gdb) and lets it go on. OUTDIR then holds leaky,
#       before.heapdump, after.heapdump, before.core, after.core, truth.json
#       and the profiles.
# LEAKY_ARGS adds flags to leaky (-n, -bursts, -filler, -memprofilerate).
# Needs gdb (gcore) and the right to ptrace the child (root, or
# kernel.yama.ptrace_scope 0). Cores are ~0.7 GB (sparse: a few MB on disk
# after fallocate -d): they are made on demand
# (tests/core.sh), not committed. Exit status 77 when go or gcore is missing.
set -eu
[ $# -ge 1 ] || { echo "usage: make-cores.sh OUTDIR [GO]" >&2; exit 2; }
out=$1
gobin=${2:-go}
here=$(cd "$(dirname "$0")" && pwd)
command -v "$gobin" >/dev/null 2>&1 || { echo "make-cores: no $gobin" >&2; exit 77; }
command -v gcore >/dev/null 2>&1 || { echo "make-cores: no gcore (gdb)" >&2; exit 77; }
mkdir -p "$out"
out=$(cd "$out" && pwd)
rm -f "$out"/*.core "$out"/*.heapdump "$out/ctl" "$out/pause.log"
(cd "$here/gen/leaky" && GOTOOLCHAIN=local GOWORK=off CGO_ENABLED=0 "$gobin" build -trimpath -o "$out/leaky" .)
cd "$out"
mkfifo ctl
# LEAKY_ARGS: more flags for leaky (e.g. "-n 20000 -filler 1000000" for a big pair)
# shellcheck disable=SC2086
env -i ./leaky -out . -pause ${LEAKY_ARGS:-} <ctl >pause.log &
child=$!
exec 3>ctl
rm -f ctl
status=0
for snap in before after; do
  tries=0
  while ! grep -q " snapshot $snap\$" pause.log 2>/dev/null; do
    if ! kill -0 "$child" 2>/dev/null; then
      echo "make-cores: leaky exited before the $snap snapshot" >&2
      exit 1
    fi
    tries=$((tries + 1))
    [ $tries -lt 1200 ] || { echo "make-cores: timeout waiting for the $snap snapshot" >&2; kill "$child"; exit 1; }
    sleep 0.05
  done
  pid=$(sed -n "s/^\([0-9]*\) snapshot $snap\$/\1/p" pause.log)
  if ! gcore -o "$snap.core" "$pid" >gcore.log 2>&1; then
    cat gcore.log >&2
    status=1
  fi
  mv "$snap.core.$pid" "$snap.core" 2>/dev/null || status=1
  # gcore writes the reserved (PROT_NONE) heap arenas as zeros: punch them
  # out (0.7 GB apparent, a few MB on disk)
  fallocate -d "$snap.core" 2>/dev/null || true
  echo >&3
done
exec 3>&-
wait "$child" || status=1
rm -f gcore.log pause.log
exit $status
