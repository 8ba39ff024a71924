package bench

import (
	"bytes"
	"context"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/meterd/meterd/seed"
	"github.com/meterd/meterd/server"
)

// TestRun: every scenario runs against a spawned meterd and both floors
// without an error, and counts what it sent.
func TestRun(t *testing.T) {
	f := NewFixture(testBuyers)
	m := startMeterd(t, f)
	targets := []struct {
		name, url string
		tokens    []string
	}{
		{"meterd", m.Node.URL(), mintTokens(t, m.Node.URL(), m.Node.AdminToken(), f)},
		{"floor", startFloor(t, f, false), []string{"any"}},
		{"floor fsync", startFloor(t, f, true), []string{"any"}},
	}
	for _, target := range targets {
		for _, sc := range Scenarios() {
			t.Run("OK "+target.name+" "+sc.Name, func(t *testing.T) {
				cfg := shortRun(target.url, sc.Name, f)
				cfg.RegistrationTokens = target.tokens
				r, err := Run(context.Background(), cfg)
				if err != nil {
					t.Fatal(err)
				}
				checkClean(t, r)
			})
		}
	}
}

// checkClean fails unless r counted requests, records for the metering
// scenarios, latencies and no error.
func checkClean(t *testing.T, r *Report) {
	t.Helper()
	if len(r.Errors) > 0 || r.Requests == 0 || r.RequestsPerSecond <= 0 || r.Latency.Max <= 0 || r.Latency.P50 > r.Latency.Max {
		t.Fatalf("report %+v", r)
	}
	metering := r.Scenario == "meter-usage" || r.Scenario == "batch25" || r.Scenario == "idempotent"
	if metering && (r.Records < r.Requests || r.RecordsPerSecond <= 0) {
		t.Fatalf("records %d for %d requests", r.Records, r.Requests)
	}
	if r.Scenario == "batch25" && r.Statuses["Success"] != r.Records {
		t.Fatalf("statuses %v, want all %d Success", r.Statuses, r.Records)
	}
}

func mintTokens(t *testing.T, url, adminToken string, f *Fixture) []string {
	t.Helper()
	c := &server.AdminClient{BaseURL: url, Token: adminToken}
	var tokens []string
	for _, b := range f.Buyers[:3] {
		out, err := c.CreateRegistrationToken(context.Background(),
			server.CreateRegistrationTokenInput{ProductCode: ProductSaaS, CustomerIdentifier: b.Identifier})
		if err != nil {
			t.Fatal(err)
		}
		tokens = append(tokens, out.Token)
	}
	return tokens
}

// TestRunErrors: answers that are not successes are counted by their AWS
// type, and a server that is not there by the transport's failure.
func TestRunErrors(t *testing.T) {
	f := NewFixture(testBuyers)
	floor := startFloor(t, f, false)
	tests := []struct {
		name    string
		url     string
		fixture *Fixture
		want    string
	}{
		{"ErrUnknownKeys", floor, &Fixture{Seller: Key{ID: "nobody", Secret: "x", AccountID: "1"}, Buyers: []Buyer{{Key: Key{ID: "nobody", Secret: "x"}}}, Dimensions: f.Dimensions},
			"UnrecognizedClientException"},
		{"ErrNobodyListening", "http://127.0.0.1:1", f, "transport: connection refused"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			cfg := shortRun(tt.url, "meter-usage", tt.fixture)
			r, err := Run(context.Background(), cfg)
			if err != nil {
				t.Fatal(err)
			}
			if r.Requests != 0 || r.Errors[tt.want] == 0 || len(r.Errors) != 1 {
				t.Fatalf("errors %v, requests %d; want only %s", r.Errors, r.Requests, tt.want)
			}
		})
	}
}

// TestConfigValidate: one row per rule.
func TestConfigValidate(t *testing.T) {
	f := NewFixture(1)
	ok := Config{URL: "http://127.0.0.1:4599", Scenario: "meter-usage", Concurrency: 1, Duration: time.Second,
		Region: "us-east-1", Fixture: f}
	tests := []struct {
		name   string
		change func(*Config)
		want   string // "" for valid
	}{
		{"OK", func(*Config) {}, ""},
		{"OK https and no warm-up", func(c *Config) { c.URL = "https://example.com"; c.Warmup = 0 }, ""},
		{"OK most workers", func(c *Config) { c.Concurrency = MaxConcurrency }, ""},
		{"ErrURLWithoutScheme", func(c *Config) { c.URL = "127.0.0.1:4599" }, `--url "127.0.0.1:4599"`},
		{"ErrURLOtherScheme", func(c *Config) { c.URL = "ftp://h" }, `--url "ftp://h"`},
		{"ErrUnknownScenario", func(c *Config) { c.Scenario = "nope" }, `--scenario "nope": want one of meter-usage, batch25`},
		{"ErrNoWorkers", func(c *Config) { c.Concurrency = 0 }, "--concurrency 0"},
		{"ErrTooManyWorkers", func(c *Config) { c.Concurrency = MaxConcurrency + 1 }, "--concurrency 4097"},
		{"ErrZeroDuration", func(c *Config) { c.Duration = 0 }, "--duration 0s: must be positive"},
		{"ErrNegativeWarmup", func(c *Config) { c.Warmup = -time.Second }, "--warmup -1s: must not be negative"},
		{"ErrNoRegion", func(c *Config) { c.Region = "" }, "--region"},
		{"ErrNoBuyers", func(c *Config) { c.Fixture = &Fixture{} }, "--buyers"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			cfg := ok
			tt.change(&cfg)
			err := cfg.Validate()
			if tt.want == "" && err != nil || tt.want != "" && (err == nil || !strings.Contains(err.Error(), tt.want)) {
				t.Fatalf("Validate() = %v, want %q", err, tt.want)
			}
		})
	}
}

// TestFixtureSeed: the fixture is a valid seed file with every buyer
// subscribed to the three products.
func TestFixtureSeed(t *testing.T) {
	var b bytes.Buffer
	if err := NewFixture(testBuyers).WriteSeed(&b); err != nil {
		t.Fatal(err)
	}
	cat, err := seed.Parse("fixture.yaml", &b)
	if err != nil {
		t.Fatal(err)
	}
	if len(cat.AccessKeys) != testBuyers+1 || len(cat.Customers) != testBuyers || len(cat.Subscriptions) != 3*testBuyers ||
		len(cat.Products) != 3 {
		t.Fatalf("keys %d, customers %d, subscriptions %d, products %d", len(cat.AccessKeys), len(cat.Customers),
			len(cat.Subscriptions), len(cat.Products))
	}
}

// TestSlots: a walk visits every slot once before it repeats, for sizes
// with and without small factors.
func TestSlots(t *testing.T) {
	for _, size := range []uint64{1, 2, 7, 60, 1000, 4096} {
		s := newSlots(size, newWorker(size).rng)
		seen := map[uint64]bool{}
		for n := range size {
			slot := s.at(n)
			if slot >= size || seen[slot] {
				t.Fatalf("size %d: slot %d at %d out of range or repeated", size, slot, n)
			}
			seen[slot] = true
		}
		if s.at(size) != s.at(0) {
			t.Fatalf("size %d: the walk does not repeat", size)
		}
	}
}

// TestBatchHours: BatchMeterUsage hours stay in the billing month once the
// previous one has closed.
func TestBatchHours(t *testing.T) {
	tests := []struct {
		name string
		now  string
		want uint64
	}{
		{"OK mid-month", "2026-12-15T12:30:00Z", batchHours},
		{"OK within the month-end grace", "2026-12-01T03:30:00Z", batchHours},
		{"OK after the grace: this month only", "2026-12-01T07:30:00Z", 8},
		{"OK a day into the month", "2026-12-01T22:00:00Z", 23},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			now, _ := time.Parse(time.RFC3339, tt.now)
			if got := batchHoursAt(now).count; got != tt.want {
				t.Fatalf("%d hours, want %d", got, tt.want)
			}
		})
	}
}

// TestErrorType: the code comes from X-Amzn-ErrorType, else __type in
// either encoding, without namespace or URL suffix; else the status.
func TestErrorType(t *testing.T) {
	tests := []struct {
		name, header, contentType, body, want string
	}{
		{"OK header", "ThrottlingException", "", "", "ThrottlingException"},
		{"OK header with URL", "ThrottlingException:http://internal.amazon.com/", "", "", "ThrottlingException"},
		{"OK JSON body with namespace", "", jsonContentType, `{"__type":"com.amazonaws#InvalidTokenException"}`, "InvalidTokenException"},
		{"OK CBOR body", "", cborContentType, "\xa1\x66__type\x71InvalidParameterX", "InvalidParameterX"},
		{"OK status only", "", "text/plain", "oops", "HTTP 500"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			resp := &http.Response{StatusCode: 500, Header: http.Header{}}
			resp.Header.Set("X-Amzn-ErrorType", tt.header)
			resp.Header.Set("Content-Type", tt.contentType)
			if got := errorType(resp, []byte(tt.body)); got != tt.want {
				t.Fatalf("got %q, want %q", got, tt.want)
			}
		})
	}
}
