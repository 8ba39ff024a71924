package server_test

import (
	"net/http"
	"net/http/httptest"
	"testing"

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
