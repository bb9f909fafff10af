#!/usr/bin/env python3
"""cut_dump.py DUMP OUT MAXOBJ [MODE] — write a small, valid Go heap dump cut
from a real one (fuzz seeds: real bytes, small enough for many runs a second).

Every record except objects, memprof buckets and alloc samples is kept as
is; objects are kept in breadth-first order from the roots (data, bss,
frame slots, other roots, finalizers) up to MAXOBJ of them, so retention
paths from globals to contexts survive the cut; the buckets and samples of
kept objects stay; the bss segment is cut after its last slot pointing to a
kept object (the data segment is kept whole: the binary must match it). MODE "prefix" instead keeps the first records up to
MAXOBJ objects (a dump truncated at a record boundary) and ends it with the
EOF record. The output ends with the EOF record, so the reader accepts it."""
import sys
from collections import deque


def uvarint(b, i):
    x = 0
    s = 0
    while True:
        c = b[i]
        i += 1
        x |= (c & 0x7F) << s
        s += 7
        if c < 0x80:
            return x, i


def lenbytes(b, i):
    n, i = uvarint(b, i)
    return b[i:i + n], i + n


def fields(b, i):
    offs = []
    while True:
        k, i = uvarint(b, i)
        if k == 0:
            return offs, i
        o, i = uvarint(b, i)
        offs.append(o)


def parse(b):
    assert b[:16] == b"go1.7 heap dump\n", "not a heap dump"
    i = 16
    recs = []  # (tag, start, end, info)
    ps = 8
    while True:
        st = i
        tag, i = uvarint(b, i)
        info = None
        if tag == 0:
            recs.append((0, st, i, None))
            return recs, ps
        if tag == 1:
            addr, i = uvarint(b, i)
            content, i = lenbytes(b, i)
            offs, i = fields(b, i)
            ptrs = [int.from_bytes(content[o:o + ps], "little") for o in offs]
            info = (addr, len(content), ptrs)
        elif tag == 2:
            _, i = lenbytes(b, i)
            v, i = uvarint(b, i)
            info = [v]
        elif tag == 3:
            for _ in range(2):
                _, i = uvarint(b, i)
            _, i = lenbytes(b, i)
            _, i = uvarint(b, i)
        elif tag == 4:
            for _ in range(8):
                _, i = uvarint(b, i)
            _, i = lenbytes(b, i)
            vals = []
            for _ in range(4):
                v, i = uvarint(b, i)
                vals.append(v)
            info = [vals[0]]
        elif tag == 5:
            for _ in range(3):
                _, i = uvarint(b, i)
            content, i = lenbytes(b, i)
            for _ in range(3):
                _, i = uvarint(b, i)
            _, i = lenbytes(b, i)
            offs, i = fields(b, i)
            info = [int.from_bytes(content[o:o + ps], "little") for o in offs]
        elif tag == 6:
            _, i = uvarint(b, i)
            ps, i = uvarint(b, i)
            for _ in range(2):
                _, i = uvarint(b, i)
            _, i = lenbytes(b, i)
            _, i = lenbytes(b, i)
            _, i = uvarint(b, i)
        elif tag in (7, 11):
            vals = []
            for _ in range(5):
                v, i = uvarint(b, i)
                vals.append(v)
            info = [vals[0], vals[1]]
        elif tag == 8:
            for _ in range(2):
                _, i = uvarint(b, i)
        elif tag == 9:
            for _ in range(3):
                _, i = uvarint(b, i)
        elif tag == 10:
            for _ in range(281):
                _, i = uvarint(b, i)
        elif tag in (12, 13):
            _, i = uvarint(b, i)
            content, i = lenbytes(b, i)
            offs, i = fields(b, i)
            info = [int.from_bytes(content[o:o + ps], "little") for o in offs]
        elif tag == 14:
            vals = []
            for _ in range(7):
                v, i = uvarint(b, i)
                vals.append(v)
            info = [vals[4]]
        elif tag == 15:
            vals = []
            for _ in range(6):
                v, i = uvarint(b, i)
                vals.append(v)
            info = [vals[3]]
        elif tag == 16:
            addr, i = uvarint(b, i)
            _, i = uvarint(b, i)
            n, i = uvarint(b, i)
            for _ in range(n):
                _, i = lenbytes(b, i)
                _, i = lenbytes(b, i)
                _, i = uvarint(b, i)
            for _ in range(2):
                _, i = uvarint(b, i)
            info = addr
        elif tag == 17:
            a, i = uvarint(b, i)
            bk, i = uvarint(b, i)
            info = (a, bk)
        else:
            raise SystemExit("unknown tag %d at %d" % (tag, st))
        recs.append((tag, st, i, info))


def uv(x):
    out = bytearray()
    while x >= 0x80:
        out.append((x & 0x7F) | 0x80)
        x >>= 7
    out.append(x)
    return bytes(out)


def trim_segment(b, st, ps, kept):
    """A data/bss record cut after its last slot that points to a kept object."""
    tag, i = uvarint(b, st)
    addr, i = uvarint(b, i)
    content, i = lenbytes(b, i)
    flds = []
    while True:
        k, i = uvarint(b, i)
        if k == 0:
            break
        o, i = uvarint(b, i)
        flds.append((k, o))
    end = 0
    for k, o in flds:
        if kept(int.from_bytes(content[o:o + ps], "little")):
            end = o + ps
    end = (end + 63) // 64 * 64
    content = content[:end]
    out = uv(tag) + uv(addr) + uv(len(content)) + content
    for k, o in flds:
        if o + ps <= len(content):
            out += uv(k) + uv(o)
    return out + uv(0)


def main():
    src, out, maxobj = sys.argv[1], sys.argv[2], int(sys.argv[3])
    mode = sys.argv[4] if len(sys.argv) > 4 else "bfs"
    b = open(src, "rb").read()
    recs, ps = parse(b)
    parts = [b[:16]]
    if mode == "prefix":
        n = 0
        for tag, st, en, _ in recs:
            if tag == 0:
                break
            if tag == 1:
                n += 1
                if n > maxobj:
                    break
            parts.append(b[st:en])
        parts.append(b"\x00")
        open(out, "wb").write(b"".join(parts))
        return
    objs = [(r[3][0], r[3][1], idx) for idx, r in enumerate(recs) if r[0] == 1]
    objs.sort()
    starts = [o[0] for o in objs]
    import bisect

    def find(a):
        k = bisect.bisect_right(starts, a) - 1
        if k >= 0 and a < objs[k][0] + max(objs[k][1], 1):
            return objs[k][2]
        return None

    q = deque()
    keep = set()

    def push(a):
        r = find(a)
        if r is not None and r not in keep and len(keep) < maxobj:
            keep.add(r)
            q.append(r)

    for tag, st, en, info in recs:
        if tag in (2, 4, 5, 7, 11, 12, 13, 14, 15):
            for a in info:
                push(a)
    while q and len(keep) < maxobj:
        for a in recs[q.popleft()][3][2]:
            push(a)
    kept_addrs = set(recs[r][3][0] for r in keep)
    buckets = set()
    for tag, st, en, info in recs:
        if tag == 17 and info[0] in kept_addrs:
            buckets.add(info[1])
    for idx, (tag, st, en, info) in enumerate(recs):
        if tag == 1 and idx not in keep:
            continue
        if tag == 16 and info not in buckets:
            continue
        if tag == 17 and info[0] not in kept_addrs:
            continue
        if tag == 13:  # the data segment's size must match the binary's
            parts.append(trim_segment(b, st, ps, lambda a: find(a) in keep))
            continue
        parts.append(b[st:en])
    open(out, "wb").write(b"".join(parts))


main()
