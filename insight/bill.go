package insight

import (
	"context"
	"math/big"
	"slices"
	"strings"
	"time"

	"github.com/meterd/meterd"
)

// MonthLayout is how a bill names its month.
const MonthLayout = "2006-01"

// BillQuery selects a bill preview.
type BillQuery struct {
	// ProductCode limits the bill to one product; "" is every product
	// with a subscription.
	ProductCode string
	// Month is any instant of the billed month (UTC); zero is the
	// current month on the business clock.
	Month time.Time
	// Customer limits the bill to one customer identifier or AWS account.
	Customer string
}

// Bill is what each customer would be billed for a month: the sum of the
// accepted, non-test records of each dimension times its unit price.
// Amounts are exact decimal strings of US dollars.
type Bill struct {
	Month    string        `json:"month"`
	Products []ProductBill `json:"products"`
	Total    string        `json:"total"`
}

// ProductBill is the bill of one product's customers.
type ProductBill struct {
	ProductCode string         `json:"productCode"`
	Customers   []CustomerBill `json:"customers"`
	Total       string         `json:"total"`
}

// CustomerBill is one customer's lines and total.
type CustomerBill struct {
	CustomerIdentifier   string     `json:"customerIdentifier,omitempty"`
	CustomerAWSAccountID string     `json:"customerAwsAccountId,omitempty"`
	Lines                []BillLine `json:"lines"`
	Total                string     `json:"total"`
}

// BillLine is one dimension of a customer's bill. UnitPrice and Amount
// are null when the dimension has no price: the quantity is shown, and
// counts in no total.
type BillLine struct {
	Dimension string        `json:"dimension"`
	Quantity  int64         `json:"quantity"`
	Records   int64         `json:"records"`
	UnitPrice *meterd.Price `json:"unitPrice"`
	Amount    *string       `json:"amount"`
}

// Bill previews the bill of q.Month.
func (s *Service) Bill(ctx context.Context, q BillQuery) (*Bill, error) {
	month := q.Month
	if month.IsZero() {
		month = s.clock.Now()
	}
	month = monthStart(month)
	codes, err := s.productCodes(ctx, q.ProductCode)
	if err != nil {
		return nil, err
	}
	bill := &Bill{Month: month.Format(MonthLayout), Products: []ProductBill{}}
	total := new(big.Int)
	for _, code := range codes {
		pb, sum, err := s.productBill(ctx, code, month, q.Customer)
		if err != nil {
			return nil, err
		}
		total.Add(total, sum)
		bill.Products = append(bill.Products, *pb)
	}
	bill.Total = meterd.FormatMicroUSD(total)
	return bill, nil
}

func (s *Service) productBill(ctx context.Context, code string, month time.Time, customer string) (*ProductBill, *big.Int, error) {
	product, err := s.store.FindProduct(ctx, code)
	if err != nil {
		return nil, nil, err
	}
	sums, err := s.store.SummarizeUsage(ctx, meterd.UsageSummaryFilter{ProductCode: code,
		Since: month, Until: month.AddDate(0, 1, 0), Period: meterd.PeriodMonth, ExcludeTest: true})
	if err != nil {
		return nil, nil, err
	}
	pb := &ProductBill{ProductCode: code, Customers: []CustomerBill{}}
	total := new(big.Int)
	for _, c := range billLines(sums, customer) {
		sum := new(big.Int)
		for j := range c.Lines {
			l := &c.Lines[j]
			if d, ok := product.Dimension(l.Dimension); ok && d.UnitPrice != nil {
				amount := d.UnitPrice.Cost(l.Quantity)
				text := meterd.FormatMicroUSD(amount)
				l.UnitPrice, l.Amount = d.UnitPrice, &text
				sum.Add(sum, amount)
			}
		}
		c.Total = meterd.FormatMicroUSD(sum)
		total.Add(total, sum)
		pb.Customers = append(pb.Customers, c)
	}
	pb.Total = meterd.FormatMicroUSD(total)
	return pb, total, nil
}

// billLines adds up the sums of each customer and dimension (a customer's
// licenses make one line), in the order of the sums: by customer, then
// dimension.
func billLines(sums []meterd.UsageSummary, customer string) []CustomerBill {
	var out []CustomerBill
	index := map[customerKey]int{}
	for _, u := range sums {
		key := customerKey{u.CustomerIdentifier, u.CustomerAWSAccountID}
		if !key.wanted(customer) {
			continue
		}
		i, ok := index[key]
		if !ok {
			i = len(out)
			index[key] = i
			out = append(out, CustomerBill{CustomerIdentifier: key.Identifier, CustomerAWSAccountID: key.AWSAccountID})
		}
		c := &out[i]
		j := slices.IndexFunc(c.Lines, func(l BillLine) bool { return l.Dimension == u.Dimension })
		if j < 0 {
			j = len(c.Lines)
			c.Lines = append(c.Lines, BillLine{Dimension: u.Dimension})
		}
		c.Lines[j].Quantity += u.Quantity
		c.Lines[j].Records += u.Records
	}
	for i := range out {
		slices.SortFunc(out[i].Lines, func(a, b BillLine) int { return strings.Compare(a.Dimension, b.Dimension) })
	}
	return out
}
