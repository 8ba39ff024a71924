package console

import (
	"crypto/tls"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/meterd/meterd"
	"github.com/meterd/meterd/sim"
)

// TestLoginCookieSecure: the cookie is Secure exactly when the login came
// over TLS.
func TestLoginCookieSecure(t *testing.T) {
	c, err := New(Config{Token: "tok"})
	if err != nil {
		t.Fatal(err)
	}
	for _, overTLS := range []bool{false, true} {
		req := httptest.NewRequest(http.MethodPost, "https://meterd.example/console/login", strings.NewReader("token=tok"))
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
		req.Header.Set("Sec-Fetch-Site", "same-origin")
		if !overTLS {
			req.TLS = nil
		} else {
			req.TLS = &tls.ConnectionState{}
		}
		rec := httptest.NewRecorder()
		c.ServeHTTP(rec, req)
		cookies := rec.Result().Cookies()
		if rec.Code != http.StatusSeeOther || len(cookies) != 1 {
			t.Fatalf("TLS %v: status %d, cookies %v", overTLS, rec.Code, cookies)
		}
		if cookies[0].Secure != overTLS {
			t.Errorf("TLS %v: cookie Secure = %v", overTLS, cookies[0].Secure)
		}
	}
}

// TestSessions: one row per rule of the session store.
func TestSessions(t *testing.T) {
	now := time.Date(2026, 1, 2, 3, 0, 0, 0, time.UTC)
	clock := func() time.Time { return now }
	t.Run("OK found until it expires", func(t *testing.T) {
		ss := newSessions(clock)
		s := ss.create()
		if ss.find(s.id) != s {
			t.Fatal("a new session is not found")
		}
		now = now.Add(sessionTTL)
		if ss.find(s.id) != nil {
			t.Fatal("a session is found after its TTL")
		}
	})
	t.Run("OK ids and CSRF tokens differ", func(t *testing.T) {
		ss := newSessions(clock)
		a, b := ss.create(), ss.create()
		if a.id == b.id || a.csrf == b.csrf || a.id == a.csrf {
			t.Fatalf("repeated random values: %+v %+v", a, b)
		}
	})
	t.Run("OK bounded: the oldest goes", func(t *testing.T) {
		ss := newSessions(clock)
		first := ss.create()
		now = now.Add(time.Second)
		for range maxSessions {
			ss.create()
		}
		if len(ss.m) != maxSessions || ss.find(first.id) != nil {
			t.Fatalf("%d sessions, first still there: %v", len(ss.m), ss.find(first.id) != nil)
		}
	})
	t.Run("OK a flash is shown once", func(t *testing.T) {
		ss := newSessions(clock)
		s := ss.create()
		ss.setFlash(s, "done")
		if got := ss.takeFlash(s); got != "done" {
			t.Fatalf("flash %q", got)
		}
		if got := ss.takeFlash(s); got != "" {
			t.Fatalf("flash shown twice: %q", got)
		}
	})
}

// TestSafeNext: one row per way to leave the console after login.
func TestSafeNext(t *testing.T) {
	tests := []struct{ next, want string }{
		{"/console/audit?eventName=MeterUsage", "/console/audit?eventName=MeterUsage"},
		{"", "/console/"},
		{"/console", "/console/"},
		{"https://evil.example/console/", "/console/"},
		{"//evil.example/console/", "/console/"},
		{"/\\evil.example/console/", "/console/"},
		{"/console/../admin/v1/reset", "/console/"},
		{"/admin/v1/clock", "/console/"},
		{"javascript:alert(1)", "/console/"},
	}
	for _, tt := range tests {
		if got := safeNext(tt.next); got != tt.want {
			t.Errorf("safeNext(%q) = %q, want %q", tt.next, got, tt.want)
		}
	}
}

// FuzzSafeNext: whatever the login is given, it redirects inside the
// console, on this host.
func FuzzSafeNext(f *testing.F) {
	for _, s := range []string{"/console/", "//evil.example", "/console/%2e%2e/x", "https://x/console/", "/console/?a=b#c"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, next string) {
		got := safeNext(next)
		u, err := url.Parse(got)
		if err != nil || u.Scheme != "" || u.Host != "" || !strings.HasPrefix(got, Path+"/") || strings.HasPrefix(got, "//") {
			t.Fatalf("safeNext(%q) = %q leaves the console", next, got)
		}
	})
}

// TestParseRange: one row per rule of the overview's range.
func TestParseRange(t *testing.T) {
	clock := sim.NewClock(meterd.SystemClock{})
	clock.Set(time.Date(2026, 5, 6, 7, 30, 0, 0, time.UTC))
	c := &Console{cfg: Config{Clock: clock, Now: time.Now}}
	tests := []struct {
		name      string
		query     string
		wantHours int
		wantEnd   time.Time
		wantErr   bool
	}{
		{"OK default: the day to the end of the business hour", "", 24, time.Date(2026, 5, 6, 8, 0, 0, 0, time.UTC), false},
		{"OK hours and end", "hours=3&end=2026-01-02T15:45", 3, time.Date(2026, 1, 2, 15, 0, 0, 0, time.UTC), false},
		{"OK a week", "hours=168", 168, time.Date(2026, 5, 6, 8, 0, 0, 0, time.UTC), false},
		{"ErrZeroHours", "hours=0", 0, time.Time{}, true},
		{"ErrMoreThanAWeek", "hours=169", 0, time.Time{}, true},
		{"ErrHoursNotANumber", "hours=many", 0, time.Time{}, true},
		{"ErrEndNotATime", "end=2026-01-02", 0, time.Time{}, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			q, _ := url.ParseQuery(tt.query)
			o, err := c.parseRange(q)
			if (err != nil) != tt.wantErr {
				t.Fatalf("err %v, want an error: %v", err, tt.wantErr)
			}
			if err != nil {
				if meterd.ErrorCode(err) != meterd.EInvalid {
					t.Errorf("code %q, want %q", meterd.ErrorCode(err), meterd.EInvalid)
				}
				return
			}
			if o.Hours != tt.wantHours || !o.End.Equal(tt.wantEnd) {
				t.Errorf("range %d hours to %s, want %d to %s", o.Hours, o.End, tt.wantHours, tt.wantEnd)
			}
		})
	}
}

// TestParseRule: one row per field kind of the add-a-fault form.
func TestParseRule(t *testing.T) {
	tests := []struct {
		name    string
		form    url.Values
		want    sim.Rule
		wantErr bool
	}{
		{"OK strings and a checkbox", url.Values{"operation": {"MeterUsage"}, "error": {"ThrottlingException"}, "drop": {"1"}},
			sim.Rule{Operation: "MeterUsage", Error: "ThrottlingException", Drop: true}, false},
		{"OK numbers and durations", url.Values{"probability": {"0.5"}, "unprocessed": {"0.25"}, "count": {"3"}, "latency": {"250ms"}, "ttl": {"10m"}},
			sim.Rule{Probability: 0.5, Unprocessed: 0.25, Count: 3, Latency: sim.Duration(250 * time.Millisecond), TTL: sim.Duration(10 * time.Minute)}, false},
		{"OK empty numbers stay zero", url.Values{"probability": {""}, "count": {" "}}, sim.Rule{}, false},
		{"ErrProbability", url.Values{"probability": {"half"}}, sim.Rule{}, true},
		{"ErrCount", url.Values{"count": {"1.5"}}, sim.Rule{}, true},
		{"ErrLatency", url.Values{"latency": {"250"}}, sim.Rule{}, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := parseRule(tt.form)
			if (err != nil) != tt.wantErr {
				t.Fatalf("err %v, want an error: %v", err, tt.wantErr)
			}
			if err == nil && got != tt.want {
				t.Errorf("rule %+v, want %+v", got, tt.want)
			}
		})
	}
}

// TestSVGChart: names from the seed are escaped, and the axis top rounds
// up.
func TestSVGChart(t *testing.T) {
	hours := []time.Time{time.Date(2026, 1, 2, 3, 0, 0, 0, time.UTC), time.Date(2026, 1, 2, 4, 0, 0, 0, time.UTC)}
	svg := string(svgChart(`a "<chart>"`, hours, []chartSeries{{Name: `p</text><script>x</script>`, Values: []int64{1, 7}}}))
	if strings.Contains(svg, "<script>") || !strings.Contains(svg, "&lt;script&gt;") {
		t.Errorf("series name not escaped: %s", svg)
	}
	if !strings.Contains(svg, `aria-label="a &#34;&lt;chart&gt;&#34;"`) {
		t.Errorf("label not escaped: %s", svg)
	}
	for _, tt := range []struct{ max, want int64 }{{0, 1}, {1, 1}, {3, 5}, {7, 10}, {11, 20}, {150, 200}, {5000, 5000}} {
		if got := niceMax([]chartSeries{{Values: []int64{tt.max}}}); got != tt.want {
			t.Errorf("niceMax(%d) = %d, want %d", tt.max, got, tt.want)
		}
	}
}

// TestAggregateUsage sums per hour, product and dimension, newest first,
// and counts distinct customers.
func TestAggregateUsage(t *testing.T) {
	h1 := time.Date(2026, 1, 2, 3, 0, 0, 0, time.UTC)
	h2 := h1.Add(time.Hour)
	recs := []*meterd.MeteringRecord{
		{ProductCode: "p", Dimension: "d", Hour: h1, Quantity: 2, CustomerIdentifier: "c1"},
		{ProductCode: "p", Dimension: "d", Hour: h1, Quantity: 3, CustomerIdentifier: "c2"},
		{ProductCode: "p", Dimension: "d", Hour: h1, Quantity: 1, CustomerIdentifier: "c2"},
		{ProductCode: "q", Dimension: "e", Hour: h2, Quantity: 5, CustomerAWSAccountID: "111122223333"},
	}
	rows, products := aggregateUsage(recs)
	if len(rows) != 2 || len(products) != 2 {
		t.Fatalf("rows %d, products %v", len(rows), products)
	}
	if r := rows[0]; r.Product != "q" || r.Records != 1 || r.Quantity != 5 || r.Customers != 1 {
		t.Errorf("newest row %+v", r)
	}
	if r := rows[1]; r.Product != "p" || r.Records != 3 || r.Quantity != 6 || r.Customers != 2 {
		t.Errorf("older row %+v", r)
	}
	series := usageSeries(rows, []time.Time{h1, h2})
	if len(series) != 2 || series[0].Name != "p / d" || series[0].Values[0] != 3 || series[1].Values[1] != 1 {
		t.Errorf("series %+v", series)
	}
}
