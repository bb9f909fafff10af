//go:build go1.23

package main

// Since Go 1.23, http.Transport.roundTrip derives a cancelCtx
// (context.WithCancelCause) for every request it sends; it is live while the
// request is in flight.
const clientCtxPerRequest = 1
