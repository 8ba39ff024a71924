package main

import (
	"context"
	"flag"
)

// customersUnsubscribeCommand starts a buyer's cancellation.
type customersUnsubscribeCommand struct {
	client clientFlags
	out    output
}

func (*customersUnsubscribeCommand) name() string { return "customers unsubscribe" }
func (*customersUnsubscribeCommand) synopsis() string {
	return "unsubscribe a license: pending now, done after --unsubscribe-delay"
}
func (*customersUnsubscribeCommand) usage() string {
	return `Usage: meterd customers unsubscribe [flags] LICENSE_ARN

Unsubscribes the license LICENSE_ARN (see meterd customers subscribe, or
GET /admin/v1/subscriptions): unsubscribe-pending now, while the seller may
still send final records, and unsubscribe-success once the server's
--unsubscribe-delay (1h of business time by default) has passed.
`
}

func (c *customersUnsubscribeCommand) bind(fs *flag.FlagSet, e *env) error {
	c.client.bind(fs, e.getenv)
	c.out.bind(fs)
	return nil
}

func (c *customersUnsubscribeCommand) run(ctx context.Context, e *env, args []string) error {
	if len(args) != 1 {
		return usagef("want one license ARN argument")
	}
	admin, err := c.client.adminClient()
	if err != nil {
		return err
	}
	out, err := admin.Unsubscribe(ctx, args[0])
	if err != nil {
		return err
	}
	return c.out.write(e.stdout, actionResult{*out})
}
