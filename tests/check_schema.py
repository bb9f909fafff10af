#!/usr/bin/env python3
"""check_schema.py — validates ctxdiff's JSON reports on every fixture pair
(heap dumps and heap profiles) against schema/ctxdiff-report.schema.json.
Skips (exit 77) when python3-jsonschema is not installed.
usage: check_schema.py CTXDIFF"""
import glob, json, os, subprocess, sys
try:
    import jsonschema
except ImportError:
    print("SKIP: python3-jsonschema is not installed")
    sys.exit(77)
ctxdiff = os.path.abspath(sys.argv[1])
schema = json.load(open("schema/ctxdiff-report.schema.json"))
jsonschema.Draft202012Validator.check_schema(schema)
v = jsonschema.Draft202012Validator(schema)
passed = failed = 0
for t in sorted(glob.glob("testdata/go1.*/*/truth.json")):
    d = os.path.dirname(t)
    prog = json.load(open(t))["program"]
    runs = [["-b", os.path.join(d, prog), d + "/before.heapdump", d + "/after.heapdump"],
            [d + "/before.heapdump", d + "/after.heapdump"],
            [d + "/before.heap.pb.gz", d + "/after.heap.pb.gz"]]
    for args in runs:
        p = subprocess.run([ctxdiff, "-f", "json"] + args, capture_output=True, text=True)
        errs = [] if p.returncode == 0 else ["exit %d: %s" % (p.returncode, p.stderr.strip())]
        if not errs:
            errs = [e.message for e in v.iter_errors(json.loads(p.stdout))][:3]
        if errs:
            failed += 1
            print("FAIL:", " ".join(args), errs)
        else:
            passed += 1
print(f"{passed} passed, {failed} failed")
sys.exit(1 if failed else 0)
