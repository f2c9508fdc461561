package httpapi

import (
	"net/http"
	"time"
)

// The HTTP server's limits, fixed rather than configured. The read limits
// cut slow or stalled clients (slowloris); the write limit bounds a
// response to a client that stops reading; the idle limit closes unused
// keep-alive connections; MaxHeaderBytes answers oversized headers with
// 431.
const (
	ReadHeaderTimeout = 5 * time.Second
	ReadTimeout       = 10 * time.Second
	WriteTimeout      = 30 * time.Second
	IdleTimeout       = 120 * time.Second
	MaxHeaderBytes    = 64 << 10
)

// NewHTTPServer returns a server for handler with the service's limits.
// The load test's ceiling server uses it too, so that the two differ only
// in their handlers.
func NewHTTPServer(handler http.Handler) *http.Server {
	return &http.Server{
		Handler:           handler,
		ReadHeaderTimeout: ReadHeaderTimeout,
		ReadTimeout:       ReadTimeout,
		WriteTimeout:      WriteTimeout,
		IdleTimeout:       IdleTimeout,
		MaxHeaderBytes:    MaxHeaderBytes,
	}
}
