package reportermetrics

import (
	"context"
	"errors"
	"strings"
	"testing"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/testutil"

	"github.com/meterd/meterd/reporter"
)

type fixedStatus struct {
	st  reporter.Status
	err error
}

func (f fixedStatus) Status(context.Context) (reporter.Status, error) { return f.st, f.err }

func TestCollectorExportsTheStatus(t *testing.T) {
	src := fixedStatus{st: reporter.Status{OpenRecords: 2, OpenQuantity: 40, PendingBatches: 1, PendingRecords: 3,
		Results: map[string]int{reporter.StatusSuccess: 7, reporter.StatusExpired: 1}}}
	want := `
# HELP reporter_open_quantity Total quantity of the usage not sealed yet.
# TYPE reporter_open_quantity gauge
reporter_open_quantity 40
# HELP reporter_pending_batches Batches sealed and not answered yet.
# TYPE reporter_pending_batches gauge
reporter_pending_batches 1
# HELP reporter_records Records answered, by status (Success, DuplicateRecord, CustomerNotSubscribed, Expired, Failed).
# TYPE reporter_records counter
reporter_records{status="Expired"} 1
reporter_records{status="Success"} 7
# HELP reporter_status_up 1 if the spool could be read for this scrape.
# TYPE reporter_status_up gauge
reporter_status_up 1
`
	err := testutil.CollectAndCompare(NewCollector(src), strings.NewReader(want),
		"reporter_open_quantity", "reporter_pending_batches", "reporter_records", "reporter_status_up")
	if err != nil {
		t.Error(err)
	}
}

func TestCollectorSaysWhenTheSpoolCannotBeRead(t *testing.T) {
	c := NewCollector(fixedStatus{err: errors.New("disk gone")})
	reg := prometheus.NewPedanticRegistry()
	reg.MustRegister(c)
	n, err := testutil.GatherAndCount(reg)
	if err != nil {
		t.Fatal(err)
	}
	if n != 1 {
		t.Errorf("%d metrics on a failed read, want only reporter_status_up", n)
	}
	if v := testutil.ToFloat64(collectorUp{c}); v != 0 {
		t.Errorf("reporter_status_up = %v, want 0", v)
	}
}

// collectorUp narrows a Collector to its up metric for testutil.ToFloat64.
type collectorUp struct{ c *Collector }

func (u collectorUp) Describe(ch chan<- *prometheus.Desc) { ch <- up }
func (u collectorUp) Collect(ch chan<- prometheus.Metric) {
	all := make(chan prometheus.Metric, 16)
	u.c.Collect(all)
	close(all)
	for m := range all {
		if m.Desc() == up {
			ch <- m
		}
	}
}
