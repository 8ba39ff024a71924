package main

import (
	"context"
	"flag"
	"fmt"
	"io"
	"net"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"time"

	"github.com/meterd/meterd/bench"
)

// benchColdStartCommand measures how soon a new meterd answers.
type benchColdStartCommand struct {
	out  output
	runs int
}

func (*benchColdStartCommand) name() string { return "bench cold-start" }
func (*benchColdStartCommand) synopsis() string {
	return "time from starting meterd on an empty data directory to its first MeterUsage answer"
}
func (*benchColdStartCommand) usage() string {
	return `Usage: meterd bench cold-start [flags]

Starts this meterd binary (` + "`meterd serve`" + ` with the demo catalog, on a free
port and an empty data directory) --runs times, and measures each time from
the process start to the first successful answer to a MeterUsage of the
demo buyer, polled every millisecond; each meterd is then stopped with
SIGTERM. Prints every run and their median.
`
}

func (c *benchColdStartCommand) bind(fs *flag.FlagSet, _ *env) error {
	c.out.bind(fs)
	fs.IntVar(&c.runs, "runs", 5, "how many starts to measure")
	return nil
}

func (c *benchColdStartCommand) run(ctx context.Context, e *env, args []string) error {
	if err := noArgs(args); err != nil {
		return err
	}
	if c.runs < 1 {
		return usagef("--runs %d: want at least 1", c.runs)
	}
	exe, err := os.Executable()
	if err != nil {
		return err
	}
	var res coldStartResult
	for range c.runs {
		d, err := coldStart(ctx, exe)
		if err != nil {
			return err
		}
		res.RunsMs = append(res.RunsMs, float64(d.Microseconds())/1000)
	}
	sorted := slices.Sorted(slices.Values(res.RunsMs))
	res.MedianMs = sorted[(len(sorted)-1)/2]
	return c.out.write(e.stdout, res)
}

// coldStart measures one start of exe serve on a new data directory.
func coldStart(ctx context.Context, exe string) (time.Duration, error) {
	dir, err := os.MkdirTemp("", "meterd-cold-")
	if err != nil {
		return 0, err
	}
	defer os.RemoveAll(dir)
	addr, err := freeAddr()
	if err != nil {
		return 0, err
	}
	return bench.ColdStart(ctx, "http://"+addr, exe, "serve", "--addr", addr,
		"--data", filepath.Join(dir, "data"), "--log-level", "error")
}

// freeAddr finds a free port of 127.0.0.1. The process measured must
// bind it itself, so it is closed again: another process could take it in
// between, which the measurement would report as a failure.
func freeAddr() (string, error) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return "", err
	}
	defer ln.Close()
	return ln.Addr().String(), nil
}

// coldStartResult lists the runs in milliseconds.
type coldStartResult struct {
	RunsMs   []float64 `json:"runsMs"`
	MedianMs float64   `json:"medianMs"`
}

func (r coldStartResult) writeText(w io.Writer) error {
	runs := ""
	for _, ms := range r.RunsMs {
		runs += " " + strconv.FormatFloat(ms, 'f', 1, 64)
	}
	_, err := fmt.Fprintf(w, "cold start to the first MeterUsage answer: median %.1f ms (runs:%s)\n", r.MedianMs, runs)
	return err
}
