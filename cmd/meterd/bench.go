package main

import (
	"context"
	"flag"
	"fmt"
	"io"
	"os"
	"time"

	"github.com/meterd/meterd/bench"
	"github.com/meterd/meterd/server"
)

// benchCommand runs the load generator of package bench against a
// running endpoint, or against a meterd it spawns.
type benchCommand struct {
	client      clientFlags
	out         output
	spawn       bool
	store       string
	scenario    string
	concurrency int
	duration    time.Duration
	warmup      time.Duration
	buyers      int
	region      string
}

// benchTokens is how many registration tokens resolve-customer mints.
const benchTokens = 100

func (*benchCommand) name() string { return "bench" }
func (*benchCommand) synopsis() string {
	return "load an endpoint with signed requests and report throughput and latency"
}
func (*benchCommand) usage() string {
	return `Usage: meterd bench [flags]

Sends SigV4-signed Marketplace requests from --concurrency workers to --url
(meterd, moto_server, or a ` + "`meterd bench floor`" + `) for --warmup, then
measures for --duration: requests/s, records/s, p50/p90/p99/max latency
and errors by AWS error type. Requests are signed with the keys of the
bench fixture of --buyers buyers, which the endpoint must serve
(` + "`meterd bench fixture FILE`" + ` writes its seed file); --spawn starts an
in-process meterd with it instead of using --url.

Scenarios:` + scenarioList() + `
`
}

func scenarioList() string {
	s := ""
	for _, sc := range bench.Scenarios() {
		s += "\n  " + sc.Name + ": " + sc.Description
	}
	return s
}

func (c *benchCommand) bind(fs *flag.FlagSet, e *env) error {
	c.client.bind(fs, e.getenv)
	c.out.bind(fs)
	fs.BoolVar(&c.spawn, "spawn", false, "start an in-process meterd with the fixture (on a temporary directory) and load it; --url is ignored")
	fs.StringVar(&c.store, "store", e.getenv("METERD_STORE"), "with --spawn: the spawned meterd's ledger, a postgres:// URL (empty: SQLite in the temporary directory)")
	fs.StringVar(&c.scenario, "scenario", "meter-usage", "what to send (see above)")
	fs.IntVar(&c.concurrency, "concurrency", 16, "workers, each with one request in flight")
	fs.DurationVar(&c.duration, "duration", 10*time.Second, "how long to measure")
	fs.DurationVar(&c.warmup, "warmup", time.Second, "how long to send before measuring")
	fs.IntVar(&c.buyers, "buyers", bench.DefaultBuyers, "buyers of the fixture the endpoint serves")
	fs.StringVar(&c.region, "region", "us-east-1", "region requests are signed for")
	return nil
}

func (c *benchCommand) run(ctx context.Context, e *env, args []string) error {
	if err := noArgs(args); err != nil {
		return err
	}
	cfg := c.config(e)
	if c.buyers < 1 {
		return usagef("--buyers %d: want at least 1", c.buyers)
	}
	if err := cfg.Validate(); err != nil {
		return usageError{err}
	}
	admin, stop, err := c.target(ctx, e, &cfg)
	if err != nil {
		return err
	}
	defer stop()
	if cfg.Scenario == "resolve-customer" {
		if cfg.RegistrationTokens, err = mintTokens(ctx, admin, cfg.Fixture); err != nil {
			return err
		}
	}
	report, err := bench.Run(ctx, cfg)
	if err != nil {
		return err
	}
	return c.out.write(e.stdout, (*benchResult)(report))
}

func (c *benchCommand) config(e *env) bench.Config {
	cfg := bench.Config{URL: c.client.url, Scenario: c.scenario, Concurrency: c.concurrency,
		Duration: c.duration, Warmup: c.warmup, Region: c.region}
	if c.buyers >= 1 {
		cfg.Fixture = bench.NewFixture(c.buyers)
	}
	if c.spawn {
		cfg.URL = "http://127.0.0.1:0" // replaced once spawned
	}
	if !c.out.json && isTerminal(e.stderr) {
		cfg.Progress = e.stderr
	}
	return cfg
}

// target sets cfg.URL to the endpoint to load, spawning a meterd with
// --spawn, and returns an admin client for it (nil when no token can be
// found: only resolve-customer needs one) and what to call when done.
func (c *benchCommand) target(ctx context.Context, e *env, cfg *bench.Config) (*server.AdminClient, func(), error) {
	if !c.spawn {
		admin, err := c.client.adminClient()
		if err != nil && cfg.Scenario == "resolve-customer" {
			return nil, nil, err
		}
		return admin, func() {}, nil
	}
	dir, err := os.MkdirTemp("", "meterd-bench-")
	if err != nil {
		return nil, nil, err
	}
	s, err := bench.SpawnOn(ctx, cfg.Fixture, dir, c.store, nil)
	if err != nil {
		os.RemoveAll(dir)
		return nil, nil, err
	}
	cfg.URL = s.Node.URL()
	if !c.out.json {
		fmt.Fprintf(e.stderr, "spawned meterd at %s (ledger in %s)\n", cfg.URL, dir)
	}
	stop := func() {
		if err := s.Stop(); err != nil {
			fmt.Fprintln(e.stderr, "meterd: spawned meterd:", err)
		}
		os.RemoveAll(dir)
	}
	return &server.AdminClient{BaseURL: cfg.URL, Token: s.Node.AdminToken()}, stop, nil
}

// mintTokens mints registration tokens of the fixture's SaaS product for
// its first buyers, through the admin API (a floor answers it too).
func mintTokens(ctx context.Context, admin *server.AdminClient, f *bench.Fixture) ([]string, error) {
	var tokens []string
	for _, b := range f.Buyers[:min(benchTokens, len(f.Buyers))] {
		out, err := admin.CreateRegistrationToken(ctx, server.CreateRegistrationTokenInput{
			ProductCode: bench.ProductSaaS, CustomerIdentifier: b.Identifier})
		if err != nil {
			return nil, fmt.Errorf("mint registration tokens: %w", err)
		}
		tokens = append(tokens, out.Token)
	}
	return tokens, nil
}

// isTerminal reports whether w is a terminal, where a progress line that
// rewrites itself helps rather than litters.
func isTerminal(w io.Writer) bool {
	f, ok := w.(*os.File)
	if !ok {
		return false
	}
	st, err := f.Stat()
	return err == nil && st.Mode()&os.ModeCharDevice != 0
}

// benchResult is bench.Report, whose JSON tags are the --json contract.
type benchResult bench.Report

func (r *benchResult) writeText(w io.Writer) error { return (*bench.Report)(r).WriteText(w) }
