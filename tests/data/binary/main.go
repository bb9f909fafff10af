// Test program for tests/test_binary.c: a few context objects, globals,
// maps, channels, closures and a generic type, so that the DWARF reader has
// every type shape to chew on. The committed binaries were built from this
// directory with Debian's go1.19.8 and go1.26.10:
//
//	CGO_ENABLED=0 GOTOOLCHAIN=local /usr/lib/go-1.19/bin/go build -trimpath -o ctxprog-go1.19 .
//	CGO_ENABLED=0 GOTOOLCHAIN=local /usr/lib/go-1.26/bin/go build -trimpath -o ctxprog-go1.26 .
//
// The program is never run by the tests; only its DWARF and ELF are read.
package main

import (
	"context"
	"sync"
	"time"
)

type key string

type Holder struct {
	Ctx    context.Context
	Cancel context.CancelFunc
	Name   string
	Tags   []string
	Seen   map[string]int
	Ch     chan *Holder
	Arr    [4]uint16
	Next   *Holder
	Any    interface{}
	Err    error
	mu     sync.Mutex
	Fn     func(int) int
}

type Box[T any] struct {
	Val  T
	Next *Box[T]
}

type Inner struct{ A, B int64 }

type Outer struct {
	Inner
	C []byte
}

var X Holder
var G context.Context
var Boxes = map[int]*Box[string]{}
var Outers []Outer
var Counter int64 = 42

func itoa(n int) string {
	if n < 0 {
		return "-" + itoa(-n)
	}
	if n < 10 {
		return string(rune('0' + n))
	}
	return itoa(n/10) + string(rune('0'+n%10))
}

//go:noinline
func worker(ctx context.Context, id int, out chan<- string, wg *sync.WaitGroup) {
	defer wg.Done()
	h := &Holder{Ctx: ctx, Name: "w" + itoa(id)}
	total := 0
	fn := func(n int) int {
		total += n + id
		return total
	}
	h.Fn = fn
	select {
	case <-ctx.Done():
		out <- h.Name + " done " + itoa(fn(id))
	case <-time.After(time.Hour):
		out <- "timeout"
	}
}

//go:noinline
func build(n int) *Box[string] {
	var head *Box[string]
	for i := 0; i < n; i++ {
		head = &Box[string]{Val: itoa(i), Next: head}
		Boxes[i] = head
	}
	return head
}

func main() {
	root, cancel := context.WithCancel(context.Background())
	G = context.WithValue(root, key("user"), "alice")
	tctx, tcancel := context.WithTimeout(G, time.Minute)
	X = Holder{Ctx: tctx, Cancel: tcancel, Seen: map[string]int{"a": 1},
		Ch: make(chan *Holder, 2), Any: Inner{1, 2}}
	X.Next = &X
	Outers = append(Outers, Outer{Inner: Inner{A: Counter}, C: []byte("x")})
	out := make(chan string, 4)
	var wg sync.WaitGroup
	for i := 0; i < 3; i++ {
		wg.Add(1)
		go worker(tctx, i, out, &wg)
	}
	b := build(3)
	if time.Now().Unix() < 0 {
		cancel()
		tcancel()
	} else {
		cancel()
	}
	wg.Wait()
	close(out)
	for s := range out {
		println(s, b.Val)
	}
}
