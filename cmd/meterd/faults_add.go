package main

import (
	"context"
	"flag"
	"io"
	"time"

	"github.com/meterd/meterd/sim"
)

// faultsAddCommand adds a fault injection rule.
type faultsAddCommand struct {
	client       clientFlags
	out          output
	rule         sim.Rule
	latency, ttl time.Duration
}

func (*faultsAddCommand) name() string     { return "faults add" }
func (*faultsAddCommand) synopsis() string { return "add a fault injection rule" }
func (*faultsAddCommand) usage() string {
	return `Usage: meterd faults add [flags]

Adds a fault injection rule to the meterd at --url. The rule matches the
calls of --operation, --product, --account and --region (all when not
given) and does one of: --error CODE (an error the operation's model
lists; ThrottlingException or InternalServiceErrorException for every
operation), --unprocessed SHARE (BatchMeterUsage: hand back that share of
the records unprocessed, unstored), --drop (close the connection after the
ledger commit), optionally with --latency. It fires with --probability
(drawn from --seed, so a run is repeatable), at most --count times, for
--ttl. Examples:

  meterd faults add --operation MeterUsage --error ThrottlingException --count 2
  meterd faults add --operation BatchMeterUsage --unprocessed 0.5 --seed 7
  meterd faults add --operation MeterUsage --drop --count 1
`
}

func (c *faultsAddCommand) bind(fs *flag.FlagSet, e *env) error {
	c.client.bind(fs, e.getenv)
	c.out.bind(fs)
	r := &c.rule
	fs.StringVar(&r.Operation, "operation", "", "operation to match, e.g. MeterUsage (all when empty)")
	fs.StringVar(&r.Product, "product", "", "product code to match (all when empty)")
	fs.StringVar(&r.Account, "account", "", "caller account to match (all when empty)")
	fs.StringVar(&r.Region, "region", "", "region to match (all when empty)")
	fs.StringVar(&r.Error, "error", "", "answer this error `code` instead of serving the call")
	fs.StringVar(&r.Message, "message", "", "message of --error; AWS's text by default")
	fs.Float64Var(&r.Unprocessed, "unprocessed", 0, "BatchMeterUsage: `share` (0 to 1) of records handed back unprocessed")
	fs.BoolVar(&r.Drop, "drop", false, "close the connection after the ledger commit")
	fs.DurationVar(&c.latency, "latency", 0, "wait this long before serving the call (at most 20s)")
	fs.Float64Var(&r.Probability, "probability", 0, "chance (0 to 1) that a matching call is hit; 0 means always")
	fs.Uint64Var(&r.Seed, "seed", 0, "seed of the rule's random draws; 0 means the rule's id")
	fs.IntVar(&r.Count, "count", 0, "remove the rule after it fired this many times; 0 means never")
	fs.DurationVar(&c.ttl, "ttl", 0, "remove the rule after this long (wall time); 0 means never")
	return nil
}

func (c *faultsAddCommand) run(ctx context.Context, e *env, args []string) error {
	if err := noArgs(args); err != nil {
		return err
	}
	c.rule.Latency, c.rule.TTL = sim.Duration(c.latency), sim.Duration(c.ttl)
	if err := c.rule.Validate(); err != nil {
		return usageError{err}
	}
	admin, err := c.client.adminClient()
	if err != nil {
		return err
	}
	added, err := admin.AddFault(ctx, c.rule)
	if err != nil {
		return err
	}
	return c.out.write(e.stdout, ruleResult{*added})
}

// ruleResult is one rule, in sim.Rule's JSON form.
type ruleResult struct{ sim.Rule }

func (r ruleResult) writeText(w io.Writer) error {
	return faultsResult{Rules: []sim.Rule{r.Rule}}.writeText(w)
}
