package main

import (
	"context"
	"flag"
	"fmt"
	"io"
	"time"

	"github.com/meterd/meterd"
)

// auditListCommand lists the audit trail like CloudTrail's LookupEvents.
type auditListCommand struct {
	client    clientFlags
	out       output
	filters   auditFlags
	limit     int
	nextToken string
}

func (*auditListCommand) name() string { return "audit list" }
func (*auditListCommand) synopsis() string {
	return "list the audit trail (CloudTrail events), newest first"
}
func (*auditListCommand) usage() string {
	return `Usage: meterd audit list [flags]

Lists the calls the meterd at --url received, API and admin calls alike,
accepted or refused, newest first, one page at a time: pass the printed
next token to --next-token for the next page. --json prints the events as
CloudTrail records.
`
}

func (c *auditListCommand) bind(fs *flag.FlagSet, e *env) error {
	c.client.bind(fs, e.getenv)
	c.out.bind(fs)
	c.filters.bind(fs, "event")
	fs.IntVar(&c.limit, "limit", 50, "events per page, 1 to 1000")
	fs.StringVar(&c.nextToken, "next-token", "", "the next token a previous page printed")
	return nil
}

func (c *auditListCommand) run(ctx context.Context, e *env, args []string) error {
	if err := noArgs(args); err != nil {
		return err
	}
	if c.limit < 1 || c.limit > 1000 {
		return usagef("--limit %d: want 1 to 1000", c.limit)
	}
	f, err := c.filters.filter(time.Now())
	if err != nil {
		return err
	}
	f.Limit, f.Cursor = c.limit, c.nextToken
	admin, err := c.client.adminClient()
	if err != nil {
		return err
	}
	page, err := admin.LookupEvents(ctx, f)
	if err != nil {
		return err
	}
	return c.out.write(e.stdout, auditListResult{Events: page.Events, NextToken: page.NextToken})
}

// auditListResult is a page of the trail; NextToken is "" on the last.
type auditListResult struct {
	Events    []*meterd.AuditEvent `json:"events"`
	NextToken string               `json:"nextToken"`
}

func (r auditListResult) writeText(w io.Writer) error {
	if err := writeEvents(w, r.Events); err != nil {
		return err
	}
	if r.NextToken != "" {
		_, err := fmt.Fprintf(w, "\nmore: --next-token %s\n", r.NextToken)
		return err
	}
	return nil
}
