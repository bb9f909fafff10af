#!/bin/sh
# deps.sh — installs what building and testing ctxdiff needs on Debian 12
# (as root), only the packages that are missing. Go (golang-go) is used by
# the tests to compare with `go tool pprof`, Graphviz (graphviz) to render
# `-f dot`; ctxdiff itself needs neither. (The -f html test uses Chromium
# when it is installed; it is too big to install here.)
set -u
pkgs="build-essential meson ninja-build pkg-config libjansson-dev libdwarf-dev libelf-dev zlib1g-dev python3 python3-jsonschema golang-go graphviz"
# the fuzz smoke test (tools/fuzz.sh; the build does not use clang), and
# strace for the read-only inputs / atomic -o test
pkgs="$pkgs clang libfuzzer-14-dev strace"
missing=""
for p in $pkgs; do
    dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "ok installed" || missing="$missing $p"
done
[ -z "$missing" ] && exit 0
if [ "$(id -u)" != 0 ]; then
    echo "deps.sh: missing packages:$missing; run as root (or: sudo apt-get install$missing)" >&2
    exit 2
fi
echo "deps.sh: installing$missing" >&2
export DEBIAN_FRONTEND=noninteractive
apt-get update -q >/dev/null || { echo "deps.sh: apt-get update failed" >&2; exit 2; }
# shellcheck disable=SC2086
apt-get install -y -q --no-install-recommends $missing >/dev/null || { echo "deps.sh: apt-get install failed" >&2; exit 2; }
