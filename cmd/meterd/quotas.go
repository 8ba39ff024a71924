package main

import (
	"context"
	"flag"
	"io"
	"strconv"

	"github.com/meterd/meterd/server"
)

// quotasCommand shows the quotas of a running meterd and its buckets.
type quotasCommand struct {
	client clientFlags
	out    output
}

func (*quotasCommand) name() string     { return "quotas" }
func (*quotasCommand) synopsis() string { return "show the request quotas and the token buckets" }
func (*quotasCommand) usage() string {
	return `Usage: meterd quotas [flags]

Shows the request quotas of the meterd at --url (AWS's defaults and the
overrides of --quota, the seed file and quotas set) and the token bucket
of every caller that has used some of its burst; a bucket not listed is
full.
`
}

func (c *quotasCommand) bind(fs *flag.FlagSet, e *env) error {
	c.client.bind(fs, e.getenv)
	c.out.bind(fs)
	return nil
}

func (c *quotasCommand) run(ctx context.Context, e *env, args []string) error {
	if err := noArgs(args); err != nil {
		return err
	}
	return runQuotas(ctx, e, &c.client, &c.out, (*server.AdminClient).Quotas)
}

// runQuotas calls the admin API with call and prints the quotas it answers.
func runQuotas(ctx context.Context, e *env, client *clientFlags, out *output,
	call func(*server.AdminClient, context.Context) (*server.QuotasOutput, error)) error {
	admin, err := client.adminClient()
	if err != nil {
		return err
	}
	q, err := call(admin, ctx)
	if err != nil {
		return err
	}
	return out.write(e.stdout, quotasResult(*q))
}

// quotasResult is server.QuotasOutput: its JSON form is the admin API's.
type quotasResult server.QuotasOutput

func (r quotasResult) writeText(w io.Writer) error {
	if !r.Throttle {
		_, err := io.WriteString(w, "throttling is off (--throttle=false)\n")
		return err
	}
	rows := [][]string{{"OPERATION", "ACCOUNT", "RATE", "BURST", "SOURCE"}}
	for _, q := range r.Quotas {
		source := "override"
		if q.Default {
			source = "AWS default"
		}
		rows = append(rows, []string{q.Operation, orAny(q.Account), formatFloat(q.Rate), formatFloat(q.Burst), source})
	}
	if err := writeTable(w, rows); err != nil {
		return err
	}
	if len(r.Buckets) == 0 {
		_, err := io.WriteString(w, "\nEvery bucket is full.\n")
		return err
	}
	rows = [][]string{{"OPERATION", "ACCOUNT", "REGION", "TOKENS", "BURST"}}
	for _, b := range r.Buckets {
		rows = append(rows, []string{b.Operation, b.Account, b.Region, strconv.FormatFloat(b.Tokens, 'f', 2, 64), formatFloat(b.Burst)})
	}
	_, _ = io.WriteString(w, "\nBuckets in use:\n")
	return writeTable(w, rows)
}

func formatFloat(f float64) string { return strconv.FormatFloat(f, 'f', -1, 64) }
