package main

import (
	"context"
	"flag"
	"strings"

	"github.com/meterd/meterd/server"
)

// quotasResetCommand removes a quota override of a running meterd.
type quotasResetCommand struct {
	client clientFlags
	out    output
}

func (*quotasResetCommand) name() string     { return "quotas reset" }
func (*quotasResetCommand) synopsis() string { return "remove a quota override" }
func (*quotasResetCommand) usage() string {
	return `Usage: meterd quotas reset [flags] OPERATION[@ACCOUNT]

Removes the quota override of OPERATION (for ACCOUNT, or the one for every
account) from the meterd at --url; the next override down, or AWS's
default, applies again.
`
}

func (c *quotasResetCommand) bind(fs *flag.FlagSet, e *env) error {
	c.client.bind(fs, e.getenv)
	c.out.bind(fs)
	return nil
}

func (c *quotasResetCommand) run(ctx context.Context, e *env, args []string) error {
	if len(args) != 1 {
		return usagef("want one OPERATION[@ACCOUNT] argument")
	}
	op, account, _ := strings.Cut(args[0], "@")
	return runQuotas(ctx, e, &c.client, &c.out, func(a *server.AdminClient, ctx context.Context) (*server.QuotasOutput, error) {
		return a.ResetQuota(ctx, op, account)
	})
}
