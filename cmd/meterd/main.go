// Command meterd runs a self-hosted AWS Marketplace Metering and Entitlement
// service, and talks to a running one. See README.md and docs/cli.md.
//
// This package is flags, signals and output only: the wiring is package
// node, and each subcommand is a type in a file of its own, listed in
// commands.go.
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

// version is set with -ldflags "-X main.version=...".
var version = "dev"

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	// After the first signal starts the graceful shutdown, a second one
	// gets Go's default handling and ends the process at once; the ledger
	// stays consistent (SQLite WAL) and every answered write is on disk.
	context.AfterFunc(ctx, stop)
	os.Exit(exitCode(run(ctx, os.Args[1:], os.Stdout, os.Stderr, os.Getenv), os.Stderr))
}

// env is what a command may touch of its process. Tests pass their own, so
// that commands run in-process.
type env struct {
	stdout, stderr io.Writer
	getenv         func(string) string
}

// run runs the command args names.
func run(ctx context.Context, args []string, stdout, stderr io.Writer, getenv func(string) string) error {
	return dispatch(ctx, &env{stdout: stdout, stderr: stderr, getenv: getenv}, args)
}

// usageError is a mistake in the command line, as opposed to a failure of
// the command; it exits with 2.
type usageError struct{ err error }

func (e usageError) Error() string { return e.err.Error() }
func (e usageError) Unwrap() error { return e.err }

func usagef(format string, args ...any) error { return usageError{fmt.Errorf(format, args...)} }

// exitCode prints err to stderr and returns the process exit code: 0 for
// success and -h, 2 for usage errors, 1 for failures.
func exitCode(err error, stderr io.Writer) int {
	var usage usageError
	switch {
	case err == nil, errors.Is(err, flag.ErrHelp):
		return 0
	case errors.As(err, &usage):
		fmt.Fprintln(stderr, "meterd:", err)
		return 2
	}
	fmt.Fprintln(stderr, "meterd:", err)
	return 1
}

// flagError keeps -h a plain flag.ErrHelp and makes other parse errors
// usage errors.
func flagError(err error) error {
	if errors.Is(err, flag.ErrHelp) {
		return err
	}
	return usageError{err}
}
