#!/bin/sh
# Regenerates the real heap-snapshot fixtures under testdata/go1.NN/.
#
# Usage: testdata/make-fixtures.sh [GO...]
#   GO  a go binary (default: go). For each one, every program under
#       testdata/gen/ (leaky, httpleak) is built with
#       CGO_ENABLED=0 GO build -trimpath and run under `env -i` (an empty
#       environment: a heap dump holds the process environment) with
#       relative output paths, in the fixed scratch directory
#       /tmp/ctxdiff-fixtures/go1.NN/PROG (so the binary path that the pprof
#       profiles record is the same on every machine). The binary and its
#       outputs are then copied to testdata/go1.NN/PROG/, where go1.NN is the
#       major.minor of `GO env GOVERSION`, the outputs are grepped for
#       environment strings, and checkfix compares the dumps and profiles
#       with truth.json.
#   Example: testdata/make-fixtures.sh go /usr/lib/go-1.21/bin/go
#
# Environment: PROGS (default "leaky httpleak") limits the programs.
set -eu
here=$(cd "$(dirname "$0")" && pwd)
progs=${PROGS:-"leaky httpleak"}
[ $# -gt 0 ] || set -- go
scratch=/tmp/ctxdiff-fixtures
# Strings that must not appear in any output: they would mean that the
# environment of this machine leaked into a dump.
# the names are split so that this script does not match its own check
envpat='HOME''=|PWD''=/|OLDPWD''=|SSH''_|USER''=|LOGNAME''=|PATH''=/|TERM''=|LANG''=|SHELL''=|GOROOT''=|GOPATH''=|GOCACHE''=|TMPDIR''=|HOSTNAME''='

# checkfix is built once, with the first go binary.
mkdir -p "$scratch"
(cd "$here/gen/checkfix" && GOTOOLCHAIN=local GOWORK=off CGO_ENABLED=0 "$1" build -o "$scratch/checkfix" .)

status=0
for gobin in "$@"; do
  full=$(GOTOOLCHAIN=local "$gobin" env GOVERSION)
  ver=$(echo "$full" | sed -n 's/^\(go[0-9]*\.[0-9]*\).*/\1/p')
  [ -n "$ver" ] || { echo "make-fixtures: cannot parse GOVERSION '$full' of $gobin" >&2; exit 1; }
  for prog in $progs; do
    work=$scratch/$ver/$prog
    dest=$here/$ver/$prog
    echo "== $full $prog -> testdata/$ver/$prog"
    rm -rf "$work"
    mkdir -p "$work"
    (cd "$here/gen/$prog" && GOTOOLCHAIN=local GOWORK=off CGO_ENABLED=0 "$gobin" build -trimpath -o "$work/$prog" .)
    (cd "$work" && env -i "./$prog" -out .)
    rm -rf "$dest"
    mkdir -p "$dest"
    cp -p "$work"/* "$dest"/
    if grep -a -l -E "$envpat" "$dest"/* | grep -v "/$prog\$"; then
      echo "make-fixtures: environment strings found in the files above" >&2
      status=1
    fi
    "$scratch/checkfix" "$dest" || status=1
    du -sh "$dest"
  done
done
exit $status
