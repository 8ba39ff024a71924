package main

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"io"
	"os/exec"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/marketplacemetering"
	"github.com/aws/aws-sdk-go-v2/service/marketplacemetering/types"

	"github.com/meterd/meterd"
	"github.com/meterd/meterd/server"
	"github.com/meterd/meterd/sim"
)

// retrying is an aws-sdk-go-v2 metering client with the SDK's default
// retries (standard mode, 3 attempts), as a seller's code runs it.
func (s *testServer) retrying(creds aws.Credentials) *marketplacemetering.Client {
	return marketplacemetering.New(marketplacemetering.Options{
		Region:       testRegion,
		BaseEndpoint: aws.String(s.URL),
		Credentials:  credentials.StaticCredentialsProvider{Value: creds},
	})
}

// admin is a client of the server's admin API.
func (s *testServer) admin() *server.AdminClient {
	return &server.AdminClient{BaseURL: s.URL, Token: s.AdminToken}
}

// addFault adds a rule through the admin API.
func (s *testServer) addFault(t testing.TB, r sim.Rule) {
	t.Helper()
	if _, err := s.admin().AddFault(context.Background(), r); err != nil {
		t.Fatal(err)
	}
}

// wantAllFired fails unless every fault rule has used up its count.
func (s *testServer) wantAllFired(t testing.TB) {
	t.Helper()
	rules, err := s.admin().Faults(context.Background())
	if err != nil || len(rules) != 0 {
		t.Fatalf("rules left: %+v, %v", rules, err)
	}
}

// ledger returns every stored record of product.
func (s *testServer) ledger(t testing.TB, product string) []*meterd.MeteringRecord {
	t.Helper()
	recs, err := s.Node.Store().FindUsage(context.Background(), meterd.UsageFilter{ProductCode: product})
	if err != nil {
		t.Fatal(err)
	}
	return recs
}

func amiUsage(quantity int32, at time.Time) *marketplacemetering.MeterUsageInput {
	return &marketplacemetering.MeterUsageInput{ProductCode: aws.String("demo-ami"), UsageDimension: aws.String("vcpu_hours"),
		UsageQuantity: aws.Int32(quantity), Timestamp: aws.Time(at)}
}

func saasUsage(records ...types.UsageRecord) *marketplacemetering.BatchMeterUsageInput {
	return &marketplacemetering.BatchMeterUsageInput{ProductCode: aws.String("demo-saas"), UsageRecords: records}
}

func usersRecord(quantity int32, at time.Time) types.UsageRecord {
	return types.UsageRecord{CustomerIdentifier: aws.String("demo-customer"), Dimension: aws.String("users"),
		Quantity: aws.Int32(quantity), Timestamp: aws.Time(at)}
}

// TestSDKRetriesThrottling: the Go SDK retries injected throttling and
// internal errors on its own, and the call that finally succeeds leaves
// exactly one record.
func TestSDKRetriesThrottling(t *testing.T) {
	tests := []struct {
		name string
		rule sim.Rule
	}{
		{"OK MeterUsage after two throttles", sim.Rule{Operation: "MeterUsage", Error: meterd.EThrottling, Count: 2}},
		{"OK MeterUsage after an internal error", sim.Rule{Operation: "MeterUsage", Error: meterd.EInternalServiceError, Count: 1}},
		{"OK BatchMeterUsage after two throttles", sim.Rule{Operation: "BatchMeterUsage", Error: meterd.EThrottling, Count: 2}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s := startServer(t, "")
			s.addFault(t, tt.rule)
			var id, product string
			if tt.rule.Operation == "MeterUsage" {
				out, err := s.retrying(buyerKey).MeterUsage(context.Background(), amiUsage(1, thisHour()))
				if err != nil {
					t.Fatalf("MeterUsage: %v", err)
				}
				id, product = aws.ToString(out.MeteringRecordId), "demo-ami"
			} else {
				out, err := s.retrying(sellerKey).BatchMeterUsage(context.Background(), saasUsage(usersRecord(1, thisHour())))
				if err != nil || len(out.Results) != 1 {
					t.Fatalf("BatchMeterUsage: %+v, %v", out, err)
				}
				id, product = aws.ToString(out.Results[0].MeteringRecordId), "demo-saas"
			}
			if recs := s.ledger(t, product); len(recs) != 1 || recs[0].ID != id {
				t.Fatalf("ledger holds %d records, want exactly the one answered (%s)", len(recs), id)
			}
			s.wantAllFired(t)
		})
	}
}

// TestSDKRetriesDroppedAnswer: the answer is lost after the commit; the
// Go SDK retries the transport error, and the retry gets the original
// MeteringRecordId (MeterUsage by the SDK's own ClientToken,
// BatchMeterUsage by the record's dedupe key). The ledger has one record.
func TestSDKRetriesDroppedAnswer(t *testing.T) {
	t.Run("OK MeterUsage", func(t *testing.T) {
		s := startServer(t, "")
		s.addFault(t, sim.Rule{Operation: "MeterUsage", Drop: true, Count: 1})
		out, err := s.retrying(buyerKey).MeterUsage(context.Background(), amiUsage(2, thisHour()))
		if err != nil {
			t.Fatalf("MeterUsage: %v", err)
		}
		s.wantAllFired(t)
		recs := s.ledger(t, "demo-ami")
		if len(recs) != 1 || recs[0].ID != aws.ToString(out.MeteringRecordId) || recs[0].ClientToken == "" {
			t.Fatalf("ledger %+v, answer %s", recs, aws.ToString(out.MeteringRecordId))
		}
	})
	t.Run("OK BatchMeterUsage", func(t *testing.T) {
		s := startServer(t, "")
		s.addFault(t, sim.Rule{Operation: "BatchMeterUsage", Drop: true, Count: 1})
		out, err := s.retrying(sellerKey).BatchMeterUsage(context.Background(),
			saasUsage(usersRecord(1, thisHour()), usersRecord(2, thisHour().Add(-time.Hour))))
		if err != nil || len(out.Results) != 2 {
			t.Fatalf("BatchMeterUsage: %+v, %v", out, err)
		}
		s.wantAllFired(t)
		recs := s.ledger(t, "demo-saas")
		if len(recs) != 2 {
			t.Fatalf("ledger holds %d records, want 2", len(recs))
		}
		for _, r := range out.Results {
			if r.Status != types.UsageRecordResultStatusSuccess || !hasRecord(recs, aws.ToString(r.MeteringRecordId)) {
				t.Fatalf("result %+v is not a stored record", r)
			}
		}
	})
}

func hasRecord(recs []*meterd.MeteringRecord, id string) bool {
	for _, r := range recs {
		if r.ID == id {
			return true
		}
	}
	return false
}

// TestSDKUnprocessedRecords: a seeded rule hands back the same share of
// records in every run; they are not stored, and sending them again
// stores them.
func TestSDKUnprocessedRecords(t *testing.T) {
	s := startServer(t, "")
	s.addFault(t, sim.Rule{Operation: "BatchMeterUsage", Unprocessed: 0.25, Seed: 7, Count: 1})
	var records []types.UsageRecord
	for h := range 8 {
		records = append(records, usersRecord(int32(h+1), thisHour().Add(-time.Duration(h)*time.Hour)))
	}
	out, err := s.retrying(sellerKey).BatchMeterUsage(context.Background(), saasUsage(records...))
	if err != nil || len(out.Results) != 6 || len(out.UnprocessedRecords) != 2 {
		t.Fatalf("BatchMeterUsage: %d results, %d unprocessed, %v", len(out.Results), len(out.UnprocessedRecords), err)
	}
	if n := len(s.ledger(t, "demo-saas")); n != 6 {
		t.Fatalf("ledger holds %d records, want the 6 processed", n)
	}
	again, err := s.retrying(sellerKey).BatchMeterUsage(context.Background(), saasUsage(out.UnprocessedRecords...))
	if err != nil || len(again.Results) != 2 || len(again.UnprocessedRecords) != 0 {
		t.Fatalf("sending the unprocessed again: %+v, %v", again, err)
	}
	if n := len(s.ledger(t, "demo-saas")); n != 8 {
		t.Fatalf("ledger holds %d records, want 8", n)
	}
}

// TestClockMonthEnd: with the clock moved past the month-end grace, last
// month's records are TimestampOutOfBounds although they are within the
// 24-hour window; inside the grace they are accepted. SigV4 stays on the
// wall clock, so the SDK's real-time signatures keep working.
func TestClockMonthEnd(t *testing.T) {
	lastOfJanuary := time.Date(2026, 1, 31, 23, 0, 0, 0, time.UTC)
	tests := []struct {
		name     string
		clock    time.Time
		wantCode string
	}{
		{"OK inside the 6-hour grace", time.Date(2026, 2, 1, 5, 59, 0, 0, time.UTC), ""},
		{"ErrTimestampOutOfBounds after the grace", time.Date(2026, 2, 1, 6, 0, 0, 0, time.UTC), meterd.ETimestampOutOfBounds},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s := startServer(t, "")
			if _, err := s.admin().SetClock(context.Background(), tt.clock, true); err != nil {
				t.Fatal(err)
			}
			out, err := s.metering(sellerKey, testRegion).BatchMeterUsage(context.Background(), saasUsage(usersRecord(1, lastOfJanuary)))
			if tt.wantCode == "" {
				if err != nil || len(out.Results) != 1 || out.Results[0].Status != types.UsageRecordResultStatusSuccess {
					t.Fatalf("BatchMeterUsage: %+v, %v", out, err)
				}
				return
			}
			var oob *types.TimestampOutOfBoundsException
			if !errors.As(err, &oob) || len(s.ledger(t, "demo-saas")) != 0 {
				t.Fatalf("BatchMeterUsage of last month: %v, want TimestampOutOfBounds and nothing stored", err)
			}
			// MeterUsage's 6-hour window follows the same clock.
			_, err = s.metering(buyerKey, testRegion).MeterUsage(context.Background(), amiUsage(1, tt.clock.Add(-7*time.Hour)))
			if !errors.As(err, &oob) {
				t.Fatalf("MeterUsage 7 hours before the clock: %v, want TimestampOutOfBounds", err)
			}
		})
	}
}

// TestClockTokenExpiry: registration tokens expire on the business clock:
// a frozen clock keeps a token valid however long the test takes, and
// advancing it past the 4 hours makes ResolveCustomer answer
// ExpiredTokenException.
func TestClockTokenExpiry(t *testing.T) {
	s := startServer(t, "")
	ctx := context.Background()
	if _, err := s.admin().FreezeClock(ctx); err != nil {
		t.Fatal(err)
	}
	token := s.mintToken(t, "demo-saas", "demo-customer", 0)
	resolve := func() error {
		_, err := s.metering(sellerKey, testRegion).ResolveCustomer(ctx, &marketplacemetering.ResolveCustomerInput{RegistrationToken: aws.String(token)})
		return err
	}
	steps := []struct {
		name    string
		advance time.Duration
		wantErr bool
	}{
		{"OK fresh", 0, false},
		{"OK a minute before expiry", 4*time.Hour - time.Minute, false},
		{"ErrExpiredToken at expiry", time.Minute, true},
		{"OK back before expiry", -time.Hour, false},
	}
	for _, st := range steps {
		if _, err := s.admin().AdvanceClock(ctx, st.advance); err != nil {
			t.Fatal(err)
		}
		err := resolve()
		var expired *types.ExpiredTokenException
		if st.wantErr != errors.As(err, &expired) || (!st.wantErr && err != nil) {
			t.Fatalf("%s: %v", st.name, err)
		}
	}
}

// TestClockBackKeepsLedger: moving the clock back never corrupts the
// ledger. A record stamped after the clock's new reading ("from the
// future") stays stored; its retry is refused as out of bounds until the
// clock catches up, and then gets the original MeteringRecordId, by
// dedupe key and by ClientToken alike. Records sent meanwhile are new.
func TestClockBackKeepsLedger(t *testing.T) {
	s := startServer(t, "")
	ctx := context.Background()
	hour := thisHour()
	now := hour.Add(30 * time.Minute)
	if _, err := s.admin().SetClock(ctx, now, true); err != nil {
		t.Fatal(err)
	}
	buyer := s.metering(buyerKey, testRegion)
	withToken := amiUsage(1, hour)
	withToken.ClientToken = aws.String("token-1")
	first, err := buyer.MeterUsage(ctx, withToken)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := s.admin().AdvanceClock(ctx, -3*time.Hour); err != nil {
		t.Fatal(err)
	}
	_, err = buyer.MeterUsage(ctx, withToken)
	var oob *types.TimestampOutOfBoundsException
	if !errors.As(err, &oob) {
		t.Fatalf("retry from the future: %v, want TimestampOutOfBounds", err)
	}
	if _, err := buyer.MeterUsage(ctx, amiUsage(1, hour.Add(-3*time.Hour))); err != nil {
		t.Fatalf("a record of the clock's hour: %v", err)
	}
	if _, err := s.admin().SetClock(ctx, now, true); err != nil {
		t.Fatal(err)
	}
	for _, in := range []*marketplacemetering.MeterUsageInput{withToken, amiUsage(1, hour)} {
		again, err := buyer.MeterUsage(ctx, in)
		if err != nil || aws.ToString(again.MeteringRecordId) != aws.ToString(first.MeteringRecordId) {
			t.Fatalf("retry after the clock caught up: %v, %v; want %s", again, err, aws.ToString(first.MeteringRecordId))
		}
	}
	if n := len(s.ledger(t, "demo-ami")); n != 2 {
		t.Fatalf("ledger holds %d records, want 2", n)
	}
}

// TestBoto3RetriesFaults runs testdata/sim/boto3_sim.py in each of
// botocore's retry modes: throttling retried to one record, a dropped
// answer retried to the stored record, an unprocessed share handed back
// unstored, a modeled error not retried. The ledger must hold exactly the
// records boto3 was answered.
func TestBoto3RetriesFaults(t *testing.T) {
	requireTool(t, "python3", "-c", "import boto3")
	for _, mode := range []string{"legacy", "standard", "adaptive"} {
		t.Run("OK "+mode, func(t *testing.T) {
			s := startServer(t, "")
			cmd := exec.Command("python3", "testdata/sim/boto3_sim.py", s.URL, s.AdminToken, mode)
			cmd.Env = isolatedAWSEnv("", "")
			stdout, err := cmd.Output()
			var got struct {
				Meter, Batch string
				Unprocessed  []string
			}
			if err != nil || json.Unmarshal(stdout, &got) != nil {
				t.Fatalf("boto3_sim.py: %v\n%s%s", err, stdout, stderrOf(err))
			}
			if recs := s.ledger(t, "demo-ami"); len(recs) != 1 || recs[0].ID != got.Meter {
				t.Fatalf("demo-ami ledger %d records, want only %s", len(recs), got.Meter)
			}
			saas := s.ledger(t, "demo-saas")
			if len(saas) != 2 || !hasRecord(saas, got.Batch) || len(got.Unprocessed) != 1 || !hasRecord(saas, got.Unprocessed[0]) {
				t.Fatalf("demo-saas ledger %d records, want %s and %v", len(saas), got.Batch, got.Unprocessed)
			}
		})
	}
}

func stderrOf(err error) string {
	var exit *exec.ExitError
	if errors.As(err, &exit) {
		return string(exit.Stderr)
	}
	return ""
}

// TestQuotaPerAccount: a quota tuned for one account throttles only that
// account, and `meterd quotas` reports its emptied bucket.
func TestQuotaPerAccount(t *testing.T) {
	s := startServer(t, "")
	env := map[string]string{"METERD_URL": s.URL, "METERD_ADMIN_TOKEN": s.AdminToken}
	getenv := func(k string) string { return env[k] }
	if err := run(context.Background(), []string{"quotas", "set", "MeterUsage@444455556666=0.001/1"}, io.Discard, io.Discard, getenv); err != nil {
		t.Fatal(err)
	}
	if _, err := s.metering(buyerKey, testRegion).MeterUsage(context.Background(), amiUsage(1, thisHour())); err != nil {
		t.Fatalf("first call: %v", err)
	}
	_, err := s.metering(buyerKey, testRegion).MeterUsage(context.Background(), amiUsage(1, thisHour()))
	var throttled *types.ThrottlingException
	if !errors.As(err, &throttled) {
		t.Fatalf("second call: %v, want ThrottlingException", err)
	}
	if _, err := s.metering(sellerKey, testRegion).MeterUsage(context.Background(), amiUsage(1, thisHour())); err != nil {
		t.Fatalf("another account: %v", err)
	}
	var out bytes.Buffer
	if err := run(context.Background(), []string{"quotas", "--json"}, &out, io.Discard, getenv); err != nil {
		t.Fatal(err)
	}
	var got server.QuotasOutput
	if err := json.Unmarshal(out.Bytes(), &got); err != nil {
		t.Fatal(err)
	}
	for _, b := range got.Buckets {
		if b.Operation == "MeterUsage" && b.Account == "444455556666" && b.Tokens < 1 && b.Burst == 1 {
			return
		}
	}
	t.Fatalf("no empty MeterUsage bucket for 444455556666 in %+v", got.Buckets)
}

// TestSimTextOutput: the text of the fault and quota commands names what
// was set.
func TestSimTextOutput(t *testing.T) {
	s := startServer(t, "")
	env := map[string]string{"METERD_URL": s.URL, "METERD_ADMIN_TOKEN": s.AdminToken}
	steps := []struct {
		args []string
		want []string
	}{
		{[]string{"faults", "add", "--operation", "MeterUsage", "--error", "ThrottlingException", "--latency", "1s", "--count", "2"},
			[]string{"ID", "MeterUsage", "ThrottlingException +1s", "2"}},
		{[]string{"faults", "list"}, []string{"MeterUsage", "ThrottlingException +1s"}},
		{[]string{"quotas"}, []string{"MeterUsage", "AWS default", "Every bucket is full."}},
		{[]string{"clock", "set", "--freeze", "2026-02-01T07:00:00Z"}, []string{"2026-02-01T07:00:00Z", "true"}},
	}
	for _, st := range steps {
		var out bytes.Buffer
		if err := run(context.Background(), st.args, &out, io.Discard, func(k string) string { return env[k] }); err != nil {
			t.Fatalf("%v: %v", st.args, err)
		}
		for _, w := range st.want {
			if !strings.Contains(out.String(), w) {
				t.Fatalf("%v: output lacks %q:\n%s", st.args, w, out.String())
			}
		}
	}
}
