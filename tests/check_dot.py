#!/usr/bin/env python3
"""check_dot.py CTXDIFF — `ctxdiff -f dot` read by Graphviz.

For every heap dump fixture pair (testdata/go1.*/*/, with its binary),
`dot -Tsvg` must accept the graph without a word on stderr, and the SVG
must hold what the JSON report of the same pair says: one node per leak
group ("#ID KIND", its verdict, "held by HOLDER", the after count and
change), one root node per distinct root, and an edge into every group.
Without Graphviz: prints "SKIP: graphviz (dot) not installed", exit 77."""
import glob, json, os, re, shutil, subprocess, sys
import xml.etree.ElementTree as ET

if not shutil.which("dot"):
    print("SKIP: graphviz (dot) not installed")
    sys.exit(77)
ctxdiff = os.path.abspath(sys.argv[1])
passed = failed = 0
SVG = "{http://www.w3.org/2000/svg}"


def result(good, what):
    global passed, failed
    if good:
        passed += 1
        print("ok:", what)
    else:
        failed += 1
        print("FAIL:", what)


for truth in sorted(glob.glob("testdata/go1.*/*/truth.json")):
    d = os.path.dirname(truth)
    prog = json.load(open(truth))["program"]
    args = ["-b", os.path.join(d, prog), d + "/before.heapdump", d + "/after.heapdump"]
    pj = subprocess.run([ctxdiff, "-f", "json"] + args, capture_output=True, text=True)
    pd = subprocess.run([ctxdiff, "-f", "dot"] + args, capture_output=True)
    if pj.returncode != 0 or pd.returncode != 0:
        result(False, "%s: ctxdiff exit %d/%d" % (d, pj.returncode, pd.returncode))
        continue
    doc = json.loads(pj.stdout)
    groups = [g for g in doc["leaks"] if g["leak"]]
    p = subprocess.run(["dot", "-Tsvg"], input=pd.stdout, capture_output=True)
    result(p.returncode == 0 and not p.stderr, "%s: dot -Tsvg (exit %d%s)" % (
        d, p.returncode, ", " + p.stderr.decode(errors="replace").strip() if p.stderr else ""))
    if p.returncode != 0:
        continue
    svg = ET.fromstring(p.stdout)
    nodes, edges = {}, []
    for g in svg.iter(SVG + "g"):
        title = g.find(SVG + "title")
        text = "\n".join(t.text or "" for t in g.iter(SVG + "text"))
        if g.get("class") == "node":
            nodes[title.text] = text
        elif g.get("class") == "edge":
            edges.append(title.text)
    bad = []
    for grp in groups:
        label = nodes.get("g%d" % grp["id"], "")
        a, dc = grp["after"]["count"], grp["delta_count"]
        for want in ("#%d %s" % (grp["id"], grp["kind"]), grp["verdict"], "held by " + grp["holder"],
                     "{:,} contexts ({:+,})".format(a, dc) if dc else "{:,} contexts (0)".format(a)):
            if want not in label:
                bad.append("group %d lacks '%s' (label: %s)" % (grp["id"], want, label.replace("\n", " / ")))
        if not any(e.endswith("->g%d" % grp["id"]) for e in edges):
            bad.append("no edge into group %d" % grp["id"])
    roots = set()
    for grp in groups:
        if grp["paths"]:
            h = grp["paths"][0][0]
            name = re.sub(r"^goroutine \d+ ", "goroutine ", h["name"])
            roots.add((h["root"] + " " if h["root"] else "") + name)
    missing = [r for r in sorted(roots) if r not in nodes.values()]
    if missing:
        bad.append("root nodes missing: %s" % ", ".join(missing))
    result(not bad, "%s: %d group nodes, %d roots, %d nodes, %d edges%s" % (
        d, len(groups), len(roots), len(nodes), len(edges), ": " + "; ".join(bad[:4]) if bad else ""))
print(f"{passed} passed, {failed} failed")
sys.exit(1 if failed or not passed else 0)
