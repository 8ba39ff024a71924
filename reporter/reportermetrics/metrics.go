// Package reportermetrics exports a reporter's status as Prometheus
// metrics. It is a package of its own so that the reporter does not pull
// the Prometheus client into programs that don't use it.
//
//	prometheus.MustRegister(reportermetrics.NewCollector(r))
package reportermetrics

import (
	"context"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/meterd/meterd/reporter"
)

// statusTimeout bounds one scrape's spool read.
const statusTimeout = 5 * time.Second

var (
	openRecords = prometheus.NewDesc("reporter_open_records",
		"Customer, dimension and hour triples recorded and not sealed yet.", nil, nil)
	openQuantity = prometheus.NewDesc("reporter_open_quantity",
		"Total quantity of the usage not sealed yet.", nil, nil)
	pendingBatches = prometheus.NewDesc("reporter_pending_batches",
		"Batches sealed and not answered yet.", nil, nil)
	pendingRecords = prometheus.NewDesc("reporter_pending_records",
		"Records in batches not answered yet.", nil, nil)
	results = prometheus.NewDesc("reporter_records",
		"Records answered, by status (Success, DuplicateRecord, CustomerNotSubscribed, Expired, Failed).",
		[]string{"status"}, nil)
	up = prometheus.NewDesc("reporter_status_up",
		"1 if the spool could be read for this scrape.", nil, nil)
)

// StatusSource is what the collector reads; *reporter.Reporter has it.
type StatusSource interface {
	Status(ctx context.Context) (reporter.Status, error)
}

// Collector reads the status at each scrape.
type Collector struct{ src StatusSource }

// NewCollector returns a Collector of src's status.
func NewCollector(src StatusSource) *Collector { return &Collector{src: src} }

// Describe implements prometheus.Collector.
func (c *Collector) Describe(ch chan<- *prometheus.Desc) {
	for _, d := range []*prometheus.Desc{openRecords, openQuantity, pendingBatches, pendingRecords, results, up} {
		ch <- d
	}
}

// Collect implements prometheus.Collector.
func (c *Collector) Collect(ch chan<- prometheus.Metric) {
	ctx, cancel := context.WithTimeout(context.Background(), statusTimeout)
	defer cancel()
	st, err := c.src.Status(ctx)
	if err != nil {
		ch <- prometheus.MustNewConstMetric(up, prometheus.GaugeValue, 0)
		return
	}
	ch <- prometheus.MustNewConstMetric(up, prometheus.GaugeValue, 1)
	gauge := func(d *prometheus.Desc, v float64) { ch <- prometheus.MustNewConstMetric(d, prometheus.GaugeValue, v) }
	gauge(openRecords, float64(st.OpenRecords))
	gauge(openQuantity, float64(st.OpenQuantity))
	gauge(pendingBatches, float64(st.PendingBatches))
	gauge(pendingRecords, float64(st.PendingRecords))
	for status, n := range st.Results {
		ch <- prometheus.MustNewConstMetric(results, prometheus.CounterValue, float64(n), status)
	}
}
