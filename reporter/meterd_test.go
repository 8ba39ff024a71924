package reporter_test

import (
	"context"
	"crypto/rand"
	"crypto/rsa"
	"errors"
	"fmt"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/marketplacemetering"
	smithy "github.com/aws/smithy-go"

	"github.com/meterd/meterd"
	"github.com/meterd/meterd/meterdtest"
	"github.com/meterd/meterd/node"
	"github.com/meterd/meterd/reporter"
	"github.com/meterd/meterd/server"
)

// These tests run the reporter against a real meterd over HTTP with the
// AWS SDK, and check what landed in meterd's ledger.

func meteringClient(s *meterdtest.Server, creds meterdtest.Credentials) *marketplacemetering.Client {
	return marketplacemetering.New(marketplacemetering.Options{
		BaseEndpoint: aws.String(s.URL),
		Region:       "us-east-1",
		Credentials:  credentials.NewStaticCredentialsProvider(creds.AccessKeyID, creds.SecretAccessKey, ""),
	})
}

// ledger sums meterd's records of a product per customer, dimension and
// hour, and fails the test on a key recorded twice.
func ledger(t *testing.T, s *meterdtest.Server, product string) map[string]int64 {
	t.Helper()
	recs, err := s.Node.Store().FindUsage(context.Background(), meterd.UsageFilter{ProductCode: product})
	if err != nil {
		t.Fatal(err)
	}
	got := map[string]int64{}
	seen := map[string]bool{}
	for _, r := range recs {
		customer := r.CustomerIdentifier
		if customer == "" {
			customer = r.CustomerAWSAccountID
		}
		key := fmt.Sprintf("%s/%s/%s", customer, r.Dimension, r.Hour.UTC().Format("15"))
		if seen[key] {
			t.Errorf("meterd holds %s twice", key)
		}
		seen[key] = true
		got[key] = r.Quantity
	}
	return got
}

// flushAndStatus flushes r once and returns its status.
func flushAndStatus(t *testing.T, r *reporter.Reporter) reporter.Status {
	t.Helper()
	ctx := context.Background()
	if err := r.Flush(ctx); err != nil {
		t.Fatal(err)
	}
	st, err := r.Status(ctx)
	if err != nil {
		t.Fatal(err)
	}
	return st
}

func openReporter(t *testing.T, cfg reporter.Config) *reporter.Reporter {
	t.Helper()
	r, err := reporter.Open(context.Background(), cfg)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { r.Close() })
	return r
}

func TestAgainstMeterdSaaS(t *testing.T) {
	s := meterdtest.Start(t)
	r := openReporter(t, reporter.Config{
		Client:      meteringClient(s, s.Seller),
		ProductCode: "demo-saas",
		Spool:       filepath.Join(t.TempDir(), "spool.db"),
	})
	ctx := context.Background()
	hour := time.Now().UTC().Truncate(time.Hour).Add(-2 * time.Hour)
	records := []struct {
		customer  reporter.Customer
		dimension string
		quantity  int64
		tags      []reporter.Tag
	}{
		{reporter.CustomerID("demo-customer"), "users", 3, nil},
		{reporter.CustomerID("demo-customer"), "users", 4, []reporter.Tag{{Key: "team", Value: "a"}}},
		{reporter.CustomerID("demo-customer"), "api_calls", 5, nil},
		{reporter.CustomerID("nobody"), "users", 1, nil},
	}
	for i, rec := range records {
		err := r.Record(ctx, rec.customer, rec.dimension, rec.quantity, hour.Add(time.Duration(i)*time.Minute), rec.tags...)
		if err != nil {
			t.Fatal(err)
		}
	}
	st := flushAndStatus(t, r)
	// meterd fails a whole batch for an unknown CustomerIdentifier; the
	// reporter splits it so that only that record fails.
	if st.Results[reporter.StatusSuccess] != 2 || st.Results[reporter.StatusFailed] != 1 {
		t.Errorf("results %v, want 2 Success and 1 Failed", st.Results)
	}
	h := hour.Format("15")
	want := map[string]int64{"demo-customer/users/" + h: 7, "demo-customer/api_calls/" + h: 5}
	if got := ledger(t, s, "demo-saas"); fmt.Sprint(got) != fmt.Sprint(want) {
		t.Errorf("meterd holds %v, want %v", got, want)
	}
	// A second reporter on the same spool has nothing left to send.
	if err := r.Flush(ctx); err != nil {
		t.Fatal(err)
	}
	if got := ledger(t, s, "demo-saas"); len(got) != 2 {
		t.Errorf("meterd holds %d records after a second flush, want 2", len(got))
	}
}

// A customer who unsubscribed is answered CustomerNotSubscribed per
// record; the others in the same batch are billed.
func TestAgainstMeterdUnsubscribedCustomer(t *testing.T) {
	s := meterdtest.Start(t, meterdtest.WithSeedFile(saasSeed(t, []string{"stays", "leaves"}, "leaves")))
	r := openReporter(t, reporter.Config{
		Client:      crashClient(s.URL),
		ProductCode: "crash-saas",
		Spool:       filepath.Join(t.TempDir(), "spool.db"),
	})
	ctx := context.Background()
	hour := time.Now().UTC().Truncate(time.Hour).Add(-time.Hour)
	for _, c := range []string{"stays", "leaves"} {
		if err := r.Record(ctx, reporter.CustomerID(c), "units", 1, hour); err != nil {
			t.Fatal(err)
		}
	}
	st := flushAndStatus(t, r)
	byCustomer := map[string]map[string]int{}
	for _, c := range st.Customers {
		byCustomer[c.Customer.String()] = c.Results
	}
	want := map[string]map[string]int{"stays": {reporter.StatusSuccess: 1}, "leaves": {reporter.StatusCustomerNotSubscribed: 1}}
	if fmt.Sprint(byCustomer) != fmt.Sprint(want) {
		t.Errorf("answers %v, want %v", byCustomer, want)
	}
}

func TestAgainstMeterdThrottled(t *testing.T) {
	var customers []string
	for i := range 60 {
		customers = append(customers, fmt.Sprintf("c%02d", i))
	}
	s := meterdtest.Start(t, meterdtest.WithSeedFile(saasSeed(t, customers)), meterdtest.WithConfig(func(c *node.Config) {
		c.Throttle = true
		c.Quotas = map[string]server.Quota{meterd.OpBatchMeterUsage: {Rate: 2, Burst: 1}}
	}))
	client := marketplacemetering.New(marketplacemetering.Options{
		BaseEndpoint: aws.String(s.URL),
		Region:       "us-east-1",
		Credentials:  credentials.NewStaticCredentialsProvider("seller", "seller-secret", ""),
		// One attempt: the reporter, not the SDK, must survive throttling.
		RetryMaxAttempts: 1,
	})
	r := openReporter(t, reporter.Config{
		Client:            client,
		ProductCode:       "crash-saas",
		Spool:             filepath.Join(t.TempDir(), "spool.db"),
		RequestsPerSecond: 50,
	})
	ctx := context.Background()
	now := time.Now().UTC()
	for h := 1; h <= 2; h++ {
		for i, c := range customers { // 60 customers an hour: 3 batches an hour
			at := now.Truncate(time.Hour).Add(-time.Duration(h) * time.Hour)
			if err := r.Record(ctx, reporter.CustomerID(c), "units", int64(i), at); err != nil {
				t.Fatal(err)
			}
		}
	}
	throttled := 0
	for range 100 {
		err := r.Flush(ctx)
		if err == nil {
			break
		}
		if !strings.Contains(err.Error(), "ThrottlingException") {
			t.Fatalf("Flush: %v", err)
		}
		throttled++
	}
	st, err := r.Status(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if throttled == 0 {
		t.Error("meterd never throttled the reporter; the test proves nothing")
	}
	if st.PendingBatches != 0 || st.Results[reporter.StatusSuccess] != 120 {
		t.Errorf("after %d throttles: %+v, want every record answered", throttled, st)
	}
	if got := ledger(t, s, "crash-saas"); len(got) != 120 {
		t.Errorf("meterd holds %d records, want 120", len(got))
	}
}

func TestAgainstMeterdContainer(t *testing.T) {
	s := meterdtest.Start(t)
	client := meteringClient(s, s.Buyer)
	ctx := context.Background()

	r := openReporter(t, reporter.Config{
		Client:      client,
		ProductCode: "demo-container",
		Kind:        reporter.Container,
		Spool:       filepath.Join(t.TempDir(), "spool.db"),
	})
	hour := time.Now().UTC().Truncate(time.Hour).Add(-time.Hour)
	for _, q := range []int64{2, 3} {
		if err := r.Record(ctx, reporter.Customer{}, "requests", q, hour); err != nil {
			t.Fatal(err)
		}
	}
	if err := r.Flush(ctx); err != nil {
		t.Fatal(err)
	}
	want := map[string]int64{"/requests/" + hour.Format("15"): 5}
	if got := ledger(t, s, "demo-container"); fmt.Sprint(got) != fmt.Sprint(want) {
		t.Errorf("meterd holds %v, want %v", got, want)
	}
}

// TestMain lets the crash test run this binary as the reporter process it
// kills.
func TestMain(m *testing.M) {
	if os.Getenv(crashChildEnv) != "" {
		os.Exit(runCrashChild())
	}
	os.Exit(m.Run())
}

func TestAgainstMeterdRegister(t *testing.T) {
	s := meterdtest.Start(t)
	client := meteringClient(s, s.Buyer)
	resp, err := http.Get(s.URL + "/meterd/keys/1.pem")
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	pemBytes, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	key, err := reporter.ParsePublicKeyPEM(pemBytes)
	if err != nil {
		t.Fatalf("meterd's key 1: %v (%s)", err, pemBytes)
	}
	other, err := rsa.GenerateKey(rand.Reader, 2048)
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name    string
		product string
		key     *rsa.PublicKey
		wantErr error
	}{
		{"meterd's key", "demo-container", key, nil},
		{"another key", "demo-container", &other.PublicKey, reporter.ErrBadRegistration},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			reg, err := reporter.Register(context.Background(), client, tt.product, 1, "nonce-"+tt.name[:3], tt.key)
			if !errors.Is(err, tt.wantErr) {
				t.Fatalf("Register = %v, want %v", err, tt.wantErr)
			}
			if err == nil && (reg.Signature == "" || reg.IssuedAt.IsZero()) {
				t.Errorf("registration %+v lacks its signature or iat", reg)
			}
		})
	}
}

// dropFirstAnswer is an HTTP client whose first answer is lost after
// meterd has committed the request, as when a connection dies.
type dropFirstAnswer struct {
	dropped bool
}

func (d *dropFirstAnswer) Do(req *http.Request) (*http.Response, error) {
	resp, err := http.DefaultClient.Do(req)
	if err != nil || d.dropped {
		return resp, err
	}
	d.dropped = true
	resp.Body.Close()
	return nil, errors.New("connection reset by peer")
}

// An answer lost after meterd committed the batch is recovered by the
// identical resend: the spool ends with meterd's original record ids.
func TestAgainstMeterdLostAnswerKeepsTheOriginalRecordIDs(t *testing.T) {
	s := meterdtest.Start(t)
	client := marketplacemetering.New(marketplacemetering.Options{
		BaseEndpoint:     aws.String(s.URL),
		Region:           "us-east-1",
		Credentials:      credentials.NewStaticCredentialsProvider(s.Seller.AccessKeyID, s.Seller.SecretAccessKey, ""),
		HTTPClient:       &dropFirstAnswer{},
		RetryMaxAttempts: 1,
	})
	r := openReporter(t, reporter.Config{Client: client, ProductCode: "demo-saas", Spool: filepath.Join(t.TempDir(), "spool.db")})
	ctx := context.Background()
	hour := time.Now().UTC().Truncate(time.Hour).Add(-time.Hour)
	for _, dim := range []string{"users", "api_calls"} {
		if err := r.Record(ctx, reporter.CustomerID("demo-customer"), dim, 4, hour); err != nil {
			t.Fatal(err)
		}
	}
	if err := r.Flush(ctx); err == nil {
		t.Fatal("Flush with a lost answer = nil, want the error")
	}
	if err := r.Flush(ctx); err != nil {
		t.Fatal(err)
	}
	results, err := r.Results(ctx, hour)
	if err != nil {
		t.Fatal(err)
	}
	recs, err := s.Node.Store().FindUsage(ctx, meterd.UsageFilter{ProductCode: "demo-saas"})
	if err != nil {
		t.Fatal(err)
	}
	ids := map[string]string{}
	for _, rec := range recs {
		ids[rec.Dimension] = rec.ID
	}
	if len(results) != 2 || len(recs) != 2 {
		t.Fatalf("spool has %d results, meterd %d records; want 2 and 2", len(results), len(recs))
	}
	for _, res := range results {
		if res.Status != reporter.StatusSuccess || res.RecordID != ids[res.Dimension] || res.Quantity != 4 {
			t.Errorf("result %+v, want Success with meterd's id %s", res, ids[res.Dimension])
		}
	}
}

// CheckEntitled is MeterUsage with DryRun: nil when a real call would
// succeed, the real call's error otherwise; meterd records nothing.
func TestAgainstMeterdCheckEntitled(t *testing.T) {
	s := meterdtest.Start(t)
	client := meteringClient(s, s.Buyer)
	tests := []struct {
		name      string
		product   string
		dimension string
		wantCode  string
	}{
		{"entitled", "demo-container", "requests", ""},
		{"unknown dimension", "demo-container", "nope", "InvalidUsageDimensionException"},
		{"unknown product", "nope", "requests", "InvalidProductCodeException"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := reporter.CheckEntitled(context.Background(), client, tt.product, tt.dimension)
			var apiErr smithy.APIError
			switch {
			case tt.wantCode == "" && err != nil:
				t.Fatalf("CheckEntitled = %v, want nil", err)
			case tt.wantCode != "" && (!errors.As(err, &apiErr) || apiErr.ErrorCode() != tt.wantCode):
				t.Fatalf("CheckEntitled = %v, want %s", err, tt.wantCode)
			}
		})
	}
	if got := ledger(t, s, "demo-container"); len(got) != 0 {
		t.Errorf("a DryRun left records: %v", got)
	}
}
