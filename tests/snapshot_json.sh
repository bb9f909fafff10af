#!/bin/sh
# snapshot_json.sh — typed JSON snapshots (ctxdiff convert, ctxdiff-snapshot(5)):
# every fixture pair converted (one plain, one gzip) gives, without the
# binary, byte-identical reports in every format to the dumps with it; the
# snapshots follow the JSON Schema, hold no object contents, and bad ones
# (invalid JSON, schema violations, dangling references, truncated gzip)
# get one error line naming the file, the offset and the path in the
# document, exit 2, and nothing half-written.
# usage: snapshot_json.sh CTXDIFF   (run from the repository root)
set -u
CTXDIFF=$1
ROOT=$(pwd)
case $CTXDIFF in /*) ;; *) CTXDIFF=$ROOT/$CTXDIFF ;; esac
. "$(dirname "$0")/lib.sh"

# ---- round trip on every fixture ----
# The report names its inputs and the binary as given: run both sides from
# directories where they have the same names (before, after, prog).
for d in testdata/go1.*/*/; do
    d=${d%/}
    name=$(basename "$d")
    X="$T/x" Y="$T/y"
    rm -rf "$X" "$Y"
    mkdir -p "$X" "$Y"
    ln -s "$ROOT/$d/before.heapdump" "$X/before"
    ln -s "$ROOT/$d/after.heapdump" "$X/after"
    ln -s "$ROOT/$d/$name" "$X/prog"
    if ! (cd "$X" && "$CTXDIFF" convert -b prog before -o "$Y/before.json" &&
          "$CTXDIFF" convert -b prog after -o "$Y/after.json.gz"); then
        bad "$d: convert failed"
        continue
    fi
    mv "$Y/before.json" "$Y/before"
    mv "$Y/after.json.gz" "$Y/after"
    same=1
    for f in text json markdown html dot pprof; do
        (cd "$X" && "$CTXDIFF" -b prog -f "$f" -o "$T/dump.$f" before after) >/dev/null 2>&1
        (cd "$Y" && "$CTXDIFF" -f "$f" -o "$T/snap.$f" before after) >/dev/null 2>&1
        if [ ! -s "$T/dump.$f" ] || ! cmp -s "$T/dump.$f" "$T/snap.$f"; then
            bad "$d: the $f report from the snapshots differs from the dumps'"
            diff "$T/dump.$f" "$T/snap.$f" 2>/dev/null | head -6 | sed 's/^/    /'
            same=0
        fi
    done
    [ "$same" = 1 ] && ok "$d: snapshots give byte-identical reports (text json markdown html dot pprof)"
    # the gate reads the same report: same exit code
    (cd "$X" && "$CTXDIFF" -b prog --fail-on 'leaks>0' before after) >/dev/null 2>&1; g1=$?
    (cd "$Y" && "$CTXDIFF" --fail-on 'leaks>0' before after) >/dev/null 2>&1; g2=$?
    [ "$g1" = "$g2" ] && ok "$d: gate exit $g1 on both" || bad "$d: gate exit $g1 on dumps, $g2 on snapshots"
done

# ---- what a snapshot is ----
D=testdata/go1.19/leaky
S="$T/s.json"
"$CTXDIFF" convert -b "$D/leaky" -o "$S" "$D/before.heapdump" || bad "convert go1.19 leaky"
"$CTXDIFF" convert -b "$D/leaky" "$D/before.heapdump" >"$T/stdout.json" 2>/dev/null
cmp -s "$S" "$T/stdout.json" && ok "convert to standard output writes the same bytes" ||
    bad "convert to standard output differs from -o"
"$CTXDIFF" convert -b "$D/leaky" -o "$T/s2.json" "$D/before.heapdump"
cmp -s "$S" "$T/s2.json" && ok "convert is deterministic" || bad "two converts differ"
"$CTXDIFF" convert -b "$D/leaky" -o "$T/s.json.gz" "$D/before.heapdump"
if gzip -dc "$T/s.json.gz" | cmp -s - "$S"; then ok ".gz output is gzip of the same JSON"; else bad ".gz output"; fi
python3 - "$S" "$ROOT/schema/ctxdiff-snapshot.schema.json" "$ROOT/testdata/go1.26/httpleak" "$CTXDIFF" <<'PY' && ok "snapshots follow the JSON Schema; ids, references and context facts hold" || bad "schema check"
import json, subprocess, sys, tempfile, os
import jsonschema
snap, schema_path, d26, ctxdiff = sys.argv[1:5]
schema = json.load(open(schema_path))
jsonschema.validators.validator_for(schema).check_schema(schema)
docs = [json.load(open(snap))]
with tempfile.TemporaryDirectory() as t:
    out = os.path.join(t, "s.json")
    subprocess.run([ctxdiff, "convert", "-b", d26 + "/httpleak", "-o", out, d26 + "/after.heapdump"], check=True)
    docs.append(json.load(open(out)))
for doc in docs:
    jsonschema.validate(doc, schema)
    objs, types = doc["objects"], doc["types"]
    assert [o["id"] for o in objs] == list(range(len(objs)))
    assert [t["id"] for t in types] == list(range(1, len(types) + 1))
    ctx = [o for o in objs if "context" in o]
    assert ctx, "no context facts"
    names = {t["id"]: t["name"] for t in types}
    for o in ctx:
        assert names[o["type"]].startswith("context."), names[o["type"]]
    for o in objs:
        for e in o.get("edges", []):
            assert 0 <= e[0] < len(objs) and e[1] + doc["source"]["ptr_size"] <= o["size"]
PY

# no object contents: the heap dump holds strings (environment, program
# data) that must not be in the snapshot
python3 - "$D/before.heapdump" "$S" <<'PY' && ok "no object contents in the snapshot" || bad "object contents leak into the snapshot"
import re, sys
dump = open(sys.argv[1], "rb").read()
snap = open(sys.argv[2], "rb").read()
# printable runs of 12+ bytes in the dump that are not Go identifiers or paths
leaks = []
for m in set(re.findall(rb"[ -~]{12,}", dump)):
    if re.fullmatch(rb"[A-Za-z0-9_./*\[\]{}(), <>:-]+", m):
        continue   # names of types, functions, files: meant to be there
    if m in snap:
        leaks.append(m)
assert not leaks, leaks[:5]
PY

# ---- errors: one line, file, offset, path; exit 2 ----
mk() { python3 -c "$2" "$S" >"$T/$1"; }
expect "-b with snapshots" 2 "carry their types" -- -b "$D/leaky" "$S" "$S"
expect "snapshot with a heap dump" 2 "same kind" -- "$S" "$D/after.heapdump"
head -c 20000 "$S" >"$T/cut.json"
expect "truncated snapshot" 2 "cut.json: offset 20000: \$.types\[[0-9]*\].*the file ends" -- "$T/cut.json" "$S"
gzip -c "$S" | head -c 9000 >"$T/cut.json.gz"
expect "truncated gzip" 2 "cut.json.gz" -- "$T/cut.json.gz" "$S"
mk size-string.json 'import re,sys; s=open(sys.argv[1]).read(); i=s.index("\"objects\":["); print(s[:i] + re.sub(r"\"size\":\d+", "\"size\":\"x\"", s[i:], count=1), end="")'
expect "wrong type (string for size)" 2 '\$.objects\[0\].size: expected an unsigned integer, found a string' -- "$T/size-string.json" "$S"
mk dangling.json 'import sys,re; s=open(sys.argv[1]).read(); s=re.sub(r"\"edges\":\[\[\d+,", "\"edges\":[[99999999,", s, count=1); print(s, end="")'
expect "edge to no object" 2 'edges\[0\]\[0\]: object 99999999 does not exist' -- "$T/dangling.json" "$S"
mk unknown.json 'import sys; s=open(sys.argv[1]).read(); print(s.replace("\"goarch\":", "\"extra\":1,\"goarch\":", 1), end="")'
expect "unknown member" 2 '\$.source.extra: unknown member "extra"' -- "$T/unknown.json" "$S"
mk version.json 'import sys; s=open(sys.argv[1]).read(); print(s.replace("{\"ctxdiff_snapshot\":1", "{\"ctxdiff_snapshot\":2", 1), end="")'
expect "newer version" 2 'version 2: this ctxdiff reads version 1' -- "$T/version.json" "$S"
mk badtype.json 'import sys; s=open(sys.argv[1]).read(); print(s.replace("\"kind\":\"ptr\"", "\"kind\":\"pointer\"", 1), end="")'
expect "unknown kind" 2 'unknown kind "pointer"' -- "$T/badtype.json" "$S"
mk trailing.json 'import sys; s=open(sys.argv[1]).read(); print(s + "{}", end="")'
expect "data after the document" 2 'data after the end' -- "$T/trailing.json" "$S"
mk order.json 'import json,sys; d=json.load(open(sys.argv[1])); o={"ctxdiff_snapshot":1,"binary":d["binary"],"source":d["source"]}; print(json.dumps(o))'
expect "members out of order" 2 '"binary" where "source" belongs' -- "$T/order.json" "$S"
mk reformatted.json 'import json,sys; print(json.dumps(json.load(open(sys.argv[1])), indent=1))'
expect "any JSON layout reads" 0 "" -- "$T/reformatted.json" "$S"
printf '{"ctxdiff_snapshot":1,"source":{"format":"heapdump","ptr_size":8},"binary":{},"types":[],"goroutines":[],"roots":[],"objects":[]}' >"$T/empty.json"
expect "an empty snapshot" 0 "" -- "$T/empty.json" "$T/empty.json"
R=tests/fuzz/regressions/snapjson
expect "a member given twice" 2 '\$.objects\[0\].size: the member "size" is given twice' -- "$R/review-dupsize" "$S"
expect "overlapping objects" 2 '\$.objects\[1\]: it overlaps object 0' -- "$R/review-overlapping-objects" "$S"
expect "a type that contains itself" 2 'type 1 (x.T) contains itself' -- "$R/review-self-containing-type" "$S"
expect "a field outside its type" 2 'is not inside the type' -- "$R/review-ks" "$S"
expect "edges out of order" 2 'edges come in increasing offset order' -- "$R/review-edges-one-offset" "$S"
expect "a frame root of no frame (a goroutine's closure context)" 0 "" -- "$R/handmade-frame-root-without-goroutine" "$R/handmade-frame-root-without-goroutine"
expect "convert without -b" 2 "needs the binary" -- convert "$D/before.heapdump"
expect "convert without a snapshot" 2 "convert needs one snapshot" -- convert -b "$D/leaky"
expect "convert a profile" 2 "not a pprof profile" -- convert -b "$D/leaky" -o "$T/p.json" "$D/before.heap.pb.gz"
expect "convert a snapshot" 2 "converted already" -- convert -b "$D/leaky" -o "$T/p.json" "$S"
expect "convert with another program" 2 "does not match" -- convert -b testdata/go1.19/httpleak/httpleak -o "$T/p.json" "$D/before.heapdump"
expect "convert a truncated dump" 2 "offset" -- convert -b "$D/leaky" -o "$T/p.json" "$T/cut.json"
[ ! -e "$T/p.json" ] && [ -z "$(ls "$T" | grep 'p.json.tmp')" ] && ok "nothing half-written after failed converts" ||
    bad "a failed convert left a file"
expect "convert into a missing directory" 2 "cannot write" -- convert -b "$D/leaky" -o "$T/no/such/dir.json" "$D/before.heapdump"

finish
