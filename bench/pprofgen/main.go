// Command pprofgen writes a before/after pair of heap profiles with many
// distinct allocation stacks, as a big service's profiles have, for
// bench/run.sh (ctxdiff against go tool pprof on profiles big enough that
// process start-up is not all that is measured).
//
//	pprofgen -out DIR -paths N
//
// Every allocation is sampled (MemProfileRate 1). Phase 1 allocates along N
// distinct call paths (16 functions, 5 deep: up to 16^5 stacks) and keeps
// it all, with a canceled-but-kept context per path; before.heap.pb.gz is
// written. Phase 2 does the same along 2N more paths; after.heap.pb.gz.
package main

import (
	"context"
	"flag"
	"log"
	"os"
	"path/filepath"
	"runtime"
	"runtime/pprof"
)

type node struct {
	next *node
	buf  []byte
}

var (
	kept []*node
	ctxs []context.Context
)

// leaf allocates a few objects and a context, all kept.
func leaf(path int) {
	var head *node
	for i := 0; i < 4; i++ {
		head = &node{next: head, buf: make([]byte, 16+path%64)}
	}
	kept = append(kept, head)
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	ctxs = append(ctxs, ctx)
}

var step [16]func(depth, path int)

func walk(depth, path int) {
	if depth == 0 {
		leaf(path)
		return
	}
	step[path&15](depth-1, path>>4)
}

//go:noinline
func f0(d, p int) { walk(d, p) }

//go:noinline
func f1(d, p int) { walk(d, p) }

//go:noinline
func f2(d, p int) { walk(d, p) }

//go:noinline
func f3(d, p int) { walk(d, p) }

//go:noinline
func f4(d, p int) { walk(d, p) }

//go:noinline
func f5(d, p int) { walk(d, p) }

//go:noinline
func f6(d, p int) { walk(d, p) }

//go:noinline
func f7(d, p int) { walk(d, p) }

//go:noinline
func f8(d, p int) { walk(d, p) }

//go:noinline
func f9(d, p int) { walk(d, p) }

//go:noinline
func f10(d, p int) { walk(d, p) }

//go:noinline
func f11(d, p int) { walk(d, p) }

//go:noinline
func f12(d, p int) { walk(d, p) }

//go:noinline
func f13(d, p int) { walk(d, p) }

//go:noinline
func f14(d, p int) { walk(d, p) }

//go:noinline
func f15(d, p int) { walk(d, p) }

func write(dir, name string) {
	runtime.GC()
	f, err := os.Create(filepath.Join(dir, name))
	if err != nil {
		log.Fatal(err)
	}
	if err := pprof.WriteHeapProfile(f); err != nil {
		log.Fatal(err)
	}
	if err := f.Close(); err != nil {
		log.Fatal(err)
	}
}

func main() {
	runtime.MemProfileRate = 1
	out := flag.String("out", ".", "output directory")
	paths := flag.Int("paths", 20000, "distinct call paths in phase 1 (phase 2 adds twice as many)")
	flag.Parse()
	step = [16]func(int, int){f0, f1, f2, f3, f4, f5, f6, f7, f8, f9, f10, f11, f12, f13, f14, f15}
	for p := 0; p < *paths; p++ {
		walk(5, p)
	}
	write(*out, "before.heap.pb.gz")
	for p := *paths; p < 3**paths; p++ {
		walk(5, p)
	}
	write(*out, "after.heap.pb.gz")
}
