package main

import (
	"context"
	"flag"
	"fmt"
	"io"
	"runtime"
)

// versionCommand prints the version.
type versionCommand struct{ out output }

func (*versionCommand) name() string     { return "version" }
func (*versionCommand) synopsis() string { return "print the version" }
func (*versionCommand) usage() string {
	return "Usage: meterd version [flags]\n\nPrints meterd's version and the Go version it was built with.\n"
}

func (c *versionCommand) bind(fs *flag.FlagSet, _ *env) error {
	c.out.bind(fs)
	return nil
}

func (c *versionCommand) run(_ context.Context, e *env, args []string) error {
	if err := noArgs(args); err != nil {
		return err
	}
	return c.out.write(e.stdout, versionResult{Version: version, Go: runtime.Version()})
}

type versionResult struct {
	Version string `json:"version"`
	Go      string `json:"go"`
}

func (r versionResult) writeText(w io.Writer) error {
	_, err := fmt.Fprintf(w, "meterd %s (%s)\n", r.Version, r.Go)
	return err
}
