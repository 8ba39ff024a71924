package main

import (
	"context"
	"flag"
)

// faultsClearCommand removes every fault injection rule.
type faultsClearCommand struct {
	client clientFlags
	out    output
}

func (*faultsClearCommand) name() string     { return "faults clear" }
func (*faultsClearCommand) synopsis() string { return "remove every fault injection rule" }
func (*faultsClearCommand) usage() string {
	return `Usage: meterd faults clear [flags]

Removes every fault injection rule from the meterd at --url.
`
}

func (c *faultsClearCommand) bind(fs *flag.FlagSet, e *env) error {
	c.client.bind(fs, e.getenv)
	c.out.bind(fs)
	return nil
}

func (c *faultsClearCommand) run(ctx context.Context, e *env, args []string) error {
	if err := noArgs(args); err != nil {
		return err
	}
	admin, err := c.client.adminClient()
	if err != nil {
		return err
	}
	n, err := admin.ClearFaults(ctx)
	if err != nil {
		return err
	}
	return c.out.write(e.stdout, deletedResult{Deleted: n})
}
