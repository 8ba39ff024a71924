package entitlement_test

import (
	"bytes"
	"log/slog"
	"testing"

	"github.com/meterd/meterd"
	"github.com/meterd/meterd/entitlement"
	"github.com/meterd/meterd/regions"
	"github.com/meterd/meterd/seed"
	"github.com/meterd/meterd/store/sqlite/sqlitetest"
)

// TestNewNilLogger: a nil logger discards.
func TestNewNilLogger(t *testing.T) {
	svc, err := entitlement.New(sqlitetest.Open(t, seed.Demo()), meterd.SystemClock{}, regions.Default(),
		bytes.Repeat([]byte{7}, 32), nil)
	if err != nil {
		t.Fatal(err)
	}
	if svc.Logger == nil || svc.Logger.Enabled(t.Context(), slog.LevelError) {
		t.Fatalf("Logger = %v, want one that discards", svc.Logger)
	}
}
