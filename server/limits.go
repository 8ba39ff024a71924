package server

import (
	"fmt"
	"net/http"
	"time"
)

// Limits bound the memory that callers can hold before they are
// authenticated. A body must be read whole before its SigV4 payload hash can
// be checked, so the limits are global rather than per account: they cap
// what everyone together can make meterd buffer.
//
// Callers can then hold about MaxBufferedBytes (times 1.5: a body's buffer
// grows in steps) + MaxConns × (2×MaxHeaderBytes + 16 KiB): body bytes are
// counted as announced or read, while each connection also has its
// goroutine, its 4 KiB read and write buffers and its header.
type Limits struct {
	// MaxConns caps concurrent connections. Beyond it, new connections wait
	// in the kernel's accept queue until one closes. 0 means no cap.
	MaxConns int
	// MaxBufferedBytes caps the request body bytes held at once by all
	// requests together, from the first read until the handler returns.
	MaxBufferedBytes int64
	// BufferWait is how long a request waits for room in the buffer before
	// it is answered ThrottlingException.
	BufferWait time.Duration
	// BodyReadTimeout is how long a request's body may take to arrive,
	// counted from the handler's start. It is what frees the buffer held by
	// a client that sends most of a body and stalls.
	BodyReadTimeout time.Duration
	// ReadHeaderTimeout, IdleTimeout, WriteTimeout and MaxHeaderBytes are
	// the http.Server fields of the same names (see Apply).
	ReadHeaderTimeout time.Duration
	IdleTimeout       time.Duration
	WriteTimeout      time.Duration
	MaxHeaderBytes    int
}

// DefaultLimits are meterd's defaults; docs/differences.md explains them.
//
//   - 1,024 connections: an SDK keeps at most a handful of connections per
//     host, and the ledger's group commit is saturated long before 1,024
//     requests are in flight, so more connections would only queue.
//   - 64 MiB of bodies: 64 bodies at AWS's 1 MiB limit, or about 20,000
//     typical 25-record BatchMeterUsage calls (about 3 KiB each) at once.
//   - 10 s for a body: 1 MiB arrives in 8 s at 1 Mbit/s.
//   - 16 KiB of header: a SigV4 request, even presigned with a session
//     token, needs under 4 KiB.
//
// That is about 1.5 × 64 MiB + 1,024 × 48 KiB ≈ 144 MiB of live data.
func DefaultLimits() Limits {
	return Limits{
		MaxConns:          1024,
		MaxBufferedBytes:  64 << 20,
		BufferWait:        time.Second,
		BodyReadTimeout:   10 * time.Second,
		ReadHeaderTimeout: 5 * time.Second,
		IdleTimeout:       2 * time.Minute,
		WriteTimeout:      30 * time.Second,
		MaxHeaderBytes:    16 << 10,
	}
}

// MinBufferedBytes is the smallest body budget: room for one request at
// AWS's 1 MiB payload limit even when it arrives in chunks (plus the chunk
// that finds its end), or such a request could never be served.
const MinBufferedBytes = 1<<20 + bodyChunk

// Validate reports the first invalid limit.
func (l Limits) Validate() error {
	switch {
	case l.MaxConns < 0:
		return fmt.Errorf("max conns must not be negative, got %d", l.MaxConns)
	case l.MaxBufferedBytes < MinBufferedBytes:
		return fmt.Errorf("max buffered bytes must be at least %d (one 1 MiB request, read in chunks), got %d",
			MinBufferedBytes, l.MaxBufferedBytes)
	case l.BufferWait < 0:
		return fmt.Errorf("buffer wait must not be negative, got %s", l.BufferWait)
	case l.BodyReadTimeout <= 0:
		return fmt.Errorf("body read timeout must be positive, got %s", l.BodyReadTimeout)
	case l.ReadHeaderTimeout <= 0:
		return fmt.Errorf("read header timeout must be positive, got %s", l.ReadHeaderTimeout)
	case l.MaxHeaderBytes <= 0:
		return fmt.Errorf("max header bytes must be positive, got %d", l.MaxHeaderBytes)
	}
	return nil
}

// Apply sets the http.Server fields that bound a connection's memory and
// time. ReadTimeout is only a backstop for handlers that Guard.Handler does
// not wrap: Guard.Handler replaces it with BodyReadTimeout, and lifts it
// once the body is read, because a read deadline that passes while a slow
// handler runs cancels the request's context.
func (l Limits) Apply(srv *http.Server) {
	srv.ReadHeaderTimeout = l.ReadHeaderTimeout
	srv.ReadTimeout = l.ReadHeaderTimeout + l.BodyReadTimeout
	srv.IdleTimeout = l.IdleTimeout
	srv.WriteTimeout = l.WriteTimeout
	srv.MaxHeaderBytes = l.MaxHeaderBytes
}
