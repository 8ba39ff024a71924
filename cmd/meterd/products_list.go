package main

import (
	"context"
	"flag"
	"io"
	"strings"

	"github.com/meterd/meterd/server"
)

// productsListCommand lists the products.
type productsListCommand struct {
	client clientFlags
	out    output
}

func (*productsListCommand) name() string     { return "products list" }
func (*productsListCommand) synopsis() string { return "list the products" }
func (*productsListCommand) usage() string {
	return `Usage: meterd products list [flags]

Lists the products of the meterd at --url, seed-made and admin-made.
`
}

func (c *productsListCommand) bind(fs *flag.FlagSet, e *env) error {
	c.client.bind(fs, e.getenv)
	c.out.bind(fs)
	return nil
}

func (c *productsListCommand) run(ctx context.Context, e *env, args []string) error {
	if err := noArgs(args); err != nil {
		return err
	}
	admin, err := c.client.adminClient()
	if err != nil {
		return err
	}
	ps, err := admin.ListProducts(ctx)
	if err != nil {
		return err
	}
	return c.out.write(e.stdout, productsResult{Products: nonNil(ps)})
}

// productsResult is a list of products in the admin API's form.
type productsResult struct {
	Products []server.ProductJSON `json:"products"`
}

func (r productsResult) writeText(w io.Writer) error {
	rows := [][]string{{"CODE", "TYPE", "SELLER", "DIMENSIONS", "FULFILLMENT URL", "TARGETS", "ORIGIN"}}
	for _, p := range r.Products {
		dims := make([]string, len(p.Dimensions))
		for i, d := range p.Dimensions {
			dims[i] = d.Name
			if d.Type != "" {
				dims[i] += ":" + d.Type
			}
		}
		rows = append(rows, []string{p.Code, p.Type, p.SellerAccountID, orDash(strings.Join(dims, ",")),
			orDash(p.FulfillmentURL), targetsText(p.NotificationTargets), p.Origin})
	}
	return writeTable(w, rows)
}

// productResult is one product, in the admin API's form.
type productResult struct{ server.ProductJSON }

func (r productResult) writeText(w io.Writer) error {
	return productsResult{Products: []server.ProductJSON{r.ProductJSON}}.writeText(w)
}

func orDash(s string) string {
	if s == "" {
		return "-"
	}
	return s
}

// nonNil makes an absent list an empty one, for --json.
func nonNil[T any](s []T) []T {
	if s == nil {
		return []T{}
	}
	return s
}
