package insight

import (
	"context"
	"math/big"
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
	// Customer is the customer identifier, or the AWS account of
	// records that name none (MeterUsage).
	Customer string     `json:"customer"`
	Lines    []BillLine `json:"lines"`
	Total    string     `json:"total"`
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
	real := false
	groups, err := s.store.SumUsage(ctx, meterd.UsageSum{Query: meterd.UsageQuery{ProductCode: code, Customer: customer,
		Test: &real, UsageSince: month, UsageUntil: month.AddDate(0, 1, 0)},
		Per: meterd.PerMonth, By: []string{meterd.GroupCustomer, meterd.GroupDimension}})
	if err != nil {
		return nil, nil, err
	}
	pb := &ProductBill{ProductCode: code, Customers: []CustomerBill{}}
	total := new(big.Int)
	var sums []*big.Int        // of pb.Customers
	for _, g := range groups { // ordered by customer, then dimension
		if n := len(pb.Customers); n == 0 || pb.Customers[n-1].Customer != g.Customer {
			pb.Customers = append(pb.Customers, CustomerBill{Customer: g.Customer, Lines: []BillLine{}})
			sums = append(sums, new(big.Int))
		}
		i := len(pb.Customers) - 1
		l := BillLine{Dimension: g.Dimension, Quantity: g.Quantity, Records: g.Records}
		if d, ok := product.Dimension(g.Dimension); ok && d.UnitPrice != nil {
			amount := d.UnitPrice.Cost(g.Quantity)
			text := meterd.FormatMicroUSD(amount)
			l.UnitPrice, l.Amount = d.UnitPrice, &text
			sums[i].Add(sums[i], amount)
			total.Add(total, amount)
		}
		pb.Customers[i].Lines = append(pb.Customers[i].Lines, l)
	}
	for i := range pb.Customers {
		pb.Customers[i].Total = meterd.FormatMicroUSD(sums[i])
	}
	pb.Total = meterd.FormatMicroUSD(total)
	return pb, total, nil
}
