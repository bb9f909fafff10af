#!/usr/bin/env python3
"""core_mutate.py CORE_INFO BINARY CORE N [SEED] — corrupt a copy of a
core N times (up to 32 aligned words each time, inside its memory segments,
mostly in the first MiB of each: the runtime's structures and the heap) and
load it with core_info: every run must end with exit 0 or 2 (a clear
error), never a crash or a sanitizer report. Restores the bytes after each
run. Prints one summary line."""
import os
import random
import shutil
import struct
import subprocess
import sys
import tempfile

info, binary, core, n = sys.argv[1], sys.argv[2], sys.argv[3], int(sys.argv[4])
rng = random.Random(int(sys.argv[5]) if len(sys.argv) > 5 else 1)
tmp = tempfile.mkdtemp()
path = os.path.join(tmp, "m.core")
try:
    subprocess.run(["cp", "--sparse=always", core, path], check=True)
    with open(path, "r+b") as f:
        eh = f.read(64)
        phoff, = struct.unpack_from("<Q", eh, 32)
        phnum, = struct.unpack_from("<H", eh, 56)
        f.seek(phoff)
        ph = f.read(phnum * 56)
        segs = []
        for i in range(phnum):
            typ, = struct.unpack_from("<I", ph, i * 56)
            off, va, _, filesz = struct.unpack_from("<QQQQ", ph, i * 56 + 8)
            if typ == 1 and filesz:
                segs.append((off, min(filesz, 1 << 20)))
        # the runtime's structures: mheap_ and allgs (from the symbol table),
        # every mspan and g they list; corrupting those is what tests the reader
        loads = []
        for i in range(phnum):
            typ, = struct.unpack_from("<I", ph, i * 56)
            off, va, _, filesz = struct.unpack_from("<QQQQ", ph, i * 56 + 8)
            if typ == 1 and filesz:
                loads.append((va, filesz, off))

        def foff(a):
            for va, sz, off in loads:
                if va <= a < va + sz:
                    return off + a - va
            return None

        def word(a):
            o = foff(a)
            if o is None:
                return 0
            f.seek(o)
            return struct.unpack("<Q", f.read(8))[0]

        syms = {}
        nm = subprocess.run(["nm", binary], stdout=subprocess.PIPE, stderr=subprocess.DEVNULL).stdout.decode()
        for line in nm.splitlines():
            p = line.split()
            if len(p) == 3:
                syms[p[2]] = int(p[0], 16)
        regions = []   # (file offset, size)
        for name, size in (("runtime.mheap_", 1024), ("runtime.allgs", 24), ("runtime.itabTable", 8),
                           ("runtime.firstmoduledata", 512)):
            if name in syms and foff(syms[name]) is not None:
                regions.append((foff(syms[name]), size))
        for name, size in (("runtime.mheap_", 160), ("runtime.allgs", 448)):
            if name not in syms:
                continue
            base = syms[name] + (0 if name == "runtime.allgs" else 0)
            arr, ln = (word(base), word(base + 8)) if name == "runtime.allgs" else (None, None)
            if name == "runtime.mheap_":
                # allspans is a slice somewhere in the first words of mheap_: take
                # the first (ptr, len, cap) whose len <= cap and ptr is mapped
                for k in range(0, 1024, 8):
                    a, l, c = word(base + k), word(base + k + 8), word(base + k + 16)
                    if 0 < l <= c < 1 << 20 and foff(a) is not None and foff(word(a)) is not None:
                        arr, ln = a, l
                        break
            if arr and ln and ln < 1 << 20:
                for j in range(ln):
                    t = word(arr + 8 * j)
                    if foff(t) is not None:
                        regions.append((foff(t), size))
        codes = {}
        for _ in range(n):
            saved = []
            for _ in range(rng.randint(1, 32)):
                # small segments (data, bss, runtime metadata) as often as big ones;
                # aligned words set to 0, all ones, a random value or a nearby one
                off, size = rng.choice(regions) if regions and rng.random() < 0.8 else rng.choice(segs)
                o = off + rng.randrange(size) // 8 * 8
                f.seek(o)
                old = f.read(8)
                if len(old) < 8:
                    continue
                saved.append((o, old))
                v, = struct.unpack("<Q", old)
                v = rng.choice([0, (1 << 64) - 1, rng.getrandbits(64), (v + rng.randint(-4096, 4096)) % (1 << 64),
                                v ^ (1 << rng.randrange(64))])
                f.seek(o)
                f.write(struct.pack("<Q", v))
            f.flush()
            r = subprocess.run([info, binary, path, "-g"], stdout=subprocess.DEVNULL,
                               stderr=subprocess.PIPE, timeout=120)
            codes[r.returncode] = codes.get(r.returncode, 0) + 1
            if r.returncode not in (0, 2):
                print(f"FAIL: exit {r.returncode} after corrupting {[o for o, _ in saved]}")
                print(r.stderr.decode(errors="replace")[-2000:])
                sys.exit(1)
            for o, b in saved:
                f.seek(o)
                f.write(b)
    print(f"ok: {n} corrupted cores, exit codes {dict(sorted(codes.items()))}")
finally:
    shutil.rmtree(tmp)
