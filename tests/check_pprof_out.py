#!/usr/bin/env python3
"""check_pprof_out.py CTXDIFF — `ctxdiff -f pprof` read by Go's own pprof.

For every heap dump fixture pair (testdata/go1.*/*/, with its binary), the
profile must decode (tests/pprof_dump.py checks every index), and
`go tool pprof` must show what the JSON report of the same pair says:
  -top (contexts):            each leaf "KIND VERDICT" has the summed change
                              of its groups' counts as flat, each root
                              ("global main.appCtx") as cum;
  -top -sample_index=retained the same for retained bytes;
  -tags                       each holder label carries its groups' change,
                              and each pattern of the fixture's truth.json
                              its growth (after - before).
Without go: prints "SKIP: go not installed", exit 77."""
import glob, json, os, re, shutil, subprocess, sys, tempfile

if not shutil.which("go"):
    print("SKIP: go not installed")
    sys.exit(77)
ctxdiff = os.path.abspath(sys.argv[1])
here = os.path.dirname(os.path.abspath(__file__))
tmp = tempfile.mkdtemp()
passed = failed = 0


def fail(what):
    global failed
    failed += 1
    print("FAIL:", what)


def ok(what):
    global passed
    passed += 1
    print("ok:", what)


def root_label(hop):
    kind, name = hop.get("root", ""), hop.get("name", "")
    m = re.match(r"goroutine \d+ (.*)", name)
    if m:
        name = "goroutine " + m.group(1)
    return (kind + " " if kind else "") + name


ROW = re.compile(r"^\s*(-?[\d.]+)(B?)\s+\S+%\s+\S+%\s+(-?[\d.]+)(B?)\s+\S+%\s+(.*)$")


def top(path, extra):
    p = subprocess.run(["go", "tool", "pprof", "-top", "-nodefraction=0", "-nodecount=100000"] + extra + [path],
                       capture_output=True, text=True)
    if p.returncode != 0:
        return None, p.stderr.strip()
    rows = {}
    for line in p.stdout.splitlines():
        m = ROW.match(line)
        if m:
            rows[m.group(5)] = (int(float(m.group(1))), int(float(m.group(3))))
    return rows, p.stdout


def tags(path):
    p = subprocess.run(["go", "tool", "pprof", "-tags", path], capture_output=True, text=True)
    out, key = {}, None
    for line in p.stdout.splitlines():
        m = re.match(r"^\s*(\S+): Total", line)
        if m:
            key = m.group(1)
            continue
        m = re.match(r"^\s*(-?[\d.]+)(?: \([^)]*\))?: (.*)$", line)
        if m and key:
            out.setdefault(key, {})[m.group(2)] = int(float(m.group(1)))
    return out


def compare(name, want, got, col):
    """want: frame -> value; got: -top rows; col 0 flat, 1 cum."""
    bad = []
    for frame, v in sorted(want.items()):
        if v == 0:
            continue  # pprof may leave out nodes that net to zero
        g = got.get(frame)
        if g is None or g[col] != v:
            bad.append("%s: want %d, pprof %s" % (frame, v, g[col] if g else "nothing"))
    if bad:
        fail("%s: %s" % (name, "; ".join(bad[:4])))
    else:
        ok("%s (%d frames)" % (name, len([v for v in want.values() if v])))


for truth in sorted(glob.glob("testdata/go1.*/*/truth.json")):
    d = os.path.dirname(truth)
    prog = json.load(open(truth))["program"]
    args = ["-b", os.path.join(d, prog), d + "/before.heapdump", d + "/after.heapdump"]
    pj = subprocess.run([ctxdiff, "-f", "json"] + args, capture_output=True, text=True)
    prof = os.path.join(tmp, "p.pb.gz")
    pp = subprocess.run([ctxdiff, "-f", "pprof", "-o", prof] + args, capture_output=True, text=True)
    if pj.returncode != 0 or pp.returncode != 0:
        fail("%s: ctxdiff exit %d/%d: %s%s" % (d, pj.returncode, pp.returncode, pj.stderr, pp.stderr))
        continue
    doc = json.loads(pj.stdout)
    dump = subprocess.run([sys.executable, os.path.join(here, "pprof_dump.py"), prof],
                          capture_output=True, text=True)
    if dump.returncode != 0:
        fail("%s: the profile does not decode: %s" % (d, dump.stderr.strip()))
        continue
    groups = [g for g in doc["leaks"] if g["leak"]]
    nsamples = sum(1 for line in dump.stdout.splitlines() if " | " in line)
    want_n = sum(2 if g["before"]["count"] or g["before"]["retained_bytes"] or g["before"]["bytes"] else 1
                 for g in groups)
    if nsamples != want_n:
        fail("%s: %d samples, want %d (after, and negated before, per group)" % (d, nsamples, want_n))
    else:
        ok("%s: %d samples for %d groups" % (d, nsamples, len(groups)))
    leaf_n, leaf_b, root_n, root_b, holder_n = {}, {}, {}, {}, {}
    for g in groups:
        dn = g["after"]["count"] - g["before"]["count"]
        db = g["after"]["retained_bytes"] - g["before"]["retained_bytes"]
        leaf = "%s %s" % (g["kind"], g["verdict"])
        root = root_label(g["paths"][0][0]) if g["paths"] else g["holder"]
        for m, k, v in ((leaf_n, leaf, dn), (leaf_b, leaf, db), (root_n, root, dn), (root_b, root, db),
                        (holder_n, g["holder"], dn)):
            m[k] = m.get(k, 0) + v
    rows, out = top(prof, [])
    if rows is None:
        fail("%s: go tool pprof -top failed: %s" % (d, out))
        continue
    compare(d + ": -top leaves (contexts, flat)", leaf_n, rows, 0)
    compare(d + ": -top roots (contexts, cum)", root_n, rows, 1)
    rows, out = top(prof, ["-sample_index=retained", "-unit=B"])
    if rows is None:
        fail("%s: go tool pprof -top -sample_index=retained failed: %s" % (d, out))
        continue
    compare(d + ": -top leaves (retained bytes, flat)", leaf_b, rows, 0)
    compare(d + ": -top roots (retained bytes, cum)", root_b, rows, 1)
    t = tags(prof).get("holder", {})
    bad = ["%s: want %d, pprof %s" % (h, v, t.get(h)) for h, v in sorted(holder_n.items()) if v and t.get(h) != v]
    if bad:
        fail("%s: -tags holders: %s" % (d, "; ".join(bad[:4])))
    else:
        ok("%s: -tags holders (%s)" % (d, ", ".join("%s %+d" % (h, v) for h, v in sorted(holder_n.items()))))
    # and against the fixture's truth: each pattern's holder, its growth
    want = {}
    for pat in json.load(open(truth))["patterns"]:
        want[pat["holder"]] = want.get(pat["holder"], 0) + pat["after"] - pat["before"]
    bad = []
    for h, v in sorted(want.items()):
        got = sum(x for k, x in t.items() if k == h or k.startswith(h + " "))
        # as in check_fixtures.py: the http fixtures' request contexts, kept
        # alive as parents of the leaked ones, are a second group there
        parents = prog == "httpleak" and h == "main.requestCtxs" and got == 2 * v
        if got != v and not parents:
            bad.append("%s: truth %+d, pprof %+d" % (h, v, got))
    if bad:
        fail("%s: -tags holders vs truth.json: %s" % (d, "; ".join(bad[:4])))
    else:
        ok("%s: -tags holders match truth.json (%d patterns)" % (d, len(want)))
shutil.rmtree(tmp)
print(f"{passed} passed, {failed} failed")
sys.exit(1 if failed or not passed else 0)
