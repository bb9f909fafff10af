#!/usr/bin/env python3
"""check_html.py CTXDIFF TEST_FORMATS — `ctxdiff -f html` in a real browser.

Headless Chromium opens the page made for the Go 1.19 leaky dumps (and for
the heap and goroutine profile pairs) from a file:// URL, and the DOM it
builds (--dump-dom) must hold what the JSON report of the same run says:
the summary, leak-group, growth and goroutine tables with a row per group
or type shown, a <details> per leak group whose path lists have one item
per hop (root first, the context last), the first one open. No <script>,
no external resource. The page made by test_formats from a report full of
markup (TEST_FORMATS DIR writes DIR/hostile.html) must come out as text:
no script element, the holder cell reading exactly the hostile string.
A screenshot is taken (the browser lays the page out without error); the
test keeps it as $CTXDIFF_HTML_SCREENSHOT when that is set.
Without Chromium: prints "SKIP: chromium not installed", exit 77."""
import html.parser, json, os, re, shutil, subprocess, sys, tempfile

browser = next((shutil.which(b) for b in ("chromium", "chromium-browser", "google-chrome")
                if shutil.which(b)), None)
if not browser:
    print("SKIP: chromium not installed")
    sys.exit(77)
ctxdiff, test_formats = os.path.abspath(sys.argv[1]), os.path.abspath(sys.argv[2])
tmp = tempfile.mkdtemp()
passed = failed = 0
D = "testdata/go1.19/leaky/"
HOSTILE = "</td><script>alert(\"x\\y\")</script>&amp;'\ufffd"


def result(good, what):
    global passed, failed
    if good:
        passed += 1
        print("ok:", what)
    else:
        failed += 1
        print("FAIL:", what)


def chromium(url, *extra):
    profile = tempfile.mkdtemp(dir=tmp)
    cmd = [browser, "--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
           "--disable-component-update", "--disable-sync", "--no-first-run", "--user-data-dir=" + profile,
           "--window-size=1200,1600"] + list(extra) + [url]
    try:
        p = subprocess.run(cmd, capture_output=True, text=True, timeout=180)
        return p.returncode, p.stdout
    except subprocess.TimeoutExpired:
        return -1, ""


class Node:
    def __init__(self, tag, attrs, parent):
        self.tag, self.attrs, self.parent, self.kids = tag, dict(attrs), parent, []

    def text(self):
        return "".join(k if isinstance(k, str) else k.text() for k in self.kids)

    def all(self, tag=None, cls=None):
        for k in self.kids:
            if isinstance(k, Node):
                if (tag is None or k.tag == tag) and (cls is None or cls in (k.attrs.get("class") or "").split()):
                    yield k
                yield from k.all(tag, cls)


class DOM(html.parser.HTMLParser):
    VOID = {"meta", "br", "link", "img", "hr", "input", "col", "wbr", "source"}

    def __init__(self, s):
        super().__init__(convert_charrefs=True)
        self.root = self.cur = Node("#doc", {}, None)
        self.feed(s)

    def handle_starttag(self, tag, attrs):
        n = Node(tag, attrs, self.cur)
        self.cur.kids.append(n)
        if tag not in self.VOID:
            self.cur = n

    def handle_endtag(self, tag):
        n = self.cur
        while n is not None and n.tag != tag:
            n = n.parent
        if n is not None and n.parent is not None:
            self.cur = n.parent

    def handle_data(self, data):
        self.cur.kids.append(data)


def rows(table):
    body = next(table.all("tbody"), None)
    return [r for r in (body.kids if body else []) if isinstance(r, Node) and r.tag == "tr"]


def table(dom, cls):
    return next(dom.all("table", cls), None)


def load(path):
    rc, out = chromium("file://" + os.path.abspath(path), "--dump-dom")
    if rc != 0 or "<html" not in out:
        result(False, "%s: chromium --dump-dom exit %d, %d bytes" % (path, rc, len(out)))
        return None
    return DOM(out).root


def self_contained(dom, name):
    bad = [n.tag for n in dom.all() if n.tag in ("script", "link", "img", "iframe", "object", "embed")]
    bad += ["%s %s=%s" % (n.tag, a, v) for n in dom.all() for a, v in n.attrs.items()
            if a in ("src", "srcset") or (a == "href" and v and not v.startswith("#"))]
    result(not bad, "%s: self-contained (%s)" % (name, ", ".join(bad[:4]) or "no script, no external resource"))


def root_label(hop):
    return (hop["root"] + " " if hop["root"] else "") + hop["name"]


# ---- the heap dump report ----
args = ["-b", D + "leaky", "--top", "15", "--paths", "2", D + "before.heapdump", D + "after.heapdump"]
page = os.path.join(tmp, "report.html")
p1 = subprocess.run([ctxdiff, "-f", "html", "-o", page] + args, capture_output=True, text=True)
p2 = subprocess.run([ctxdiff, "-f", "json"] + args, capture_output=True, text=True)
if p1.returncode or p2.returncode:
    result(False, "ctxdiff exit %d/%d: %s%s" % (p1.returncode, p2.returncode, p1.stderr, p2.stderr))
    print(f"{passed} passed, {failed} failed")
    sys.exit(1)
doc = json.loads(p2.stdout)
groups = [g for g in doc["leaks"] if g["leak"]]
dom = load(page)
if dom:
    self_contained(dom, "report")
    title = next(dom.all("h1"), None)
    want = "ctxdiff: %d leak groups, %d leaking contexts (%+d)" % (
        doc["summary"]["leak_groups"], doc["summary"]["leaking_contexts"], doc["summary"]["leaking_contexts_delta"])
    result(title is not None and title.text() == want, "title: %s" % (title.text() if title else None))
    for cls in ("summary", "leaks", "noverdict", "growth", "goroutines", "untyped"):
        result(table(dom, cls) is not None, "table.%s present" % cls)
    t = table(dom, "summary")
    labels = [r.kids[0].text() for r in rows(t)] if t else []
    result("reachable heap" in labels and "leaking contexts" in labels, "summary rows: %s" % ", ".join(labels))
    t = table(dom, "leaks")
    lr = rows(t) if t else []
    ok = len(lr) == len(groups) and all(
        g["holder"] in r.text() and g["verdict"] in r.text() and str(g["after"]["count"]) in r.text()
        for g, r in zip(groups, lr))
    result(ok, "leaks table: %d rows for %d groups, each with its verdict, holder and count" % (len(lr), len(groups)))
    t = table(dom, "growth")
    gr = rows(t) if t else []
    want_n = min(15, len(doc["growth"]))
    result(len(gr) == want_n and all(r.kids[0].text() == row["type"] for r, row in zip(gr, doc["growth"])),
           "growth table: %d rows, types in report order (want %d)" % (len(gr), want_n))
    t = table(dom, "goroutines")
    result(t is not None and len(rows(t)) == min(15, len(doc["goroutines"])), "goroutines table rows")
    details = {n.attrs.get("id"): n for n in dom.all("details") if (n.attrs.get("id") or "").startswith("g")}
    bad = []
    for k, g in enumerate(groups):
        det = details.get("g%d" % g["id"])
        if det is None:
            bad.append("no details for group %d" % g["id"])
            continue
        if ("open" in det.attrs) != (k == 0):
            bad.append("group %d: open=%s" % (g["id"], "open" in det.attrs))
        lists = list(det.all("ol", "path"))
        if len(lists) != min(2, len(g["paths"])):
            bad.append("group %d: %d path lists" % (g["id"], len(lists)))
        for ol, path in zip(lists, g["paths"]):
            items = list(ol.all("li"))
            if len(items) != len(path):
                bad.append("group %d: %d items for %d hops" % (g["id"], len(items), len(path)))
            elif items[0].text() != root_label(path[0]) or \
                    items[-1].text() != path[-1]["type"] + path[-1]["field"]:
                bad.append("group %d: path %s ... %s" % (g["id"], items[0].text(), items[-1].text()))
    result(not bad, "retention paths: a <details> per group (the first open), one <li> per hop%s" % (
        ": " + "; ".join(bad[:4]) if bad else ""))
    shot = os.environ.get("CTXDIFF_HTML_SCREENSHOT") or os.path.join(tmp, "report.png")
    rc, _ = chromium("file://" + page, "--screenshot=" + os.path.abspath(shot))
    png = open(shot, "rb").read() if os.path.exists(shot) else b""
    result(rc == 0 and png[:8] == b"\x89PNG\r\n\x1a\n" and len(png) > 10000,
           "screenshot: %d bytes%s" % (len(png), " (kept as %s)" % shot if os.environ.get("CTXDIFF_HTML_SCREENSHOT") else ""))

# ---- profile pairs ----
for kind, tables in (("heap", ("summary", "contexts", "top")), ("goroutine", ("summary", "goroutines", "top"))):
    page = os.path.join(tmp, kind + ".html")
    p = subprocess.run([ctxdiff, "-f", "html", "-o", page, D + "before.%s.pb.gz" % kind, D + "after.%s.pb.gz" % kind],
                       capture_output=True, text=True)
    dom = load(page) if p.returncode == 0 else None
    if dom:
        self_contained(dom, kind + " profiles")
        missing = [c for c in tables if table(dom, c) is None or not rows(table(dom, c))]
        result(not missing, "%s profiles: tables %s%s" % (kind, ", ".join(tables),
                                                           " (missing or empty: %s)" % missing if missing else ""))
    elif p.returncode:
        result(False, "%s profiles: ctxdiff exit %d: %s" % (kind, p.returncode, p.stderr.strip()))

# ---- a report full of markup ----
tf = subprocess.run([test_formats, tmp], capture_output=True, text=True)
hostile = os.path.join(tmp, "hostile.html")
if not os.path.exists(hostile):
    result(False, "test_formats did not write hostile.html (exit %d)" % tf.returncode)
else:
    dom = load(hostile)
    if dom:
        self_contained(dom, "hostile report")
        t = table(dom, "leaks")
        cell = rows(t)[0].kids[3].text() if t and rows(t) else None
        result(cell == HOSTILE, "hostile holder reads as text: %r" % cell)
        warn = [n.text() for n in dom.all("p", "warn")]
        result(any(w.endswith(HOSTILE) for w in warn), "hostile warning reads as text")
shutil.rmtree(tmp, ignore_errors=True)
print(f"{passed} passed, {failed} failed")
sys.exit(1 if failed or not passed else 0)
