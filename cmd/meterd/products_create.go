package main

import (
	"context"
	"flag"
	"fmt"
	"strings"

	"github.com/meterd/meterd/server"
)

// productsCreateCommand creates a product through the admin API.
type productsCreateCommand struct {
	client     clientFlags
	out        output
	product    server.ProductJSON
	dimensions listFlag
	targets    listFlag
}

func (*productsCreateCommand) name() string     { return "products create" }
func (*productsCreateCommand) synopsis() string { return "create a product" }
func (*productsCreateCommand) usage() string {
	return `Usage: meterd products create [flags]

Creates a product on the meterd at --url. It is admin-made: a restart with
the seed file keeps it (docs/catalog.md). Example:

  meterd products create --code my-saas --seller 111122223333 --type SaaS \
    --dimension users --dimension tier:String \
    --fulfillment-url http://localhost:3000/register \
    --target sns-sqs=http://localhost:4566/000000000000/mp-events
`
}

func (c *productsCreateCommand) bind(fs *flag.FlagSet, e *env) error {
	c.client.bind(fs, e.getenv)
	c.out.bind(fs)
	p := &c.product
	fs.StringVar(&p.Code, "code", "", "the product code (required)")
	fs.StringVar(&p.SellerAccountID, "seller", "", "the seller's 12-digit account id, declared already (required)")
	fs.StringVar(&p.Type, "type", "SaaS", "SaaS, AMI or Container")
	fs.StringVar(&p.Integration, "integration", "", "SaaS only: legacy (default) or concurrent-agreements")
	fs.Var(&c.dimensions, "dimension", "a dimension `NAME[:TYPE]` (TYPE Integer, Double, Boolean or String); repeat for more")
	fs.StringVar(&p.FulfillmentURL, "fulfillment-url", "", "where subscribing buyers' registration tokens are POSTed")
	fs.Var(&c.targets, "target", "a notification target `KIND=ENDPOINT` (sns-http, sns-sqs, eventbridge-http, eventbridge-api); repeat for more")
	return nil
}

func (c *productsCreateCommand) run(ctx context.Context, e *env, args []string) error {
	if err := noArgs(args); err != nil {
		return err
	}
	if c.product.Code == "" || c.product.SellerAccountID == "" {
		return usagef("--code and --seller are required")
	}
	var err error
	if c.product.NotificationTargets, err = parseTargets(c.targets); err != nil {
		return err
	}
	for _, d := range c.dimensions {
		name, typ, _ := strings.Cut(d, ":")
		c.product.Dimensions = append(c.product.Dimensions, server.DimensionJSON{Name: name, Type: typ})
	}
	admin, err := c.client.adminClient()
	if err != nil {
		return err
	}
	p, err := admin.CreateProduct(ctx, c.product)
	if err != nil {
		return err
	}
	return c.out.write(e.stdout, productResult{*p})
}

// listFlag is a repeatable string flag.
type listFlag []string

func (l *listFlag) String() string     { return strings.Join(*l, ",") }
func (l *listFlag) Set(v string) error { *l = append(*l, v); return nil }

// parseTargets reads KIND=ENDPOINT flags.
func parseTargets(flags []string) ([]server.TargetJSON, error) {
	out := []server.TargetJSON{}
	for _, f := range flags {
		kind, endpoint, ok := strings.Cut(f, "=")
		if !ok || kind == "" || endpoint == "" {
			return nil, usagef("--target %q: want KIND=ENDPOINT", f)
		}
		out = append(out, server.TargetJSON{Kind: kind, Endpoint: endpoint})
	}
	return out, nil
}

// targetsText shows targets in one cell.
func targetsText(ts []server.TargetJSON) string {
	if len(ts) == 0 {
		return "-"
	}
	parts := make([]string, len(ts))
	for i, t := range ts {
		parts[i] = fmt.Sprintf("%s=%s", t.Kind, t.Endpoint)
	}
	return strings.Join(parts, " ")
}
