//go:build !go1.23

package main

// Before Go 1.23, http.Transport creates no context per request (no client
// timeout, no dial timeout are set here).
const clientCtxPerRequest = 0
