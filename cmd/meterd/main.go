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
	// After the first signal starts the graceful shutdown, a second one
	// gets Go's default handling and ends the process at once; the ledger
	// stays consistent (SQLite WAL) and every answered write is on disk.
	context.AfterFunc(ctx, stop)
	os.Exit(exitCode(run(ctx, os.Args[1:], os.Stdout, os.Stderr, os.Getenv)))
}

// usageError is a mistake in the command line, as opposed to a failure of
// the command; it exits with 2.
type usageError struct{ err error }

func (e usageError) Error() string { return e.err.Error() }
func (e usageError) Unwrap() error { return e.err }

func usagef(format string, args ...any) error { return usageError{fmt.Errorf(format, args...)} }

// exitCode prints err and returns the process exit code: 0 for success and
// -h, 2 for usage errors, 1 for failures.
func exitCode(err error) int {
	var usage usageError
	switch {
	case err == nil, errors.Is(err, flag.ErrHelp):
		return 0
	case errors.As(err, &usage):
		fmt.Fprintln(os.Stderr, "meterd:", err)
		return 2
	}
	fmt.Fprintln(os.Stderr, "meterd:", err)
	return 1
}

// run dispatches a subcommand. It takes its environment as arguments so
// tests can run it in-process.
func run(ctx context.Context, args []string, stdout, stderr io.Writer, getenv func(string) string) error {
	if len(args) == 0 {
		fmt.Fprint(stderr, usage)
		return usagef("no command")
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
	return usagef("unknown command %q", args[0])
}

// flagError keeps -h a plain flag.ErrHelp and makes other parse errors
// usage errors.
func flagError(err error) error {
	if errors.Is(err, flag.ErrHelp) {
		return err
	}
	return usageError{err}
}
