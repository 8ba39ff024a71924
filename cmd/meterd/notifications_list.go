package main

import (
	"context"
	"flag"
	"io"
	"strconv"
	"time"

	"github.com/meterd/meterd/server"
)

// notificationsListCommand lists the notification deliveries of a running
// meterd and their attempts.
type notificationsListCommand struct {
	client clientFlags
	out    output
	query  server.NotificationsQuery
}

func (*notificationsListCommand) name() string { return "notifications list" }
func (*notificationsListCommand) synopsis() string {
	return "list notification deliveries (SNS, SQS, EventBridge) and their attempts"
}
func (*notificationsListCommand) usage() string {
	return `Usage: meterd notifications list [flags]

Lists the deliveries of lifecycle notifications (subscribe-success,
unsubscribe-pending, entitlement-updated, ...) to the products' targets on
the meterd at --url, newest first: whether each was delivered, how many
attempts it took, and the last attempt's status or error. --json adds
every attempt (time, latency, status code, error).
`
}

func (c *notificationsListCommand) bind(fs *flag.FlagSet, e *env) error {
	c.client.bind(fs, e.getenv)
	c.out.bind(fs)
	fs.StringVar(&c.query.ProductCode, "product", "", "only deliveries of this product `code`")
	fs.StringVar(&c.query.CustomerIdentifier, "customer", "", "only deliveries of this customer `identifier`")
	fs.BoolVar(&c.query.Pending, "pending", false, "only deliveries not yet delivered")
	fs.IntVar(&c.query.Limit, "limit", 100, "at most this `number` of deliveries (1 to 1000)")
	return nil
}

func (c *notificationsListCommand) run(ctx context.Context, e *env, args []string) error {
	if err := noArgs(args); err != nil {
		return err
	}
	if c.query.Limit < 1 || c.query.Limit > 1000 {
		return usagef("--limit must be from 1 to 1000, got %d", c.query.Limit)
	}
	admin, err := c.client.adminClient()
	if err != nil {
		return err
	}
	out, err := admin.Notifications(ctx, c.query)
	if err != nil {
		return err
	}
	return c.out.write(e.stdout, notificationsResult(*out))
}

// notificationsResult is the --json contract: server.NotificationsOutput.
type notificationsResult server.NotificationsOutput

func (r notificationsResult) writeText(w io.Writer) error {
	rows := [][]string{{"ID", "EVENT TIME", "ACTION", "PRODUCT", "CUSTOMER", "KIND", "ENDPOINT", "STATUS", "ATTEMPTS", "LAST"}}
	for _, d := range r.Deliveries {
		last := "-"
		if n := len(d.AttemptLog); n > 0 {
			a := d.AttemptLog[n-1]
			last = a.Error
			if last == "" {
				last = "HTTP " + strconv.Itoa(a.StatusCode)
			}
		}
		status := d.Status
		if d.NextAttempt != nil {
			status += " (next " + d.NextAttempt.UTC().Format(time.RFC3339) + ")"
		}
		rows = append(rows, []string{strconv.FormatInt(d.ID, 10), d.EventTime.UTC().Format(time.RFC3339), d.Action,
			d.ProductCode, d.CustomerIdentifier, d.Kind, d.Endpoint, status, strconv.Itoa(d.Attempts), last})
	}
	return writeTable(w, rows)
}
