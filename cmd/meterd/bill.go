package main

import (
	"context"
	"flag"
	"fmt"
	"io"
	"time"

	"github.com/meterd/meterd/insight"
)

// billCommand previews what each customer will be billed for a month.
type billCommand struct {
	client            clientFlags
	out               output
	product, customer string
	month             string
}

func (*billCommand) name() string { return "bill" }
func (*billCommand) synopsis() string {
	return "preview a month's bill: quantity × unit price per customer and dimension"
}
func (*billCommand) usage() string {
	return `Usage: meterd bill [flags]

Previews what each customer of the meterd at --url will be billed for a
month: the quantity of the accepted records of each dimension (test records
left out: AWS does not bill them) times the dimension's unit price (the
seed's unit_price), with a total per customer, per product and overall.
Dimensions without a price show their quantity and "no price". Amounts are
exact US dollars; AWS rounds its invoices to the cent.
`
}

func (c *billCommand) bind(fs *flag.FlagSet, e *env) error {
	c.client.bind(fs, e.getenv)
	c.out.bind(fs)
	fs.StringVar(&c.product, "product", "", "product code (default: every product with a subscription)")
	fs.StringVar(&c.customer, "customer", "", "customer identifier or AWS account id")
	fs.StringVar(&c.month, "month", "", "the `month` to bill, such as 2026-12 (default: the current month on meterd's clock)")
	return nil
}

func (c *billCommand) run(ctx context.Context, e *env, args []string) error {
	if err := noArgs(args); err != nil {
		return err
	}
	q := insight.BillQuery{ProductCode: c.product, Customer: c.customer}
	if c.month != "" {
		m, err := time.Parse(insight.MonthLayout, c.month)
		if err != nil {
			return usagef("--month %q: want a month such as 2026-12", c.month)
		}
		q.Month = m
	}
	admin, err := c.client.adminClient()
	if err != nil {
		return err
	}
	bill, err := admin.Bill(ctx, q)
	if err != nil {
		return err
	}
	return c.out.write(e.stdout, billResult(*bill))
}

// billResult is a bill preview; its JSON is the admin API's.
type billResult insight.Bill

func (b billResult) writeText(w io.Writer) error {
	fmt.Fprintf(w, "Bill preview for %s, in US dollars (test records excluded)\n\n", b.Month)
	rows := [][]string{{"PRODUCT", "CUSTOMER", "DIMENSION", "QUANTITY", "UNIT PRICE", "AMOUNT"}}
	for _, p := range b.Products {
		for _, cu := range p.Customers {
			name := cu.Customer
			for _, l := range cu.Lines {
				price, amount := "no price", "-"
				if l.UnitPrice != nil && l.Amount != nil {
					price, amount = l.UnitPrice.String(), *l.Amount
				}
				rows = append(rows, []string{p.ProductCode, name, l.Dimension, itoa64(l.Quantity), price, amount})
			}
			rows = append(rows, []string{p.ProductCode, name, "total", "", "", cu.Total})
		}
		if len(p.Customers) == 0 {
			rows = append(rows, []string{p.ProductCode, "-", "-", "0", "", "0"})
		}
	}
	rows = append(rows, []string{"TOTAL", "", "", "", "", b.Total})
	return writeTable(w, rows)
}

// customerName is a customer's identifier, or its AWS account when the
// records name no identifier (MeterUsage).
func customerName(identifier, account string) string {
	if identifier != "" {
		return identifier
	}
	return dash(account)
}
