// Command checkfix cross-checks one fixture directory (testdata/go1.NN/PROG)
// against its truth.json. Standard library only.
//
// For each snapshot (before, after) it
//
//  1. parses the heap dump record by record to EOF (header "go1.7 heap dump\n",
//     every tag, nothing left over);
//  2. recomputes reachability from the dump's roots (data/bss pointer slots,
//     stack-frame pointer slots, finalizers, defers, panics), types every
//     context object by its allocation stack (MemProfileRate=1 gives every
//     live object an alloc-sample record, tag 17 -> tag 16) and the struct
//     size from the binary's DWARF, and counts reachable contexts per kind and
//     per allocation site;
//  3. decodes the heap profile (.heap.pb.gz) and counts inuse_objects per
//     kind and site the same way (the bytes label is the size class);
//  4. counts goroutines parked in main.watcher (dump goroutine records and the
//     goroutine profile);
//
// and compares all of it with truth.json. Exit status 1 on any mismatch.
//
// Usage: checkfix [-v] DIR...
package main

import (
	"bytes"
	"compress/gzip"
	"debug/dwarf"
	"debug/elf"
	"encoding/binary"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"sort"
	"strings"
)

// ---- truth.json ----

type snapTruth struct {
	Reachable      map[string]int `json:"reachable"`
	ParkedWatchers int            `json:"parked_watchers"`
}

type patternTruth struct {
	Name    string `json:"name"`
	Kind    string `json:"kind"`
	Verdict string `json:"verdict"`
	Holder  string `json:"holder"`
	Site    string `json:"site"`
	Before  int    `json:"before"`
	After   int    `json:"after"`
}

type truth struct {
	Program   string `json:"program"`
	GoVersion string `json:"go_version"`
	N         int    `json:"n"`
	Snapshots struct {
		Before *snapTruth `json:"before"`
		After  *snapTruth `json:"after"`
	} `json:"snapshots"`
	Patterns []patternTruth `json:"patterns"`
	Correct  patternTruth   `json:"correct"`
	// httpleak only: the net/http contexts per snapshot.
	HTTP struct {
		Before *httpTruth `json:"before"`
		After  *httpTruth `json:"after"`
	} `json:"http"`
}

type httpTruth struct {
	Request int `json:"request"`
	Conn    int `json:"conn"`
	Client  int `json:"client"`
}

// ---- heap dump ----

type object struct {
	addr, size uint64
	contents   []byte
	ptrs       []uint64 // offsets
}

type frame struct {
	sp       uint64
	name     string
	contents []byte
	ptrs     []uint64
}

type goroutine struct {
	status     uint64
	waitreason string
	frames     []frame
}

type stackFrame struct {
	fn, file string
	line     uint64
}

type dump struct {
	version      string
	ptrSize      uint64
	objects      []object // sorted by addr after load
	goroutines   []*goroutine
	segments     []frame // data and bss
	roots        []uint64
	rootChildren []uint64 // objects whose referents are roots (finalized objects)
	buckets      map[uint64][]stackFrame
	samples      map[uint64]uint64 // object addr -> bucket
	itabs        map[uint64]uint64 // itab -> type address
	typeNames    map[uint64]string // type address -> tag 3 name
	records      map[int]int
}

type rd struct {
	b []byte
	p int
}

var errShort = errors.New("truncated record")

func (r *rd) uv() uint64 {
	v, n := binary.Uvarint(r.b[r.p:])
	if n <= 0 {
		panic(errShort)
	}
	r.p += n
	return v
}

func (r *rd) bytes() []byte {
	n := r.uv()
	if n > uint64(len(r.b)-r.p) {
		panic(errShort)
	}
	s := r.b[r.p : r.p+int(n)]
	r.p += int(n)
	return s
}

func (r *rd) fields() []uint64 {
	var out []uint64
	for {
		k := r.uv()
		if k == 0 {
			return out
		}
		if k != 1 {
			panic(fmt.Errorf("field kind %d", k))
		}
		out = append(out, r.uv())
	}
}

func parseDump(path string) (d *dump, err error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	const hdr = "go1.7 heap dump\n"
	if !bytes.HasPrefix(b, []byte(hdr)) {
		return nil, fmt.Errorf("%s: bad header", path)
	}
	r := &rd{b: b, p: len(hdr)}
	d = &dump{buckets: map[uint64][]stackFrame{}, samples: map[uint64]uint64{}, itabs: map[uint64]uint64{}, typeNames: map[uint64]string{}, records: map[int]int{}}
	defer func() {
		if e := recover(); e != nil {
			err = fmt.Errorf("%s: offset %d: %v", path, r.p, e)
		}
	}()
	var cur *goroutine
	for {
		tag := int(r.uv())
		d.records[tag]++
		switch tag {
		case 0:
			if r.p != len(b) {
				return nil, fmt.Errorf("%s: %d bytes after EOF record", path, len(b)-r.p)
			}
			sort.Slice(d.objects, func(i, j int) bool { return d.objects[i].addr < d.objects[j].addr })
			return d, nil
		case 1:
			o := object{addr: r.uv()}
			o.contents = r.bytes()
			o.size = uint64(len(o.contents))
			o.ptrs = r.fields()
			d.objects = append(d.objects, o)
		case 2:
			r.bytes()
			d.roots = append(d.roots, r.uv())
		case 3:
			addr := r.uv()
			r.uv()
			d.typeNames[addr] = string(r.bytes())
			r.uv()
		case 4:
			cur = &goroutine{}
			for i := 0; i < 4; i++ {
				r.uv()
			}
			cur.status = r.uv()
			r.uv()
			r.uv()
			r.uv()
			cur.waitreason = string(r.bytes())
			for i := 0; i < 4; i++ {
				r.uv()
			}
			d.goroutines = append(d.goroutines, cur)
		case 5:
			f := frame{sp: r.uv()}
			r.uv()
			r.uv()
			f.contents = r.bytes()
			r.uv()
			r.uv()
			r.uv()
			f.name = string(r.bytes())
			f.ptrs = r.fields()
			if cur == nil {
				return nil, fmt.Errorf("%s: frame before goroutine", path)
			}
			cur.frames = append(cur.frames, f)
		case 6:
			if r.uv() != 0 {
				return nil, fmt.Errorf("%s: big-endian dump", path)
			}
			d.ptrSize = r.uv()
			r.uv()
			r.uv()
			r.bytes()
			d.version = string(r.bytes())
			r.uv()
		case 7, 11:
			obj := r.uv()
			fn := r.uv()
			r.uv()
			r.uv()
			r.uv()
			d.roots = append(d.roots, fn)
			if tag == 7 {
				d.rootChildren = append(d.rootChildren, obj)
			} else {
				d.roots = append(d.roots, obj)
			}
		case 8:
			itab := r.uv()
			d.itabs[itab] = r.uv()
		case 9:
			r.uv()
			r.uv()
			r.uv()
		case 10:
			for i := 0; i < 281; i++ {
				r.uv()
			}
		case 12, 13:
			s := frame{sp: r.uv()}
			s.contents = r.bytes()
			s.ptrs = r.fields()
			d.segments = append(d.segments, s)
		case 14:
			def := r.uv()
			r.uv()
			r.uv()
			r.uv()
			fn := r.uv()
			r.uv()
			r.uv()
			d.roots = append(d.roots, def, fn)
		case 15:
			p := r.uv()
			r.uv()
			r.uv()
			data := r.uv()
			r.uv()
			r.uv()
			d.roots = append(d.roots, p, data)
		case 16:
			id := r.uv()
			r.uv()
			n := r.uv()
			var stk []stackFrame
			for i := uint64(0); i < n; i++ {
				fn := string(r.bytes())
				file := string(r.bytes())
				stk = append(stk, stackFrame{fn, file, r.uv()})
			}
			r.uv()
			r.uv()
			d.buckets[id] = stk
		case 17:
			obj := r.uv()
			d.samples[obj] = r.uv()
		default:
			return nil, fmt.Errorf("%s: unknown tag %d", path, tag)
		}
	}
}

func word(b []byte, off uint64) uint64 {
	if off+8 > uint64(len(b)) {
		return 0
	}
	return binary.LittleEndian.Uint64(b[off:])
}

// find returns the index of the object containing p, or -1.
func (d *dump) find(p uint64) int {
	i := sort.Search(len(d.objects), func(i int) bool { return d.objects[i].addr > p }) - 1
	if i >= 0 && p < d.objects[i].addr+d.objects[i].size {
		return i
	}
	return -1
}

func (d *dump) reachable() []bool {
	mark := make([]bool, len(d.objects))
	var stack []int
	push := func(p uint64) {
		if i := d.find(p); i >= 0 && !mark[i] {
			mark[i] = true
			stack = append(stack, i)
		}
	}
	for _, s := range d.segments {
		for _, off := range s.ptrs {
			push(word(s.contents, off))
		}
	}
	for _, g := range d.goroutines {
		for _, f := range g.frames {
			for _, off := range f.ptrs {
				push(word(f.contents, off))
			}
		}
	}
	for _, p := range d.roots {
		push(p)
	}
	for _, p := range d.rootChildren {
		if i := d.find(p); i >= 0 {
			o := &d.objects[i]
			for _, off := range o.ptrs {
				push(word(o.contents, off))
			}
		}
	}
	for len(stack) > 0 {
		i := stack[len(stack)-1]
		stack = stack[:len(stack)-1]
		o := &d.objects[i]
		for _, off := range o.ptrs {
			push(word(o.contents, off))
		}
	}
	return mark
}

// ---- context classification (shared by dump and profile) ----

// ctxSizes maps a context kind to its size class, from the binary's DWARF.
type ctxSizes map[string]uint64

func sizeClass(n uint64) uint64 {
	switch {
	case n <= 8:
		return 8
	case n <= 16:
		return 16
	case n <= 24:
		return 24
	case n <= 32:
		return 32
	case n <= 48:
		return 48
	}
	return (n + 15) &^ 15 // multiples of 16 up to 256 bytes
}

func readSizes(bin string) (ctxSizes, error) {
	f, err := elf.Open(bin)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	dw, err := f.DWARF()
	if err != nil {
		return nil, err
	}
	want := map[string]bool{"context.cancelCtx": true, "context.timerCtx": true, "context.afterFuncCtx": true, "context.withoutCancelCtx": true}
	out := ctxSizes{}
	r := dw.Reader()
	for {
		e, err := r.Next()
		if err != nil {
			return nil, err
		}
		if e == nil {
			break
		}
		if e.Tag != dwarf.TagStructType {
			continue
		}
		name, _ := e.Val(dwarf.AttrName).(string)
		if want[name] {
			if sz, ok := e.Val(dwarf.AttrByteSize).(int64); ok {
				out[name] = sizeClass(uint64(sz))
			}
		}
	}
	if out["context.cancelCtx"] == 0 {
		return nil, fmt.Errorf("%s: no context.cancelCtx in DWARF", bin)
	}
	return out, nil
}

var ctorKind = map[string]string{
	"context.WithCancel":        "context.cancelCtx",
	"context.withCancel":        "context.cancelCtx",
	"context.newCancelCtx":      "context.cancelCtx",
	"context.WithCancelCause":   "context.cancelCtx",
	"context.WithDeadline":      "context.timerCtx",
	"context.WithDeadlineCause": "context.timerCtx",
	"context.WithTimeout":       "context.timerCtx",
	"context.WithTimeoutCause":  "context.timerCtx",
	"context.AfterFunc":         "context.afterFuncCtx",
	"context.WithoutCancel":     "context.withoutCancelCtx",
}

// classify types an allocation from its stack (leaf first, runtime frames
// included) and its size class. It returns the context kind and the site,
// the first non-context function above the constructor, or "" if the
// allocation is not a context. The heap profile's stacks are inline-expanded;
// the dump's buckets are not, so a constructor inlined into its caller (Go
// 1.21+ inlines context.WithoutCancel) is not seen here: dumpCounts types
// those through their itab instead.
func classify(stk []stackFrame, size uint64, sizes ctxSizes) (kind, site string) {
	i := 0
	for i < len(stk) && strings.HasPrefix(stk[i].fn, "runtime.") {
		i++
	}
	if i == len(stk) {
		return "", ""
	}
	leaf := stk[i]
	if k, ok := ctorKind[leaf.fn]; ok {
		kind = k
	} else {
		return "", ""
	}
	if size != sizes[kind] {
		return "", ""
	}
	for _, f := range stk[i+1:] {
		if !strings.HasPrefix(f.fn, "context.") {
			return kind, f.fn
		}
	}
	return kind, "?"
}

type key struct{ kind, site string }

type counts struct {
	perSite map[key]int
	perKind map[string]int
}

func newCounts() counts { return counts{map[key]int{}, map[string]int{}} }

func (c counts) add(kind, site string, n int) {
	c.perSite[key{kind, site}] += n
	c.perKind[kind] += n
}

func (c counts) String() string {
	var ks []key
	for k := range c.perSite {
		ks = append(ks, k)
	}
	sort.Slice(ks, func(i, j int) bool {
		if ks[i].kind != ks[j].kind {
			return ks[i].kind < ks[j].kind
		}
		return ks[i].site < ks[j].site
	})
	var b strings.Builder
	for _, k := range ks {
		fmt.Fprintf(&b, "    %-26s %-45s %d\n", k.kind, k.site, c.perSite[k])
	}
	return b.String()
}

// ifaceTargets returns the objects that are the data word of an interface
// whose itab's concrete type has the given tag-3 name. Only named
// non-pointer types have usable names there (pointer types dump as "pkg.").
func (d *dump) ifaceTargets(typeName string) map[int]bool {
	itabs := map[uint64]bool{}
	for itab, typ := range d.itabs {
		if d.typeNames[typ] == typeName {
			itabs[itab] = true
		}
	}
	out := map[int]bool{}
	scan := func(contents []byte, ptrs []uint64) {
		for _, off := range ptrs {
			if off >= 8 && itabs[word(contents, off-8)] {
				if i := d.find(word(contents, off)); i >= 0 {
					out[i] = true
				}
			}
		}
	}
	for _, o := range d.objects {
		scan(o.contents, o.ptrs)
	}
	for _, s := range d.segments {
		scan(s.contents, s.ptrs)
	}
	for _, g := range d.goroutines {
		for _, f := range g.frames {
			scan(f.contents, f.ptrs)
		}
	}
	return out
}

func dumpCounts(d *dump, sizes ctxSizes) (reach, garbage counts, sampled int) {
	mark := d.reachable()
	reach, garbage = newCounts(), newCounts()
	var boxed map[int]bool
	if sizes["context.withoutCancelCtx"] != 0 {
		boxed = d.ifaceTargets("context.withoutCancelCtx")
	}
	for addr, bucket := range d.samples {
		i := d.find(addr)
		if i < 0 {
			continue
		}
		sampled++
		stk := d.buckets[bucket]
		kind, site := classify(stk, d.objects[i].size, sizes)
		if boxed[i] && kind == "" {
			kind, site = "context.withoutCancelCtx", "?"
			for _, f := range stk {
				if !strings.HasPrefix(f.fn, "runtime.") && !strings.HasPrefix(f.fn, "context.") {
					site = f.fn
					break
				}
			}
		}
		if kind == "" {
			continue
		}
		if mark[i] {
			reach.add(kind, site, 1)
		} else {
			garbage.add(kind, site, 1)
		}
	}
	return
}

func parkedInDump(d *dump) int {
	n := 0
	for _, g := range d.goroutines {
		if g.status != 4 || !strings.HasPrefix(g.waitreason, "chan receive") {
			continue
		}
		for _, f := range g.frames {
			if f.name == "main.watcher" {
				n++
				break
			}
		}
	}
	return n
}

// ---- pprof proto ----

type pbuf struct {
	b []byte
	p int
}

func (r *pbuf) varint() uint64 {
	v, n := binary.Uvarint(r.b[r.p:])
	if n <= 0 {
		panic(errShort)
	}
	r.p += n
	return v
}

// next returns field number, wire type, the varint value (types 0/1/5) or
// the bytes (type 2).
func (r *pbuf) next() (int, int, uint64, []byte) {
	k := r.varint()
	f, w := int(k>>3), int(k&7)
	switch w {
	case 0:
		return f, w, r.varint(), nil
	case 1:
		v := binary.LittleEndian.Uint64(r.b[r.p:])
		r.p += 8
		return f, w, v, nil
	case 2:
		n := int(r.varint())
		if n < 0 || r.p+n > len(r.b) {
			panic(errShort)
		}
		s := r.b[r.p : r.p+n]
		r.p += n
		return f, w, 0, s
	case 5:
		v := binary.LittleEndian.Uint32(r.b[r.p:])
		r.p += 4
		return f, w, uint64(v), nil
	}
	panic(fmt.Errorf("wire type %d", w))
}

// ints appends a repeated varint field in either encoding.
func ints(dst []uint64, w int, v uint64, s []byte) []uint64 {
	if w == 0 {
		return append(dst, v)
	}
	r := &pbuf{b: s}
	for r.p < len(s) {
		dst = append(dst, r.varint())
	}
	return dst
}

type profSample struct {
	locs   []uint64
	values []int64
	bytes  int64
}

type profile struct {
	period  int64
	types   []string
	samples []profSample
	// location id -> function names, innermost first
	locs map[uint64][]string
}

func parseProfile(path string) (p *profile, err error) {
	raw, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	zr, err := gzip.NewReader(bytes.NewReader(raw))
	if err != nil {
		return nil, fmt.Errorf("%s: %v", path, err)
	}
	b, err := io.ReadAll(zr)
	if err != nil {
		return nil, fmt.Errorf("%s: %v", path, err)
	}
	defer func() {
		if e := recover(); e != nil {
			err = fmt.Errorf("%s: %v", path, e)
		}
	}()
	var strs []string
	var typeIdx []uint64
	var period int64
	type rawSample struct {
		locs, vals []uint64
		labels     [][2]uint64 // key, num
	}
	var rs []rawSample
	locFns := map[uint64][]uint64{}
	fnName := map[uint64]uint64{}
	r := &pbuf{b: b}
	for r.p < len(b) {
		f, _, v, s := r.next()
		switch f {
		case 1:
			m := &pbuf{b: s}
			for m.p < len(s) {
				if g, _, x, _ := m.next(); g == 1 {
					typeIdx = append(typeIdx, x)
				}
			}
		case 2:
			var smp rawSample
			m := &pbuf{b: s}
			for m.p < len(s) {
				g, w2, x, t := m.next()
				switch g {
				case 1:
					smp.locs = ints(smp.locs, w2, x, t)
				case 2:
					smp.vals = ints(smp.vals, w2, x, t)
				case 3:
					var k, num uint64
					l := &pbuf{b: t}
					for l.p < len(t) {
						h, _, y, _ := l.next()
						if h == 1 {
							k = y
						} else if h == 3 {
							num = y
						}
					}
					smp.labels = append(smp.labels, [2]uint64{k, num})
				}
			}
			rs = append(rs, smp)
		case 4:
			var id uint64
			var fns []uint64
			m := &pbuf{b: s}
			for m.p < len(s) {
				g, _, x, t := m.next()
				if g == 1 {
					id = x
				} else if g == 4 {
					l := &pbuf{b: t}
					for l.p < len(t) {
						if h, _, y, _ := l.next(); h == 1 {
							fns = append(fns, y)
						}
					}
				}
			}
			locFns[id] = fns
		case 5:
			var id, name uint64
			m := &pbuf{b: s}
			for m.p < len(s) {
				g, _, x, _ := m.next()
				if g == 1 {
					id = x
				} else if g == 2 {
					name = x
				}
			}
			fnName[id] = name
		case 6:
			strs = append(strs, string(s))
		case 12:
			period = int64(v)
		}
	}
	p = &profile{locs: map[uint64][]string{}, period: period}
	for _, t := range typeIdx {
		p.types = append(p.types, strs[t])
	}
	for id, fns := range locFns {
		for _, fn := range fns {
			p.locs[id] = append(p.locs[id], strs[fnName[fn]])
		}
	}
	for _, s := range rs {
		ps := profSample{locs: s.locs}
		for _, v := range s.vals {
			ps.values = append(ps.values, int64(v))
		}
		for _, l := range s.labels {
			if strs[l[0]] == "bytes" {
				ps.bytes = int64(l[1])
			}
		}
		p.samples = append(p.samples, ps)
	}
	return p, nil
}

func (p *profile) stack(s profSample) []stackFrame {
	var out []stackFrame
	for _, l := range s.locs {
		for _, fn := range p.locs[l] {
			out = append(out, stackFrame{fn: fn})
		}
	}
	return out
}

func (p *profile) index(name string) int {
	for i, t := range p.types {
		if t == name {
			return i
		}
	}
	return -1
}

func profCounts(p *profile, sizes ctxSizes) (counts, error) {
	c := newCounts()
	idx := p.index("inuse_objects")
	if idx < 0 {
		return c, errors.New("no inuse_objects sample type")
	}
	for _, s := range p.samples {
		if s.values[idx] == 0 {
			continue
		}
		kind, site := classify(p.stack(s), uint64(s.bytes), sizes)
		if kind != "" {
			c.add(kind, site, int(s.values[idx]))
		}
	}
	return c, nil
}

func profWatchers(p *profile) int {
	n := 0
	for _, s := range p.samples {
		for _, f := range p.stack(s) {
			if f.fn == "main.watcher" {
				n += int(s.values[0])
				break
			}
		}
	}
	return n
}

// ---- checks ----

var verbose = flag.Bool("v", false, "print the per-site counts")

type checker struct {
	dir   string
	fails int
}

func (c *checker) expect(what string, got, want int) {
	status := "ok"
	if got != want {
		status = "MISMATCH"
		c.fails++
	}
	if got != want || *verbose {
		fmt.Printf("  %-8s %-70s got %6d want %6d\n", status, what, got, want)
	}
}

func (c *checker) snapshot(t *truth, name string, st *snapTruth, sizes ctxSizes) error {
	d, err := parseDump(filepath.Join(c.dir, name+".heapdump"))
	if err != nil {
		return err
	}
	if d.version != t.GoVersion {
		return fmt.Errorf("%s dump says %s, truth says %s", name, d.version, t.GoVersion)
	}
	reach, garbage, sampled := dumpCounts(d, sizes)
	fi, _ := os.Stat(filepath.Join(c.dir, name+".heapdump"))
	fmt.Printf(" %s: %s dump %d bytes, %d objects (%d with alloc samples), %d goroutines, records %v\n",
		name, d.version, fi.Size(), len(d.objects), sampled, len(d.goroutines), d.records)
	if *verbose {
		fmt.Printf("   reachable contexts in the dump by kind and site:\n%s", reach)
		fmt.Printf("   unreachable (floating garbage) contexts in the dump:\n%s", garbage)
	}
	prof, err := parseProfile(filepath.Join(c.dir, name+".heap.pb.gz"))
	if err != nil {
		return err
	}
	pc, err := profCounts(prof, sizes)
	if err != nil {
		return err
	}
	if *verbose {
		fmt.Printf("   heap profile inuse_objects by kind and site:\n%s", pc)
	}
	if prof.period != 1 {
		// MemProfileRate was not 1 (make-bigpair.sh): most objects have no
		// alloc sample and the profile's counts are estimates, so context
		// counts cannot be checked; the goroutine checks below still run.
		fmt.Printf("   heap profile period %d (sampled): context counts not checked\n", prof.period)
	} else {
		for k, want := range st.Reachable {
			c.expect(fmt.Sprintf("%s dump: reachable %s", name, k), reach.perKind[k], want)
			c.expect(fmt.Sprintf("%s heap profile: inuse %s", name, k), pc.perKind[k], want)
		}
		for k := range reach.perKind {
			if _, ok := st.Reachable[k]; !ok {
				c.expect(fmt.Sprintf("%s dump: reachable %s (not in truth)", name, k), reach.perKind[k], 0)
			}
		}
		pick := func(p patternTruth) int {
			if name == "before" {
				return p.Before
			}
			return p.After
		}
		for _, p := range append(append([]patternTruth(nil), t.Patterns...), t.Correct) {
			k := key{p.Kind, p.Site}
			c.expect(fmt.Sprintf("%s dump: %s reachable at %s", name, p.Name, p.Site), reach.perSite[k], pick(p))
			c.expect(fmt.Sprintf("%s heap profile: %s inuse at %s", name, p.Name, p.Site), pc.perSite[k], pick(p))
		}
		ht := t.HTTP.Before
		if name == "after" {
			ht = t.HTTP.After
		}
		if ht != nil {
			for _, x := range []struct {
				site string
				want int
			}{
				{"net/http.(*conn).readRequest", ht.Request},
				{"net/http.(*conn).serve", ht.Conn},
				{"net/http.(*Transport).roundTrip", ht.Client},
			} {
				k := key{"context.cancelCtx", x.site}
				c.expect(fmt.Sprintf("%s dump: net/http cancelCtx at %s", name, x.site), reach.perSite[k], x.want)
				c.expect(fmt.Sprintf("%s heap profile: net/http cancelCtx at %s", name, x.site), pc.perSite[k], x.want)
			}
		}
	}
	c.expect(fmt.Sprintf("%s dump: goroutines parked in main.watcher", name), parkedInDump(d), st.ParkedWatchers)
	gp, err := parseProfile(filepath.Join(c.dir, name+".goroutine.pb.gz"))
	if err != nil {
		return err
	}
	c.expect(fmt.Sprintf("%s goroutine profile: goroutines in main.watcher", name), profWatchers(gp), st.ParkedWatchers)
	for suffix, prefix := range map[string]string{
		".heap.txt": "heap profile: ", ".goroutine.txt": "goroutine ", ".goroutine1.txt": "goroutine profile: total ",
	} {
		b, err := os.ReadFile(filepath.Join(c.dir, name+suffix))
		if err != nil {
			return err
		}
		if !bytes.HasPrefix(b, []byte(prefix)) {
			return fmt.Errorf("%s%s does not start with %q", name, suffix, prefix)
		}
	}
	return nil
}

func checkDir(dir string) (int, error) {
	c := &checker{dir: dir}
	b, err := os.ReadFile(filepath.Join(dir, "truth.json"))
	if err != nil {
		return 0, err
	}
	var t truth
	if err := json.Unmarshal(b, &t); err != nil {
		return 0, fmt.Errorf("%s/truth.json: %v", dir, err)
	}
	if t.Snapshots.Before == nil || t.Snapshots.After == nil || t.Program == "" || len(t.Patterns) == 0 {
		return 0, fmt.Errorf("%s/truth.json: incomplete", dir)
	}
	sizes, err := readSizes(filepath.Join(dir, t.Program))
	if err != nil {
		return 0, err
	}
	fmt.Printf("%s: %s %s n=%d, context size classes %v\n", dir, t.Program, t.GoVersion, t.N, sizes)
	if err := c.snapshot(&t, "before", t.Snapshots.Before, sizes); err != nil {
		return 0, err
	}
	if err := c.snapshot(&t, "after", t.Snapshots.After, sizes); err != nil {
		return 0, err
	}
	return c.fails, nil
}

func main() {
	flag.Parse()
	bad := 0
	for _, dir := range flag.Args() {
		fails, err := checkDir(dir)
		if err != nil {
			fmt.Fprintf(os.Stderr, "checkfix: %v\n", err)
			bad++
			continue
		}
		if fails > 0 {
			fmt.Printf("%s: %d mismatches\n", dir, fails)
			bad++
		} else {
			fmt.Printf("%s: all counts match truth.json\n", dir)
		}
	}
	if bad > 0 || flag.NArg() == 0 {
		os.Exit(1)
	}
}
