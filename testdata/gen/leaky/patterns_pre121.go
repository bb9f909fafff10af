//go:build !go1.21

package main

// Before Go 1.21 there are no extra patterns and no extra long-lived contexts.

func setupLongLived() {}

func keepAliveExtra() {}
