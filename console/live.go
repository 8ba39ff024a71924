package console

import (
	"fmt"
	"net/http"
	"time"

	"github.com/meterd/meterd"
	"github.com/meterd/meterd/audit"
	"github.com/meterd/meterd/server"
)

// liveRetry is how soon the browser's EventSource asks again after an
// answer (milliseconds).
const liveRetry = 250

// liveSlack is how far before a page's rendering its live stream starts.
const liveSlack = 2 * time.Second

// live serves Server-Sent Events on the call log's long poll: one poll per
// connection, up to server.MaxCallsWait, then the stream ends and the
// browser's EventSource reconnects with Last-Event-ID, the time after the
// newest call it was told of. One poll per connection keeps each request
// shorter than the server's write timeout and lets a shutdown finish (the
// node stops the call log's waits when it shuts down).
func (c *Console) live(w http.ResponseWriter, r *http.Request, s *session) {
	if c.cfg.Audit == nil {
		c.status(w, r, http.StatusNotFound, "the audit trail is off on this meterd")
		return
	}
	since := c.cfg.Now()
	// The page names the time it was rendered (since), so that calls made
	// before the stream connects are not missed; a reconnect sends the id.
	id := r.Header.Get("Last-Event-ID")
	if id == "" {
		id = r.URL.Query().Get("since")
	}
	if id != "" {
		if t, err := time.Parse(time.RFC3339Nano, id); err == nil {
			since = t
		}
	}
	w.Header().Set("Content-Type", "text/event-stream")
	w.Header().Set("X-Accel-Buffering", "no")
	w.WriteHeader(http.StatusOK)
	fmt.Fprintf(w, "retry: %d\n\n", liveRetry)
	rc := http.NewResponseController(w)
	_ = rc.Flush() // a writer that cannot flush sends it all at the end
	q := audit.CallQuery{Filter: meterd.AuditFilter{Since: since}, Min: 1}
	calls, err := c.cfg.Audit.Wait(r.Context(), q, server.MaxCallsWait)
	if err != nil || !calls.Met {
		// The next connection starts where this one did: nothing is lost.
		fmt.Fprintf(w, "id: %s\n\n", since.UTC().Format(time.RFC3339Nano))
		return
	}
	// The next stream starts after the newest call told of. A call whose
	// event is stored later with an earlier time (a slow call) wakes no
	// one; the next call's refresh shows it.
	newest := since
	for _, e := range calls.Events {
		if e.EventTime.After(newest) {
			newest = e.EventTime
		}
	}
	fmt.Fprintf(w, "id: %s\nevent: calls\ndata: {\"calls\":%d,\"records\":%d}\n\n",
		newest.Add(time.Nanosecond).UTC().Format(time.RFC3339Nano), calls.Calls, calls.Records)
	_ = rc.Flush()
}
