#!/usr/bin/env python3
"""pprof_dump.py FILE — prints a profile.proto (gzip or not) as text, one
line per fact, so that the profile `ctxdiff -f pprof` writes can be kept as
a readable golden file (tests/golden.sh) and checked without Go. It checks
what pprof itself requires on the way: string_table[0] is "", every string,
location, function and mapping index resolves, every sample has one value
per sample type. Exit 1 with a message when it does not.

Output: the sample types, period, times, comments, then every sample as
    VALUES | root ; hop ; ... ; leaf | key=value ...
(stack printed root first, as a person reads a retention path)."""
import gzip
import sys


def varint(b, i):
    x = shift = 0
    while True:
        if i >= len(b):
            raise ValueError("truncated varint")
        c = b[i]
        i += 1
        x |= (c & 0x7F) << shift
        shift += 7
        if c < 0x80:
            return x, i


def fields(b):
    """(field number, wire type, value) for every field of message b."""
    i = 0
    while i < len(b):
        key, i = varint(b, i)
        f, wt = key >> 3, key & 7
        if wt == 0:
            v, i = varint(b, i)
        elif wt == 2:
            n, i = varint(b, i)
            if i + n > len(b):
                raise ValueError("truncated field %d" % f)
            v = b[i:i + n]
            i += n
        elif wt == 1:
            v = int.from_bytes(b[i:i + 8], "little")
            i += 8
        elif wt == 5:
            v = int.from_bytes(b[i:i + 4], "little")
            i += 4
        else:
            raise ValueError("wire type %d" % wt)
        yield f, wt, v


def signed(x):
    return x - (1 << 64) if x >= 1 << 63 else x


def ints(wt, v):
    """A repeated integer field, packed or not."""
    if wt == 0:
        return [v]
    out, i = [], 0
    while i < len(v):
        x, i = varint(v, i)
        out.append(x)
    return out


def msg(b):
    m = {}
    for f, wt, v in fields(b):
        m.setdefault(f, []).append((wt, v))
    return m


def one(m, f, default=0):
    return m[f][-1][1] if f in m else default


def main():
    data = open(sys.argv[1], "rb").read()
    if data[:2] == b"\x1f\x8b":
        data = gzip.decompress(data)
    p = msg(data)
    strs = [v.decode("utf-8") for wt, v in p.get(6, [])]
    if not strs or strs[0] != "":
        raise ValueError("string_table[0] is not empty")

    def s(i):
        if not 0 <= i < len(strs):
            raise ValueError("string index %d out of range" % i)
        return strs[i]

    def vt(b):
        m = msg(b)
        return "%s/%s" % (s(one(m, 1)), s(one(m, 2)))

    types = [vt(v) for wt, v in p.get(1, [])]
    funcs = {}
    for wt, v in p.get(5, []):
        m = msg(v)
        funcs[one(m, 1)] = s(one(m, 2))
    maps = {}
    for wt, v in p.get(3, []):
        m = msg(v)
        maps[one(m, 1)] = "%s%s" % (s(one(m, 5)), " has_functions" if one(m, 7) else "")
    locs = {}
    for wt, v in p.get(4, []):
        m = msg(v)
        mid = one(m, 2)
        if mid and mid not in maps:
            raise ValueError("location %d: no mapping %d" % (one(m, 1), mid))
        names = []
        for lwt, lv in m.get(4, []):
            fid = one(msg(lv), 1)
            if fid not in funcs:
                raise ValueError("location %d: no function %d" % (one(m, 1), fid))
            names.append(funcs[fid])
        locs[one(m, 1)] = "+".join(names)
    print("sample_types: %s (default %s)" % (" ".join(types), s(one(p, 14)) or types[-1]))
    if 11 in p:
        print("period: %s %d" % (vt(one(p, 11)), signed(one(p, 12))))
    print("time_nanos: %d duration_nanos: %d" % (signed(one(p, 9)), signed(one(p, 10))))
    for wt, v in p.get(13, []):
        for c in ints(wt, v):
            print("comment: %s" % s(c))
    for mid in sorted(maps):
        print("mapping %d: %s" % (mid, maps[mid]))
    print("functions: %d locations: %d" % (len(funcs), len(locs)))
    for wt, v in p.get(2, []):
        m = msg(v)
        ids = [x for lwt, lv in m.get(1, []) for x in ints(lwt, lv)]
        vals = [signed(x) for lwt, lv in m.get(2, []) for x in ints(lwt, lv)]
        if len(vals) != len(types):
            raise ValueError("sample with %d values for %d types" % (len(vals), len(types)))
        for x in ids:
            if x not in locs:
                raise ValueError("sample: no location %d" % x)
        labels = []
        for lwt, lv in m.get(3, []):
            lm = msg(lv)
            val = s(one(lm, 2)) if 2 in lm else str(signed(one(lm, 3)))
            labels.append("%s=%s" % (s(one(lm, 1)), val))
        stack = " ; ".join(locs[x] for x in reversed(ids))
        print("%s | %s | %s" % (" ".join(str(x) for x in vals), stack, " ".join(labels)))


try:
    main()
except (ValueError, OSError, EOFError, UnicodeDecodeError) as e:
    print("pprof_dump: %s: %s" % (sys.argv[1], e), file=sys.stderr)
    sys.exit(1)
