package server

import (
	"context"
	"net/http"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
	"github.com/prometheus/client_golang/prometheus/promhttp"

	"github.com/meterd/meterd"
	"github.com/meterd/meterd/awsproto"
	"github.com/meterd/meterd/metering"
)

// Metrics are a node's Prometheus metrics, on a registry of its own rather
// than the global one, so that several nodes in one process (tests,
// meterdtest) each count their own.
//
// Labels are bounded by construction: operation is one of the models'
// operations (or "unknown"), protocol one of two, error_type an AWS
// exception name meterd answers with (or "none"), outcome, phase and
// conflict fixed lists. Nothing is labelled by customer, account, product,
// access key or request, and no metric carries a secret, which is why
// /metrics needs no admin token (docs/metrics.md).
type Metrics struct {
	registry  *prometheus.Registry
	requests  *prometheus.CounterVec
	latency   *prometheus.HistogramVec
	records   *prometheus.CounterVec
	writes    prometheus.Histogram
	inFlight  prometheus.Gauge
	seedLoad  *prometheus.GaugeVec
	commits   prometheus.Histogram
	groupSize prometheus.Histogram
}

// noError is the error_type of a successful request.
const noError = "none"

// NewMetrics returns the metrics of one node, with the Go runtime's and the
// process's own (memory, CPU, open files) on the same registry.
func NewMetrics() *Metrics {
	m := &Metrics{
		registry: prometheus.NewRegistry(),
		requests: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "meterd_api_requests_total",
			Help: "AWS API requests answered, by operation, protocol and error type (none for success).",
		}, []string{"operation", "protocol", "error_type"}),
		latency: prometheus.NewHistogramVec(prometheus.HistogramOpts{
			Name:    "meterd_api_request_duration_seconds",
			Help:    "Time from reading a request to its answer, by operation and error type.",
			Buckets: latencyBuckets,
		}, []string{"operation", "error_type"}),
		records: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "meterd_ledger_records_total",
			Help: "Metering records given to the ledger, by outcome: written, or duplicate of a stored one (by dedupe key or client token).",
		}, []string{"outcome"}),
		writes: prometheus.NewHistogram(prometheus.HistogramOpts{
			Name:    "meterd_ledger_write_duration_seconds",
			Help:    "Time an API call waits for the ledger to store its records: queue, group commit and fsync.",
			Buckets: latencyBuckets,
		}),
		inFlight: prometheus.NewGauge(prometheus.GaugeOpts{
			Name: "meterd_ledger_writes_in_flight",
			Help: "API calls waiting for the ledger to store their records (queued or in the group being committed).",
		}),
		seedLoad: prometheus.NewGaugeVec(prometheus.GaugeOpts{
			Name: "meterd_seed_load_seconds",
			Help: "Time the seed took at start-up, by phase: parse (reading the file) and apply (writing the catalog).",
		}, []string{"phase"}),
	}
	m.registry.MustRegister(m.requests, m.latency, m.records, m.writes, m.inFlight, m.seedLoad,
		collectors.NewGoCollector(), collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}))
	return m
}

// latencyBuckets span a cached answer (100 µs) to a stalled disk (10 s).
var latencyBuckets = prometheus.ExponentialBucketsRange(0.0001, 10, 16)

// Handler serves the metrics in the Prometheus text (or OpenMetrics)
// format.
func (m *Metrics) Handler() http.Handler {
	return promhttp.HandlerFor(m.registry, promhttp.HandlerOpts{Registry: m.registry})
}

// Registry is the node's registry, for an integrator that serves it
// elsewhere or adds its own collectors.
func (m *Metrics) Registry() *prometheus.Registry { return m.registry }

// observeRequest counts one answered API request.
func (m *Metrics) observeRequest(op string, proto awsproto.Protocol, err error, elapsed time.Duration) {
	if m == nil {
		return
	}
	if op == "" {
		op = "unknown" // the request named no operation meterd knows
	}
	errType := noError
	if err != nil {
		errType = awsproto.WireCode(err)
	}
	m.requests.WithLabelValues(op, proto.String(), errType).Inc()
	m.latency.WithLabelValues(op, errType).Observe(elapsed.Seconds())
}

// SetSeedLoad records how long the seed took to parse and to apply.
func (m *Metrics) SetSeedLoad(parse, apply time.Duration) {
	m.seedLoad.WithLabelValues("parse").Set(parse.Seconds())
	m.seedLoad.WithLabelValues("apply").Set(apply.Seconds())
}

// WriterStats is a snapshot of a ledger writer's group commits since it
// started.
type WriterStats struct {
	Groups     int64 // transactions committed (or attempted)
	Operations int64 // write operations run in them
}

// WatchWriter exports stats, read at each scrape, as counters: the mean
// group size is rate(operations)/rate(groups).
func (m *Metrics) WatchWriter(stats func() WriterStats) {
	m.registry.MustRegister(
		prometheus.NewCounterFunc(prometheus.CounterOpts{
			Name: "meterd_ledger_groups_total",
			Help: "Group commits of the ledger writer: transactions, each ending in one fsync.",
		}, func() float64 { return float64(stats().Groups) }),
		prometheus.NewCounterFunc(prometheus.CounterOpts{
			Name: "meterd_ledger_group_operations_total",
			Help: "Write operations committed in groups; divided by meterd_ledger_groups_total, the mean group size.",
		}, func() float64 { return float64(stats().Operations) }),
	)
}

// WatchQueue exports depth, read at each scrape, as the writer's queue
// depth.
func (m *Metrics) WatchQueue(depth func() int) {
	m.registry.MustRegister(prometheus.NewGaugeFunc(prometheus.GaugeOpts{
		Name: "meterd_ledger_queue_depth",
		Help: "Write operations queued for the ledger writer.",
	}, func() float64 { return float64(depth()) }))
}

// WatchGuard exports what the guard holds, read at each scrape.
func (m *Metrics) WatchGuard(stats func() GuardStats) {
	m.registry.MustRegister(
		prometheus.NewGaugeFunc(prometheus.GaugeOpts{
			Name: "meterd_http_connections",
			Help: "Open client connections (counted only with --max-conns above 0).",
		}, func() float64 { return float64(stats().Conns) }),
		prometheus.NewGaugeFunc(prometheus.GaugeOpts{
			Name: "meterd_http_buffered_bytes",
			Help: "Request body bytes held at once, against --max-buffered-bytes.",
		}, func() float64 { return float64(stats().Buffered) }),
	)
}

// CommitObserver registers the per-commit metrics, group size and commit
// latency (fsync included), and returns the function a ledger writer calls
// after each group commit.
func (m *Metrics) CommitObserver() func(ops int, commit time.Duration) {
	m.groupSize = prometheus.NewHistogram(prometheus.HistogramOpts{
		Name:    "meterd_ledger_group_size",
		Help:    "Write operations per group commit.",
		Buckets: prometheus.ExponentialBuckets(1, 2, 10),
	})
	m.commits = prometheus.NewHistogram(prometheus.HistogramOpts{
		Name:    "meterd_ledger_commit_duration_seconds",
		Help:    "Time of one group commit, fsync included.",
		Buckets: latencyBuckets,
	})
	m.registry.MustRegister(m.groupSize, m.commits)
	return func(ops int, commit time.Duration) {
		m.groupSize.Observe(float64(ops))
		m.commits.Observe(commit.Seconds())
	}
}

// InstrumentLedger returns store with its RecordUsage counted and timed.
func (m *Metrics) InstrumentLedger(store metering.Store) metering.Store {
	return &instrumentedLedger{Store: store, m: m}
}

// instrumentedLedger times RecordUsage as the API waits for it and counts
// its outcomes; every other method is the store's own.
type instrumentedLedger struct {
	metering.Store
	m *Metrics
}

func (l *instrumentedLedger) RecordUsage(ctx context.Context, recs []*meterd.MeteringRecord) ([]meterd.RecordOutcome, error) {
	l.m.inFlight.Inc()
	start := time.Now()
	outcomes, err := l.Store.RecordUsage(ctx, recs)
	l.m.writes.Observe(time.Since(start).Seconds())
	l.m.inFlight.Dec()
	for _, o := range outcomes {
		l.m.records.WithLabelValues(outcomeLabel(o)).Inc()
	}
	return outcomes, err
}

func outcomeLabel(o meterd.RecordOutcome) string {
	switch {
	case o.Inserted:
		return "written"
	case o.Conflict == meterd.ClientTokenConflict:
		return "duplicate_client_token"
	}
	return "duplicate"
}
