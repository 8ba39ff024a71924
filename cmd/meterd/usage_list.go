package main

import (
	"context"
	"flag"
	"fmt"
	"io"
	"strconv"
	"time"

	"github.com/meterd/meterd"
)

// usageListCommand lists metering records and what became of them.
type usageListCommand struct {
	client    clientFlags
	out       output
	filters   usageFlags
	limit     int
	nextToken string
}

func (*usageListCommand) name() string { return "usage list" }
func (*usageListCommand) synopsis() string {
	return "list the usage records sent: accepted, duplicate or rejected"
}
func (*usageListCommand) usage() string {
	return `Usage: meterd usage list [flags]

Lists the usage records the meterd at --url received: by default the
accepted ones, from the ledger, in the order they were stored, each with its
MeteringRecordId; with --outcome duplicate or rejected, those the audit
trail recorded, newest call first, with their status or error code. One
page at a time: pass the printed next token to --next-token for the next.
`
}

func (c *usageListCommand) bind(fs *flag.FlagSet, e *env) error {
	c.client.bind(fs, e.getenv)
	c.out.bind(fs)
	c.filters.bind(fs)
	fs.IntVar(&c.limit, "limit", 100, "records per page, 1 to 1000")
	fs.StringVar(&c.nextToken, "next-token", "", "the next token a previous page printed")
	return nil
}

func (c *usageListCommand) run(ctx context.Context, e *env, args []string) error {
	if err := noArgs(args); err != nil {
		return err
	}
	if c.limit < 1 || c.limit > 1000 {
		return usagef("--limit %d: want 1 to 1000", c.limit)
	}
	q, err := c.filters.query(time.Now())
	if err != nil {
		return err
	}
	q.Limit, q.Cursor = c.limit, c.nextToken
	admin, err := c.client.adminClient()
	if err != nil {
		return err
	}
	page, err := admin.ListUsage(ctx, q)
	if err != nil {
		return err
	}
	return c.out.write(e.stdout, usageListResult{Records: page.Records, NextToken: page.NextToken})
}

// usageListResult is a page of records; NextToken is "" on the last.
type usageListResult struct {
	Records   []*meterd.SentRecord `json:"records"`
	NextToken string               `json:"nextToken"`
}

func (r usageListResult) writeText(w io.Writer) error {
	rows := [][]string{{"RECEIVED", "PRODUCT", "CUSTOMER", "DIMENSION", "TIMESTAMP", "QUANTITY", "OUTCOME", "STATUS",
		"METERING RECORD ID"}}
	for _, rec := range r.Records {
		outcome := string(rec.Outcome)
		if rec.Test {
			outcome += " (test)"
		}
		rows = append(rows, []string{rec.CallTime.UTC().Format(time.RFC3339), rec.ProductCode, dash(rec.Customer()),
			rec.Dimension, rec.Timestamp.UTC().Format(time.RFC3339), strconv.FormatInt(rec.Quantity, 10), outcome,
			dash(rec.Status), dash(rec.MeteringRecordID)})
	}
	if err := writeTable(w, rows); err != nil {
		return err
	}
	if r.NextToken != "" {
		_, err := fmt.Fprintf(w, "\nmore: --next-token %s\n", r.NextToken)
		return err
	}
	return nil
}
