package audit_test

import (
	"context"
	"slices"
	"testing"
	"time"

	"github.com/meterd/meterd"
	"github.com/meterd/meterd/audit"
	"github.com/meterd/meterd/store/sqlite/sqlitetest"
)

// safety bounds a wait that must end for a reason other than time; it is
// never what a test asserts.
const safety = 30 * time.Second

func TestLogWait(t *testing.T) {
	t.Run("OK returns when the Nth record lands", func(t *testing.T) {
		store := &signalStore{AuditStore: sqlitetest.OpenAudit(t), found: make(chan struct{}, 100)}
		l := runLog(t, store, audit.Config{})
		q := audit.CallQuery{Filter: meterd.AuditFilter{EventName: "BatchMeterUsage", Customer: "X"}, Min: 3, Records: true}
		done := make(chan *audit.Calls, 1)
		go func() {
			res, err := l.Wait(context.Background(), q, time.Hour)
			if err != nil {
				t.Error(err)
			}
			done <- res
		}()
		<-store.found // the wait has looked once, before any event: it now waits
		l.Record(batch("1", 0, subject("X", "d"), subject("Y", "d")), nil)
		l.Record(batch("2", 1, subject("X", "d")), nil)
		// Once both are stored, two records of X match: not enough.
		stored := audit.CallQuery{Filter: q.Filter, Min: 2}
		if res, _ := l.Wait(context.Background(), stored, safety); !res.Met {
			t.Fatal("the first two events were not stored")
		}
		select {
		case res := <-done:
			t.Fatalf("returned after two records: %+v", res)
		default:
		}
		l.Record(batch("3", 2, subject("Y", "d"), subject("X", "e")), nil)
		select {
		case res := <-done:
			if !res.Met || res.Records != 3 || res.Calls != 3 {
				t.Errorf("got met %v, %d records in %d calls; want 3 in 3", res.Met, res.Records, res.Calls)
			}
		case <-time.After(safety):
			t.Fatal("Wait was not woken by the third record")
		}
	})
	t.Run("OK unmet after the wait", func(t *testing.T) {
		l, _ := startLog(t, audit.Config{})
		res, err := l.Wait(context.Background(), audit.CallQuery{Min: 1}, time.Millisecond)
		if err != nil || res.Met || res.Calls != 0 {
			t.Errorf("got %+v, %v; want unmet, no calls", res, err)
		}
	})
	t.Run("OK StopWaits ends a wait", func(t *testing.T) {
		l, _ := startLog(t, audit.Config{})
		done := make(chan *audit.Calls, 1)
		go func() {
			res, _ := l.Wait(context.Background(), audit.CallQuery{Min: 1}, time.Hour)
			done <- res
		}()
		l.StopWaits()
		select {
		case res := <-done:
			if res.Met {
				t.Errorf("met with no calls: %+v", res)
			}
		case <-time.After(safety):
			t.Fatal("StopWaits did not end the wait")
		}
	})
}

// TestLogList: one row per way of counting.
func TestLogList(t *testing.T) {
	l, _ := startLog(t, audit.Config{})
	l.Record(batch("1", 0, subject("X", "users"), subject("X", "calls"), subject("Y", "users")), nil)
	l.Record(batch("2", 1), nil)
	l.Record(&meterd.AuditEvent{EventID: "3", EventName: "MeterUsage", EventTime: epoch, Subjects: []meterd.AuditSubject{subject("X", "users")}}, nil)
	if res, _ := l.Wait(context.Background(), audit.CallQuery{Min: 3}, safety); !res.Met {
		t.Fatal("events not stored")
	}
	tests := []struct {
		name           string
		f              meterd.AuditFilter
		calls, records int
	}{
		{"OK everything", meterd.AuditFilter{}, 3, 5},
		{"OK operation", meterd.AuditFilter{EventName: "BatchMeterUsage"}, 2, 4},
		{"OK customer counts its records", meterd.AuditFilter{EventName: "BatchMeterUsage", Customer: "X"}, 1, 2},
		{"OK customer and dimension together", meterd.AuditFilter{Customer: "X", Dimension: "users"}, 2, 2},
		{"OK dimension of another customer's record", meterd.AuditFilter{Customer: "Y", Dimension: "calls"}, 1, 0},
		{"OK nothing", meterd.AuditFilter{Customer: "Z"}, 0, 0},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			res, err := l.List(context.Background(), audit.CallQuery{Filter: tt.f})
			if err != nil || res.Calls != tt.calls || res.Records != tt.records {
				t.Errorf("got %d calls, %d records (%v); want %d, %d", res.Calls, res.Records, err, tt.calls, tt.records)
			}
		})
	}
}

// TestLogDrops: a full queue drops and counts rather than block, and Run
// writes what is queued when it stops.
func TestLogDrops(t *testing.T) {
	store := sqlitetest.OpenAudit(t)
	l := audit.New(store, meterd.SystemClock{}, audit.Config{Buffer: 2}, nil)
	for i := range 5 {
		l.Record(batch(string(rune('a'+i)), i), nil)
	}
	if got := l.Dropped(); got != 3 {
		t.Errorf("dropped %d, want 3", got)
	}
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if err := l.Run(ctx); err != nil {
		t.Fatal(err)
	}
	got, _, err := store.FindAuditEvents(context.Background(), meterd.AuditFilter{})
	if err != nil || len(got) != 2 {
		t.Errorf("stored %d events (%v), want the 2 queued", len(got), err)
	}
}

// TestLogRetention: Run sweeps events older than the retention.
func TestLogRetention(t *testing.T) {
	store := sqlitetest.OpenAudit(t)
	old := batch("old", -2*3600)
	recent := batch("recent", -1800)
	if err := store.AppendAudit(context.Background(), []*meterd.AuditEvent{old, recent}); err != nil {
		t.Fatal(err)
	}
	l := audit.New(store, meterd.ClockFunc(func() time.Time { return epoch }), audit.Config{Retention: time.Hour}, nil)
	ctx, cancel := context.WithCancel(context.Background())
	cancel() // Run sweeps once as it starts
	if err := l.Run(ctx); err != nil {
		t.Fatal(err)
	}
	got, _, _ := store.FindAuditEvents(context.Background(), meterd.AuditFilter{})
	if len(got) != 1 || got[0].EventID != "recent" {
		t.Errorf("left %d events, want only the recent one", len(got))
	}
}

func TestLogReset(t *testing.T) {
	t.Run("OK empties the trail and a wait sees only later calls", func(t *testing.T) {
		store := &signalStore{AuditStore: sqlitetest.OpenAudit(t), found: make(chan struct{}, 100)}
		l := runLog(t, store, audit.Config{})
		l.Record(batch("old1", 0, subject("X", "d")), nil)
		l.Record(batch("old2", 1, subject("X", "d")), nil)
		q := audit.CallQuery{Filter: meterd.AuditFilter{EventName: "BatchMeterUsage"}, Min: 3}
		done := make(chan *audit.Calls, 1)
		go func() {
			res, err := l.Wait(context.Background(), q, time.Hour)
			if err != nil {
				t.Error(err)
			}
			done <- res
		}()
		<-store.found // the wait has looked once: it now waits
		// The queued events are stored before the reset, so both go.
		if n, err := l.Reset(context.Background()); err != nil || n != 2 {
			t.Fatalf("Reset = %d, %v; want 2 deleted", n, err)
		}
		for i, id := range []string{"new1", "new2", "new3"} {
			l.Record(batch(id, 2+i), nil)
		}
		select {
		case res := <-done:
			var ids []string
			for _, e := range res.Events {
				ids = append(ids, e.EventID)
			}
			if !res.Met || !slices.Equal(ids, []string{"new3", "new2", "new1"}) {
				t.Errorf("got met %v, events %v; want the 3 new ones", res.Met, ids)
			}
		case <-time.After(safety):
			t.Fatal("Wait was not woken by calls after the reset")
		}
	})
	t.Run("Err after Run returned", func(t *testing.T) {
		l := audit.New(sqlitetest.OpenAudit(t), meterd.SystemClock{}, audit.Config{}, nil)
		ctx, cancel := context.WithCancel(context.Background())
		cancel()
		if err := l.Run(ctx); err != nil {
			t.Fatal(err)
		}
		if _, err := l.Reset(context.Background()); err == nil {
			t.Error("Reset after Run returned: no error")
		}
	})
}
