package main

import (
	"context"
	"flag"
	"fmt"
	"io"
	"os"
	"sort"
	"strconv"
	"strings"

	"github.com/meterd/meterd/reporter"
)

// reporterStatusCommand shows what a seller's reporter spool holds: the
// operator's view of package reporter.
type reporterStatusCommand struct{ out output }

func (*reporterStatusCommand) name() string { return "reporter status" }
func (*reporterStatusCommand) synopsis() string {
	return "show a reporter spool: queued, pending, sent, failed"
}
func (*reporterStatusCommand) usage() string {
	return `Usage: meterd reporter status [flags] SPOOL

Reads the spool file SPOOL of a seller's reporter (package
github.com/meterd/meterd/reporter), also while that reporter runs, and
shows the usage waiting to be sent, the batches sent but not answered yet
and why, and AWS's answers counted by status, overall and per customer.
`
}

func (c *reporterStatusCommand) bind(fs *flag.FlagSet, _ *env) error {
	c.out.bind(fs)
	return nil
}

func (c *reporterStatusCommand) run(ctx context.Context, e *env, args []string) error {
	if len(args) != 1 {
		return usagef("want one spool file, got %d arguments", len(args))
	}
	// ReadStatus opens read-only, which would not notice a typo'd path
	// until the first query; say so plainly instead.
	if _, err := os.Stat(args[0]); err != nil {
		return err
	}
	st, err := reporter.ReadStatus(ctx, args[0])
	if err != nil {
		return err
	}
	return c.out.write(e.stdout, reporterStatusResult(st))
}

// reporterStatusResult is reporter.Status, whose JSON tags are the --json
// contract.
type reporterStatusResult reporter.Status

func (r reporterStatusResult) writeText(w io.Writer) error {
	itoa := strconv.Itoa
	fmt.Fprintf(w, "open: %d records, quantity %d\npending: %d batches, %d records\n",
		r.OpenRecords, r.OpenQuantity, r.PendingBatches, r.PendingRecords)
	if r.LastError != "" {
		fmt.Fprintf(w, "last error: %s\n", r.LastError)
	}
	fmt.Fprintf(w, "answered: %s\n\n", countsText(r.Results))
	rows := [][]string{{"CUSTOMER", "OPEN QUANTITY", "PENDING", "ANSWERED", "LAST ERROR"}}
	for _, c := range r.Customers {
		name := c.Customer.String()
		if name == "" {
			name = "-"
		}
		rows = append(rows, []string{name, strconv.FormatInt(c.OpenQuantity, 10), itoa(c.Pending),
			countsText(c.Results), c.LastError})
	}
	return writeTable(w, rows)
}

// countsText writes status counts as "Success=3 Failed=1", sorted.
func countsText(counts map[string]int) string {
	if len(counts) == 0 {
		return "none"
	}
	keys := make([]string, 0, len(counts))
	for k := range counts {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	parts := make([]string, len(keys))
	for i, k := range keys {
		parts[i] = k + "=" + strconv.Itoa(counts[k])
	}
	return strings.Join(parts, " ")
}
