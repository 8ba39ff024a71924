package main

import (
	"context"
	"flag"
	"io"
	"time"

	"github.com/meterd/meterd/server"
)

// adminTokenCreateCommand mints a registration token for ResolveCustomer,
// as AWS would POST one to the seller's fulfillment URL.
type adminTokenCreateCommand struct {
	client            clientFlags
	out               output
	product, customer string
	ttl               time.Duration
}

func (*adminTokenCreateCommand) name() string { return "admin token create" }
func (*adminTokenCreateCommand) synopsis() string {
	return "mint a registration token for ResolveCustomer"
}
func (*adminTokenCreateCommand) usage() string {
	return `Usage: meterd admin token create --product CODE --customer ID [flags]

Mints a registration token that ResolveCustomer resolves to the customer
of the SaaS product, through the admin API of the meterd at --url.
`
}

func (c *adminTokenCreateCommand) bind(fs *flag.FlagSet, e *env) error {
	c.client.bind(fs, e.getenv)
	c.out.bind(fs)
	fs.StringVar(&c.product, "product", "", "product code (required)")
	fs.StringVar(&c.customer, "customer", "", "customer identifier (required)")
	fs.DurationVar(&c.ttl, "ttl", 0, "token lifetime in whole seconds; default 4h, negative mints an expired token")
	return nil
}

func (c *adminTokenCreateCommand) run(ctx context.Context, e *env, args []string) error {
	if err := noArgs(args); err != nil {
		return err
	}
	switch {
	case c.product == "":
		return usagef("--product is required")
	case c.customer == "":
		return usagef("--customer is required")
	case c.ttl != 0 && c.ttl.Abs() < time.Second:
		return usagef("--ttl %s: the admin API counts whole seconds; use at least 1s either way", c.ttl)
	}
	admin, err := c.client.adminClient()
	if err != nil {
		return err
	}
	tok, err := admin.CreateRegistrationToken(ctx, server.CreateRegistrationTokenInput{
		ProductCode: c.product, CustomerIdentifier: c.customer, TTLSeconds: int64(c.ttl.Seconds()),
	})
	if err != nil {
		return err
	}
	return c.out.write(e.stdout, tokenResult{Token: tok.Token, ExpiresAt: tok.ExpiresAt.UTC(),
		ProductCode: c.product, CustomerIdentifier: c.customer})
}

// tokenResult is a minted registration token.
type tokenResult struct {
	Token              string    `json:"token"`
	ExpiresAt          time.Time `json:"expiresAt"`
	ProductCode        string    `json:"productCode"`
	CustomerIdentifier string    `json:"customerIdentifier"`
}

func (r tokenResult) writeText(w io.Writer) error {
	return writeTable(w, [][]string{
		{"PRODUCT", "CUSTOMER", "EXPIRES", "TOKEN"},
		{r.ProductCode, r.CustomerIdentifier, r.ExpiresAt.Format(time.RFC3339), r.Token},
	})
}
