package console_test

import (
	"io"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/meterd/meterd/meterdtest"
	"github.com/meterd/meterd/node"
)

// TestPages: every page renders for a logged-in user with what it is
// about, and refuses bad input with a 4xx and a message.
func TestPages(t *testing.T) {
	s := meterdtest.Start(t)
	b := newBrowser(t, s)
	b.mustLogin(s)
	tests := []struct {
		name       string
		path       string
		wantStatus int
		want       string
	}{
		{"OK overview", "/console/", http.StatusOK, `id="usage"`},
		{"OK overview of a range", "/console/?hours=168&end=2026-01-02T15:00&product=demo-ami", http.StatusOK, "168 hours before 2026-01-02T15:00"},
		{"OK overview chart", "/console/overview.svg", http.StatusOK, "<svg"},
		{"OK audit trail", "/console/audit?eventName=MeterUsage", http.StatusOK, `id="events"`},
		{"OK call log", "/console/calls?minutes=5", http.StatusOK, `id="calls"`},
		{"OK clock", "/console/clock", http.StatusOK, `id="clock-now"`},
		{"OK faults", "/console/faults", http.StatusOK, "No fault rules"},
		{"OK quotas", "/console/quotas", http.StatusOK, "<td>MeterUsage</td>"},
		{"OK keys", "/console/keys", http.StatusOK, `id="rotate"`},
		{"OK reset off", "/console/reset", http.StatusOK, "Reset is off"},
		{"ErrOverviewTooManyHours", "/console/?hours=169", http.StatusBadRequest, "hours must be a whole number from 1 to 168"},
		{"ErrOverviewBadEnd", "/console/?end=tomorrow", http.StatusBadRequest, "end must be a UTC time"},
		{"OK audit trail of a time range", "/console/audit?startTime=2026-01-02T15:04&endTime=2026-01-02T16:00:00Z", http.StatusOK, "No calls match"},
		{"ErrAuditBadTime", "/console/audit?startTime=noon", http.StatusBadRequest, "startTime must be a UTC time"},
		{"ErrAuditBadNextToken", "/console/audit?nextToken=garbage", http.StatusBadRequest, "error"},
		{"ErrCallsBadMinutes", "/console/calls?minutes=0", http.StatusBadRequest, "minutes must be a whole number"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			a := b.do(http.MethodGet, tt.path, nil, nil)
			if a.status != tt.wantStatus || !strings.Contains(a.body, tt.want) {
				t.Fatalf("status %d, want %d with %q: %.600s", a.status, tt.wantStatus, tt.want, a.body)
			}
		})
	}
}

// TestActions: one row per rule of the forms that change something.
func TestActions(t *testing.T) {
	s := meterdtest.Start(t)
	withReset := meterdtest.Start(t, meterdtest.WithConfig(func(c *node.Config) { c.AllowReset = true }))
	tests := []struct {
		name       string
		server     *meterdtest.Server
		path       string
		form       url.Values
		wantStatus int
		want       string // in the page after the redirect, or in the refusal
	}{
		{"OK advance the clock", s, "/console/clock/advance", url.Values{"duration": {"90m"}}, http.StatusSeeOther, "Clock advanced by 1h30m0s"},
		{"OK set the clock", s, "/console/clock/set", url.Values{"time": {"2026-03-01T10:00"}, "freeze": {"1"}}, http.StatusSeeOther, "2026-03-01 10:00:00Z"},
		{"OK add a fault", s, "/console/faults", url.Values{"operation": {"MeterUsage"}, "error": {"ThrottlingException"}, "count": {"2"}, "ttl": {"10m"}},
			http.StatusSeeOther, "ThrottlingException"},
		{"OK rotate the key", s, "/console/keys/rotate", url.Values{}, http.StatusSeeOther, "RegisterUsage signs with it from now on"},
		{"OK reset", withReset, "/console/reset", url.Values{"confirm": {"reset"}}, http.StatusSeeOther, "0 metering records"},
		{"ErrClockBadDuration", s, "/console/clock/advance", url.Values{"duration": {"1 hour"}}, http.StatusBadRequest, "duration must be a Go duration"},
		{"ErrClockBadTime", s, "/console/clock/set", url.Values{"time": {"yesterday"}}, http.StatusBadRequest, "time must be a UTC time"},
		{"ErrFaultBadNumber", s, "/console/faults", url.Values{"probability": {"often"}}, http.StatusBadRequest, "probability: &#34;often&#34; is not a valid value"},
		{"ErrFaultRefusedByTheAdminAPI", s, "/console/faults", url.Values{"operation": {"MeterUsage"}, "error": {"NoSuchException"}},
			http.StatusBadRequest, "NoSuchException"},
		{"ErrFaultDeleteUnknown", s, "/console/faults/999/delete", url.Values{}, http.StatusNotFound, "999"},
		{"ErrFaultDeleteBadID", s, "/console/faults/x/delete", url.Values{}, http.StatusBadRequest, "is not a number"},
		{"ErrResetOff", s, "/console/reset", url.Values{"confirm": {"reset"}}, http.StatusConflict, "Reset is off"},
		{"ErrResetUnconfirmed", withReset, "/console/reset", url.Values{"confirm": {"yes"}}, http.StatusBadRequest, "to confirm the reset"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			b := newBrowser(t, tt.server)
			b.mustLogin(tt.server)
			tt.form.Set("csrf", b.csrf("/console/clock"))
			a := b.do(http.MethodPost, tt.path, tt.form, nil)
			if a.status != tt.wantStatus {
				t.Fatalf("status %d, want %d: %.600s", a.status, tt.wantStatus, a.body)
			}
			if a.status == http.StatusSeeOther {
				a = b.do(http.MethodGet, a.header.Get("Location"), nil, nil)
			}
			if !strings.Contains(a.body, tt.want) {
				t.Errorf("page lacks %q: %.2000s", tt.want, a.body)
			}
		})
	}
}

// TestLive: the stream tells of calls after its start, after the calls
// the page already shows (seen), and after a reconnect's Last-Event-ID.
// Only SDK calls are made here, so the counts are exact.
func TestLive(t *testing.T) {
	s := meterdtest.Start(t)
	b := newBrowser(t, s)
	b.mustLogin(s)
	buyer := meteringClient(s, s.Buyer)
	hour := time.Now().UTC().Truncate(time.Hour)
	start := time.Now().Add(-time.Minute).UTC().Format(time.RFC3339Nano)

	stream := b.stream("/console/live?since="+url.QueryEscape(start)+"&seen=0", "")
	if err := meterOnce(buyer, hour, 1); err != nil {
		t.Fatal(err)
	}
	got := <-stream
	if !strings.Contains(got.body, "event: calls") || !strings.Contains(got.body, `"calls":1`) {
		t.Fatalf("first stream: %q, want a calls event counting 1 call", got.body)
	}

	// A reconnect after that id waits for a call after it.
	stream = b.stream("/console/live", eventID(t, got.body))
	if err := meterOnce(buyer, hour.Add(-time.Hour), 1); err != nil {
		t.Fatal(err)
	}
	if got = <-stream; !strings.Contains(got.body, `"calls":1`) {
		t.Fatalf("reconnected stream: %q, want one new call", got.body)
	}

	// A page that shows both calls (seen=2) is told of the third only.
	stream = b.stream("/console/live?since="+url.QueryEscape(start)+"&seen=2", "")
	if err := meterOnce(buyer, hour.Add(-2*time.Hour), 1); err != nil {
		t.Fatal(err)
	}
	if got = <-stream; !strings.Contains(got.body, `"calls":3`) {
		t.Fatalf("stream after seen=2: %q, want a calls event counting 3 calls since the start", got.body)
	}
}

// stream GETs an event stream (with Last-Event-ID when lastID is set) in
// the background; the answer arrives when the stream ends.
func (b *browser) stream(path, lastID string) <-chan answer {
	req, err := http.NewRequest(http.MethodGet, b.base+path, nil)
	if err != nil {
		b.t.Fatal(err)
	}
	req.AddCookie(b.cookie)
	if lastID != "" {
		req.Header.Set("Last-Event-ID", lastID)
	}
	out := make(chan answer, 1)
	go func() {
		resp, err := b.http.Do(req)
		if err != nil {
			out <- answer{body: err.Error()}
			return
		}
		defer resp.Body.Close()
		text, _ := io.ReadAll(resp.Body)
		out <- answer{status: resp.StatusCode, header: resp.Header, body: string(text)}
	}()
	return out
}

func eventID(t *testing.T, body string) string {
	t.Helper()
	for line := range strings.SplitSeq(body, "\n") {
		if id, ok := strings.CutPrefix(line, "id: "); ok {
			return id
		}
	}
	t.Fatalf("no id in %q", body)
	return ""
}
