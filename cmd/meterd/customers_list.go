package main

import (
	"context"
	"flag"
	"io"

	"github.com/meterd/meterd/server"
)

// customersListCommand lists the customers.
type customersListCommand struct {
	client clientFlags
	out    output
}

func (*customersListCommand) name() string     { return "customers list" }
func (*customersListCommand) synopsis() string { return "list the customers" }
func (*customersListCommand) usage() string {
	return `Usage: meterd customers list [flags]

Lists the customers of the meterd at --url.
`
}

func (c *customersListCommand) bind(fs *flag.FlagSet, e *env) error {
	c.client.bind(fs, e.getenv)
	c.out.bind(fs)
	return nil
}

func (c *customersListCommand) run(ctx context.Context, e *env, args []string) error {
	if err := noArgs(args); err != nil {
		return err
	}
	admin, err := c.client.adminClient()
	if err != nil {
		return err
	}
	cs, err := admin.ListCustomers(ctx)
	if err != nil {
		return err
	}
	return c.out.write(e.stdout, customersResult{Customers: nonNil(cs)})
}

// customersResult is a list of customers.
type customersResult struct {
	Customers []server.CustomerJSON `json:"customers"`
}

func (r customersResult) writeText(w io.Writer) error {
	rows := [][]string{{"IDENTIFIER", "AWS ACCOUNT", "ORIGIN"}}
	for _, c := range r.Customers {
		rows = append(rows, []string{c.Identifier, c.AWSAccountID, c.Origin})
	}
	return writeTable(w, rows)
}
