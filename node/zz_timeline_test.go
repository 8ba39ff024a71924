package node

import (
	"context"
	"log/slog"
	"os"
	"testing"
	"time"
)

func TestZZTimeline(t *testing.T) {
	for range 3 {
		start := time.Now()
		h := slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: slog.LevelDebug, ReplaceAttr: func(g []string, a slog.Attr) slog.Attr {
			if a.Key == "time" {
				return slog.Float64("ms", float64(time.Since(start).Microseconds())/1000)
			}
			return a
		}})
		n, err := Open(context.Background(), testConfig(t), slog.New(h))
		if err != nil {
			t.Fatal(err)
		}
		ctx, cancel := context.WithCancel(context.Background())
		done := make(chan error, 1)
		go func() { done <- n.Run(ctx) }()
		if err := meterUsage(n.URL()); err != nil {
			t.Fatal(err)
		}
		t.Logf("answered at %.1f ms", float64(time.Since(start).Microseconds())/1000)
		cancel()
		<-done
	}
}
