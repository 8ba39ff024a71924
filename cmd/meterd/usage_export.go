package main

import (
	"context"
	"flag"
	"io"
	"time"

	"github.com/meterd/meterd/server"
)

// usageExportCommand downloads usage records as CSV or JSON Lines.
type usageExportCommand struct {
	client  clientFlags
	out     output
	filters usageFlags
	format  string
	file    string
}

func (*usageExportCommand) name() string { return "usage export" }
func (*usageExportCommand) synopsis() string {
	return "export usage records as CSV or JSON Lines"
}
func (*usageExportCommand) usage() string {
	return `Usage: meterd usage export [--format csv|jsonl] [--output FILE] [flags]

Writes every record matching the filters (those of meterd usage list) to
FILE, or to stdout without --output: CSV with a header row, or one JSON
object a line. The export streams in: memory stays small however many
records match. Progress goes to stderr when writing a file.
`
}

func (c *usageExportCommand) bind(fs *flag.FlagSet, e *env) error {
	c.client.bind(fs, e.getenv)
	c.out.bind(fs)
	c.filters.bind(fs)
	fs.StringVar(&c.format, "format", server.FormatCSV, "csv or jsonl")
	fs.StringVar(&c.file, "output", "", "`file` to write (replaced if it exists); stdout when absent")
	return nil
}

func (c *usageExportCommand) run(ctx context.Context, e *env, args []string) error {
	if err := noArgs(args); err != nil {
		return err
	}
	if c.format != server.FormatCSV && c.format != server.FormatJSONL {
		return usagef("--format %q: want csv or jsonl", c.format)
	}
	q, err := c.filters.query(time.Now())
	if err != nil {
		return err
	}
	admin, err := c.client.adminClient()
	if err != nil {
		return err
	}
	admin.HTTP.Timeout = 0 // a long export streams for as long as it takes
	if c.file == "" {
		return admin.ExportUsage(ctx, q, c.format, e.stdout)
	}
	res, err := exportToFile(c.file, e.stderr, c.out.json, func(w io.Writer) error {
		return admin.ExportUsage(ctx, q, c.format, w)
	})
	if err != nil {
		return err
	}
	return c.out.write(e.stdout, res)
}
