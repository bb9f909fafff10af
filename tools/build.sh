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
    # the options asked for now (--reconfigure also learns options added
    # to meson_options.txt since the directory was set up)
    meson setup --reconfigure "$dir" --werror "$@" >/dev/null
fi
ninja -C "$dir" >/dev/null
