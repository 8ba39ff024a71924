package main

import (
	"context"
	"flag"

	"github.com/meterd/meterd/server"
)

// customersEntitlementsSetCommand replaces a license's entitlements.
type customersEntitlementsSetCommand struct {
	client     clientFlags
	out        output
	licenseEnd string
}

func (*customersEntitlementsSetCommand) name() string { return "customers entitlements set" }
func (*customersEntitlementsSetCommand) synopsis() string {
	return "replace a license's entitlements (an upgrade or a renewal)"
}
func (*customersEntitlementsSetCommand) usage() string {
	return `Usage: meterd customers entitlements set [flags] LICENSE_ARN DIMENSION=VALUE...

Replaces the entitlements of license LICENSE_ARN (entitlement-updated);
GetEntitlements shows them at once. --license-end moves the end of the
license (a renewal). Example:

  meterd customers entitlements set arn:aws:license-manager::...:license:l-... users=50
`
}

func (c *customersEntitlementsSetCommand) bind(fs *flag.FlagSet, e *env) error {
	c.client.bind(fs, e.getenv)
	c.out.bind(fs)
	fs.StringVar(&c.licenseEnd, "license-end", "", "the license's new end, RFC 3339")
	return nil
}

func (c *customersEntitlementsSetCommand) run(ctx context.Context, e *env, args []string) error {
	if len(args) < 1 {
		return usagef("want a license ARN and DIMENSION=VALUE arguments")
	}
	ents, err := parseEntitlements(args[1:])
	if err != nil {
		return err
	}
	end, err := parseOptionalTime("--license-end", c.licenseEnd)
	if err != nil {
		return err
	}
	admin, err := c.client.adminClient()
	if err != nil {
		return err
	}
	out, err := admin.SetEntitlements(ctx, args[0], server.EntitlementsInput{Entitlements: nonNil(ents), LicenseEnd: end})
	if err != nil {
		return err
	}
	return c.out.write(e.stdout, actionResult{*out})
}
