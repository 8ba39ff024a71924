package main

import (
	"context"
	"flag"
	"io"
	"strconv"
)

// faultsDeleteCommand removes one fault injection rule.
type faultsDeleteCommand struct {
	client clientFlags
	out    output
}

func (*faultsDeleteCommand) name() string     { return "faults delete" }
func (*faultsDeleteCommand) synopsis() string { return "remove a fault injection rule" }
func (*faultsDeleteCommand) usage() string {
	return `Usage: meterd faults delete [flags] ID

Removes the fault injection rule ID (see meterd faults list) from the
meterd at --url.
`
}

func (c *faultsDeleteCommand) bind(fs *flag.FlagSet, e *env) error {
	c.client.bind(fs, e.getenv)
	c.out.bind(fs)
	return nil
}

func (c *faultsDeleteCommand) run(ctx context.Context, e *env, args []string) error {
	if len(args) != 1 {
		return usagef("want one rule ID argument")
	}
	id, err := strconv.ParseInt(args[0], 10, 64)
	if err != nil {
		return usagef("rule ID %q is not a number", args[0])
	}
	admin, err := c.client.adminClient()
	if err != nil {
		return err
	}
	if err := admin.DeleteFault(ctx, id); err != nil {
		return err
	}
	return c.out.write(e.stdout, deletedResult{Deleted: 1})
}

// deletedResult says how many rules a command removed.
type deletedResult struct {
	Deleted int `json:"deleted"`
}

func (r deletedResult) writeText(w io.Writer) error {
	return writeTable(w, [][]string{{"DELETED"}, {strconv.Itoa(r.Deleted)}})
}
