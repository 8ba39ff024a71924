package server_test

import (
	"encoding/json"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/meterd/meterd"
	"github.com/meterd/meterd/insight"
	"github.com/meterd/meterd/server"
)

// TestInsightAdminAPI: one row per bill and health route and outcome.
func TestInsightAdminAPI(t *testing.T) {
	s := newServer(t, nil)
	store := s.Store.(insight.Store)
	s.Insight = insight.New(store, nil, meterd.SystemClock{})
	url := serve(t, s)
	off := serve(t, newServer(t, nil)) // no Insight
	bearer := "Bearer " + adminToken
	tests := []struct {
		name, base, method, path, auth string
		status                         int
		want                           string // in the body
	}{
		{"OK bill", url, http.MethodGet, "/admin/v1/bill?product=demo-saas&month=2026-12", bearer, http.StatusOK, `"month":"2026-12"`},
		{"OK health", url, http.MethodGet, "/admin/v1/health?product=demo-saas&since=2026-12-01T00:00:00Z&until=2026-12-01T03:00:00Z", bearer,
			http.StatusOK, `"since":"2026-12-01T00:00:00Z","until":"2026-12-01T03:00:00Z"`},
		{"ErrInvalid bill month", url, http.MethodGet, "/admin/v1/bill?month=2026-13", bearer, http.StatusBadRequest,
			`"code":"Invalid"`},
		{"ErrInvalid health since", url, http.MethodGet, "/admin/v1/health?since=yesterday", bearer, http.StatusBadRequest,
			`since must be an RFC 3339 time`},
		{"ErrInvalid health range too long", url, http.MethodGet, "/admin/v1/health?since=2020-01-01T00:00:00Z&until=2026-01-01T00:00:00Z",
			bearer, http.StatusBadRequest, `a health report covers at most 366 days`},
		{"ErrNotFound unknown product", url, http.MethodGet, "/admin/v1/health?product=nope", bearer, http.StatusNotFound, `"code":"NotFound"`},
		{"ErrNotFound off", off, http.MethodGet, "/admin/v1/bill", bearer, http.StatusNotFound, `bills and health reports are off`},
		{"ErrUnauthorized", url, http.MethodGet, "/admin/v1/bill", "", http.StatusUnauthorized, `"code":"Unauthorized"`},
		{"ErrMethodNotAllowed", url, http.MethodPost, "/admin/v1/health", bearer, http.StatusMethodNotAllowed, `"code":"MethodNotAllowed"`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			status, body := send(t, tt.method, tt.base+tt.path, tt.auth, "")
			if status != tt.status || !strings.Contains(string(body), tt.want) {
				t.Fatalf("%d %s, want %d with %s", status, body, tt.status, tt.want)
			}
			if status == http.StatusOK && !json.Valid(body) {
				t.Fatalf("answer is not JSON: %s", body)
			}
		})
	}
	t.Run("ErrInvalid through the client", func(t *testing.T) {
		_, err := (&server.AdminClient{BaseURL: url, Token: adminToken}).Health(t.Context(),
			insight.HealthQuery{Since: time.Date(2020, 1, 1, 0, 0, 0, 0, time.UTC), Until: time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)})
		if code := meterd.ErrorCode(err); code != meterd.EInvalid {
			t.Fatalf("error %v (code %q), want Invalid", err, code)
		}
	})
}
