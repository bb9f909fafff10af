#!/usr/bin/env python3
"""check_fixtures.py — runs ctxdiff on every committed fixture pair and checks
its JSON report against the fixture's truth.json (written by the Go program
that leaked the contexts):

- reachable context counts per kind in each snapshot equal the truth's;
- every leaking pattern's group names the truth's holder, verdict and kind,
  with exactly its before/after counts (patterns with the same kind, verdict
  and holder, such as two kinds of dropped timers, are summed);
- no other context is reported as leaking (correct use is never reported);
- parked watchers match; at least 95 % of reachable bytes are typed.

usage: check_fixtures.py CTXDIFF [FIXTURE_DIR...]   (default: testdata/go*/*)
"""
import glob
import json
import os
import subprocess
import sys

ctxdiff = os.path.abspath(sys.argv[1])
dirs = sys.argv[2:] or sorted(glob.glob("testdata/go1.*/*/truth.json"))
dirs = [os.path.dirname(d) if d.endswith("truth.json") else d for d in dirs]
passed = failed = 0


def check(cond, what):
    global passed, failed
    if cond:
        passed += 1
    else:
        failed += 1
        print("FAIL:", what)


for d in dirs:
    truth = json.load(open(os.path.join(d, "truth.json")))
    binary = os.path.join(d, truth["program"])
    cmd = [ctxdiff, "-b", binary, "-f", "json", "--paths", "1",
           os.path.join(d, "before.heapdump"), os.path.join(d, "after.heapdump")]
    p = subprocess.run(cmd, capture_output=True, text=True)
    check(p.returncode == 0, f"{d}: exit {p.returncode}: {p.stderr.strip()}")
    if p.returncode != 0:
        continue
    rep = json.loads(p.stdout)
    for side in ("before", "after"):
        snap = rep["snapshots"][side]
        for kind, n in truth["snapshots"][side]["reachable"].items():
            got = snap["contexts"].get(kind, 0)
            check(got == n, f"{d}: {side} reachable {kind}: truth {n}, ctxdiff {got}")
        check(snap["typed_fraction"] >= 0.95,
              f"{d}: {side} typed fraction {snap['typed_fraction']} < 0.95")
        w = truth["snapshots"][side].get("parked_watchers", 0)
        got_w = sum(g[side]["watchers"] for g in rep["leaks"] if g["verdict"] == "watched")
        check(got_w == w, f"{d}: {side} parked watchers: truth {w}, ctxdiff {got_w}")
    # expected groups, summed over patterns with one (kind, verdict, holder)
    want = {}
    for pat in truth["patterns"]:
        key = (pat["kind"], pat["verdict"], pat["holder"])
        b, a = want.get(key, (0, 0))
        want[key] = (b + pat["before"], a + pat["after"])
    leaks = [g for g in rep["leaks"] if g["leak"]]
    matched = set()
    for (kind, verdict, holder), (b, a) in sorted(want.items()):
        groups = [i for i, g in enumerate(leaks)
                  if g["kind"] == kind and g["verdict"] == verdict
                  and g["holder"].startswith(holder)
                  and i not in matched]
        # the first group with the pattern's exact counts
        hit = [i for i in groups
               if leaks[i]["before"]["count"] == b and leaks[i]["after"]["count"] == a]
        check(bool(hit), f"{d}: no {verdict} group of {kind} held by {holder} "
                         f"with {b} -> {a} (candidates: "
                         + ", ".join(f"{leaks[i]['holder']} {leaks[i]['before']['count']}->{leaks[i]['after']['count']}" for i in groups) + ")")
        if hit:
            matched.add(hit[0])
    # every other leak group must be explained: the http fixtures' request
    # contexts, kept alive as parents of the leaked ones, are the only extra
    extra = [leaks[i] for i in range(len(leaks)) if i not in matched]
    for g in extra:
        ok = (truth["program"] == "httpleak" and g["verdict"] == "canceled-retained"
              and g["holder"].startswith("main.requestCtxs"))
        check(ok, f"{d}: unexpected leak group #{g['id']} {g['verdict']} {g['kind']} "
                  f"held by {g['holder']} ({g['before']['count']} -> {g['after']['count']})")

print(f"{passed} passed, {failed} failed")
sys.exit(1 if failed else 0)
