package main

import (
	"context"
	"flag"

	"github.com/meterd/meterd/server"
)

// clockFreezeCommand stops the business clock.
type clockFreezeCommand struct {
	client clientFlags
	out    output
}

func (*clockFreezeCommand) name() string     { return "clock freeze" }
func (*clockFreezeCommand) synopsis() string { return "stop the business clock where it is" }
func (*clockFreezeCommand) usage() string {
	return `Usage: meterd clock freeze [flags]

Stops the business clock of the meterd at --url at its current reading;
clock set and clock advance move it while it stays frozen, clock real
releases it.
`
}

func (c *clockFreezeCommand) bind(fs *flag.FlagSet, e *env) error {
	c.client.bind(fs, e.getenv)
	c.out.bind(fs)
	return nil
}

func (c *clockFreezeCommand) run(ctx context.Context, e *env, args []string) error {
	if err := noArgs(args); err != nil {
		return err
	}
	return runClock(ctx, e, &c.client, &c.out, (*server.AdminClient).FreezeClock)
}
