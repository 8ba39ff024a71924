package main

import (
	"context"
	"flag"
	"fmt"
	"io"
	"time"

	"github.com/meterd/meterd/audit"
	"github.com/meterd/meterd/server"
)

// callsFlags are what `calls list` and `calls wait` share: the filters and
// how to count.
type callsFlags struct {
	client  clientFlags
	out     output
	filters auditFlags
	records bool
}

func (c *callsFlags) bind(fs *flag.FlagSet, e *env) {
	c.client.bind(fs, e.getenv)
	c.out.bind(fs)
	c.filters.bind(fs, "operation")
	fs.BoolVar(&c.records, "records", false, "count usage records inside the calls (a BatchMeterUsage holds many), not calls")
}

func (c *callsFlags) query(min int) (audit.CallQuery, error) {
	f, err := c.filters.filter(time.Now())
	return audit.CallQuery{Filter: f, Min: min, Records: c.records}, err
}

// callsListCommand lists the calls matching the filters now.
type callsListCommand struct{ callsFlags }

func (*callsListCommand) name() string     { return "calls list" }
func (*callsListCommand) synopsis() string { return "list the calls matching filters (the call log)" }
func (*callsListCommand) usage() string {
	return `Usage: meterd calls list [flags]

Lists the calls the meterd at --url received that match the filters,
newest first, with how many calls and usage records they hold; for
example --operation BatchMeterUsage --customer C --since 10m.
`
}

func (c *callsListCommand) bind(fs *flag.FlagSet, e *env) error {
	c.callsFlags.bind(fs, e)
	return nil
}

func (c *callsListCommand) run(ctx context.Context, e *env, args []string) error {
	if err := noArgs(args); err != nil {
		return err
	}
	q, err := c.query(0)
	if err != nil {
		return err
	}
	admin, err := c.client.adminClient()
	if err != nil {
		return err
	}
	out, err := admin.ListCalls(ctx, q, 0)
	if err != nil {
		return err
	}
	return c.out.write(e.stdout, callsResult(*out))
}

// callsResult is the call log's answer (server.CallsOutput): met, calls,
// records and the events, newest first.
type callsResult server.CallsOutput

func (r callsResult) writeText(w io.Writer) error {
	if _, err := fmt.Fprintf(w, "%d calls, %d records\n\n", r.Calls, r.Records); err != nil {
		return err
	}
	return writeEvents(w, r.Events)
}
