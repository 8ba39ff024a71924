package console

import (
	"context"
	"fmt"
	"net/http"
	"strconv"
	"time"

	"github.com/meterd/meterd"
	"github.com/meterd/meterd/audit"
	"github.com/meterd/meterd/server"
)

// liveRetry is how soon the browser's EventSource asks again after an
// answer (milliseconds).
const liveRetry = 250

// liveSlack is how far before a page's reading its live stream starts: a
// call becomes visible a moment after its event time (the trail is written
// in batches), so a page read just then would miss it.
const liveSlack = 2 * time.Second

// liveStart marks v live from now: its stream starts liveSlack ago, after
// the calls of that window already visible, so that the page is refreshed
// by every call it does not show, and only by those. Called before the
// page reads its data.
func (c *Console) liveStart(ctx context.Context, v *view) {
	if c.cfg.Audit == nil {
		return
	}
	since := c.cfg.Now().Add(-liveSlack)
	calls, err := c.cfg.Audit.List(ctx, audit.CallQuery{Filter: meterd.AuditFilter{Since: since}})
	if err != nil {
		return // the page shows without live updates
	}
	v.Live, v.Since, v.Seen = true, since.UTC().Format(time.RFC3339Nano), apiCalls(calls.Events)
}

// apiCalls counts the calls of the AWS APIs among events. Admin calls
// refresh no page: the console's own reads through the admin API are
// admin calls, and a page that counted them would refresh itself for ever.
func apiCalls(events []*meterd.AuditEvent) int {
	n := 0
	for _, e := range events {
		if e.EventSource != audit.SourceAdmin {
			n++
		}
	}
	return n
}

// waitAPICalls waits, up to server.MaxCallsWait, for more than seen AWS
// API calls since since; met says whether they came.
func (c *Console) waitAPICalls(ctx context.Context, since time.Time, seen int) (calls *audit.Calls, met bool, err error) {
	deadline := c.cfg.Now().Add(server.MaxCallsWait)
	q := audit.CallQuery{Filter: meterd.AuditFilter{Since: since}, Min: seen + 1}
	for {
		calls, err = c.cfg.Audit.Wait(ctx, q, deadline.Sub(c.cfg.Now()))
		if err != nil || !calls.Met {
			return calls, false, err
		}
		if apiCalls(calls.Events) > seen {
			return calls, true, nil
		}
		if !c.cfg.Now().Before(deadline) {
			return calls, false, nil
		}
		q.Min = calls.Calls + 1 // only admin calls came: wait for one more call
	}
}

// live serves Server-Sent Events on the call log's long poll (of AWS API
// calls: see apiCalls): one poll per connection, up to server.MaxCallsWait, then the stream ends and the
// browser's EventSource reconnects with Last-Event-ID, the time after the
// newest call it was told of. One poll per connection keeps each request
// shorter than the server's write timeout and lets a shutdown finish (the
// node stops the call log's waits when it shuts down).
func (c *Console) live(w http.ResponseWriter, r *http.Request, s *session) {
	if c.cfg.Audit == nil {
		c.status(w, r, http.StatusNotFound, "the audit trail is off on this meterd")
		return
	}
	// The first connection starts where the page was read (since, after
	// seen calls: see liveStart); a reconnect after the Last-Event-ID.
	since, seen := c.cfg.Now(), 0
	id := r.Header.Get("Last-Event-ID")
	if id == "" {
		id = r.URL.Query().Get("since")
		seen, _ = strconv.Atoi(r.URL.Query().Get("seen")) // absent or wrong: 0, at most one needless refresh
		seen = min(max(seen, 0), audit.MaxCalls-1)
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
	calls, met, err := c.waitAPICalls(r.Context(), since, seen)
	if err != nil {
		// The next connection starts where this one did: nothing is lost.
		fmt.Fprintf(w, "id: %s\n\n", since.UTC().Format(time.RFC3339Nano))
		return
	}
	// The next connection starts after the newest call there is: either it
	// is told of now, or the page already shows it (fewer than seen+1). A
	// call whose event is stored later with an earlier time (a slow call)
	// wakes no one; the next call's refresh shows it.
	id = since.UTC().Format(time.RFC3339Nano)
	if newest := newestCall(calls.Events); newest.After(since) || newest.Equal(since) {
		id = newest.Add(time.Nanosecond).UTC().Format(time.RFC3339Nano)
	}
	if !met {
		fmt.Fprintf(w, "id: %s\n\n", id)
		return
	}
	fmt.Fprintf(w, "id: %s\nevent: calls\ndata: {\"calls\":%d,\"records\":%d}\n\n", id, calls.Calls, calls.Records)
	_ = rc.Flush()
}

// newestCall is the latest event time of events; zero for none.
func newestCall(events []*meterd.AuditEvent) time.Time {
	var newest time.Time
	for _, e := range events {
		if e.EventTime.After(newest) {
			newest = e.EventTime
		}
	}
	return newest
}
