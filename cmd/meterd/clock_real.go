package main

import (
	"context"
	"flag"

	"github.com/meterd/meterd/server"
)

// clockRealCommand makes the business clock the wall clock again.
type clockRealCommand struct {
	client clientFlags
	out    output
}

func (*clockRealCommand) name() string     { return "clock real" }
func (*clockRealCommand) synopsis() string { return "make the business clock the wall clock again" }
func (*clockRealCommand) usage() string {
	return `Usage: meterd clock real [flags]

Unfreezes the business clock of the meterd at --url and removes any offset:
it reads the wall clock again.
`
}

func (c *clockRealCommand) bind(fs *flag.FlagSet, e *env) error {
	c.client.bind(fs, e.getenv)
	c.out.bind(fs)
	return nil
}

func (c *clockRealCommand) run(ctx context.Context, e *env, args []string) error {
	if err := noArgs(args); err != nil {
		return err
	}
	return runClock(ctx, e, &c.client, &c.out, (*server.AdminClient).RealClock)
}
