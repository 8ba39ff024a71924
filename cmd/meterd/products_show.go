package main

import (
	"context"
	"flag"
)

// productsShowCommand shows one product.
type productsShowCommand struct {
	client clientFlags
	out    output
}

func (*productsShowCommand) name() string     { return "products show" }
func (*productsShowCommand) synopsis() string { return "show a product" }
func (*productsShowCommand) usage() string {
	return `Usage: meterd products show [flags] CODE

Shows the product CODE of the meterd at --url.
`
}

func (c *productsShowCommand) bind(fs *flag.FlagSet, e *env) error {
	c.client.bind(fs, e.getenv)
	c.out.bind(fs)
	return nil
}

func (c *productsShowCommand) run(ctx context.Context, e *env, args []string) error {
	if len(args) != 1 {
		return usagef("want one product code argument")
	}
	admin, err := c.client.adminClient()
	if err != nil {
		return err
	}
	p, err := admin.ShowProduct(ctx, args[0])
	if err != nil {
		return err
	}
	return c.out.write(e.stdout, productResult{*p})
}
