package meterd_test

import (
	"log/slog"
	"testing"

	"github.com/meterd/meterd"
)

func TestLoggerOrDiscard(t *testing.T) {
	t.Run("OK nil discards", func(t *testing.T) {
		l := meterd.LoggerOrDiscard(nil)
		if l == nil || l.Enabled(t.Context(), slog.LevelError) {
			t.Fatalf("LoggerOrDiscard(nil) = %v, want a logger that discards", l)
		}
		l.Error("dropped") // must not panic
	})
	t.Run("OK keeps a logger", func(t *testing.T) {
		l := slog.New(slog.DiscardHandler)
		if got := meterd.LoggerOrDiscard(l); got != l {
			t.Fatalf("LoggerOrDiscard(l) = %p, want %p", got, l)
		}
	})
}
