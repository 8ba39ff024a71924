package metering_test

import (
	"log/slog"
	"testing"

	"github.com/meterd/meterd"
	"github.com/meterd/meterd/metering"
	"github.com/meterd/meterd/seed"
	"github.com/meterd/meterd/store/sqlite"
	"github.com/meterd/meterd/store/sqlite/sqlitetest"
)

// The SQLite store is a metering.Store.
var _ metering.Store = (*sqlite.DB)(nil)

// TestNewNilLogger: a nil logger discards; the calls that log work.
func TestNewNilLogger(t *testing.T) {
	svc := metering.New(sqlitetest.Open(t, seed.Demo()), meterd.SystemClock{}, metering.DefaultConfig(), nil)
	if svc.Logger == nil || svc.Logger.Enabled(t.Context(), slog.LevelError) {
		t.Fatalf("Logger = %v, want one that discards", svc.Logger)
	}
	// Both log the new key version.
	if err := svc.EnsureSigningKey(t.Context()); err != nil {
		t.Fatalf("EnsureSigningKey: %v", err)
	}
	if _, err := svc.RotateSigningKey(t.Context()); err != nil {
		t.Fatalf("RotateSigningKey: %v", err)
	}
}
