package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"strconv"
	"time"
)

// auditExportCommand downloads the trail as a CloudTrail log file.
type auditExportCommand struct {
	client  clientFlags
	out     output
	filters auditFlags
	file    string
}

func (*auditExportCommand) name() string { return "audit export" }
func (*auditExportCommand) synopsis() string {
	return "export the audit trail as a gzipped CloudTrail log file"
}
func (*auditExportCommand) usage() string {
	return `Usage: meterd audit export [flags]

Writes the calls matching the filters as one CloudTrail log file,
{"Records": [...]} gzipped, newest first, so that tools that read
CloudTrail's S3 files read it unchanged. The file streams in: memory stays
small however long the trail. Progress goes to stderr.
`
}

func (c *auditExportCommand) bind(fs *flag.FlagSet, e *env) error {
	c.client.bind(fs, e.getenv)
	c.out.bind(fs)
	c.filters.bind(fs, "event")
	fs.StringVar(&c.file, "out", "meterd-cloudtrail.json.gz", "`file` to write (replaced if it exists)")
	return nil
}

func (c *auditExportCommand) run(ctx context.Context, e *env, args []string) error {
	if err := noArgs(args); err != nil {
		return err
	}
	if c.file == "" {
		return usagef("--out must name a file")
	}
	f, err := c.filters.filter(time.Now())
	if err != nil {
		return err
	}
	admin, err := c.client.adminClient()
	if err != nil {
		return err
	}
	admin.HTTP.Timeout = 0 // a long export streams for as long as it takes
	res, err := exportToFile(c.file, e.stderr, c.out.json, func(w io.Writer) error { return admin.ExportEvents(ctx, f, w) })
	if err != nil {
		return err
	}
	return c.out.write(e.stdout, res)
}

// exportToFile creates file and has export write it, with a progress line
// on stderr unless quiet.
func exportToFile(file string, stderr io.Writer, quiet bool, export func(io.Writer) error) (exportResult, error) {
	out, err := os.Create(file)
	if err != nil {
		return exportResult{}, err
	}
	w := &progress{w: out, stderr: stderr, quiet: quiet}
	err = export(w)
	w.done()
	if err = errors.Join(err, out.Close()); err != nil {
		return exportResult{}, fmt.Errorf("export to %s: %w", file, err)
	}
	return exportResult{File: file, Bytes: w.n}, nil
}

// exportResult is a written export.
type exportResult struct {
	File  string `json:"file"`
	Bytes int64  `json:"bytes"`
}

func (r exportResult) writeText(w io.Writer) error {
	return writeTable(w, [][]string{{"FILE", "BYTES"}, {r.File, strconv.FormatInt(r.Bytes, 10)}})
}

// progress counts bytes through it and rewrites one stderr line at most
// every progressEvery.
type progress struct {
	w      io.Writer
	stderr io.Writer
	quiet  bool
	n      int64
	shown  time.Time
}

const progressEvery = 500 * time.Millisecond

func (p *progress) Write(b []byte) (int, error) {
	n, err := p.w.Write(b)
	p.n += int64(n)
	if !p.quiet && time.Since(p.shown) >= progressEvery {
		p.shown = time.Now()
		fmt.Fprintf(p.stderr, "\rexported %d bytes", p.n)
	}
	return n, err
}

// done ends the progress line, if one was shown.
func (p *progress) done() {
	if !p.quiet && !p.shown.IsZero() {
		fmt.Fprintln(p.stderr)
	}
}
