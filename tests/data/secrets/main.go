// secretleak: the one fixture whose heap dumps hold an environment
// variable. Run by make.sh under `env -i CTXDIFF_SECRET_MARKER=s3cr3t-...`:
// the marker is then in the dump's copy of the process environment, and the
// program stores copies of it as context values (context.WithValue) in
// contexts it leaks, so it is also in heap objects that ctxdiff types and
// walks. tests/test_secrets.sh checks that no report shows it.
package main

import (
	"context"
	"os"
	"runtime"
	"runtime/debug"
	"strconv"
)

type secretKey struct{}

// held keeps the leaked children (and through them the value contexts).
var held []context.Context

//go:noinline
func leak(parent context.Context, secret string, n int) {
	for i := 0; i < n; i++ {
		v := context.WithValue(parent, secretKey{}, secret+"/value-"+strconv.Itoa(len(held)))
		c, _ := context.WithCancel(v) // cancel dropped: orphan child of parent
		held = append(held, c)
	}
}

func dump(name string) {
	runtime.GC()
	runtime.GC()
	f, err := os.Create(name)
	if err != nil {
		panic(err)
	}
	debug.WriteHeapDump(f.Fd())
	if err := f.Close(); err != nil {
		panic(err)
	}
}

func main() {
	secret := os.Getenv("CTXDIFF_SECRET_MARKER")
	if secret == "" {
		panic("CTXDIFF_SECRET_MARKER is not set")
	}
	parent, cancel := context.WithCancel(context.Background())
	defer cancel()
	// the exact marker as a value too (a heap copy of the environment string)
	exact := context.WithValue(parent, secretKey{}, string([]byte(secret)))
	held = append(held, exact)
	leak(parent, secret, 5)
	dump("before.heapdump")
	leak(parent, secret, 20)
	dump("after.heapdump")
}
