package main

import (
	"context"
	"flag"
	"io"

	"github.com/meterd/meterd/server"
)

// customersCreateCommand creates a customer (a buyer as a seller knows it).
type customersCreateCommand struct {
	client   clientFlags
	out      output
	customer server.CustomerJSON
}

func (*customersCreateCommand) name() string     { return "customers create" }
func (*customersCreateCommand) synopsis() string { return "create a customer" }
func (*customersCreateCommand) usage() string {
	return `Usage: meterd customers create [flags]

Creates a customer on the meterd at --url: the CustomerIdentifier that
ResolveCustomer returns and the buyer's AWS account. Example:

  meterd customers create --identifier buyer-1 --aws-account 444455556666
`
}

func (c *customersCreateCommand) bind(fs *flag.FlagSet, e *env) error {
	c.client.bind(fs, e.getenv)
	c.out.bind(fs)
	fs.StringVar(&c.customer.Identifier, "identifier", "", "the CustomerIdentifier (required)")
	fs.StringVar(&c.customer.AWSAccountID, "aws-account", "", "the buyer's 12-digit AWS account id (required)")
	return nil
}

func (c *customersCreateCommand) run(ctx context.Context, e *env, args []string) error {
	if err := noArgs(args); err != nil {
		return err
	}
	if c.customer.Identifier == "" || c.customer.AWSAccountID == "" {
		return usagef("--identifier and --aws-account are required")
	}
	admin, err := c.client.adminClient()
	if err != nil {
		return err
	}
	cu, err := admin.CreateCustomer(ctx, c.customer)
	if err != nil {
		return err
	}
	return c.out.write(e.stdout, customerResult{*cu})
}

// customerResult is one customer.
type customerResult struct{ server.CustomerJSON }

func (r customerResult) writeText(w io.Writer) error {
	return customersResult{Customers: []server.CustomerJSON{r.CustomerJSON}}.writeText(w)
}
