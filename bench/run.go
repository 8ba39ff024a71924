// Package bench measures meterd: a load generator that sends SigV4-signed
// Marketplace requests to any endpoint (meterd, moto, a floor) and reports
// throughput, latency percentiles and errors by type; the fixture it loads
// (a seed of many buyers); and the floor, a server that does only the
// unavoidable work of each request, with and without a durable append, so
// that meterd is measured against what the machine allows in the same
// run. `meterd bench` and scripts/bench.sh drive it.
package bench

import (
	"context"
	"errors"
	"fmt"
	"io"
	"math/rand/v2"
	"net/url"
	"strings"
	"sync"
	"sync/atomic"
	"time"
)

// MaxConcurrency bounds --concurrency: each worker holds a connection.
const MaxConcurrency = 4096

// Config is one run of the generator.
type Config struct {
	URL         string // base URL of the endpoint, e.g. http://127.0.0.1:4599
	Scenario    string // a name of Scenarios
	Concurrency int    // workers, each with one request in flight
	Duration    time.Duration
	// Warmup is sent before the measurement starts and not counted: it
	// opens the connections and fills the server's caches.
	Warmup time.Duration
	Region string
	// Fixture is the catalog the endpoint serves (its keys sign requests).
	Fixture *Fixture
	// RegistrationTokens are what resolve-customer resolves.
	RegistrationTokens []string
	// Progress, when not nil, gets a live line once per second.
	Progress io.Writer
}

// Validate reports the first invalid field, named by its flag. The
// registration tokens are not a flag and are checked by Run.
func (c Config) Validate() error {
	u, err := url.Parse(c.URL)
	switch {
	case err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "":
		return fmt.Errorf("--url %q: want http://HOST:PORT", c.URL)
	case !validScenario(c.Scenario):
		return fmt.Errorf("--scenario %q: want one of %s", c.Scenario, strings.Join(ScenarioNames(), ", "))
	case c.Concurrency < 1 || c.Concurrency > MaxConcurrency:
		return fmt.Errorf("--concurrency %d: want 1..%d", c.Concurrency, MaxConcurrency)
	case c.Duration <= 0:
		return fmt.Errorf("--duration %s: must be positive", c.Duration)
	case c.Warmup < 0:
		return fmt.Errorf("--warmup %s: must not be negative", c.Warmup)
	case c.Region == "":
		return errors.New("--region: must not be empty")
	case c.Fixture == nil || len(c.Fixture.Buyers) == 0:
		return errors.New("--buyers: want at least 1")
	}
	return nil
}

func validScenario(name string) bool {
	_, ok := findScenario(name)
	return ok
}

// generator is the state of one run shared by its workers.
type generator struct {
	cfg        Config
	scenario   Scenario
	fixture    *Fixture
	tokens     []string
	meterHours hours
	batchHours hours
	slots      slots
	client     *sender

	next  atomic.Uint64 // requests issued, warm-up included
	live  liveCounters
	start time.Time // measurement start, after the warm-up
	end   time.Time // no request is issued after it
}

// Run sends cfg's load until its duration has passed or ctx is done, and
// reports what it measured after the warm-up. Requests that fail are
// counted by error type, never retried.
func Run(ctx context.Context, cfg Config) (*Report, error) {
	if err := cfg.Validate(); err != nil {
		return nil, err
	}
	if cfg.Scenario == "resolve-customer" && len(cfg.RegistrationTokens) == 0 {
		return nil, errors.New("bench: resolve-customer needs registration tokens")
	}
	g := newGenerator(cfg)
	defer g.client.close()
	workers := make([]*worker, cfg.Concurrency)
	var wg sync.WaitGroup
	for i := range workers {
		workers[i] = newWorker(uint64(i))
		wg.Go(func() { g.work(ctx, workers[i]) })
	}
	stopProgress := g.showProgress(cfg.Progress)
	wg.Wait()
	elapsed := time.Since(g.start)
	stopProgress()
	if elapsed < 0 {
		elapsed = 0 // ctx ended during the warm-up
	}
	return g.report(workers, elapsed), nil
}

func newGenerator(cfg Config) *generator {
	now := time.Now()
	sc, _ := findScenario(cfg.Scenario)
	g := &generator{cfg: cfg, scenario: sc, fixture: cfg.Fixture, tokens: cfg.RegistrationTokens,
		meterHours: meterHours(now), batchHours: batchHoursAt(now), client: newSender(cfg)}
	g.slots = newSlots(sc.slotSpace(g), rand.New(rand.NewPCG(uint64(now.UnixNano()), 0x6d657465)))
	g.start = now.Add(cfg.Warmup)
	g.end = g.start.Add(cfg.Duration)
	return g
}

// work issues requests one after the other until the end of the run.
func (g *generator) work(ctx context.Context, w *worker) {
	for ctx.Err() == nil {
		sent := time.Now()
		if !sent.Before(g.end) {
			return
		}
		c := g.scenario.build(g, w.rng, g.next.Add(1)-1)
		res := g.client.send(ctx, c)
		if ctx.Err() != nil {
			return // cancelled: the answer says nothing about the server
		}
		g.live.add(res)
		// An answer counts when it arrives in the measurement, even if it
		// was asked for in the warm-up: so a run shorter than a request
		// still measures one.
		if !time.Now().Before(g.start) {
			w.record(res)
		}
	}
}
