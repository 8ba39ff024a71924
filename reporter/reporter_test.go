package reporter

import (
	"context"
	"errors"
	"fmt"
	"path/filepath"
	"reflect"
	"sync"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/marketplacemetering"
	"github.com/aws/aws-sdk-go-v2/service/marketplacemetering/types"
	smithy "github.com/aws/smithy-go"
)

// fakeAPI answers like AWS for valid records unless a test overrides an
// answer; it keeps every request it got.
type fakeAPI struct {
	mu      sync.Mutex
	batches []*marketplacemetering.BatchMeterUsageInput
	meters  []*marketplacemetering.MeterUsageInput
	// next answers calls before the default; each is used once.
	next []func(in any) (any, error)
	ids  map[string]string
}

// programmed keeps the request and returns the answer a test programmed
// for it, if any (ok false: answer as AWS would).
func programmed[T any](f *fakeAPI, in any) (out *T, err error, ok bool) {
	f.mu.Lock()
	switch in := in.(type) {
	case *marketplacemetering.BatchMeterUsageInput:
		f.batches = append(f.batches, in)
	case *marketplacemetering.MeterUsageInput:
		f.meters = append(f.meters, in)
	}
	f.mu.Unlock()
	answer, err, ok := f.pop(in)
	if !ok || err != nil {
		return nil, err, ok
	}
	return answer.(*T), nil, true
}

func (f *fakeAPI) pop(in any) (any, error, bool) {
	f.mu.Lock()
	defer f.mu.Unlock()
	if len(f.next) == 0 {
		return nil, nil, false
	}
	fn := f.next[0]
	f.next = f.next[1:]
	out, err := fn(in)
	return out, err, true
}

func (f *fakeAPI) answer(fns ...func(in any) (any, error)) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.next = append(f.next, fns...)
}

// recordID gives the same id for the same record, as AWS does for an
// identical resend.
func (f *fakeAPI) recordID(key string) string {
	if f.ids == nil {
		f.ids = map[string]string{}
	}
	if f.ids[key] == "" {
		f.ids[key] = fmt.Sprintf("id-%d", len(f.ids)+1)
	}
	return f.ids[key]
}

func (f *fakeAPI) BatchMeterUsage(ctx context.Context, in *marketplacemetering.BatchMeterUsageInput,
	_ ...func(*marketplacemetering.Options)) (*marketplacemetering.BatchMeterUsageOutput, error) {
	if out, err, ok := programmed[marketplacemetering.BatchMeterUsageOutput](f, in); ok {
		return out, err
	}
	f.mu.Lock()
	defer f.mu.Unlock()
	out := &marketplacemetering.BatchMeterUsageOutput{}
	for _, u := range in.UsageRecords {
		k := keyOf(u)
		out.Results = append(out.Results, types.UsageRecordResult{
			UsageRecord:      &u,
			Status:           types.UsageRecordResultStatusSuccess,
			MeteringRecordId: aws.String(f.recordID(fmt.Sprint(k))),
		})
	}
	return out, nil
}

func (f *fakeAPI) MeterUsage(ctx context.Context, in *marketplacemetering.MeterUsageInput,
	_ ...func(*marketplacemetering.Options)) (*marketplacemetering.MeterUsageOutput, error) {
	if out, err, ok := programmed[marketplacemetering.MeterUsageOutput](f, in); ok {
		return out, err
	}
	f.mu.Lock()
	defer f.mu.Unlock()
	return &marketplacemetering.MeterUsageOutput{
		MeteringRecordId: aws.String(f.recordID(aws.ToString(in.UsageDimension) + aws.ToTime(in.Timestamp).String())),
	}, nil
}

func (f *fakeAPI) sentBatches() []*marketplacemetering.BatchMeterUsageInput {
	f.mu.Lock()
	defer f.mu.Unlock()
	return append([]*marketplacemetering.BatchMeterUsageInput(nil), f.batches...)
}

// clock is a settable test clock.
type clock struct {
	mu  sync.Mutex
	now time.Time
}

func (c *clock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.now
}

func (c *clock) set(t time.Time) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.now = t
}

var t0 = time.Date(2026, 11, 12, 10, 0, 0, 0, time.UTC)

type fixture struct {
	api   *fakeAPI
	clock *clock
	cfg   Config
	r     *Reporter
}

func newFixture(t testing.TB, edit ...func(*Config)) *fixture {
	t.Helper()
	f := &fixture{api: &fakeAPI{}, clock: &clock{now: t0.Add(30 * time.Minute)}}
	f.cfg = Config{
		Client:            f.api,
		ProductCode:       "prod-1",
		Spool:             filepath.Join(t.TempDir(), "spool.db"),
		Now:               f.clock.Now,
		RequestsPerSecond: 1000,
	}
	for _, e := range edit {
		e(&f.cfg)
	}
	f.open(t)
	return f
}

func (f *fixture) open(t testing.TB) {
	t.Helper()
	r, err := Open(context.Background(), f.cfg)
	if err != nil {
		t.Fatal(err)
	}
	f.r = r
	t.Cleanup(func() { r.Close() })
}

// reopen closes the reporter as a crash would leave it (nothing flushed)
// and opens a new one on the same spool.
func (f *fixture) reopen(t *testing.T) {
	t.Helper()
	if err := f.r.Close(); err != nil {
		t.Fatal(err)
	}
	f.open(t)
}

func (f *fixture) record(t *testing.T, c Customer, dim string, q int64, at time.Time, tags ...Tag) {
	t.Helper()
	if err := f.r.Record(context.Background(), c, dim, q, at, tags...); err != nil {
		t.Fatal(err)
	}
}

func (f *fixture) flush(t *testing.T) error {
	t.Helper()
	return f.r.Flush(context.Background())
}

func (f *fixture) status(t *testing.T) Status {
	t.Helper()
	st, err := f.r.Status(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	return st
}

// sent flattens every BatchMeterUsage record sent so far.
type sentRecord struct {
	customer  string
	dimension string
	hour      time.Time
	quantity  int32
	allocs    int
}

func (f *fixture) sent() []sentRecord {
	var out []sentRecord
	for _, in := range f.api.sentBatches() {
		for _, u := range in.UsageRecords {
			out = append(out, sentRecord{
				customer:  aws.ToString(u.CustomerIdentifier) + aws.ToString(u.CustomerAWSAccountId),
				dimension: aws.ToString(u.Dimension),
				hour:      aws.ToTime(u.Timestamp),
				quantity:  aws.ToInt32(u.Quantity),
				allocs:    len(u.UsageAllocations),
			})
		}
	}
	return out
}

func apiError(code string) error {
	return &smithy.GenericAPIError{Code: code, Message: code + " message"}
}

func TestRecordAggregatesPerCustomerDimensionAndHour(t *testing.T) {
	f := newFixture(t)
	alice, bob := CustomerID("alice"), AccountID("123456789012")
	f.record(t, alice, "users", 2, t0.Add(time.Minute))
	f.record(t, alice, "users", 3, t0.Add(59*time.Minute))
	f.record(t, alice, "gb", 7, t0.Add(time.Minute))
	f.record(t, bob, "users", 1, t0.Add(2*time.Minute))
	f.record(t, alice, "users", 4, t0.Add(time.Hour)) // next hour, still open

	f.clock.set(t0.Add(time.Hour + 5*time.Minute))
	if err := f.flush(t); err != nil {
		t.Fatal(err)
	}
	want := []sentRecord{
		{"123456789012", "users", t0, 1, 0},
		{"alice", "gb", t0, 7, 0},
		{"alice", "users", t0, 5, 0},
	}
	if got := f.sent(); !reflect.DeepEqual(got, want) {
		t.Errorf("sent %+v\nwant %+v", got, want)
	}
	st := f.status(t)
	if st.Results[StatusSuccess] != 3 || st.OpenRecords != 1 || st.OpenQuantity != 4 {
		t.Errorf("status %+v, want 3 successes and the open hour's 4 queued", st)
	}
}

func TestAllocationTagsBecomeUsageAllocations(t *testing.T) {
	f := newFixture(t)
	c := CustomerID("alice")
	f.record(t, c, "users", 2, t0, Tag{"team", "a"})
	f.record(t, c, "users", 3, t0, Tag{"team", "b"})
	f.record(t, c, "users", 1, t0, Tag{"team", "a"})
	f.record(t, c, "users", 4, t0)
	f.clock.set(t0.Add(time.Hour))
	if err := f.flush(t); err != nil {
		t.Fatal(err)
	}
	in := f.api.sentBatches()[0]
	u := in.UsageRecords[0]
	if aws.ToInt32(u.Quantity) != 10 || len(u.UsageAllocations) != 3 {
		t.Fatalf("record quantity %d with %d allocations, want 10 with 3", aws.ToInt32(u.Quantity), len(u.UsageAllocations))
	}
	var sum int32
	for _, a := range u.UsageAllocations {
		sum += aws.ToInt32(a.AllocatedUsageQuantity)
	}
	if sum != 10 {
		t.Errorf("allocations add up to %d, want the record's 10", sum)
	}
}

func TestRecordRejectsInvalidUsage(t *testing.T) {
	f := newFixture(t)
	tests := []struct {
		name     string
		customer Customer
		dim      string
		quantity int64
		tags     []Tag
	}{
		{"no customer", Customer{}, "users", 1, nil},
		{"both customer forms", Customer{Identifier: "a", AWSAccountID: "123456789012"}, "users", 1, nil},
		{"empty dimension", CustomerID("a"), "", 1, nil},
		{"negative quantity", CustomerID("a"), "users", -1, nil},
		{"quantity over int32", CustomerID("a"), "users", 1 << 31, nil},
		{"empty tag value", CustomerID("a"), "users", 1, []Tag{{"k", ""}}},
		{"repeated tag key", CustomerID("a"), "users", 1, []Tag{{"k", "1"}, {"k", "2"}}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := f.r.Record(context.Background(), tt.customer, tt.dim, tt.quantity, t0, tt.tags...)
			if !errors.Is(err, ErrInvalidUsage) {
				t.Errorf("Record = %v, want ErrInvalidUsage", err)
			}
		})
	}
}

func TestHourTotalMayNotOverflow(t *testing.T) {
	f := newFixture(t)
	c := CustomerID("alice")
	f.record(t, c, "users", maxQuantity-1, t0)
	f.record(t, c, "users", 1, t0)
	if err := f.r.Record(context.Background(), c, "users", 1, t0); !errors.Is(err, ErrQuantityOverflow) {
		t.Fatalf("Record past 2^31-1 = %v, want ErrQuantityOverflow", err)
	}
	f.clock.set(t0.Add(time.Hour))
	if err := f.flush(t); err != nil {
		t.Fatal(err)
	}
	if got := f.sent(); len(got) != 1 || got[0].quantity != maxQuantity {
		t.Errorf("sent %+v, want one record of %d", got, maxQuantity)
	}
}

func TestBatchesHoldAtMost25Records(t *testing.T) {
	f := newFixture(t)
	for i := range 60 {
		f.record(t, CustomerID(fmt.Sprintf("c%02d", i)), "users", 1, t0)
	}
	f.clock.set(t0.Add(time.Hour))
	if err := f.flush(t); err != nil {
		t.Fatal(err)
	}
	var sizes []int
	for _, in := range f.api.sentBatches() {
		sizes = append(sizes, len(in.UsageRecords))
	}
	if !reflect.DeepEqual(sizes, []int{25, 25, 10}) {
		t.Errorf("batch sizes %v, want [25 25 10]", sizes)
	}
}

func TestFailedSendIsRetriedAsTheIdenticalRequest(t *testing.T) {
	tests := []struct {
		name      string
		err       error
		throttled bool
	}{
		{"throttled", apiError("ThrottlingException"), true},
		{"internal error", apiError("InternalServiceErrorException"), false},
		{"network", errors.New("connection reset by peer"), false},
		{"bad credentials", apiError("UnrecognizedClientException"), false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f := newFixture(t)
			f.record(t, CustomerID("alice"), "users", 3, t0)
			f.clock.set(t0.Add(time.Hour))
			f.api.answer(func(any) (any, error) { return nil, tt.err })
			rate := f.r.limiter.current()
			if err := f.flush(t); err == nil {
				t.Fatal("Flush after a failed send = nil, want the error")
			}
			if got := f.r.limiter.current() < rate; got != tt.throttled {
				t.Errorf("rate lowered = %v, want %v", got, tt.throttled)
			}
			if st := f.status(t); st.PendingBatches != 1 || st.LastError == "" {
				t.Errorf("status %+v, want one pending batch with its error", st)
			}
			// Usage recorded meanwhile for the sealed hour may not change the
			// request: it moves on to the next hour.
			f.record(t, CustomerID("alice"), "users", 5, t0)
			f.reopen(t)
			if err := f.flush(t); err != nil {
				t.Fatal(err)
			}
			b := f.api.sentBatches()
			if len(b) != 2 || !reflect.DeepEqual(b[0], b[1]) {
				t.Fatalf("sent %d requests, want the same request twice", len(b))
			}
			if st := f.status(t); st.Results[StatusSuccess] != 1 || st.PendingBatches != 0 || st.OpenQuantity != 5 {
				t.Errorf("status %+v, want 1 success, nothing pending, 5 open in the next hour", st)
			}
		})
	}
}

func TestPermanentErrorFailsTheRecords(t *testing.T) {
	f := newFixture(t)
	f.record(t, CustomerID("alice"), "nope", 3, t0)
	f.clock.set(t0.Add(time.Hour))
	f.api.answer(func(any) (any, error) { return nil, apiError("InvalidUsageDimensionException") })
	if err := f.flush(t); err != nil {
		t.Fatal(err)
	}
	st := f.status(t)
	if st.Results[StatusFailed] != 1 || st.PendingBatches != 0 {
		t.Fatalf("status %+v, want one failed record and nothing pending", st)
	}
	if c := st.Customers[0]; c.LastError == "" {
		t.Errorf("customer status %+v, want the error", c)
	}
	if err := f.flush(t); err != nil || len(f.api.sentBatches()) != 1 {
		t.Errorf("a failed record was sent again (%d calls, %v)", len(f.api.sentBatches()), err)
	}
}

func TestUnprocessedRecordsAreSentAgain(t *testing.T) {
	f := newFixture(t)
	f.record(t, CustomerID("alice"), "users", 1, t0)
	f.record(t, CustomerID("bob"), "users", 2, t0)
	f.clock.set(t0.Add(time.Hour))
	f.api.answer(func(in any) (any, error) {
		recs := in.(*marketplacemetering.BatchMeterUsageInput).UsageRecords
		return &marketplacemetering.BatchMeterUsageOutput{
			Results: []types.UsageRecordResult{{UsageRecord: &recs[0], Status: types.UsageRecordResultStatusSuccess,
				MeteringRecordId: aws.String("first")}},
			UnprocessedRecords: recs[1:],
		}, nil
	})
	if err := f.flush(t); err != nil {
		t.Fatal(err)
	}
	want := []sentRecord{
		{"alice", "users", t0, 1, 0},
		{"bob", "users", t0, 2, 0},
		{"bob", "users", t0, 2, 0},
	}
	if got := f.sent(); !reflect.DeepEqual(got, want) {
		t.Errorf("sent %+v\nwant %+v", got, want)
	}
	if st := f.status(t); st.Results[StatusSuccess] != 2 {
		t.Errorf("status %+v, want 2 successes", st)
	}
}

func TestPerRecordStatusesAreKept(t *testing.T) {
	f := newFixture(t)
	f.record(t, CustomerID("alice"), "users", 1, t0)
	f.record(t, CustomerID("bob"), "users", 2, t0)
	f.clock.set(t0.Add(time.Hour))
	f.api.answer(func(in any) (any, error) {
		recs := in.(*marketplacemetering.BatchMeterUsageInput).UsageRecords
		return &marketplacemetering.BatchMeterUsageOutput{Results: []types.UsageRecordResult{
			{UsageRecord: &recs[0], Status: types.UsageRecordResultStatusDuplicateRecord, MeteringRecordId: aws.String("x")},
			{UsageRecord: &recs[1], Status: types.UsageRecordResultStatusCustomerNotSubscribed},
		}}, nil
	})
	if err := f.flush(t); err != nil {
		t.Fatal(err)
	}
	st := f.status(t)
	if st.Results[StatusDuplicateRecord] != 1 || st.Results[StatusCustomerNotSubscribed] != 1 {
		t.Errorf("results %v, want one DuplicateRecord and one CustomerNotSubscribed", st.Results)
	}
}

func TestWindowRules(t *testing.T) {
	day := func(month time.Month, d, h, m int) time.Time { return time.Date(2026, month, d, h, m, 0, 0, time.UTC) }
	tests := []struct {
		name     string
		window   time.Duration
		now      time.Time
		hour     time.Time
		sendable bool
	}{
		{"just closed", 0, t0.Add(time.Hour), t0, true},
		{"5h59m after the hour began", 0, t0.Add(6*time.Hour - time.Minute), t0, true},
		{"6h after the hour began", 0, t0.Add(6 * time.Hour), t0, false},
		{"24h window: 23h59m after", 24 * time.Hour, t0.Add(24*time.Hour - time.Minute), t0, true},
		{"24h window: 24h after", 24 * time.Hour, t0.Add(24 * time.Hour), t0, false},
		{"month's last hour before 06:00 on the 1st", 24 * time.Hour, day(12, 1, 5, 59), day(11, 30, 23, 0), true},
		{"month's last hour at 06:00 on the 1st", 24 * time.Hour, day(12, 1, 6, 0), day(11, 30, 23, 0), false},
		{"month's first hour at 06:00 on the 1st", 24 * time.Hour, day(12, 1, 6, 0), day(12, 1, 0, 0), true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f := newFixture(t, func(c *Config) { c.Window = tt.window })
			if got := f.r.sendable(tt.now, tt.hour); got != tt.sendable {
				t.Errorf("sendable = %v, want %v", got, tt.sendable)
			}
		})
	}
}

func TestExpiredHoursAreKeptAndNotSent(t *testing.T) {
	f := newFixture(t)
	f.record(t, CustomerID("alice"), "users", 3, t0)
	f.record(t, CustomerID("alice"), "users", 4, t0.Add(5*time.Hour))
	f.clock.set(t0.Add(6*time.Hour + time.Minute))
	if err := f.flush(t); err != nil {
		t.Fatal(err)
	}
	if got := f.sent(); len(got) != 1 || got[0].quantity != 4 {
		t.Errorf("sent %+v, want only the hour still in the window", got)
	}
	if st := f.status(t); st.Results[StatusExpired] != 1 {
		t.Errorf("results %v, want one Expired", st.Results)
	}
}

func TestTimestampOutOfBoundsSplitsTheBatch(t *testing.T) {
	f := newFixture(t)
	f.record(t, CustomerID("alice"), "users", 1, t0)
	f.record(t, CustomerID("bob"), "users", 2, t0)
	f.clock.set(t0.Add(time.Hour))
	oob := func(any) (any, error) { return nil, apiError("TimestampOutOfBoundsException") }
	f.api.answer(oob, oob) // the batch, then alice's record alone
	if err := f.flush(t); err != nil {
		t.Fatal(err)
	}
	st := f.status(t)
	if st.Results[StatusExpired] != 1 || st.Results[StatusSuccess] != 1 || st.PendingBatches != 0 {
		t.Errorf("status %+v, want alice expired and bob sent", st)
	}
}

func TestSendOpenHourMovesLaterUsageToTheNextHour(t *testing.T) {
	f := newFixture(t, func(c *Config) { c.SendOpenHour = true })
	c := CustomerID("alice")
	f.record(t, c, "users", 1, t0.Add(10*time.Minute))
	if err := f.flush(t); err != nil {
		t.Fatal(err)
	}
	f.record(t, c, "users", 2, t0.Add(40*time.Minute))
	f.clock.set(t0.Add(time.Hour + time.Minute))
	if err := f.flush(t); err != nil {
		t.Fatal(err)
	}
	want := []sentRecord{{"alice", "users", t0, 1, 0}, {"alice", "users", t0.Add(time.Hour), 2, 0}}
	if got := f.sent(); !reflect.DeepEqual(got, want) {
		t.Errorf("sent %+v\nwant %+v", got, want)
	}
}

func TestHeartbeatsMeterZeroEveryHour(t *testing.T) {
	c := CustomerID("alice")
	f := newFixture(t, func(cfg *Config) {
		cfg.Heartbeats = []Heartbeat{{Customer: c, Dimension: "users"}}
	})
	f.clock.set(t0.Add(time.Hour + time.Minute))
	f.record(t, c, "users", 5, t0.Add(time.Hour)) // open hour, not sent yet
	if err := f.flush(t); err != nil {
		t.Fatal(err)
	}
	f.clock.set(t0.Add(3*time.Hour + time.Minute))
	if err := f.flush(t); err != nil {
		t.Fatal(err)
	}
	want := []sentRecord{
		{"alice", "users", t0, 0, 0},
		{"alice", "users", t0.Add(time.Hour), 5, 0},
		{"alice", "users", t0.Add(2 * time.Hour), 0, 0},
	}
	if got := f.sent(); !reflect.DeepEqual(got, want) {
		t.Errorf("sent %+v\nwant %+v", got, want)
	}
}

func TestContainerSendsMeterUsagePerDimensionWithAStableClientToken(t *testing.T) {
	f := newFixture(t, func(c *Config) { c.Kind = Container })
	f.record(t, Customer{}, "vcpu", 2, t0)
	f.record(t, Customer{}, "vcpu", 1, t0.Add(time.Minute))
	f.record(t, Customer{}, "mem", 4, t0)
	f.clock.set(t0.Add(time.Hour))
	f.api.answer(func(any) (any, error) { return nil, apiError("ThrottlingException") })
	if err := f.flush(t); err == nil {
		t.Fatal("Flush after a throttle = nil")
	}
	if err := f.flush(t); err != nil {
		t.Fatal(err)
	}
	m := f.api.meters
	if len(m) != 3 {
		t.Fatalf("%d MeterUsage calls, want 3 (one throttled and resent)", len(m))
	}
	if !reflect.DeepEqual(m[0], m[1]) || aws.ToString(m[0].ClientToken) == "" {
		t.Errorf("resent MeterUsage differs or has no ClientToken: %+v vs %+v", m[0], m[1])
	}
	got := map[string]int32{}
	for _, in := range m[1:] {
		got[aws.ToString(in.UsageDimension)] = aws.ToInt32(in.UsageQuantity)
	}
	if want := map[string]int32{"vcpu": 3, "mem": 4}; !reflect.DeepEqual(got, want) {
		t.Errorf("metered %v, want %v", got, want)
	}
}

func TestRecordedUsageSurvivesAReopen(t *testing.T) {
	f := newFixture(t)
	f.record(t, CustomerID("alice"), "users", 3, t0)
	f.reopen(t)
	f.record(t, CustomerID("alice"), "users", 4, t0)
	f.clock.set(t0.Add(time.Hour))
	if err := f.flush(t); err != nil {
		t.Fatal(err)
	}
	if got := f.sent(); len(got) != 1 || got[0].quantity != 7 {
		t.Errorf("sent %+v, want one record of 7", got)
	}
}

func TestConcurrentRecordsAllCount(t *testing.T) {
	f := newFixture(t)
	var wg sync.WaitGroup
	for g := range 8 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range 100 {
				err := f.r.Record(context.Background(), CustomerID(fmt.Sprint("c", g)), "users", 1, t0.Add(time.Duration(i)*time.Second))
				if err != nil {
					t.Error(err)
					return
				}
			}
		}()
	}
	wg.Wait()
	f.clock.set(t0.Add(time.Hour))
	if err := f.flush(t); err != nil {
		t.Fatal(err)
	}
	var total int32
	for _, s := range f.sent() {
		total += s.quantity
	}
	if total != 800 {
		t.Errorf("sent a total of %d, want 800", total)
	}
}

func TestRecordAfterCloseFails(t *testing.T) {
	f := newFixture(t)
	if err := f.r.Close(); err != nil {
		t.Fatal(err)
	}
	if err := f.r.Record(context.Background(), CustomerID("a"), "users", 1, t0); !errors.Is(err, ErrClosed) {
		t.Errorf("Record after Close = %v, want ErrClosed", err)
	}
}

func TestOpenNeedsClientProductAndSpool(t *testing.T) {
	good := Config{Client: &fakeAPI{}, ProductCode: "p", Spool: filepath.Join(t.TempDir(), "s.db")}
	tests := []struct {
		name string
		edit func(*Config)
	}{
		{"no client", func(c *Config) { c.Client = nil }},
		{"no product code", func(c *Config) { c.ProductCode = "" }},
		{"no spool", func(c *Config) { c.Spool = "" }},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			cfg := good
			tt.edit(&cfg)
			if r, err := Open(context.Background(), cfg); err == nil {
				r.Close()
				t.Error("Open succeeded")
			}
		})
	}
}
