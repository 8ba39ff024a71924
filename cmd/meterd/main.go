// Command meterd runs a self-hosted AWS Marketplace Metering and Entitlement
// service. See README.md.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"os/signal"
	"syscall"
)

const usage = `meterd: a self-hosted AWS Marketplace Metering and Entitlement service.

Usage:
  meterd serve [flags]                 run the server (see meterd serve -h)
  meterd seed check FILE               validate a seed file
  meterd admin token create [flags]    mint a registration token for ResolveCustomer
  meterd admin keys rotate [flags]     rotate the RegisterUsage signing key
  meterd version                       print the version
`

// version is set with -ldflags "-X main.version=...".
var version = "dev"

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	if err := run(ctx, os.Args[1:], os.Stdout, os.Stderr, os.Getenv); err != nil {
		if !errors.Is(err, flag.ErrHelp) {
			fmt.Fprintln(os.Stderr, "meterd:", err)
		}
		os.Exit(2)
	}
}

// run dispatches a subcommand. It takes its environment as arguments so
// tests can run it in-process.
func run(ctx context.Context, args []string, stdout, stderr io.Writer, getenv func(string) string) error {
	if len(args) == 0 {
		fmt.Fprint(stderr, usage)
		return flag.ErrHelp
	}
	switch args[0] {
	case "serve":
		return runServe(ctx, args[1:], stdout, stderr, getenv)
	case "seed":
		return runSeed(args[1:], stdout)
	case "admin":
		return runAdmin(ctx, args[1:], stdout, stderr, getenv)
	case "version":
		fmt.Fprintln(stdout, "meterd", version)
		return nil
	case "help", "-h", "--help":
		fmt.Fprint(stdout, usage)
		return nil
	}
	fmt.Fprint(stderr, usage)
	return fmt.Errorf("unknown command %q", args[0])
}
