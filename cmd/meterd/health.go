package main

import (
	"context"
	"flag"
	"fmt"
	"io"
	"strings"
	"time"

	"github.com/meterd/meterd/insight"
)

// healthCommand reports what a seller's metering integration does wrong.
type healthCommand struct {
	client            clientFlags
	out               output
	product, customer string
	since, until      string
}

func (*healthCommand) name() string { return "health" }
func (*healthCommand) synopsis() string {
	return "report missing hours, late and rejected records per customer"
}
func (*healthCommand) usage() string {
	return `Usage: meterd health [flags]

Reports the integration health of the meterd at --url: for each subscribed
customer and dimension, the hours with no record (AWS asks for one record
per customer and dimension every hour, quantity 0 when idle), counting only
hours in which the subscription is metered and never the current,
unfinished hour; records rejected and why, with an example; records
accepted but sent late (received 2 hours or more after the start of their
usage hour); and the first and last record. A summary line per customer
comes first, then the findings.

--since and --until take an RFC 3339 time or a duration before meterd's
(business) clock, such as 24h; the default is the last 24 complete hours.
The exit status is 0 whether or not there are findings: read them, or
"ok" in --json, to decide.
`
}

func (c *healthCommand) bind(fs *flag.FlagSet, e *env) error {
	c.client.bind(fs, e.getenv)
	c.out.bind(fs)
	fs.StringVar(&c.product, "product", "", "product code (default: every product with a subscription)")
	fs.StringVar(&c.customer, "customer", "", "customer identifier or AWS account id")
	fs.StringVar(&c.since, "since", "", "first usage hour: RFC 3339 `time`, or a duration ago such as 24h (default: 24 hours before --until)")
	fs.StringVar(&c.until, "until", "", "end of the range, exclusive: RFC 3339 `time`, or a duration ago (default: the start of the current hour)")
	return nil
}

func (c *healthCommand) run(ctx context.Context, e *env, args []string) error {
	if err := noArgs(args); err != nil {
		return err
	}
	admin, err := c.client.adminClient()
	if err != nil {
		return err
	}
	q := insight.HealthQuery{ProductCode: c.product, Customer: c.customer}
	if q.Since, q.Until, err = c.bounds(ctx, func(ctx context.Context) (time.Time, error) {
		clock, err := admin.Clock(ctx)
		if err != nil {
			return time.Time{}, err
		}
		return clock.Now, nil
	}); err != nil {
		return err
	}
	h, err := admin.Health(ctx, q)
	if err != nil {
		return err
	}
	return c.out.write(e.stdout, healthResult(*h))
}

// bounds reads --since and --until; a duration is before meterd's clock,
// which is asked for only then.
func (c *healthCommand) bounds(ctx context.Context, now func(context.Context) (time.Time, error)) (since, until time.Time, err error) {
	var at time.Time
	for _, s := range []string{c.since, c.until} {
		if _, perr := time.ParseDuration(s); s != "" && perr == nil && at.IsZero() {
			if at, err = now(ctx); err != nil {
				return since, until, err
			}
		}
	}
	if since, err = parseWhen("--since", c.since, at); err != nil {
		return since, until, err
	}
	until, err = parseWhen("--until", c.until, at)
	return since, until, err
}

// healthResult is a health report; its JSON is the admin API's.
type healthResult insight.Health

func (h healthResult) writeText(w io.Writer) error {
	fmt.Fprintf(w, "Integration health from %s to %s (%d hours)\n", hourText(h.Since), hourText(h.Until),
		int(h.Until.Sub(h.Since)/time.Hour))
	for _, p := range h.Products {
		fmt.Fprintf(w, "\n%s\n", p.ProductCode)
		if err := writeHealthSummary(w, p); err != nil {
			return err
		}
		findings := healthFindings(p)
		if len(findings) == 0 {
			fmt.Fprintln(w, "No findings.")
			continue
		}
		fmt.Fprintln(w, "\nFindings:")
		for _, f := range findings {
			fmt.Fprintf(w, "  %s\n", f)
		}
	}
	return nil
}

func writeHealthSummary(w io.Writer, p insight.ProductHealth) error {
	rows := [][]string{{"CUSTOMER", "METERED HOURS", "MISSING HOURS", "RECORDS", "LATE", "REJECTED", "FIRST RECORD", "LAST RECORD", "STATUS"}}
	for _, cu := range p.Customers {
		first, last := "-", "-"
		if f, l := customerSpan(cu); !f.IsZero() {
			first, last = hourText(f), hourText(l)
		}
		status := "OK"
		if !cu.OK {
			status = "PROBLEMS"
		}
		rows = append(rows, []string{customerName(cu.CustomerIdentifier, cu.CustomerAWSAccountID),
			fmt.Sprint(cu.MeteredHours), fmt.Sprint(cu.MissingHours), itoa64(cu.Records), itoa64(cu.LateRecords),
			itoa64(cu.Rejected), first, last, status})
	}
	if len(p.Customers) == 0 {
		rows = append(rows, []string{"-", "0", "0", "0", "0", "0", "-", "-", "no customers"})
	}
	return writeTable(w, rows)
}

// customerSpan is the first and last usage hour with a record, over every
// dimension.
func customerSpan(cu insight.CustomerHealth) (first, last time.Time) {
	for _, d := range cu.Dimensions {
		if d.FirstRecord != nil && (first.IsZero() || d.FirstRecord.Hour.Before(first)) {
			first = d.FirstRecord.Hour
		}
		if d.LastRecord != nil && d.LastRecord.Hour.After(last) {
			last = d.LastRecord.Hour
		}
	}
	return first, last
}

// healthFindings are the lines a seller must act on, customer by customer.
func healthFindings(p insight.ProductHealth) []string {
	var out []string
	for _, cu := range p.Customers {
		name := customerName(cu.CustomerIdentifier, cu.CustomerAWSAccountID)
		for _, d := range cu.Dimensions {
			if d.MissingHours > 0 {
				out = append(out, fmt.Sprintf("%s %s: no record in %s: %s", name, d.Dimension,
					plural(int64(d.MissingHours), "hour"), hourRanges(d.Missing)))
			}
			if d.NotMeteredHours > 0 {
				out = append(out, fmt.Sprintf("%s %s: not metered yet: no record of it in the range, %s subscribed: %s", name, d.Dimension,
					plural(int64(d.NotMeteredHours), "hour"), hourRanges(d.NotMetered)))
			}
			if d.LateRecords > 0 {
				out = append(out, fmt.Sprintf("%s %s: %s sent late (received 2h or more after the start of their usage hour)",
					name, d.Dimension, plural(d.LateRecords, "record")))
			}
		}
		for _, r := range cu.Rejections {
			out = append(out, fmt.Sprintf("%s: %s rejected: %s (%s); e.g. %s, called %s", name, plural(r.Count, "record"),
				r.Reason, r.ErrorCode, r.Example, r.Time.UTC().Format(time.RFC3339)))
		}
	}
	return out
}

func hourRanges(rs []insight.HourRange) string {
	parts := make([]string, len(rs))
	for i, r := range rs {
		if r.Until.Sub(r.From) == time.Hour {
			parts[i] = hourText(r.From)
		} else {
			parts[i] = hourText(r.From) + " to " + hourText(r.Until)
		}
	}
	return strings.Join(parts, ", ")
}

func hourText(t time.Time) string { return t.UTC().Format("2006-01-02T15:04Z") }

func plural(n int64, what string) string {
	if n == 1 {
		return "1 " + what
	}
	return fmt.Sprintf("%d %ss", n, what)
}
