package main

import (
	"context"
	"flag"
	"time"

	"github.com/meterd/meterd/server"
)

// clockAdvanceCommand moves the business clock by a duration.
type clockAdvanceCommand struct {
	client clientFlags
	out    output
}

func (*clockAdvanceCommand) name() string     { return "clock advance" }
func (*clockAdvanceCommand) synopsis() string { return "move the business clock by a duration" }
func (*clockAdvanceCommand) usage() string {
	return `Usage: meterd clock advance [flags] DURATION

Moves the business clock of the meterd at --url by DURATION (a Go duration:
90m, 36h), frozen or not. To move it back, put -- before a negative duration:
meterd clock advance -- -2h.
`
}

func (c *clockAdvanceCommand) bind(fs *flag.FlagSet, e *env) error {
	c.client.bind(fs, e.getenv)
	c.out.bind(fs)
	return nil
}

func (c *clockAdvanceCommand) run(ctx context.Context, e *env, args []string) error {
	if len(args) != 1 {
		return usagef("want one DURATION argument")
	}
	d, err := time.ParseDuration(args[0])
	if err != nil {
		return usagef("DURATION %q: want a Go duration, e.g. 90m or 36h", args[0])
	}
	return runClock(ctx, e, &c.client, &c.out, func(a *server.AdminClient, ctx context.Context) (*server.ClockOutput, error) {
		return a.AdvanceClock(ctx, d)
	})
}
