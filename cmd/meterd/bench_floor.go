package main

import (
	"context"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"net"
	"os"
	"path/filepath"

	"github.com/meterd/meterd/bench"
)

// benchFloorCommand serves the floor of package bench: meterd's
// unavoidable work per request, and optionally a durable append, as the
// baseline `meterd bench` measures meterd against.
type benchFloorCommand struct {
	out    output
	addr   string
	fsync  bool
	file   string
	buyers int
}

func (*benchFloorCommand) name() string { return "bench floor" }
func (*benchFloorCommand) synopsis() string {
	return "serve the operations with only SigV4, decoding and an answer (the baseline)"
}
func (*benchFloorCommand) usage() string {
	return `Usage: meterd bench floor [flags]

Serves MeterUsage, BatchMeterUsage, ResolveCustomer and GetEntitlements
(AWS JSON and RPC v2 CBOR) on --addr with only the work no implementation
can skip: it verifies SigV4 with meterd's verifier against the keys of the
bench fixture of --buyers buyers, decodes and validates the request with
meterd's decoder, and answers a well-formed success, with no rule and no
ledger. With --fsync it also appends each usage record to --file and
fsyncs before answering, many requests per fsync (group commit). Runs until
SIGINT or SIGTERM; prints its URL once it listens.
`
}

func (c *benchFloorCommand) bind(fs *flag.FlagSet, _ *env) error {
	c.out.bind(fs)
	fs.StringVar(&c.addr, "addr", "127.0.0.1:4600", "address to listen on (port 0 picks one)")
	fs.BoolVar(&c.fsync, "fsync", false, "append every usage record to --file and fsync before answering")
	fs.StringVar(&c.file, "file", "", "append file of --fsync (default: a temporary file, removed at exit)")
	fs.IntVar(&c.buyers, "buyers", bench.DefaultBuyers, "buyers of the fixture whose keys are accepted")
	return nil
}

func (c *benchFloorCommand) run(ctx context.Context, e *env, args []string) error {
	if err := noArgs(args); err != nil {
		return err
	}
	if c.buyers < 1 {
		return usagef("--buyers %d: want at least 1", c.buyers)
	}
	if c.file != "" && !c.fsync {
		return usagef("--file needs --fsync")
	}
	file, cleanup, err := c.appendFile()
	if err != nil {
		return err
	}
	defer cleanup()
	logger := slog.New(slog.NewTextHandler(e.stderr, &slog.HandlerOptions{Level: slog.LevelWarn}))
	floor, err := bench.NewFloor(bench.FloorConfig{Fixture: bench.NewFixture(c.buyers), AppendFile: file, Logger: logger})
	if err != nil {
		return err
	}
	defer floor.Close()
	ln, err := net.Listen("tcp", c.addr)
	if err != nil {
		return fmt.Errorf("listen: %w", err)
	}
	ready := benchFloorReady{URL: "http://" + ln.Addr().String(), Fsync: c.fsync, File: file, Buyers: c.buyers}
	if err := c.out.write(e.stdout, ready); err != nil {
		ln.Close()
		return err
	}
	return floor.Serve(ctx, ln)
}

// appendFile is --file, or a new temporary file that cleanup removes.
func (c *benchFloorCommand) appendFile() (path string, cleanup func(), err error) {
	switch {
	case !c.fsync:
		return "", func() {}, nil
	case c.file != "":
		return c.file, func() {}, nil
	}
	dir, err := os.MkdirTemp("", "meterd-floor-")
	if err != nil {
		return "", nil, err
	}
	return filepath.Join(dir, "records.tsv"), func() { os.RemoveAll(dir) }, nil
}

// benchFloorReady is printed once the floor listens.
type benchFloorReady struct {
	URL    string `json:"url"`
	Fsync  bool   `json:"fsync"`
	File   string `json:"file,omitempty"` // the append file, with --fsync
	Buyers int    `json:"buyers"`
}

func (r benchFloorReady) writeText(w io.Writer) error {
	mode := "bare"
	if r.Fsync {
		mode = "fsync'd append to " + r.File
	}
	_, err := fmt.Fprintf(w, "meterd bench floor (%s, fixture of %d buyers) listening on %s\n", mode, r.Buyers, r.URL)
	return err
}
