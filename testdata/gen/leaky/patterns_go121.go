//go:build go1.21

package main

import (
	"context"
	"errors"
	"runtime"
	"time"
)

// Patterns that need the Go 1.21 context API. They run after the base
// patterns in every burst.

// afterFuncParent is a long-lived, never-canceled child of appCtx. Each
// afterfunc leak registers an afterFuncCtx in its children map.
var (
	afterFuncParent       context.Context
	afterFuncParentCancel context.CancelFunc
	afterFuncRuns         int
)

// detachedCtxs retains WithoutCancel contexts: pattern without_cancel.
var detachedCtxs []context.Context

var errFarDeadline = errors.New("ctxdiff: far deadline")

func init() {
	patterns = append(patterns,
		pattern{"afterfunc", "context.afterFuncCtx", "orphan-child", "main.afterFuncParent.children", "main.leakAfterFunc", func(int) { leakAfterFunc() }},
		pattern{"without_cancel", "context.withoutCancelCtx", "never-canceled-held", "main.detachedCtxs", "main.leakWithoutCancel", func(int) { leakWithoutCancel() }},
		pattern{"deadline_cause", "context.timerCtx", "timer-pending", "runtime timer", "main.leakDeadlineCause", func(int) { leakDeadlineCause() }},
	)
}

func setupLongLived() {
	afterFuncParent, afterFuncParentCancel = context.WithCancel(appCtx)
	longLived["context.cancelCtx"]++
}

func keepAliveExtra() {
	runtime.KeepAlive(afterFuncParent)
	runtime.KeepAlive(afterFuncParentCancel)
	runtime.KeepAlive(detachedCtxs)
}

//go:noinline
func leakAfterFunc() {
	_ = context.AfterFunc(afterFuncParent, func() { afterFuncRuns++ }) // stop dropped
}

//go:noinline
func leakWithoutCancel() {
	detachedCtxs = append(detachedCtxs, context.WithoutCancel(appCtx))
}

//go:noinline
func leakDeadlineCause() {
	_, _ = context.WithDeadlineCause(context.Background(), time.Now().Add(time.Hour), errFarDeadline) // cancel dropped
}
