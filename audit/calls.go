package audit

import (
	"context"
	"time"

	"github.com/meterd/meterd"
)

// CallQuery selects the calls of the call log: the events matching Filter
// (its Cursor and Limit are ignored) since Filter.Since.
type CallQuery struct {
	Filter meterd.AuditFilter
	// Min is how many calls (or, with Records, usage records inside them)
	// Wait waits for.
	Min     int
	Records bool
}

// Calls is the answer of the call log.
type Calls struct {
	Events []*meterd.AuditEvent
	// Calls counts Events; Records the usage records in them that match
	// the filter's customer and dimension.
	Calls, Records int
	// Met is whether the count reached Min.
	Met bool
}

// MaxCalls bounds how many events the call log reads for one answer; a
// query matching more asks for a narrower filter or a later Since.
const MaxCalls = 10000

// List returns the calls matching q now.
func (l *Log) List(ctx context.Context, q CallQuery) (*Calls, error) {
	f := q.Filter
	f.Cursor, f.Limit = "", 0
	res := &Calls{}
	for {
		page, next, err := l.store.FindAuditEvents(ctx, f)
		if err != nil {
			return nil, err
		}
		res.Events = append(res.Events, page...)
		if next == "" || len(res.Events) >= MaxCalls {
			break
		}
		f.Cursor = next
	}
	res.Calls = len(res.Events)
	for _, e := range res.Events {
		res.Records += matchingRecords(e, q.Filter)
	}
	count := res.Calls
	if q.Records {
		count = res.Records
	}
	res.Met = count >= q.Min
	return res, nil
}

// matchingRecords counts e's subjects that match f's customer and
// dimension together; a call about no record counts as one when f names
// neither.
func matchingRecords(e *meterd.AuditEvent, f meterd.AuditFilter) int {
	if len(e.Subjects) == 0 {
		if f.Customer == "" && f.Dimension == "" {
			return 1
		}
		return 0
	}
	n := 0
	for _, s := range e.Subjects {
		if (f.Customer == "" || s.Customer == f.Customer) && (f.Dimension == "" || s.Dimension == f.Dimension) {
			n++
		}
	}
	return n
}

// Wait returns as soon as q is met, or after wait, or when ctx is done or
// StopWaits is called, with the calls matching q at that moment. It is
// woken by each stored batch of events, not by polling.
func (l *Log) Wait(ctx context.Context, q CallQuery, wait time.Duration) (*Calls, error) {
	timer := time.NewTimer(wait)
	defer timer.Stop()
	for {
		// Taken before List, so that a batch stored during List wakes us.
		changed := l.changed()
		res, err := l.List(ctx, q)
		if err != nil || res.Met {
			return res, err
		}
		select {
		case <-changed:
		case <-timer.C:
			return res, nil
		case <-ctx.Done():
			return res, nil
		case <-l.stopped:
			return res, nil
		}
	}
}
