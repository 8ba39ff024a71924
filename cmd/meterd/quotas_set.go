package main

import (
	"context"
	"flag"

	"github.com/meterd/meterd/server"
	"github.com/meterd/meterd/sim"
)

// quotasSetCommand overrides quotas of a running meterd.
type quotasSetCommand struct {
	client clientFlags
	out    output
}

func (*quotasSetCommand) name() string     { return "quotas set" }
func (*quotasSetCommand) synopsis() string { return "override request quotas" }
func (*quotasSetCommand) usage() string {
	return `Usage: meterd quotas set [flags] OPERATION[@ACCOUNT]=RATE[/BURST]...

Overrides quotas of the meterd at --url, in --quota's form: RATE requests
per second with bursts of BURST (RATE when omitted), for one account or,
without @ACCOUNT, for every account without its own. The buckets it governs
start over full. Example: meterd quotas set MeterUsage=1/2
`
}

func (c *quotasSetCommand) bind(fs *flag.FlagSet, e *env) error {
	c.client.bind(fs, e.getenv)
	c.out.bind(fs)
	return nil
}

func (c *quotasSetCommand) run(ctx context.Context, e *env, args []string) error {
	if len(args) == 0 {
		return usagef("want at least one OPERATION[@ACCOUNT]=RATE[/BURST] argument")
	}
	var quotas []sim.Quota
	for _, a := range args {
		qs, err := sim.ParseQuotas(a)
		if err != nil {
			return usageError{err}
		}
		quotas = append(quotas, qs...)
	}
	return runQuotas(ctx, e, &c.client, &c.out, func(a *server.AdminClient, ctx context.Context) (*server.QuotasOutput, error) {
		var out *server.QuotasOutput
		var err error
		for _, q := range quotas {
			if out, err = a.SetQuota(ctx, q); err != nil {
				return nil, err
			}
		}
		return out, nil
	})
}
