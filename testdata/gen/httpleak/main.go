// Command httpleak is a real net/http server that leaks request contexts,
// and the operator that drives it: it makes requests with its own
// http.Client, fetches heap dumps and pprof profiles from the server over
// HTTP (loopback only), and writes truth.json. It is the source of the
// ctxdiff fixtures under testdata/go1.NN/httpleak; see testdata/README.md.
//
// Standard library only.
package main

import (
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"net"
	"net/http"
	_ "net/http/pprof" // mounts /debug/pprof/ on http.DefaultServeMux
	"os"
	"path/filepath"
	"runtime"
	"runtime/debug"
	"sync"
)

// requestCtxs retains each /work request's context after its handler has
// canceled it: pattern http_handler (canceled-retained).
var requestCtxs sync.Map

var outDir string

// What the server knows about its connections and requests.
var (
	mu        sync.Mutex
	openConns = map[string]bool{}   // remote address -> open (ConnState)
	workConn  = map[string]string{} // /work id -> remote address
	opened    int                   // connections ever opened
	okDone    int                   // /ok requests served
	okWork    int
)

// handleWork is the leak site.
func handleWork(w http.ResponseWriter, r *http.Request) {
	id := r.URL.Query().Get("id")
	ctx, cancel := context.WithCancel(r.Context())
	defer cancel()
	requestCtxs.Store(id, ctx)
	mu.Lock()
	workConn[id] = r.RemoteAddr
	mu.Unlock()
	fmt.Fprintf(w, "work %s\n", id)
}

// handleOK is the control: a derived context used and canceled, not kept.
func handleOK(w http.ResponseWriter, r *http.Request) {
	ctx, cancel := context.WithCancel(r.Context())
	n := 0
	select {
	case <-ctx.Done():
	default:
		if ctx.Err() == nil {
			n = len(r.URL.RawQuery)
		}
	}
	cancel()
	mu.Lock()
	okDone++
	okWork += n
	mu.Unlock()
	fmt.Fprintln(w, "ok")
}

// handleHeapdump writes a heap dump to a temporary file in the -out
// directory and streams it back.
func handleHeapdump(w http.ResponseWriter, r *http.Request) {
	f, err := os.CreateTemp(outDir, "heapdump-*.tmp")
	if err != nil {
		http.Error(w, err.Error(), http.StatusInternalServerError)
		return
	}
	defer os.Remove(f.Name())
	defer f.Close()
	runtime.GC()
	runtime.GC()
	debug.WriteHeapDump(f.Fd())
	if _, err := f.Seek(0, io.SeekStart); err != nil {
		http.Error(w, err.Error(), http.StatusInternalServerError)
		return
	}
	w.Header().Set("Content-Type", "application/octet-stream")
	io.Copy(w, f)
}

func connState(c net.Conn, s http.ConnState) {
	addr := c.RemoteAddr().String()
	mu.Lock()
	defer mu.Unlock()
	switch s {
	case http.StateNew:
		openConns[addr] = true
		opened++
	case http.StateClosed, http.StateHijacked:
		delete(openConns, addr)
	}
}

// ---- truth.json ----

type snapTruth struct {
	Reachable      map[string]int `json:"reachable"`
	ParkedWatchers int            `json:"parked_watchers"`
}

type snapshots struct {
	Before *snapTruth `json:"before"`
	After  *snapTruth `json:"after"`
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

// serverContexts breaks down the cancelCtx that net/http itself holds at
// dump time (they are included in reachable["context.cancelCtx"]).
type serverContexts struct {
	// Request contexts (net/http.(*conn).readRequest): one per retained
	// /work context (its parent) plus the in-flight /debug/heapdump request.
	Request int `json:"request"`
	// Connection contexts (net/http.(*conn).serve): the connections that
	// retained requests came in on plus the ones still open.
	Conn int `json:"conn"`
	// Client contexts (net/http.(*Transport).roundTrip, Go 1.23+): one per
	// in-flight client request, i.e. the /debug/heapdump request itself.
	Client int `json:"client"`
	// Connections the server has accepted so far.
	ConnsOpened int `json:"conns_opened"`
}

type httpTruth struct {
	Before *serverContexts `json:"before"`
	After  *serverContexts `json:"after"`
}

type truth struct {
	Program   string         `json:"program"`
	GoVersion string         `json:"go_version"`
	N         int            `json:"n"`
	Snapshots snapshots      `json:"snapshots"`
	Patterns  []patternTruth `json:"patterns"`
	Correct   correctTruth   `json:"correct"`
	HTTP      httpTruth      `json:"http"`
}

// ---- operator ----

func die(format string, args ...interface{}) {
	fmt.Fprintf(os.Stderr, "httpleak: "+format+"\n", args...)
	os.Exit(1)
}

type operator struct {
	base   string
	client *http.Client
}

func (o *operator) get(path string) []byte {
	resp, err := o.client.Get(o.base + path)
	if err != nil {
		die("GET %s: %v", path, err)
	}
	body, err := io.ReadAll(resp.Body)
	resp.Body.Close()
	if err != nil {
		die("GET %s: %v", path, err)
	}
	if resp.StatusCode != http.StatusOK {
		die("GET %s: %s", path, resp.Status)
	}
	return body
}

func (o *operator) save(name, path string) {
	if err := os.WriteFile(filepath.Join(outDir, name), o.get(path), 0o644); err != nil {
		die("%v", err)
	}
}

// snapshot fetches everything for one snapshot. The expected server
// contexts are computed from the state when the dump is taken.
func (o *operator) snapshot(prefix string, retained int) (*snapTruth, *serverContexts) {
	// Which connections hold contexts while /debug/heapdump runs: the
	// dump request arrives on an open connection, so counting the open
	// ones now (between requests) is exact as long as the client reuses
	// its connection, which the check below makes sure of.
	mu.Lock()
	conns := map[string]bool{}
	for _, a := range workConn {
		conns[a] = true
	}
	for a := range openConns {
		conns[a] = true
	}
	openedBefore := opened
	sc := &serverContexts{Request: retained + 1, Conn: len(conns), Client: clientCtxPerRequest}
	mu.Unlock()

	o.save(prefix+".heapdump", "/debug/heapdump")
	o.save(prefix+".heap.pb.gz", "/debug/pprof/heap?gc=1")
	o.save(prefix+".heap.txt", "/debug/pprof/heap?gc=1&debug=1")
	o.save(prefix+".goroutine.pb.gz", "/debug/pprof/goroutine")
	o.save(prefix+".goroutine.txt", "/debug/pprof/goroutine?debug=2")
	o.save(prefix+".goroutine1.txt", "/debug/pprof/goroutine?debug=1")

	mu.Lock()
	sc.ConnsOpened = opened
	if opened != openedBefore {
		mu.Unlock()
		die("the client opened a new connection during the %s snapshot; the expected counts would be wrong", prefix)
	}
	mu.Unlock()
	st := &snapTruth{
		Reachable: map[string]int{
			"context.cancelCtx": retained + sc.Request + sc.Conn + sc.Client,
			"context.timerCtx":  0,
		},
	}
	return st, sc
}

func main() {
	runtime.MemProfileRate = 1

	flag.StringVar(&outDir, "out", ".", "output directory (a relative path)")
	n := flag.Int("n", 20, "/work (leaking) and /ok (correct) requests per burst")
	bursts := flag.Int("bursts", 3, "bursts before the after snapshot (the before snapshot is taken after 1)")
	flag.Parse()
	if flag.NArg() != 0 || *n < 0 || *bursts < 1 {
		flag.Usage()
		os.Exit(2)
	}
	if filepath.IsAbs(outDir) {
		die("-out must be a relative path")
	}
	if err := os.MkdirAll(outDir, 0o755); err != nil {
		die("%v", err)
	}

	http.HandleFunc("/work", handleWork)
	http.HandleFunc("/ok", handleOK)
	http.HandleFunc("/debug/heapdump", handleHeapdump)
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		die("%v", err)
	}
	srv := &http.Server{Handler: http.DefaultServeMux, ConnState: connState}
	go srv.Serve(ln)

	o := &operator{
		base: "http://" + ln.Addr().String(),
		client: &http.Client{Transport: &http.Transport{
			Proxy:               nil,
			DialContext:         (&net.Dialer{}).DialContext,
			MaxIdleConnsPerHost: 1,
			DisableCompression:  true,
		}},
	}
	id := 0
	burst := func() {
		for i := 0; i < *n; i++ {
			o.get(fmt.Sprintf("/work?id=%d", id))
			id++
			o.get(fmt.Sprintf("/ok?i=%d", i))
		}
	}

	t := truth{Program: "httpleak", GoVersion: runtime.Version(), N: *n}
	burst()
	t.Snapshots.Before, t.HTTP.Before = o.snapshot("before", *n)
	for b := 1; b < *bursts; b++ {
		burst()
	}
	t.Snapshots.After, t.HTTP.After = o.snapshot("after", *n**bursts)

	t.Patterns = []patternTruth{{
		Name: "http_handler", Kind: "context.cancelCtx", Verdict: "canceled-retained",
		Holder: "main.requestCtxs", Site: "main.handleWork", Before: *n, After: *n * *bursts,
	}}
	mu.Lock()
	if okDone != *n**bursts {
		die("%d /ok requests served, want %d", okDone, *n**bursts)
	}
	mu.Unlock()
	t.Correct = correctTruth{
		Name: "correct", Kind: "context.cancelCtx", Site: "main.handleOK",
		CreatedBefore: *n, CreatedAfter: *n * *bursts,
	}
	js, err := json.MarshalIndent(&t, "", "  ")
	if err != nil {
		die("%v", err)
	}
	if err := os.WriteFile(filepath.Join(outDir, "truth.json"), append(js, '\n'), 0o644); err != nil {
		die("%v", err)
	}
	srv.Close()
	runtime.KeepAlive(&requestCtxs)
}
