package main

import (
	"context"
	"flag"
	"fmt"
	"io"
	"log/slog"

	"github.com/meterd/meterd/node"
	"github.com/meterd/meterd/seed"
)

func runServe(ctx context.Context, args []string, stdout, stderr io.Writer, getenv func(string) string) error {
	cfg := node.DefaultConfig()
	if err := cfg.ApplyEnv(getenv); err != nil {
		return usageError{err}
	}
	fs := flag.NewFlagSet("meterd serve", flag.ContinueOnError)
	fs.SetOutput(stderr)
	cfg.BindFlags(fs)
	if err := fs.Parse(args); err != nil {
		return flagError(err)
	}
	if err := cfg.Validate(); err != nil {
		return usageError{err}
	}
	level, _ := node.ParseLevel(cfg.LogLevel) // checked by Validate
	logger := slog.New(slog.NewTextHandler(stderr, &slog.HandlerOptions{Level: level}))
	n, err := node.Open(ctx, cfg, logger)
	if err != nil {
		return err
	}
	printBanner(stdout, n)
	return n.Run(ctx)
}

// printBanner tells a new user how to call meterd. The demo keys are public
// constants of the built-in demo data; keys from a seed file are never
// printed.
func printBanner(w io.Writer, n *node.Node) {
	url, cfg := n.URL(), n.Config()
	fmt.Fprintf(w, "meterd %s listening on %s (ledger in %s)\n", version, url, cfg.DataDir)
	if path := n.AdminTokenPath(); path != "" {
		fmt.Fprintf(w, "admin token: in %s\n", path)
	}
	if cfg.SeedFile != "" {
		return
	}
	fmt.Fprintf(w, `
Demo data: seller %s (key test/test), buyer %s (key buyer/buyer),
products demo-saas, demo-ami, demo-container; customer demo-customer.
Try (buyer keys, AMI product):
  AWS_ACCESS_KEY_ID=buyer AWS_SECRET_ACCESS_KEY=buyer aws meteringmarketplace meter-usage --endpoint-url %s --region us-east-1 --product-code demo-ami --usage-dimension vcpu_hours --usage-quantity 1 --timestamp "$(date -u +%%Y-%%m-%%dT%%H:00:00Z)"
`, seed.DemoSellerAccountID, seed.DemoBuyerAccountID, url)
}
