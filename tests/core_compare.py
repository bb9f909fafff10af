#!/usr/bin/env python3
"""core_compare.py DUMP.json CORE.json — the report from a core pair must
agree with the report from the heap dump pair taken at the same moments:
context counts per kind (before, after), every leak group (kind, verdict,
holder, before, after, survived, new), the no-verdict count, the goroutines
watching contexts, and the typed fraction must stay >= 95 %. Prints each
difference; exit 1 if any."""
import json
import sys


def facts(path):
    d = json.load(open(path))
    f = {}
    for row in d["growth"]:
        if row["type"].startswith("context."):
            f["count " + row["type"]] = (row["before_count"], row["after_count"])
    for side in ("before", "after"):
        f["contexts " + side] = d["snapshots"][side].get("contexts")
    groups = sorted((g["kind"], g["verdict"], g["holder"], g["before"], g["after"],
                     g["survived"], g["new"]) for g in d["leaks"])
    f["leak groups"] = groups
    for k in ("leak_groups", "leaking_contexts_before", "leaking_contexts", "no_verdict_before",
              "no_verdict", "contexts_survived", "contexts_new", "contexts_freed"):
        f["summary " + k] = d["summary"][k]
    f["watching goroutines"] = sorted((g["function"], g["before"], g["after"])
                                      for g in d["goroutines"] if g.get("watching_contexts"))
    return f, d


def typed(d):
    s = d["snapshots"]["after"]
    for k in ("typed_fraction", "typed_bytes_fraction"):
        if k in s:
            return s[k]
    if "typed_bytes" in s and s.get("reachable_bytes"):
        return s["typed_bytes"] / s["reachable_bytes"]
    return None


def main():
    fd, dd = facts(sys.argv[1])
    fc, dc = facts(sys.argv[2])
    bad = 0
    for k in sorted(set(fd) | set(fc)):
        if fd.get(k) != fc.get(k):
            print(f"DIFF {k}:\n  dump {fd.get(k)}\n  core {fc.get(k)}")
            bad += 1
    if not fd["leak groups"]:
        print("DIFF: the heap dump report has no leak groups")
        bad += 1
    t = typed(dc)
    if t is not None and t < 0.95:
        print(f"DIFF: core typed fraction {t:.3f} < 0.95")
        bad += 1
    n = len(fd["leak groups"])
    ctx = {k[6:]: v for k, v in fc.items() if k.startswith("count ")}
    print(f"{'FAIL' if bad else 'ok'}: {n} leak groups, contexts {ctx}")
    return 1 if bad else 0


if __name__ == "__main__":
    sys.exit(main())
