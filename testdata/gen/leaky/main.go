// Command leaky leaks Go contexts in known numbers and writes heap snapshots
// (runtime/debug.WriteHeapDump dumps plus pprof heap and goroutine profiles)
// and a truth.json that says what it holds. It is the source of the ctxdiff
// test fixtures under testdata/go1.NN/leaky; see testdata/README.md.
//
// Every leak pattern lives in its own named function (the "site" that calls
// context.With*). The before snapshot is taken after 1 burst, the after
// snapshot after -bursts bursts (default 3); a burst runs every pattern -n
// times. Go 1.21+ builds add the patterns of patterns_go121.go.
//
// Standard library only.
package main

import (
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"runtime"
	"runtime/debug"
	"runtime/pprof"
	"strings"
	"sync"
	"time"
)

// ---- what the leaks hold (all package globals) ----

// globalCtxStore holds canceled contexts: pattern global_syncmap.
var globalCtxStore sync.Map

// Handler is a long-lived object whose field retains canceled contexts:
// pattern struct_field.
type Handler struct {
	recent []context.Context
}

var handler = &Handler{}

// appCtx is the long-lived application context (never canceled). Leaked
// children stay in its children map: pattern orphan_child.
var (
	appCtx    context.Context
	appCancel context.CancelFunc
)

// callbacks retains closures that capture canceled contexts: pattern
// closure_global.
var callbacks []func() error

// sink keeps watcher results observable.
var sink error

// workSink is where useCorrectly's "work" goes.
var workSink int

// ---- filler (for make-bigpair.sh): many small live objects, no contexts ----

type fillerNode struct {
	next *fillerNode
	id   uint64
	tag  []byte
}

// fillerChains holds linked lists of fillerChainLen nodes.
var fillerChains []*fillerNode

const fillerChainLen = 1024

func makeFiller(count int, burst int) {
	var head *fillerNode
	for i := 0; i < count; i++ {
		n := &fillerNode{next: head, id: uint64(burst)<<32 | uint64(i)}
		if i%4 == 0 {
			n.tag = make([]byte, 8+i%24)
		}
		head = n
		if (i+1)%fillerChainLen == 0 || i == count-1 {
			fillerChains = append(fillerChains, head)
			head = nil
		}
	}
}

// ---- leak patterns ----

type pattern struct {
	name, kind, verdict, holder, site string
	leak                              func(key int)
}

// patterns are run in this order in every burst. patterns_go121.go appends
// to it from init.
var patterns = []pattern{
	{"global_syncmap", "context.cancelCtx", "canceled-retained", "main.globalCtxStore", "main.leakIntoGlobalMap", leakIntoGlobalMap},
	{"struct_field", "context.cancelCtx", "canceled-retained", "main.Handler.recent", "main.(*Handler).serve", func(int) { handler.serve() }},
	{"orphan_child", "context.cancelCtx", "orphan-child", "main.appCtx.children", "main.leakOrphanChild", func(int) { leakOrphanChild() }},
	{"parked_goroutine", "context.cancelCtx", "watched", "goroutine main.watcher", "main.leakParkedWatcher", func(int) { leakParkedWatcher() }},
	{"closure_global", "context.cancelCtx", "canceled-retained", "main.callbacks", "main.leakClosure", func(int) { leakClosure() }},
	{"timer_dropped", "context.timerCtx", "timer-pending", "runtime timer", "main.leakTimeout", func(int) { leakTimeout() }},
}

// longLived counts the contexts that the program holds outside the leak
// patterns, by kind (appCtx, and in Go 1.21+ afterFuncParent).
var longLived = map[string]int{"context.cancelCtx": 1}

// parkedPerLeak maps a pattern name to the goroutines each leak parks.
var parkedPerLeak = map[string]int{"parked_goroutine": 1}

//go:noinline
func leakIntoGlobalMap(key int) {
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	globalCtxStore.Store(key, ctx)
}

//go:noinline
func (h *Handler) serve() {
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	h.recent = append(h.recent, ctx)
}

//go:noinline
func leakOrphanChild() {
	_, _ = context.WithCancel(appCtx) // cancel dropped: the child stays in appCtx's children map
}

//go:noinline
func watcher(ctx context.Context) {
	<-ctx.Done()
	sink = ctx.Err()
}

//go:noinline
func leakParkedWatcher() {
	ctx, _ := context.WithCancel(context.Background())
	go watcher(ctx)
}

//go:noinline
func leakClosure() {
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	callbacks = append(callbacks, func() error { return ctx.Err() })
}

//go:noinline
func leakTimeout() {
	_, _ = context.WithTimeout(context.Background(), time.Hour) // held only by the runtime timer
}

// useCorrectly is the control: a child of appCtx, used and canceled. It must
// be garbage at every snapshot.
//
//go:noinline
func useCorrectly(i int) {
	ctx, cancel := context.WithCancel(appCtx)
	select {
	case <-ctx.Done():
	default:
		if ctx.Err() == nil {
			workSink += i
		}
	}
	cancel()
}

// ---- driver ----

type kindCounts map[string]int

type snapTruth struct {
	Reachable      kindCounts `json:"reachable"`
	ParkedWatchers int        `json:"parked_watchers"`
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

type correctTruth struct {
	Name          string `json:"name"`
	Kind          string `json:"kind"`
	Site          string `json:"site"`
	Before        int    `json:"before"`
	After         int    `json:"after"`
	CreatedBefore int    `json:"created_before"`
	CreatedAfter  int    `json:"created_after"`
}

type snapshots struct {
	Before *snapTruth `json:"before"`
	After  *snapTruth `json:"after"`
}

type truth struct {
	Program   string         `json:"program"`
	GoVersion string         `json:"go_version"`
	N         int            `json:"n"`
	Snapshots snapshots      `json:"snapshots"`
	Patterns  []patternTruth `json:"patterns"`
	Correct   correctTruth   `json:"correct"`
}

var (
	outDir  string
	nextKey int
)

func die(format string, args ...interface{}) {
	fmt.Fprintf(os.Stderr, "leaky: "+format+"\n", args...)
	os.Exit(1)
}

func burst(n, filler, b int) {
	for _, p := range patterns {
		for i := 0; i < n; i++ {
			p.leak(nextKey)
			nextKey++
		}
	}
	for i := 0; i < n; i++ {
		useCorrectly(i)
	}
	if filler > 0 {
		makeFiller(filler, b)
	}
}

// parkedWatchers counts goroutines parked in main.watcher on a channel receive.
func parkedWatchers() int {
	buf := make([]byte, 1<<20)
	for {
		m := runtime.Stack(buf, true)
		if m < len(buf) {
			buf = buf[:m]
			break
		}
		buf = make([]byte, 2*len(buf))
	}
	count := 0
	for _, block := range strings.Split(string(buf), "\n\n") {
		nl := strings.IndexByte(block, '\n')
		if nl < 0 {
			continue
		}
		if strings.Contains(block[:nl], "[chan receive") && strings.Contains(block, "\nmain.watcher(") {
			count++
		}
	}
	return count
}

func waitParked(want int) {
	deadline := time.Now().Add(30 * time.Second)
	for {
		runtime.Gosched()
		got := parkedWatchers()
		if got == want {
			return
		}
		if got > want || time.Now().After(deadline) {
			die("%d watcher goroutines parked, want %d", got, want)
		}
		time.Sleep(time.Millisecond)
	}
}

func create(name string) *os.File {
	f, err := os.Create(filepath.Join(outDir, name))
	if err != nil {
		die("%v", err)
	}
	return f
}

func closeFile(f *os.File) {
	if err := f.Close(); err != nil {
		die("%v", err)
	}
}

func writeProfile(name, profile string, debugLevel int) {
	f := create(name)
	if err := pprof.Lookup(profile).WriteTo(f, debugLevel); err != nil {
		die("%s: %v", name, err)
	}
	closeFile(f)
}

// pauseAtSnapshots is -pause: after each heap dump, wait for a go-ahead so
// that a script can take a core file (gcore) of the same heap.
var pauseAtSnapshots bool

// pause prints "PID snapshot PREFIX" on stdout and waits for one line on
// stdin (make-cores.sh runs gcore in between).
func pause(prefix string) {
	fmt.Printf("%d snapshot %s\n", os.Getpid(), prefix)
	var b [1]byte
	for {
		n, err := os.Stdin.Read(b[:])
		if err != nil {
			die("-pause: reading stdin: %v", err)
		}
		if n == 1 && b[0] == '\n' {
			return
		}
	}
}

func snapshot(prefix string, watchers int) {
	waitParked(watchers)
	runtime.GC()
	runtime.GC()
	f := create(prefix + ".heapdump")
	debug.WriteHeapDump(f.Fd())
	closeFile(f)
	if pauseAtSnapshots {
		pause(prefix)
	}
	writeProfile(prefix+".heap.pb.gz", "heap", 0)
	writeProfile(prefix+".heap.txt", "heap", 1)
	writeProfile(prefix+".goroutine.pb.gz", "goroutine", 0)
	writeProfile(prefix+".goroutine.txt", "goroutine", 2)
	writeProfile(prefix+".goroutine1.txt", "goroutine", 1)
}

func main() {
	runtime.MemProfileRate = 1

	flag.StringVar(&outDir, "out", ".", "output directory (a relative path)")
	n := flag.Int("n", 20, "contexts per pattern per burst")
	bursts := flag.Int("bursts", 3, "bursts before the after snapshot (the before snapshot is taken after 1)")
	filler := flag.Int("filler", 0, "extra small live non-context objects per burst (linked lists)")
	rate := flag.Int("memprofilerate", 1, "runtime.MemProfileRate after flag parsing (1 = every allocation)")
	flag.BoolVar(&pauseAtSnapshots, "pause", false, "after each heap dump print \"PID snapshot before|after\" and wait for a line on stdin (for gcore)")
	flag.Parse()
	if flag.NArg() != 0 || *n < 0 || *bursts < 1 || *filler < 0 || *rate < 0 {
		flag.Usage()
		os.Exit(2)
	}
	if filepath.IsAbs(outDir) {
		die("-out must be a relative path")
	}
	if *rate != 1 {
		runtime.MemProfileRate = *rate
	}
	if err := os.MkdirAll(outDir, 0o755); err != nil {
		die("%v", err)
	}

	appCtx, appCancel = context.WithCancel(context.Background())
	setupLongLived()

	parkedPer := 0
	for _, p := range patterns {
		parkedPer += parkedPerLeak[p.name]
	}

	t := truth{
		Program:   "leaky",
		GoVersion: runtime.Version(),
		N:         *n,
	}
	snap := func(name string, done int) *snapTruth {
		s := &snapTruth{Reachable: kindCounts{}, ParkedWatchers: parkedPer * *n * done}
		for k, v := range longLived {
			s.Reachable[k] += v
		}
		for _, p := range patterns {
			s.Reachable[p.kind] += *n * done
		}
		snapshot(name, s.ParkedWatchers)
		return s
	}

	burst(*n, *filler, 0)
	t.Snapshots.Before = snap("before", 1)
	for b := 1; b < *bursts; b++ {
		burst(*n, *filler, b)
	}
	t.Snapshots.After = snap("after", *bursts)

	for _, p := range patterns {
		t.Patterns = append(t.Patterns, patternTruth{
			Name: p.name, Kind: p.kind, Verdict: p.verdict, Holder: p.holder, Site: p.site,
			Before: *n, After: *n * *bursts,
		})
	}
	t.Correct = correctTruth{
		Name: "correct", Kind: "context.cancelCtx", Site: "main.useCorrectly",
		CreatedBefore: *n, CreatedAfter: *n * *bursts,
	}
	js, err := json.MarshalIndent(&t, "", "  ")
	if err != nil {
		die("%v", err)
	}
	f := create("truth.json")
	if _, err := f.Write(append(js, '\n')); err != nil {
		die("%v", err)
	}
	closeFile(f)

	runtime.KeepAlive(&globalCtxStore)
	runtime.KeepAlive(handler)
	runtime.KeepAlive(callbacks)
	runtime.KeepAlive(appCtx)
	runtime.KeepAlive(appCancel)
	runtime.KeepAlive(fillerChains)
	keepAliveExtra()
}
