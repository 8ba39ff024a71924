package bench

import (
	"fmt"
	"io"
	"maps"
	"math/rand/v2"
	"slices"
	"sync/atomic"
	"time"
)

// Report is what a run measured after its warm-up. Its JSON tags are the
// contract of `meterd bench --json` (docs/cli.md).
type Report struct {
	Scenario    string  `json:"scenario"`
	URL         string  `json:"url"`
	Concurrency int     `json:"concurrency"`
	Seconds     float64 `json:"seconds"` // measured time
	// Requests counts successful answers; Errors the others, by type.
	Requests          int64            `json:"requests"`
	Records           int64            `json:"records"`
	RequestsPerSecond float64          `json:"requestsPerSecond"`
	RecordsPerSecond  float64          `json:"recordsPerSecond"`
	Latency           Latency          `json:"latencyMs"`
	Errors            map[string]int64 `json:"errors"`
	// Statuses counts BatchMeterUsage records by their Status.
	Statuses map[string]int64 `json:"statuses,omitempty"`
	// SlotsWrapped is set when the run sent more records than the
	// scenario has distinct ones, so that the last ones were resends.
	SlotsWrapped bool `json:"slotsWrapped,omitempty"`
}

// Latency holds percentiles of every measured request, answered or not,
// in milliseconds.
type Latency struct {
	P50 float64 `json:"p50"`
	P90 float64 `json:"p90"`
	P99 float64 `json:"p99"`
	Max float64 `json:"max"`
}

// ErrorCount is the number of failed requests.
func (r *Report) ErrorCount() int64 {
	var n int64
	for _, c := range r.Errors {
		n += c
	}
	return n
}

// worker is one client's own tallies, merged into the report at the end,
// so that workers share nothing while they run.
type worker struct {
	rng       *rand.Rand
	latencies []time.Duration
	requests  int64
	records   int64
	errors    map[string]int64
	statuses  map[string]int64
}

func newWorker(i uint64) *worker {
	return &worker{rng: rand.New(rand.NewPCG(uint64(time.Now().UnixNano()), i)),
		errors: map[string]int64{}, statuses: map[string]int64{}}
}

func (w *worker) record(res result) {
	w.latencies = append(w.latencies, res.latency)
	if res.errType != "" {
		w.errors[res.errType]++
		return
	}
	w.requests++
	w.records += int64(res.records)
	for s, n := range res.statuses {
		w.statuses[s] += int64(n)
	}
}

func (g *generator) report(workers []*worker, elapsed time.Duration) *Report {
	r := &Report{Scenario: g.cfg.Scenario, URL: g.cfg.URL, Concurrency: g.cfg.Concurrency,
		Seconds: elapsed.Seconds(), Errors: map[string]int64{}, Statuses: map[string]int64{}}
	var all []time.Duration
	for _, w := range workers {
		all = append(all, w.latencies...)
		r.Requests += w.requests
		r.Records += w.records
		addCounts(r.Errors, w.errors)
		addCounts(r.Statuses, w.statuses)
	}
	if len(r.Statuses) == 0 {
		r.Statuses = nil
	}
	if elapsed > 0 {
		r.RequestsPerSecond = float64(r.Requests) / elapsed.Seconds()
		r.RecordsPerSecond = float64(r.Records) / elapsed.Seconds()
	}
	r.Latency = latencyOf(all)
	r.SlotsWrapped = !g.scenario.resends && g.slots.size > 1 && g.next.Load()*uint64(max(1, g.recordsPerCall())) > g.slots.size
	return r
}

func (g *generator) recordsPerCall() int {
	if g.scenario.Name == "batch25" {
		return batchSize
	}
	return 1
}

func addCounts(dst, src map[string]int64) {
	for k, v := range src {
		dst[k] += v
	}
}

// latencyOf computes nearest-rank percentiles.
func latencyOf(d []time.Duration) Latency {
	if len(d) == 0 {
		return Latency{}
	}
	slices.Sort(d)
	rank := func(p float64) float64 {
		i := int(p*float64(len(d))+0.999999) - 1
		return ms(d[max(0, min(i, len(d)-1))])
	}
	return Latency{P50: rank(0.50), P90: rank(0.90), P99: rank(0.99), Max: ms(d[len(d)-1])}
}

func ms(d time.Duration) float64 { return float64(d.Microseconds()) / 1000 }

// WriteText writes r for people.
func (r *Report) WriteText(w io.Writer) error {
	fmt.Fprintf(w, "%s against %s, concurrency %d, %.1f s measured\n", r.Scenario, r.URL, r.Concurrency, r.Seconds)
	fmt.Fprintf(w, "requests/s %.0f   records/s %.0f   (%d requests, %d records)\n",
		r.RequestsPerSecond, r.RecordsPerSecond, r.Requests, r.Records)
	fmt.Fprintf(w, "latency ms p50 %.2f   p90 %.2f   p99 %.2f   max %.2f\n", r.Latency.P50, r.Latency.P90, r.Latency.P99, r.Latency.Max)
	if len(r.Statuses) > 0 {
		fmt.Fprintf(w, "record statuses: %s\n", countsText(r.Statuses))
	}
	if r.SlotsWrapped {
		fmt.Fprintln(w, "note: more records than the fixture has distinct ones; the last were resends (use more --buyers)")
	}
	_, err := fmt.Fprintf(w, "errors: %s\n", countsText(r.Errors))
	return err
}

func countsText(m map[string]int64) string {
	if len(m) == 0 {
		return "none"
	}
	s := ""
	for _, k := range slices.Sorted(maps.Keys(m)) {
		if s != "" {
			s += "  "
		}
		s += fmt.Sprintf("%s=%d", k, m[k])
	}
	return s
}

// liveCounters feed the progress line: the only state workers share.
type liveCounters struct {
	requests, records, errors atomic.Int64
}

func (l *liveCounters) add(res result) {
	if res.errType != "" {
		l.errors.Add(1)
		return
	}
	l.requests.Add(1)
	l.records.Add(int64(res.records))
}

// showProgress writes a line to w once per second until the returned
// function is called, which erases it. A nil w shows nothing.
func (g *generator) showProgress(w io.Writer) (stop func()) {
	if w == nil {
		return func() {}
	}
	done := make(chan struct{})
	finished := make(chan struct{})
	go func() {
		defer close(finished)
		tick := time.NewTicker(time.Second)
		defer tick.Stop()
		var lastReq, lastRec int64
		for {
			select {
			case <-done:
				fmt.Fprint(w, "\r\033[K")
				return
			case now := <-tick.C:
				req, rec := g.live.requests.Load(), g.live.records.Load()
				phase := "measuring"
				if now.Before(g.start) {
					phase = "warming up"
				}
				fmt.Fprintf(w, "\r\033[K%s %s: %d req/s  %d records/s  %d errors", phase, now.Sub(g.start).Truncate(time.Second),
					req-lastReq, rec-lastRec, g.live.errors.Load())
				lastReq, lastRec = req, rec
			}
		}
	}()
	return func() { close(done); <-finished }
}
