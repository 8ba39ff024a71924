package server

import (
	"github.com/prometheus/client_golang/prometheus"

	"github.com/meterd/meterd/audit"
)

// WatchAudit exports the audit trail's queue, read at each scrape: events
// waiting for its writer, and events dropped because the queue was full
// (the trail gives way rather than slow the metering path).
func (m *Metrics) WatchAudit(l *audit.Log) {
	m.registry.MustRegister(
		prometheus.NewGaugeFunc(prometheus.GaugeOpts{
			Name: "meterd_audit_queue_depth",
			Help: "Audit events queued for the audit trail's writer.",
		}, func() float64 { return float64(l.Queued()) }),
		prometheus.NewCounterFunc(prometheus.CounterOpts{
			Name: "meterd_audit_events_dropped_total",
			Help: "Audit events lost: dropped because the queue was full, or in a batch that failed to be stored.",
		}, func() float64 { return float64(l.Dropped()) }),
	)
}
