package main

import (
	"context"
	"flag"

	"github.com/meterd/meterd/server"
)

// productsUpdateCommand changes where a product's buyers and events go.
type productsUpdateCommand struct {
	client  clientFlags
	out     output
	url     string
	targets listFlag
	clear   bool
}

func (*productsUpdateCommand) name() string { return "products update" }
func (*productsUpdateCommand) synopsis() string {
	return "change a product's fulfillment URL or notification targets"
}
func (*productsUpdateCommand) usage() string {
	return `Usage: meterd products update [flags] CODE

Changes the fulfillment URL (--fulfillment-url) or the notification targets
(--target, replacing them all; --no-targets removes them) of product CODE.
A seed product changed so becomes admin-made: the seed no longer replaces
it at start (docs/catalog.md). Example:

  meterd products update demo-saas --fulfillment-url http://localhost:3000/register
`
}

func (c *productsUpdateCommand) bind(fs *flag.FlagSet, e *env) error {
	c.client.bind(fs, e.getenv)
	c.out.bind(fs)
	fs.StringVar(&c.url, "fulfillment-url", "", "the new fulfillment URL")
	fs.Var(&c.targets, "target", "a notification target `KIND=ENDPOINT`; repeat for more")
	fs.BoolVar(&c.clear, "no-targets", false, "remove every notification target")
	return nil
}

func (c *productsUpdateCommand) run(ctx context.Context, e *env, args []string) error {
	if len(args) != 1 {
		return usagef("want one product code argument")
	}
	var in server.UpdateProductInput
	set := map[string]bool{}
	if c.url != "" {
		in.FulfillmentURL, set["url"] = &c.url, true
	}
	if len(c.targets) > 0 || c.clear {
		if len(c.targets) > 0 && c.clear {
			return usagef("--target and --no-targets exclude each other")
		}
		ts, err := parseTargets(c.targets)
		if err != nil {
			return err
		}
		in.NotificationTargets, set["targets"] = &ts, true
	}
	if len(set) == 0 {
		return usagef("nothing to change: give --fulfillment-url, --target or --no-targets")
	}
	admin, err := c.client.adminClient()
	if err != nil {
		return err
	}
	p, err := admin.UpdateProduct(ctx, args[0], in)
	if err != nil {
		return err
	}
	return c.out.write(e.stdout, productResult{*p})
}
