package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"runtime/debug"
	"sync"

	"github.com/meterd/meterd/node"
	"github.com/meterd/meterd/seed"
)

// serveCommand runs a meterd until SIGINT or SIGTERM. Its flags come from
// node's settings table, so that a new setting needs no change here.
type serveCommand struct {
	cfg node.Config
	out output
}

func (*serveCommand) name() string     { return "serve" }
func (*serveCommand) synopsis() string { return "run the server" }
func (*serveCommand) usage() string {
	return `Usage: meterd serve [flags]

Runs meterd on --addr with its ledger in --data, until SIGINT or SIGTERM,
then finishes in-flight requests and closes the ledger. Every flag has a
METERD_ environment variable; a flag wins over its variable. Once meterd
listens, it prints its URL (and, with the demo data, how to call it).
`
}

func (c *serveCommand) bind(fs *flag.FlagSet, e *env) error {
	c.cfg = node.DefaultConfig()
	if err := c.cfg.ApplyEnv(e.getenv); err != nil {
		return err
	}
	c.cfg.BindFlags(fs)
	c.out.bind(fs)
	return nil
}

func (c *serveCommand) run(ctx context.Context, e *env, args []string) error {
	if err := noArgs(args); err != nil {
		return err
	}
	if err := c.cfg.Validate(); err != nil {
		return usageError{err}
	}
	level, _ := node.ParseLevel(c.cfg.LogLevel) // checked by Validate
	logger := slog.New(slog.NewTextHandler(e.stderr, &slog.HandlerOptions{Level: level}))
	restoreGC := collectLessDuringStartUp(e.getenv)
	n, err := node.Open(ctx, c.cfg, logger)
	restoreGC()
	if errors.Is(err, context.Canceled) && ctx.Err() != nil {
		// A signal during start-up (a large seed loading) is a clean stop:
		// node.Open left the data directory as it was.
		logger.Info("stopped before serving: the signal came during start-up")
		return nil
	}
	if err != nil {
		return err
	}
	ready := serveReady{Version: version, URL: n.URL(), ConsoleURL: n.ConsoleURL(), DataDir: c.cfg.DataDir,
		AdminTokenFile: n.AdminTokenPath(), Demo: c.cfg.SeedFile == ""}
	if err := c.out.write(e.stdout, ready); err != nil {
		n.Close()
		return err
	}
	return n.Run(ctx)
}

// startUpGCPercent is the GC target while a node opens. Start-up makes
// about 10 MB of short-lived garbage (SQLite connections, the seed's
// catalog, the model registry); with the default 100 the 4 MB first goal
// made two collections before the first answer, about 8% of a cold start
// (bench cold-start, medians of 15: 71 ms with GOGC=400, 77 and 79 ms
// without).
const startUpGCPercent = 400

// collectLessDuringStartUp raises the GC target to startUpGCPercent and
// returns the function that puts it back; a GOGC the user set is left
// alone. Nodes opening together in one process (tests) share the raise:
// the last to finish restores the target.
func collectLessDuringStartUp(getenv func(string) string) (restore func()) {
	if getenv("GOGC") != "" {
		return func() {}
	}
	startUpGC.Lock()
	defer startUpGC.Unlock()
	if startUpGC.opening == 0 {
		startUpGC.previous = debug.SetGCPercent(startUpGCPercent)
	}
	startUpGC.opening++
	return sync.OnceFunc(func() {
		startUpGC.Lock()
		defer startUpGC.Unlock()
		if startUpGC.opening--; startUpGC.opening == 0 {
			debug.SetGCPercent(startUpGC.previous)
		}
	})
}

// startUpGC counts the nodes opening (see collectLessDuringStartUp).
var startUpGC struct {
	sync.Mutex
	opening  int
	previous int // the GC target before the first of them
}

// serveReady is printed once meterd listens.
type serveReady struct {
	Version        string `json:"version"`
	URL            string `json:"url"`
	ConsoleURL     string `json:"consoleUrl"`
	DataDir        string `json:"dataDir"`
	AdminTokenFile string `json:"adminTokenFile,omitempty"` // "" when the token is configured
	Demo           bool   `json:"demo"`                     // serving the built-in demo data
}

// writeText tells a new user how to call meterd. The demo keys are public
// constants of the built-in demo data; keys from a seed file are never
// printed.
func (r serveReady) writeText(w io.Writer) error {
	fmt.Fprintf(w, "meterd %s listening on %s (ledger in %s)\n", r.Version, r.URL, r.DataDir)
	if r.AdminTokenFile != "" {
		fmt.Fprintf(w, "admin token: in %s\n", r.AdminTokenFile)
	}
	fmt.Fprintf(w, "console: %s (log in with the admin token)\n", r.ConsoleURL)
	if !r.Demo {
		return nil
	}
	_, err := fmt.Fprintf(w, `
Demo data: seller %s (key test/test), buyer %s (key buyer/buyer),
products demo-saas, demo-ami, demo-container; customer demo-customer.
Try (buyer keys, AMI product):
  AWS_ACCESS_KEY_ID=buyer AWS_SECRET_ACCESS_KEY=buyer aws meteringmarketplace meter-usage --endpoint-url %s --region us-east-1 --product-code demo-ami --usage-dimension vcpu_hours --usage-quantity 1 --timestamp "$(date -u +%%Y-%%m-%%dT%%H:00:00Z)"
`, seed.DemoSellerAccountID, seed.DemoBuyerAccountID, r.URL)
	return err
}
