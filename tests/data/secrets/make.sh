#!/bin/sh
# make.sh [GO] — regenerates this fixture: builds secretleak (main.go) with
# CGO_ENABLED=0 GO build -trimpath and runs it in a scratch directory under
# `env -i CTXDIFF_SECRET_MARKER=s3cr3t-<random>` (its only environment
# variable) with relative output paths; copies the binary and the two dumps
# here. Default GO: /usr/lib/go-1.19/bin/go (small dumps, DWARF 4).
set -eu
here=$(cd "$(dirname "$0")" && pwd)
gobin=${1:-/usr/lib/go-1.19/bin/go}
work=/tmp/ctxdiff-secrets
rm -rf "$work"
mkdir -p "$work"
(cd "$here" && GOTOOLCHAIN=local GOWORK=off CGO_ENABLED=0 "$gobin" build -trimpath -o "$work/secretleak" .)
marker="s3cr3t-$(od -An -N8 -tx1 /dev/urandom | tr -d ' \n')"
(cd "$work" && env -i "CTXDIFF_SECRET_MARKER=$marker" ./secretleak)
# the environment must be exactly the marker: nothing of this machine
envpat='HOME''=|PWD''=/|OLDPWD''=|SSH''_|_TOKEN''=|API_KEY''=|USER''=|PATH''=/'
if grep -a -l -E "$envpat" "$work"/*.heapdump; then
    echo "make.sh: environment strings found in the dumps above" >&2
    exit 1
fi
grep -a -q "CTXDIFF_SECRET_MARKER=$marker" "$work/before.heapdump" || { echo "make.sh: marker not in the dump" >&2; exit 1; }
cp "$work/secretleak" "$work/before.heapdump" "$work/after.heapdump" "$here/"
ls -l "$here"
