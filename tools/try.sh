#!/bin/sh
# try.sh — set up (as root on Debian 12: installs missing packages), build,
# and run ctxdiff on the example snapshots in testdata.
set -eu
cd "$(dirname "$0")/.."
sh tools/deps.sh
sh tools/build.sh build -Dbuildtype=debugoptimized
D=testdata/go1.19/leaky
echo "\$ ctxdiff -b $D/leaky $D/before.heapdump $D/after.heapdump" >&2
exec build/cli/ctxdiff -b $D/leaky $D/before.heapdump $D/after.heapdump
