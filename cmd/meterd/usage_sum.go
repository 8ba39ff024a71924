package main

import (
	"context"
	"flag"
	"io"
	"strconv"
	"time"

	"github.com/meterd/meterd"
)

// usageSumCommand sums usage per period, grouped.
type usageSumCommand struct {
	client  clientFlags
	out     output
	filters usageFlags
	by, per string
}

func (*usageSumCommand) name() string { return "usage sum" }
func (*usageSumCommand) synopsis() string {
	return "sum usage quantities and count records per hour, day or month"
}
func (*usageSumCommand) usage() string {
	return `Usage: meterd usage sum [--by customer,dimension] [--per hour|day|month] [flags]

Sums the quantity and counts the records matching the filters per usage
hour, day or month (UTC), grouped by any of product, customer, dimension,
license and tag. Grouping or filtering by tag sums what allocations gave
each tag kept.
`
}

func (c *usageSumCommand) bind(fs *flag.FlagSet, e *env) error {
	c.client.bind(fs, e.getenv)
	c.out.bind(fs)
	c.filters.bind(fs)
	fs.StringVar(&c.by, "by", "", "group by these, comma-separated: product, customer, dimension, license, tag")
	fs.StringVar(&c.per, "per", "day", "period: hour, day or month")
	return nil
}

func (c *usageSumCommand) run(ctx context.Context, e *env, args []string) error {
	if err := noArgs(args); err != nil {
		return err
	}
	q, err := c.filters.query(time.Now())
	if err != nil {
		return err
	}
	sum := meterd.UsageSum{Query: q}
	if sum.Per, err = meterd.ParseUsagePeriod(c.per); err != nil {
		return usagef("--per %q: want hour, day or month", c.per)
	}
	if sum.By, err = meterd.ParseUsageGrouping(c.by); err != nil {
		return usagef("--by %q: %s", c.by, meterd.ErrorMessage(err))
	}
	admin, err := c.client.adminClient()
	if err != nil {
		return err
	}
	out, err := admin.SumUsage(ctx, sum)
	if err != nil {
		return err
	}
	return c.out.write(e.stdout, usageSumResult{Per: out.Per, By: out.By, Groups: out.Groups})
}

// usageSumResult is the sums, ordered by period then grouped values.
type usageSumResult struct {
	Per    meterd.UsagePeriod  `json:"per"`
	By     []string            `json:"by"`
	Groups []meterd.UsageGroup `json:"groups"`
}

// sumColumns are the grouped columns a table may show, by group name.
var sumColumns = []struct {
	group, title string
	value        func(meterd.UsageGroup) string
}{
	{meterd.GroupProduct, "PRODUCT", func(g meterd.UsageGroup) string { return g.Product }},
	{meterd.GroupCustomer, "CUSTOMER", func(g meterd.UsageGroup) string { return g.Customer }},
	{meterd.GroupDimension, "DIMENSION", func(g meterd.UsageGroup) string { return g.Dimension }},
	{meterd.GroupLicense, "LICENSE", func(g meterd.UsageGroup) string { return g.LicenseArn }},
	{meterd.GroupTag, "TAG", func(g meterd.UsageGroup) string { return g.TagKey + "=" + g.TagValue }},
}

func (r usageSumResult) writeText(w io.Writer) error {
	sum := meterd.UsageSum{By: r.By}
	header := []string{"PERIOD"}
	for _, c := range sumColumns {
		if sum.Groups(c.group) {
			header = append(header, c.title)
		}
	}
	rows := [][]string{append(header, "QUANTITY", "RECORDS")}
	for _, g := range r.Groups {
		row := []string{periodText(r.Per, g.Period)}
		for _, c := range sumColumns {
			if sum.Groups(c.group) {
				row = append(row, dash(c.value(g)))
			}
		}
		rows = append(rows, append(row, strconv.FormatInt(g.Quantity, 10), strconv.FormatInt(g.Records, 10)))
	}
	return writeTable(w, rows)
}

// periodText shows a period's start as precisely as the period needs.
func periodText(p meterd.UsagePeriod, t time.Time) string {
	switch p {
	case meterd.PerDay:
		return t.UTC().Format(time.DateOnly)
	case meterd.PerMonth:
		return t.UTC().Format("2006-01")
	}
	return t.UTC().Format("2006-01-02T15:04Z")
}
