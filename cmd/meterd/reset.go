package main

import (
	"context"
	"flag"
	"io"
	"strconv"

	"github.com/meterd/meterd/server"
)

// resetCommand empties the ledger and the audit trail of a running meterd
// between a seller's tests.
type resetCommand struct {
	client clientFlags
	out    output
}

func (*resetCommand) name() string { return "reset" }
func (*resetCommand) synopsis() string {
	return "empty the ledger, tokens and audit trail, keeping the catalog"
}
func (*resetCommand) usage() string {
	return `Usage: meterd reset [flags]

Empties the ledger of the meterd at --url: metering records, client tokens,
registration tokens, task registrations, the notification outbox (lifecycle
events, deliveries and their attempts; pending ones are not sent) and the
audit trail. The catalog, subscriptions and the RegisterUsage signing keys
are kept. The meterd must have been started
with --allow-reset (METERD_ALLOW_RESET=true); otherwise it answers Conflict.
`
}

func (c *resetCommand) bind(fs *flag.FlagSet, e *env) error {
	c.client.bind(fs, e.getenv)
	c.out.bind(fs)
	return nil
}

func (c *resetCommand) run(ctx context.Context, e *env, args []string) error {
	if err := noArgs(args); err != nil {
		return err
	}
	admin, err := c.client.adminClient()
	if err != nil {
		return err
	}
	out, err := admin.Reset(ctx)
	if err != nil {
		return err
	}
	return c.out.write(e.stdout, resetResult(*out))
}

// resetResult is what a reset deleted; its JSON is the admin API's.
type resetResult server.ResetOutput

func (r resetResult) writeText(w io.Writer) error {
	return writeTable(w, [][]string{
		{"METERING RECORDS", "CLIENT TOKENS", "REGISTRATION TOKENS", "TASK REGISTRATIONS", "EVENTS", "DELIVERIES",
			"ATTEMPTS", "AUDIT EVENTS"},
		{itoa64(r.MeteringRecords), itoa64(r.ClientTokens), itoa64(r.RegistrationTokens),
			itoa64(r.TaskRegistrations), itoa64(r.LifecycleEvents), itoa64(r.Deliveries), itoa64(r.DeliveryAttempts),
			strconv.Itoa(r.AuditEvents)},
	})
}

func itoa64(n int64) string { return strconv.FormatInt(n, 10) }
