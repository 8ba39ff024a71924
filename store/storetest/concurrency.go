package storetest

import (
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/meterd/meterd"
)

// racers is how many goroutines contend in each concurrency case.
const racers = 32

func concurrencyTests() []test {
	return []test{
		{"Concurrency/SameDedupeKey", testRaceSameKey(false)},
		{"Concurrency/SameClientToken", testRaceSameKey(true)},
		{"Concurrency/DistinctInserts", testRaceDistinct},
		{"Concurrency/FailureIsolated", testRaceFailureIsolated},
		{"Concurrency/RegisterTask", testRaceRegisterTask},
		{"Concurrency/CreateSigningKey", testRaceCreateSigningKey},
	}
}

// race runs f(i) for i in [0, n) at once: every goroutine waits for the
// same start signal so they all contend.
func race(n int, f func(i int)) {
	start := make(chan struct{})
	var wg sync.WaitGroup
	for i := range n {
		wg.Go(func() {
			<-start
			f(i)
		})
	}
	close(start)
	wg.Wait()
}

// Racing inserts of one usage (by dedupe key, or by client token with
// distinct dedupe keys): exactly one is stored and every other caller is
// told about that one.
func testRaceSameKey(byToken bool) func(t *testing.T, s meterd.Store) {
	return func(t *testing.T, s meterd.Store) {
		outcomes := make([]meterd.RecordOutcome, racers)
		errs := make([]error, racers)
		race(racers, func(i int) {
			r := record(fmt.Sprintf("racer-%d", i))
			if byToken {
				r.ClientToken = "tok"
			} else {
				r.DedupeKey = "contended"
			}
			out, err := s.RecordUsage(t.Context(), []*meterd.MeteringRecord{r})
			if err == nil {
				outcomes[i] = out[0]
			}
			errs[i] = err
		})
		winner := ""
		for i, err := range errs {
			must(t, err)
			if outcomes[i].Inserted {
				if winner != "" {
					t.Fatalf("both %s and racer-%d inserted", winner, i)
				}
				winner = fmt.Sprintf("racer-%d", i)
			}
		}
		if winner == "" {
			t.Fatal("no racer inserted")
		}
		wantKind := meterd.DedupeKeyConflict
		if byToken {
			wantKind = meterd.ClientTokenConflict
		}
		for i, o := range outcomes {
			if o.Inserted {
				continue
			}
			if o.Conflict != wantKind || o.Existing == nil || o.Existing.ID != winner {
				t.Errorf("racer-%d: outcome %+v, want %v conflict with %s", i, o, wantKind, winner)
			}
		}
		if d := diff(usageIDs(t, s, meterd.UsageFilter{}), []string{winner}); d != "" {
			t.Fatalf("stored ids%s", d)
		}
	}
}

// Concurrent distinct calls are all stored, each call's records in order.
func testRaceDistinct(t *testing.T, s meterd.Store) {
	const calls, perCall = 5, 3
	errs := make([]error, racers)
	race(racers, func(i int) {
		for c := range calls {
			var recs []*meterd.MeteringRecord
			for r := range perCall {
				recs = append(recs, record(fmt.Sprintf("g%02d-c%d-r%d", i, c, r)))
			}
			out, err := s.RecordUsage(t.Context(), recs)
			if err != nil {
				errs[i] = err
				return
			}
			for _, o := range out {
				if !o.Inserted {
					errs[i] = fmt.Errorf("call %d: outcome %+v, want inserted", c, o)
					return
				}
			}
		}
	})
	for i, err := range errs {
		if err != nil {
			t.Fatalf("goroutine %d: %v", i, err)
		}
	}
	ids := usageIDs(t, s, meterd.UsageFilter{})
	if len(ids) != racers*calls*perCall {
		t.Fatalf("%d records stored, want %d", len(ids), racers*calls*perCall)
	}
	position := make(map[string]int, len(ids))
	for i, id := range ids {
		position[id] = i
	}
	for i := range racers {
		for c := range calls {
			for r := range perCall {
				id := fmt.Sprintf("g%02d-c%d-r%d", i, c, r)
				p, ok := position[id]
				if !ok {
					t.Fatalf("record %s missing", id)
				}
				if prev := fmt.Sprintf("g%02d-c%d-r%d", i, c, r-1); r > 0 && position[prev] > p {
					t.Fatalf("record %s stored before %s of the same call", id, prev)
				}
			}
		}
	}
}

// A failing call does not take concurrent calls down with it.
func testRaceFailureIsolated(t *testing.T, s meterd.Store) {
	recordOK(t, s, record("taken"))
	errs := make([]error, racers)
	race(racers, func(i int) {
		recs := []*meterd.MeteringRecord{record(fmt.Sprintf("ok-%02d", i))}
		if i%2 == 1 { // odd callers reuse a taken id: their whole call fails
			recs = append(recs, with(record(fmt.Sprintf("bad-%02d", i)), func(r *meterd.MeteringRecord) { r.ID = "taken" }))
		}
		_, errs[i] = s.RecordUsage(t.Context(), recs)
	})
	want := map[string]bool{"taken": true}
	for i, err := range errs {
		if (err != nil) != (i%2 == 1) {
			t.Errorf("caller %d: err = %v", i, err)
		}
		if i%2 == 0 {
			want[fmt.Sprintf("ok-%02d", i)] = true
		}
	}
	got := usageIDs(t, s, meterd.UsageFilter{})
	for _, id := range got {
		if !want[id] {
			t.Errorf("record %s stored, want absent", id)
		}
		delete(want, id)
	}
	for id := range want {
		t.Errorf("record %s missing", id)
	}
}

func testRaceRegisterTask(t *testing.T, s meterd.Store) {
	stored := make([]*meterd.TaskRegistration, racers)
	existing := make([]bool, racers)
	errs := make([]error, racers)
	race(racers, func(i int) {
		r := fixtureTask()
		r.RegisteredAt = r.RegisteredAt.Add(time.Duration(i) * time.Second)
		stored[i], existing[i], errs[i] = s.RegisterTask(t.Context(), r)
	})
	var winner *meterd.TaskRegistration
	for i := range racers {
		must(t, errs[i])
		if !existing[i] {
			if winner != nil {
				t.Fatalf("two racers registered the task: %v and %v", winner.RegisteredAt, stored[i].RegisteredAt)
			}
			winner = stored[i]
		}
	}
	if winner == nil {
		t.Fatal("no racer registered the task")
	}
	for i := range racers {
		if d := diff(stored[i], winner); d != "" {
			t.Errorf("racer %d stored%s", i, d)
		}
	}
}

func testRaceCreateSigningKey(t *testing.T, s meterd.Store) {
	errs := make([]error, racers)
	race(racers, func(i int) {
		k := fixtureKey(1)
		k.PrivateKeyPEM = fmt.Appendf(nil, "key-%d", i)
		errs[i] = s.CreateSigningKey(t.Context(), k)
	})
	created := 0
	for i, err := range errs {
		switch meterd.ErrorCode(err) {
		case "":
			created++
		case meterd.EConflict:
		default:
			t.Errorf("racer %d: %v", i, err)
		}
	}
	if created != 1 {
		t.Fatalf("%d racers created version 1, want 1", created)
	}
	keys, err := s.SigningKeys(t.Context())
	must(t, err)
	if len(keys) != 1 {
		t.Fatalf("%d keys stored, want 1", len(keys))
	}
}
