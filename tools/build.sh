#!/bin/sh
# build.sh [DIR [MESON OPTIONS...]] — configures (once) and builds ctxdiff
# with warnings as errors. Default DIR: build.
set -eu
cd "$(dirname "$0")/.."
dir=${1:-build}
[ $# -gt 0 ] && shift
if [ ! -f "$dir/build.ninja" ]; then
    meson setup "$dir" --werror "$@" >/dev/null
elif [ $# -gt 0 ]; then
    meson configure "$dir" "$@" >/dev/null   # the options asked for now
fi
ninja -C "$dir" >/dev/null
