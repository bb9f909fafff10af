#!/usr/bin/env python3
"""core_shapes.py DUMP.s CORE.s — `core_info -s` of a heap dump and of the
core taken right after it. Nothing is freed in between (no GC runs), so
every object of the dump must be in the core at the same address with the
same size and the same shape (hash of its pointer-slot offsets): the core
reader found the same objects and read the same pointer bitmaps. Objects
allocated in between (a print) are only in the core."""
import sys


def load(path):
    objs = {}
    for line in open(path):
        f = line.split()
        if len(f) == 4 and all(c in "0123456789abcdef" for c in f[0]):
            objs[f[0]] = (f[1], f[2])
    return objs


d, c = load(sys.argv[1]), load(sys.argv[2])
missing = [a for a in d if a not in c]
size = [a for a in d if a in c and d[a][0] != c[a][0]]
shape = [a for a in d if a in c and d[a][0] == c[a][0] and d[a][1] != c[a][1]]
print(f"dump {len(d)} objects, core {len(c)}: missing {len(missing)}, other size {len(size)}, "
      f"other shape {len(shape)}")
for a in (missing + size + shape)[:5]:
    print(f"  0x{a}: dump {d[a]} core {c.get(a)}")
sys.exit(1 if missing or size or shape or not d else 0)
