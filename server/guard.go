package server

import (
	"context"
	"io"
	"net"
	"net/http"
	"sync"
	"sync/atomic"
	"time"

	"github.com/meterd/meterd"
)

// Guard enforces Limits: Listener caps connections and Handler makes request
// bodies reserve their bytes from one shared budget before they are read.
type Guard struct {
	limits Limits
	budget *budget

	conns, peakConns atomic.Int64
}

// NewGuard returns a guard enforcing l; l should pass Validate.
func NewGuard(l Limits) *Guard {
	return &Guard{limits: l, budget: newBudget(l.MaxBufferedBytes)}
}

// GuardStats is what a guard holds now and the most it has held, for tests
// and metrics. Connections are counted only with a cap (MaxConns > 0).
type GuardStats struct {
	Conns, PeakConns       int64
	Buffered, PeakBuffered int64
}

// Stats returns the guard's counters.
func (g *Guard) Stats() GuardStats {
	used, peak := g.budget.stats()
	return GuardStats{Conns: g.conns.Load(), PeakConns: g.peakConns.Load(), Buffered: used, PeakBuffered: peak}
}

// bodyChunk is how much a body of unknown length (chunked encoding)
// reserves at a time.
const bodyChunk = 64 << 10

// Handler wraps h so that each request body reserves its bytes before they
// are read (all of a known Content-Length at once, else bodyChunk at a
// time) and releases them when h returns. A request that finds no room
// within BufferWait reads a ThrottlingException instead of its body.
func (g *Guard) Handler(h http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Body == nil || r.Body == http.NoBody {
			clearReadDeadline(http.NewResponseController(w))
			h.ServeHTTP(w, r)
			return
		}
		// The controller lives in the body, which is made anyway, rather
		// than in an allocation of its own.
		body := &guardedBody{ReadCloser: r.Body, ctx: r.Context(), guard: g, w: w,
			rc: *http.NewResponseController(w), length: r.ContentLength}
		// An error means the writer cannot take deadlines (a recorder in a
		// test); http.Server's ReadTimeout then still applies.
		_ = body.rc.SetReadDeadline(time.Now().Add(g.limits.BodyReadTimeout))
		defer body.release()
		// A shallow copy carries the guarded body: http.Server keeps the
		// original, whose type tells it to refuse rather than drain a
		// large unread body.
		r = r.WithContext(r.Context())
		r.Body = body
		h.ServeHTTP(w, r)
	})
}

// clearReadDeadline lifts the read deadline once nothing more is to be read:
// http.Server then reads in the background to notice a client that goes
// away, and a deadline passing during that read would cancel the request's
// context while the handler still works.
func clearReadDeadline(rc *http.ResponseController) {
	_ = rc.SetReadDeadline(time.Time{}) // see Handler for why errors are ignored
}

// guardedBody reserves budget before each read and gives it back when the
// handler is done with the bytes.
type guardedBody struct {
	io.ReadCloser
	ctx    context.Context
	guard  *Guard
	w      http.ResponseWriter
	rc     http.ResponseController
	length int64 // Content-Length; -1 when unknown

	reserved, read int64
}

func (b *guardedBody) Read(p []byte) (int, error) {
	if b.read == b.reserved && len(p) > 0 {
		if err := b.reserveMore(); err != nil {
			return 0, err
		}
	}
	if b.length < 0 {
		p = p[:min(int64(len(p)), b.reserved-b.read)]
	}
	n, err := b.ReadCloser.Read(p)
	b.read += int64(n)
	if err == io.EOF {
		clearReadDeadline(&b.rc)
	}
	return n, err
}

// reserveMore reserves the rest of a known length, or the next chunk of an
// unknown one. A known length is never exceeded (net/http ends the body
// there), so once it is reserved reads pass through.
func (b *guardedBody) reserveMore() error {
	n := int64(bodyChunk)
	if b.length >= 0 {
		n = b.length - b.reserved
		if n == 0 {
			return nil
		}
	}
	if !b.guard.budget.reserve(b.ctx, n, b.guard.limits.BufferWait) {
		// The unread rest of the body must not be drained (up to 256 KiB
		// from a client that may be stalling) before the answer goes out.
		b.w.Header().Set("Connection", "close")
		return errBufferFull()
	}
	b.reserved += n
	return nil
}

func (b *guardedBody) release() { b.guard.budget.release(b.reserved) }

// errBufferFull is the answer to a request that finds the body budget
// full: AWS's ThrottlingException, which every SDK retries with backoff.
func errBufferFull() error { return meterd.Errorf(meterd.EThrottling, "Rate exceeded") }

// budget is a count of bytes that callers reserve and release; it records
// its peak so tests can check the bound by counting rather than timing.
type budget struct {
	limit int64

	mu         sync.Mutex
	used, peak int64
	// freed is closed and replaced by the first release after a failed
	// reservation (failed says one happened), so that a release nobody
	// waits for, the common case, costs no channel.
	freed  chan struct{}
	failed bool

	waiters atomic.Int64 // for tests
}

func newBudget(limit int64) *budget {
	return &budget{limit: limit, freed: make(chan struct{})}
}

// reserve takes n bytes, waiting up to wait (or until ctx ends) for them
// to be released by others. n larger than the whole budget fails at once.
func (b *budget) reserve(ctx context.Context, n int64, wait time.Duration) bool {
	if n > b.limit {
		return false
	}
	freed, ok := b.tryReserve(n)
	if ok || wait <= 0 {
		return ok
	}
	b.waiters.Add(1)
	defer b.waiters.Add(-1)
	timeout := time.NewTimer(wait)
	defer timeout.Stop()
	for {
		select {
		case <-freed:
		case <-timeout.C:
			return false
		case <-ctx.Done():
			return false
		}
		if freed, ok = b.tryReserve(n); ok {
			return true
		}
	}
}

// tryReserve takes n bytes if they are free, else returns the channel that
// the next release closes.
func (b *budget) tryReserve(n int64) (<-chan struct{}, bool) {
	b.mu.Lock()
	defer b.mu.Unlock()
	if b.used+n > b.limit {
		b.failed = true
		return b.freed, false
	}
	b.used += n
	b.peak = max(b.peak, b.used)
	return nil, true
}

// release gives back n bytes and wakes every waiter; each then retries, so
// small requests are not stuck behind a large one. A waiter took freed
// under the lock when its reservation failed, so a release after that
// failure closes the channel it waits on.
func (b *budget) release(n int64) {
	if n == 0 {
		return
	}
	b.mu.Lock()
	defer b.mu.Unlock()
	b.used -= n
	if b.failed {
		close(b.freed)
		b.freed, b.failed = make(chan struct{}), false
	}
}

func (b *budget) stats() (used, peak int64) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.used, b.peak
}

// Listener wraps ln so that at most MaxConns connections are open at once:
// Accept waits for one to close, and the kernel queues the new ones
// meanwhile. Closing the listener ends a waiting Accept.
func (g *Guard) Listener(ln net.Listener) net.Listener {
	if g.limits.MaxConns <= 0 {
		return ln
	}
	return &guardedListener{Listener: ln, guard: g,
		slots: make(chan struct{}, g.limits.MaxConns), done: make(chan struct{})}
}

type guardedListener struct {
	net.Listener
	guard     *Guard
	slots     chan struct{}
	done      chan struct{}
	closeOnce sync.Once
}

func (l *guardedListener) Accept() (net.Conn, error) {
	select {
	case l.slots <- struct{}{}:
	case <-l.done:
		return nil, net.ErrClosed
	}
	c, err := l.Listener.Accept()
	if err != nil {
		<-l.slots
		return nil, err
	}
	storeMax(&l.guard.peakConns, l.guard.conns.Add(1))
	return &guardedConn{Conn: c, release: sync.OnceFunc(l.release)}, nil
}

// storeMax raises a to v unless it is already higher.
func storeMax(a *atomic.Int64, v int64) {
	for old := a.Load(); v > old && !a.CompareAndSwap(old, v); old = a.Load() {
	}
}

func (l *guardedListener) release() {
	l.guard.conns.Add(-1)
	<-l.slots
}

func (l *guardedListener) Close() error {
	l.closeOnce.Do(func() { close(l.done) })
	return l.Listener.Close()
}

// guardedConn gives its slot back on the first Close.
type guardedConn struct {
	net.Conn
	release func()
}

func (c *guardedConn) Close() error {
	c.release()
	return c.Conn.Close()
}
