package server_test

import (
	"bytes"
	"compress/gzip"
	"context"
	"encoding/json"
	"net/http/httptest"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/meterd/meterd"
	"github.com/meterd/meterd/audit"
	"github.com/meterd/meterd/server"
	"github.com/meterd/meterd/store/sqlite/sqlitetest"
)

// withAudit gives s an audit trail on a throwaway store, running until the
// test ends.
func withAudit(t *testing.T, s *server.Server) *server.Server {
	t.Helper()
	s.Audit = audit.New(sqlitetest.OpenAudit(t), meterd.SystemClock{}, audit.Config{}, nil)
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- s.Audit.Run(ctx) }()
	t.Cleanup(func() { cancel(); <-done })
	return s
}

// TestAuditAdminAPI: one row per audit route and outcome.
func TestAuditAdminAPI(t *testing.T) {
	const events, export, calls = "/admin/v1/audit/events", "/admin/v1/audit/export", "/admin/v1/calls"
	bearer := "Bearer " + adminToken
	tests := []struct {
		name        string
		off         bool // no audit trail
		method      string
		path, auth  string
		wantStatus  int
		wantCode    string
		wantMessage string
	}{
		{"OK events", false, "GET", events + "?eventName=MeterUsage&maxResults=5", bearer, 200, "", ""},
		{"OK calls", false, "GET", calls + "?operation=BatchMeterUsage&customer=c&since=2026-01-02T15:04:05Z&min=0&unit=records&wait=0s", bearer, 200, "", ""},
		{"ErrInvalid startTime", false, "GET", events + "?startTime=yesterday", bearer, 400, meterd.EInvalid,
			`startTime must be an RFC 3339 time such as 2026-01-02T15:04:05Z, got "yesterday"`},
		{"ErrInvalid endTime of an export", false, "GET", export + "?endTime=1", bearer, 400, meterd.EInvalid,
			`endTime must be an RFC 3339 time such as 2026-01-02T15:04:05Z, got "1"`},
		{"ErrInvalid maxResults", false, "GET", events + "?maxResults=0", bearer, 400, meterd.EInvalid,
			`maxResults must be an integer from 1 to 1000, got "0"`},
		{"ErrInvalid nextToken", false, "GET", events + "?nextToken=abc", bearer, 400, meterd.EInvalid,
			"nextToken is not one this meterd issued"},
		{"ErrInvalid since", false, "GET", calls + "?since=now", bearer, 400, meterd.EInvalid,
			`startTime must be an RFC 3339 time such as 2026-01-02T15:04:05Z, got "now"`},
		{"ErrInvalid wait too long", false, "GET", calls + "?wait=1h", bearer, 400, meterd.EInvalid,
			`wait must be a duration from 0s to 20s, got "1h"`},
		{"ErrInvalid min", false, "GET", calls + "?min=-1", bearer, 400, meterd.EInvalid,
			`min must be an integer from 0 to 10000, got "-1"`},
		{"ErrInvalid unit", false, "GET", calls + "?unit=bytes", bearer, 400, meterd.EInvalid,
			`unit must be calls or records, got "bytes"`},
		{"ErrMethodNotAllowed events POST", false, "POST", events, bearer, 405, meterd.EMethodNotAllowed,
			"POST /admin/v1/audit/events: use GET"},
		{"ErrUnauthorized export", false, "GET", export, "", 401, meterd.EUnauthorized,
			"admin token required: send Authorization: Bearer <token>"},
		{"ErrNotFound audit off", true, "GET", calls, bearer, 404, meterd.ENotFound, "the audit trail is off on this meterd"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s := newServer(t, nil)
			if !tt.off {
				s = withAudit(t, s)
			}
			status, body := send(t, tt.method, serve(t, s)+tt.path, tt.auth, "")
			if status != tt.wantStatus {
				t.Fatalf("status %d (%s), want %d", status, body, tt.wantStatus)
			}
			var got struct{ Error, Code string }
			if err := json.Unmarshal(body, &got); err != nil {
				t.Fatalf("body %s: %v", body, err)
			}
			if got.Code != tt.wantCode || got.Error != tt.wantMessage {
				t.Fatalf("got %s %q, want %s %q", got.Code, got.Error, tt.wantCode, tt.wantMessage)
			}
		})
	}
}

// TestAuditAdminEvents: a refused admin call is in the trail with its
// code, and neither the right token nor the wrong one is.
func TestAuditAdminEvents(t *testing.T) {
	s := withAudit(t, newServer(t, nil))
	url := serve(t, s)
	send(t, "POST", url+tokensPath, "Bearer wrong-token-guess", goodToken)
	send(t, "POST", url+tokensPath, "Bearer "+adminToken, goodToken)
	ctx, cancel := context.WithTimeout(t.Context(), 10*time.Second)
	defer cancel()
	res, err := s.Audit.Wait(ctx, audit.CallQuery{Filter: meterd.AuditFilter{EventName: "CreateRegistrationToken"}, Min: 2}, 10*time.Second)
	if err != nil || !res.Met {
		t.Fatalf("events: %+v %v", res, err)
	}
	refused, ok := res.Events[1], res.Events[0] // newest first
	if refused.ErrorCode != meterd.EUnauthorized || refused.ErrorMessage != "admin token does not match this meterd's" {
		t.Errorf("refused call: %q %q", refused.ErrorCode, refused.ErrorMessage)
	}
	if ok.ErrorCode != "" || string(ok.ResponseElements) != "null" || ok.ReadOnly || ok.EventSource != audit.SourceAdmin {
		t.Errorf("accepted call: code %q, response %s, readOnly %v, source %s", ok.ErrorCode, ok.ResponseElements, ok.ReadOnly, ok.EventSource)
	}
	for _, e := range res.Events {
		b, _ := json.Marshal(e)
		if strings.Contains(string(b), adminToken) || strings.Contains(string(b), "wrong-token-guess") {
			t.Errorf("event holds a token: %s", b)
		}
	}
}

// slowFind stands for a disk slow to read each page of an export.
type slowFind struct {
	meterd.AuditStore
	delay time.Duration
}

func (s slowFind) FindAuditEvents(ctx context.Context, f meterd.AuditFilter) ([]*meterd.AuditEvent, string, error) {
	time.Sleep(s.delay)
	return s.AuditStore.FindAuditEvents(ctx, f)
}

// TestAuditExportOutlivesWriteTimeout: an export that takes longer than
// the server's WriteTimeout still arrives whole, since each page moves
// the write deadline on.
func TestAuditExportOutlivesWriteTimeout(t *testing.T) {
	store := sqlitetest.OpenAudit(t)
	const n = 2500 // three pages
	events := make([]*meterd.AuditEvent, n)
	for i := range events {
		events[i] = &meterd.AuditEvent{EventID: strconv.Itoa(i), EventName: "MeterUsage", EventTime: time.Now()}
	}
	if err := store.AppendAudit(t.Context(), events); err != nil {
		t.Fatal(err)
	}
	s := newServer(t, nil)
	const writeTimeout = 200 * time.Millisecond
	s.Audit = audit.New(slowFind{store, writeTimeout / 2}, meterd.SystemClock{}, audit.Config{}, nil)
	hs := httptest.NewUnstartedServer(s.Handler())
	hs.Config.WriteTimeout = writeTimeout
	hs.Start()
	t.Cleanup(hs.Close)
	status, body := send(t, "GET", hs.URL+"/admin/v1/audit/export", "Bearer "+adminToken, "")
	if status != 200 {
		t.Fatalf("status %d", status)
	}
	zr, err := gzip.NewReader(bytes.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	var file struct{ Records []json.RawMessage }
	if err := json.NewDecoder(zr).Decode(&file); err != nil || len(file.Records) != n {
		t.Fatalf("export: %d records, %v; want %d", len(file.Records), err, n)
	}
}
