package server_test

import (
	"bytes"
	"encoding/json"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/meterd/meterd"
	"github.com/meterd/meterd/server"
	"github.com/meterd/meterd/store/sqlite"
)

// TestServerNilLogger: a Server without a Logger discards its log, here
// the warning of a failed readiness probe.
func TestServerNilLogger(t *testing.T) {
	s := &server.Server{Store: downStore{}, AdminToken: "x"}
	rec := httptest.NewRecorder()
	s.Handler().ServeHTTP(rec, httptest.NewRequest(http.MethodGet, "/readyz", nil))
	if rec.Code != http.StatusServiceUnavailable {
		t.Fatalf("readyz: %d %s, want 503", rec.Code, rec.Body)
	}
}

// The SQLite store is a server.Store.
var _ server.Store = (*sqlite.DB)(nil)

// TestRequestLog: the request log and the admin log use the shared keys,
// which the audit trail will query by.
func TestRequestLog(t *testing.T) {
	tests := []struct {
		name     string
		req      *http.Request
		wantKeys []string
	}{
		{"OK API call rejected", apiRequest("AWSMPMeteringService.MeterUsage", `{}`), []string{meterd.LogKeyRequestID,
			meterd.LogKeyOperation, meterd.LogKeyAccessKeyID, meterd.LogKeyRegion, meterd.LogKeyDuration, meterd.LogKeyCode}},
		{"OK admin call", httptest.NewRequest(http.MethodPost, "/admin/v1/signing-keys", nil),
			[]string{meterd.LogKeyMethod, meterd.LogKeyPath, meterd.LogKeyStatus}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var log bytes.Buffer
			s := newServer(t, nil)
			s.Logger = slog.New(slog.NewJSONHandler(&log, nil))
			s.Handler().ServeHTTP(httptest.NewRecorder(), tt.req)
			var line map[string]any
			if err := json.Unmarshal(log.Bytes(), &line); err != nil {
				t.Fatalf("log %q: %v", log.String(), err)
			}
			for _, k := range tt.wantKeys {
				if _, ok := line[k]; !ok {
					t.Errorf("log line %s has no %q", log.String(), k)
				}
			}
		})
	}
}

// apiRequest is an unsigned AWS JSON 1.1 request.
func apiRequest(target, body string) *http.Request {
	r := httptest.NewRequest(http.MethodPost, "/", strings.NewReader(body))
	r.Header.Set("X-Amz-Target", target)
	r.Header.Set("Content-Type", "application/x-amz-json-1.1")
	return r
}
