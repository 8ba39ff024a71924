package main

import (
	"context"
	"flag"
	"io"
	"strconv"
	"time"

	"github.com/meterd/meterd/server"
)

// clockShowCommand reads the business clock of a running meterd.
type clockShowCommand struct {
	client clientFlags
	out    output
}

func (*clockShowCommand) name() string     { return "clock show" }
func (*clockShowCommand) synopsis() string { return "show the business clock" }
func (*clockShowCommand) usage() string {
	return `Usage: meterd clock show [flags]

Shows the business clock of the meterd at --url: the time its metering
windows, month end and expiries follow, whether it is frozen, and how far it
is from the wall clock.
`
}

func (c *clockShowCommand) bind(fs *flag.FlagSet, e *env) error {
	c.client.bind(fs, e.getenv)
	c.out.bind(fs)
	return nil
}

func (c *clockShowCommand) run(ctx context.Context, e *env, args []string) error {
	if err := noArgs(args); err != nil {
		return err
	}
	return runClock(ctx, e, &c.client, &c.out, (*server.AdminClient).Clock)
}

// runClock calls the admin API with change and prints the clock it answers.
func runClock(ctx context.Context, e *env, client *clientFlags, out *output,
	change func(*server.AdminClient, context.Context) (*server.ClockOutput, error)) error {
	admin, err := client.adminClient()
	if err != nil {
		return err
	}
	st, err := change(admin, ctx)
	if err != nil {
		return err
	}
	return out.write(e.stdout, clockResult{Now: st.Now.UTC(), Frozen: st.Frozen, Offset: time.Duration(st.Offset).String(), Real: st.Real})
}

// clockResult is the business clock, as every clock command prints it.
type clockResult struct {
	Now    time.Time `json:"now"`
	Frozen bool      `json:"frozen"`
	Offset string    `json:"offset"` // a Go duration: now minus wall time
	Real   bool      `json:"real"`
}

func (r clockResult) writeText(w io.Writer) error {
	return writeTable(w, [][]string{
		{"NOW", "FROZEN", "OFFSET", "REAL"},
		{r.Now.Format(time.RFC3339Nano), strconv.FormatBool(r.Frozen), r.Offset, strconv.FormatBool(r.Real)},
	})
}
