#!/bin/sh
# baseline.sh — --baseline REPORT.json as CI uses it: the last release's
# report (ctxdiff -f json) is kept, and this release fails when leaks grew
# since then. Exit codes: 0 nothing crossed, 1 a threshold crossed, 2 a
# usage or input error (missing, broken or foreign baseline; a baseline of
# another kind of comparison; --baseline without --fail-on).
# usage: baseline.sh CTXDIFF   (run from the repository root)
set -u
CTXDIFF=$1
D=testdata/go1.19/leaky
B="$D/before.heapdump" A="$D/after.heapdump" BIN="$D/leaky"
. "$(dirname "$0")/lib.sh"

# "last release": before vs before (fewer leaks); "this release": before vs after
"$CTXDIFF" -b "$BIN" -f json -o "$T/old.json" "$B" "$B" || { echo "FAIL: cannot write the old report"; exit 1; }
"$CTXDIFF" -b "$BIN" -f json -o "$T/same.json" "$B" "$A" || { echo "FAIL: cannot write the report"; exit 1; }
old=$(python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["summary"]["leaking_contexts"])' "$T/old.json")
new=$(python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["summary"]["leaking_contexts"])' "$T/same.json")
[ "$old" -lt "$new" ] && { echo "ok: the old report has fewer leaks ($old < $new)"; pass=$((pass + 1)); } ||
    { echo "FAIL: old $old, new $new leaks"; fail=$((fail + 1)); }
grow=$((new - old))

expect "leaks grew since the baseline" 1 "threshold crossed: leaks>+0 (baseline $old, after $new)" -- \
    -b "$BIN" --baseline "$T/old.json" --fail-on 'leaks>+0' "$B" "$A"
expect "growth below the threshold" 0 "" -- \
    -b "$BIN" --baseline "$T/old.json" --fail-on "leaks>+$grow" "$B" "$A"
expect "growth at the threshold" 1 "baseline $old" -- \
    -b "$BIN" --baseline "$T/old.json" --fail-on "leaks>=+$grow" "$B" "$A"
expect "relative growth" 1 "leaks>+100%" -- \
    -b "$BIN" --baseline "$T/old.json" --fail-on 'leaks>+100%' "$B" "$A"
expect "leak groups grew" 1 "leak-groups>+0" -- \
    -b "$BIN" --baseline "$T/old.json" --fail-on 'leak-groups>+0' "$B" "$A"
expect "against the same release: nothing grew" 0 "" -- \
    -b "$BIN" --baseline "$T/same.json" --fail-on 'leaks>+0' --fail-on 'bytes>+0%' \
    --fail-on 'type:context.cancelCtx:count>+0' --fail-on 'verdict:orphan-child>+0' "$B" "$A"
# the same expression without --baseline compares with this run's before,
# with it with the baseline's after (which has fewer leaks here)
before=$(python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["summary"]["leaking_contexts_before"])' "$T/same.json")
mid=$(( (new - before + grow) / 2 ))
[ $((new - before)) -lt $mid ] && [ $mid -lt $grow ] || { echo "FAIL: fixture: +$((new - before)) vs +$grow"; fail=$((fail + 1)); }
expect "leaks>+$mid without a baseline: +$((new - before))" 0 "" -- \
    -b "$BIN" --fail-on "leaks>+$mid" "$B" "$A"
expect "leaks>+$mid against the baseline: +$grow" 1 "(baseline $old, after $new)" -- \
    -b "$BIN" --baseline "$T/old.json" --fail-on "leaks>+$mid" "$B" "$A"
# a plain value is the after value, baseline or not
expect "plain value ignores the baseline" 1 "leaks>100" -- \
    -b "$BIN" --baseline "$T/same.json" --fail-on 'leaks>100' "$B" "$A"
# the report is written as usual; the gate only sets the exit code
expect "report written, gate crossed" 1 "" -- \
    -b "$BIN" --baseline "$T/old.json" --fail-on 'leaks>+0' -f markdown -o "$T/comment.md" "$B" "$A"
[ -s "$T/comment.md" ] && { echo "ok: -o written when the gate is crossed"; pass=$((pass + 1)); } ||
    { echo "FAIL: no comment.md"; fail=$((fail + 1)); }
# profiles: a heap profile report as the baseline of heap profiles
"$CTXDIFF" -f json -o "$T/prof.json" "$D/before.heap.pb.gz" "$D/before.heap.pb.gz"
expect "heap profiles: contexts grew since the baseline" 1 "baseline 121, after 361" -- \
    --baseline "$T/prof.json" --fail-on 'leaks>+0' "$D/before.heap.pb.gz" "$D/after.heap.pb.gz"
# errors: exit 2, one line naming the file
expect "missing baseline" 2 "nope.json: cannot read" -- \
    -b "$BIN" --baseline "$T/nope.json" --fail-on 'leaks>+0' "$B" "$A"
printf '{"schema": "ctxdiff/1", "kind": "heapdump", "summary": {' >"$T/broken.json"
expect "broken baseline" 2 "broken.json: offset [0-9]*: not JSON" -- \
    -b "$BIN" --baseline "$T/broken.json" --fail-on 'leaks>+0' "$B" "$A"
printf '{"leaks": 3}\n' >"$T/other.json"
expect "not a ctxdiff report" 2 "other.json: not a ctxdiff report" -- \
    -b "$BIN" --baseline "$T/other.json" --fail-on 'leaks>+0' "$B" "$A"
expect "a text report is not a baseline" 2 "not JSON" -- \
    -b "$BIN" --baseline "$D/../../../tests/golden/leaky-go1.19.txt" --fail-on 'leaks>+0' "$B" "$A"
expect "baseline of another kind" 2 "compares heap profiles, this run heap dumps" -- \
    -b "$BIN" --baseline "$T/prof.json" --fail-on 'leaks>+0' "$B" "$A"
expect "--baseline without --fail-on" 2 "give --fail-on" -- \
    -b "$BIN" --baseline "$T/old.json" "$B" "$A"
expect "metric missing from a profile baseline" 2 "unknown metric" -- \
    --baseline "$T/prof.json" --fail-on 'bytes>+0' "$D/before.heap.pb.gz" "$D/after.heap.pb.gz"

finish
