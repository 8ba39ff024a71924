package sqlite

import (
	"fmt"
	"log/slog"
	"slices"
	"strconv"
	"testing"
	"time"

	"github.com/meterd/meterd"
)

// usageRecord is a MeterUsage-like record with its id, dedupe key, client
// token and request hash.
func usageRecord(id, key, token, requestHash string) *meterd.MeteringRecord {
	at := time.Date(2025, time.March, 4, 10, 30, 0, 0, time.UTC)
	return &meterd.MeteringRecord{
		ID: id, Region: "us-east-1", Operation: meterd.OpMeterUsage, ProductCode: "prod",
		CustomerIdentifier: "cust", CallerAccountID: "111111111111", ResourceID: "AKID", Dimension: "users",
		Timestamp: at, Hour: at.Truncate(time.Hour), Quantity: 1, DedupeKey: key, ClientToken: token,
		RequestHash: requestHash, ReceivedAt: at,
	}
}

// TestGroupMergesUsageCalls: the RecordUsage calls of one group are
// inserted together, yet each gets the outcomes (or the error) it gets
// when the calls run one after another, and the ledger holds the same
// records in the same order.
func TestGroupMergesUsageCalls(t *testing.T) {
	rec := usageRecord
	tests := []struct {
		name   string
		stored []*meterd.MeteringRecord // before the group
		calls  [][]*meterd.MeteringRecord
		want   [][]string // each record's outcome, as describeOutcome writes it
	}{
		{"OK new records", nil,
			[][]*meterd.MeteringRecord{{rec("a", "k-a", "", "h")}, {rec("b", "k-b", "", "h")}, {rec("c", "k-c", "", "h")}},
			[][]string{{"inserted"}, {"inserted"}, {"inserted"}}},
		{"OK duplicate across calls", nil,
			[][]*meterd.MeteringRecord{{rec("a", "k-a", "", "h")}, {rec("dup-a", "k-a", "", "h")}, {rec("b", "k-b", "", "h")}},
			[][]string{{"inserted"}, {"dedupe a"}, {"inserted"}}},
		{"OK duplicate within a call", nil,
			[][]*meterd.MeteringRecord{{rec("a", "k-a", "", "h"), rec("dup-a", "k-a", "", "h")}, {rec("b", "k-b", "", "h")}},
			[][]string{{"inserted", "dedupe a"}, {"inserted"}}},
		{"OK duplicate of a stored record", []*meterd.MeteringRecord{rec("s", "k-s", "", "h")},
			[][]*meterd.MeteringRecord{{rec("a", "k-a", "", "h")}, {rec("dup-s", "k-s", "", "h")}, {rec("b", "k-b", "", "h")}},
			[][]string{{"inserted"}, {"dedupe s"}, {"inserted"}}},
		{"OK client tokens mixed in", []*meterd.MeteringRecord{rec("s", "k-s", "t-s", "h")},
			[][]*meterd.MeteringRecord{
				{rec("a", "k-a", "t-1", "h")}, {rec("b", "k-b", "", "h")}, {rec("again-a", "k-a2", "t-1", "h")},
				{rec("dup-b", "k-b", "t-2", "h")}, {rec("again-s", "k-s2", "t-s", "other")}, {rec("c", "k-c", "", "h")},
			},
			[][]string{{"inserted"}, {"inserted"}, {"token a"}, {"dedupe b"}, {"token s"}, {"inserted"}}},
		{"OK batch calls", []*meterd.MeteringRecord{rec("s", "k-s", "", "h")},
			[][]*meterd.MeteringRecord{
				{rec("a", "k-a", "", "h"), rec("dup-s", "k-s", "", "h"), rec("b", "k-b", "", "h")},
				{rec("dup-b", "k-b", "", "h")}, {rec("c", "k-c", "", "h"), rec("dup-a", "k-a", "", "h")},
			},
			[][]string{{"inserted", "dedupe s", "inserted"}, {"dedupe b"}, {"inserted", "dedupe a"}}},
		{"ErrTaken id fails its call alone", []*meterd.MeteringRecord{rec("taken", "k-s", "", "h")},
			[][]*meterd.MeteringRecord{{rec("a", "k-a", "", "h")}, {rec("taken", "k-t", "", "h")}, {rec("b", "k-b", "", "h")}},
			[][]string{{"inserted"}, {"error"}, {"inserted"}}},
		{"ErrTaken id in a batch call", []*meterd.MeteringRecord{rec("taken", "k-s", "", "h")},
			[][]*meterd.MeteringRecord{{rec("a", "k-a", "", "h")}, {rec("c", "k-c", "", "h"), rec("taken", "k-t", "", "h")},
				{rec("dup-c", "k-c", "", "h")}},
			[][]string{{"inserted"}, {"error"}, {"inserted"}}},
	}
	// More calls than one lookup or insert statement takes (maxInsertRows),
	// the last a duplicate of the first.
	many := tests[0]
	many.name, many.calls, many.want = "OK more records than a statement takes", nil, nil
	for i := range maxInsertRows + 5 {
		id := strconv.Itoa(i)
		many.calls = append(many.calls, []*meterd.MeteringRecord{rec(id, "k-"+id, "", "h")})
		many.want = append(many.want, []string{"inserted"})
	}
	many.calls = append(many.calls, []*meterd.MeteringRecord{rec("dup-0", "k-0", "", "h")})
	many.want = append(many.want, []string{"dedupe 0"})
	tests = append(tests, many)
	for _, tc := range tests {
		for _, collide := range []bool{false, true} {
			name, opts := tc.name, []Option(nil)
			if collide {
				// Every key hashes alike, so that no record looks
				// plainly new and each takes insertUsage's checks.
				name, opts = name+" colliding hashes", []Option{WithKeyHash(func(...string) int64 { return 7 })}
			}
			t.Run(name, func(t *testing.T) { checkMergedGroup(t, tc.stored, tc.calls, tc.want, opts...) })
		}
	}
}

// checkMergedGroup records calls in one group and one by one and compares
// both with want and their ledgers with each other.
func checkMergedGroup(t *testing.T, stored []*meterd.MeteringRecord, calls [][]*meterd.MeteringRecord, want [][]string,
	opts ...Option,
) {
	t.Helper()
	grouped, groupedLedger := recordInOneGroup(t, stored, calls, opts...)
	alone, aloneLedger := recordOneByOne(t, stored, calls, opts...)
	if !slices.EqualFunc(grouped, want, slices.Equal) {
		t.Errorf("outcomes in one group %v, want %v", grouped, want)
	}
	if !slices.EqualFunc(alone, want, slices.Equal) {
		t.Errorf("outcomes one by one %v, want %v", alone, want)
	}
	if !slices.Equal(groupedLedger, aloneLedger) {
		t.Errorf("ledger after one group %v, one by one %v", groupedLedger, aloneLedger)
	}
}

// recordInOneGroup stores stored, then commits calls in one group and
// returns their outcomes and the ledger's ids.
func recordInOneGroup(t *testing.T, stored []*meterd.MeteringRecord, calls [][]*meterd.MeteringRecord,
	opts ...Option,
) ([][]string, []string) {
	t.Helper()
	db := openWithRecords(t, stored, opts...)
	release := holdWriter(t, db)
	groups := db.WriterStats().Groups
	ops := make([]*writeOp, len(calls))
	usage := make([]*usageCall, len(calls))
	for i, recs := range calls {
		var err error
		if usage[i], err = newUsageCall(recs, db.keyHash); err != nil {
			t.Fatal(err)
		}
		ops[i] = usage[i].op()
		if err := db.enqueue(t.Context(), ops[i]); err != nil {
			t.Fatal(err)
		}
	}
	release()
	got := make([][]string, len(calls))
	for i, op := range ops {
		got[i] = describeOutcomes(usage[i].out, db.queue.Wait(t.Context(), op))
	}
	if got := db.WriterStats().Groups - groups; got != 1 {
		t.Fatalf("the calls ran in %d groups, want one", got)
	}
	return got, ledgerIDs(t, db)
}

// recordOneByOne stores stored, then each of calls after the other.
func recordOneByOne(t *testing.T, stored []*meterd.MeteringRecord, calls [][]*meterd.MeteringRecord,
	opts ...Option,
) ([][]string, []string) {
	t.Helper()
	db := openWithRecords(t, stored, opts...)
	got := make([][]string, len(calls))
	for i, recs := range calls {
		out, err := db.RecordUsage(t.Context(), recs)
		if out == nil {
			out = make([]meterd.RecordOutcome, len(recs))
		}
		got[i] = describeOutcomes(out, err)
	}
	return got, ledgerIDs(t, db)
}

// openWithRecords opens a new store holding recs.
func openWithRecords(t *testing.T, recs []*meterd.MeteringRecord, opts ...Option) *DB {
	t.Helper()
	db, err := Open(t.Context(), t.TempDir(), slog.New(slog.DiscardHandler), opts...)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	if _, err := db.RecordUsage(t.Context(), recs); err != nil {
		t.Fatal(err)
	}
	return db
}

// describeOutcomes writes a call's outcomes as "inserted", "dedupe <id>"
// or "token <id>", or only "error" when the call failed.
func describeOutcomes(out []meterd.RecordOutcome, err error) []string {
	if err != nil {
		return []string{"error"}
	}
	var got []string
	for _, o := range out {
		switch {
		case o.Inserted:
			got = append(got, "inserted")
		case o.Existing == nil:
			got = append(got, fmt.Sprintf("conflict %v without a record", o.Conflict))
		case o.Conflict == meterd.DedupeKeyConflict:
			got = append(got, "dedupe "+o.Existing.ID)
		case o.Conflict == meterd.ClientTokenConflict:
			got = append(got, "token "+o.Existing.ID)
		default:
			got = append(got, fmt.Sprintf("conflict %v with %s", o.Conflict, o.Existing.ID))
		}
	}
	return got
}

func ledgerIDs(t *testing.T, db *DB) []string {
	t.Helper()
	recs, err := db.FindUsage(t.Context(), meterd.UsageFilter{})
	if err != nil {
		t.Fatal(err)
	}
	var ids []string
	for _, r := range recs {
		ids = append(ids, r.ID)
	}
	return ids
}

// Another operation between RecordUsage calls splits their merge: it runs
// in its turn, and the calls after it still see the records before it.
func TestGroupMergesUsageCallsAroundOtherOps(t *testing.T) {
	db := openWithRecords(t, nil)
	release := holdWriter(t, db)
	var calls []*usageCall
	var ops []*writeOp
	for _, recs := range [][]*meterd.MeteringRecord{
		{usageRecord("a", "k-a", "", "h")}, nil, {usageRecord("dup-a", "k-a", "", "h")}, {usageRecord("b", "k-b", "", "h")},
	} {
		op := &writeOp{fn: createKey(1), rerunnable: true}
		if recs != nil {
			call, err := newUsageCall(recs, db.keyHash)
			if err != nil {
				t.Fatal(err)
			}
			calls, op = append(calls, call), call.op()
		}
		if err := db.enqueue(t.Context(), op); err != nil {
			t.Fatal(err)
		}
		ops = append(ops, op)
	}
	release()
	for i, op := range ops {
		if err := db.queue.Wait(t.Context(), op); err != nil {
			t.Fatalf("op %d: %v", i, err)
		}
	}
	var got [][]string
	for _, c := range calls {
		got = append(got, describeOutcomes(c.out, nil))
	}
	if want := [][]string{{"inserted"}, {"dedupe a"}, {"inserted"}}; !slices.EqualFunc(got, want, slices.Equal) {
		t.Errorf("outcomes %v, want %v", got, want)
	}
	if ids := ledgerIDs(t, db); !slices.Equal(ids, []string{"a", "b"}) {
		t.Errorf("ledger %v, want [a b]", ids)
	}
	if got := storedVersions(t, db); !equalVersions(got, []int32{1}) {
		t.Errorf("stored versions %v, want [1]", got)
	}
}
