package main

import (
	"context"
	"flag"
	"time"

	"github.com/meterd/meterd/server"
)

// clockSetCommand moves the business clock to an instant.
type clockSetCommand struct {
	client clientFlags
	out    output
	freeze bool
}

func (*clockSetCommand) name() string     { return "clock set" }
func (*clockSetCommand) synopsis() string { return "move the business clock to a time" }
func (*clockSetCommand) usage() string {
	return `Usage: meterd clock set [flags] TIME

Moves the business clock of the meterd at --url to TIME (RFC 3339, e.g.
2026-02-01T07:00:00Z). A running clock runs on from there; a frozen one stays
frozen; --freeze stops it exactly at TIME. Moving the clock back is allowed
(see docs/differences.md, "Simulated clock").
`
}

func (c *clockSetCommand) bind(fs *flag.FlagSet, e *env) error {
	c.client.bind(fs, e.getenv)
	c.out.bind(fs)
	fs.BoolVar(&c.freeze, "freeze", false, "freeze the clock at TIME")
	return nil
}

func (c *clockSetCommand) run(ctx context.Context, e *env, args []string) error {
	if len(args) != 1 {
		return usagef("want one TIME argument")
	}
	at, err := time.Parse(time.RFC3339Nano, args[0])
	if err != nil {
		return usagef("TIME %q: want RFC 3339, e.g. 2026-02-01T07:00:00Z", args[0])
	}
	return runClock(ctx, e, &c.client, &c.out, func(a *server.AdminClient, ctx context.Context) (*server.ClockOutput, error) {
		return a.SetClock(ctx, at, c.freeze)
	})
}
