package server_test

import (
	"net/http"
	"testing"
	"time"

	dto "github.com/prometheus/client_model/go"

	"github.com/meterd/meterd/server"
)

// TestMetricsLedgerHooks feeds the hooks a ledger writer may offer and
// reads them back from the registry.
func TestMetricsLedgerHooks(t *testing.T) {
	m := server.NewMetrics()
	observe := m.CommitObserver()
	observe(3, 2*time.Millisecond)
	observe(5, 4*time.Millisecond)
	m.WatchQueue(func() int { return 7 })
	m.WatchWriter(func() server.WriterStats { return server.WriterStats{Groups: 2, Operations: 8} })
	families, err := m.Registry().Gather()
	if err != nil {
		t.Fatal(err)
	}
	got := make(map[string]*dto.Metric)
	for _, f := range families {
		got[f.GetName()] = f.GetMetric()[0]
	}
	tests := []struct {
		name, metric string
		value        func(*dto.Metric) float64
		want         float64
	}{
		{"OK group sizes", "meterd_ledger_group_size", func(m *dto.Metric) float64 { return m.GetHistogram().GetSampleSum() }, 8},
		{"OK commits", "meterd_ledger_commit_duration_seconds", func(m *dto.Metric) float64 { return float64(m.GetHistogram().GetSampleCount()) }, 2},
		{"OK queue depth", "meterd_ledger_queue_depth", func(m *dto.Metric) float64 { return m.GetGauge().GetValue() }, 7},
		{"OK groups", "meterd_ledger_groups_total", func(m *dto.Metric) float64 { return m.GetCounter().GetValue() }, 2},
		{"OK grouped operations", "meterd_ledger_group_operations_total", func(m *dto.Metric) float64 { return m.GetCounter().GetValue() }, 8},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			metric, ok := got[tt.metric]
			if !ok {
				t.Fatalf("no metric %s", tt.metric)
			}
			if v := tt.value(metric); v != tt.want {
				t.Fatalf("%s = %v, want %v", tt.metric, v, tt.want)
			}
		})
	}
}

// TestMetricsPerServer: two servers in one process count apart (no global
// registry) and one without metrics answers 404.
func TestMetricsPerServer(t *testing.T) {
	with, without := newServer(t, nil), newServer(t, nil)
	with.Metrics = server.NewMetrics()
	other := newServer(t, nil)
	other.Metrics = server.NewMetrics()
	urls := []string{serve(t, with), serve(t, other), serve(t, without)}
	send(t, http.MethodPost, urls[0]+"/", "", "{}") // an unsigned request: counted
	for i, want := range []int{http.StatusOK, http.StatusOK, http.StatusNotFound} {
		if status, _ := send(t, http.MethodGet, urls[i]+"/metrics", "", ""); status != want {
			t.Errorf("server %d: GET /metrics = %d, want %d", i, status, want)
		}
	}
	count := func(m *server.Metrics) int {
		families, err := m.Registry().Gather()
		if err != nil {
			t.Fatal(err)
		}
		for _, f := range families {
			if f.GetName() == "meterd_api_requests_total" {
				return len(f.GetMetric())
			}
		}
		return 0
	}
	if a, b := count(with.Metrics), count(other.Metrics); a != 1 || b != 0 {
		t.Fatalf("request series: %d and %d, want 1 and 0", a, b)
	}
}
