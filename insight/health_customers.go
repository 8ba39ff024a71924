package insight

import (
	"context"
	"slices"
	"strings"
	"time"

	"github.com/meterd/meterd"
)

// healthCustomer gathers what one customer's report is made of.
type healthCustomer struct {
	key        customerKey
	subs       []*meterd.Subscription
	periods    []period
	sums       []meterd.UsageSummary
	rejections []Rejection
}

func (s *Service) productHealth(ctx context.Context, code, customer string, since, until time.Time) (*ProductHealth, error) {
	product, err := s.store.FindProduct(ctx, code)
	if err != nil {
		return nil, err
	}
	customers, err := s.healthCustomers(ctx, code, since, until)
	if err != nil {
		return nil, err
	}
	if err := s.addPeriods(ctx, code, customers); err != nil {
		return nil, err
	}
	if err := s.addRejections(ctx, code, since, until, customers); err != nil {
		return nil, err
	}
	ph := &ProductHealth{ProductCode: code, Customers: []CustomerHealth{}}
	for _, c := range customers.list {
		if c.key.wanted(customer) {
			ph.Customers = append(ph.Customers, c.health(product, since, until))
		}
	}
	return ph, nil
}

// healthCustomers returns the customers of a product: those subscribed,
// then those with records but no subscription, each with its hourly sums.
func (s *Service) healthCustomers(ctx context.Context, code string, since, until time.Time) (*customerIndex, error) {
	subs, err := s.store.FindSubscriptions(ctx, meterd.SubscriptionFilter{ProductCode: code})
	if err != nil {
		return nil, err
	}
	x := &customerIndex{byID: map[string]*healthCustomer{}, byAccount: map[string]*healthCustomer{}}
	for _, sub := range subs {
		c := x.byID[sub.CustomerIdentifier]
		if c == nil {
			cu, err := s.store.FindCustomer(ctx, meterd.CustomerFilter{Identifier: sub.CustomerIdentifier})
			if err != nil {
				return nil, err
			}
			c = x.add(customerKey{cu.Identifier, cu.AWSAccountID})
		}
		c.subs = append(c.subs, sub)
	}
	sums, err := s.store.SummarizeUsage(ctx, meterd.UsageSummaryFilter{ProductCode: code,
		Since: since, Until: until, Period: meterd.PerHour, LateAfter: LateAfter})
	if err != nil {
		return nil, err
	}
	for _, u := range sums {
		c := x.find(u.CustomerIdentifier, u.CustomerAWSAccountID)
		c.sums = append(c.sums, u)
	}
	return x, nil
}

// customerIndex holds a report's customers in order, found by identifier,
// or by AWS account for records that name no identifier (MeterUsage).
type customerIndex struct {
	list      []*healthCustomer
	byID      map[string]*healthCustomer
	byAccount map[string]*healthCustomer
}

func (x *customerIndex) add(key customerKey) *healthCustomer {
	c := &healthCustomer{key: key}
	x.list = append(x.list, c)
	if key.Identifier != "" {
		x.byID[key.Identifier] = c
	}
	if _, ok := x.byAccount[key.AWSAccountID]; !ok && key.AWSAccountID != "" {
		x.byAccount[key.AWSAccountID] = c
	}
	return c
}

// find returns the customer a record names, added when new.
func (x *customerIndex) find(identifier, account string) *healthCustomer {
	c := x.byID[identifier]
	if identifier == "" {
		c = x.byAccount[account]
	}
	if c == nil {
		c = x.add(customerKey{identifier, account})
	}
	return c
}

// addPeriods gives every customer the spans its licenses could be metered
// in, from the product's lifecycle events.
func (s *Service) addPeriods(ctx context.Context, code string, x *customerIndex) error {
	events, err := s.store.FindLifecycleEvents(ctx, meterd.LifecycleEventFilter{ProductCode: code})
	if err != nil {
		return err
	}
	byLicense := map[string][]meterd.LifecycleEvent{}
	for _, e := range events {
		byLicense[e.LicenseArn] = append(byLicense[e.LicenseArn], e)
	}
	for _, c := range x.list {
		for _, sub := range c.subs {
			c.periods = append(c.periods, subscribedPeriods(sub, byLicense[sub.LicenseArn], s.unsubscribeDelay)...)
		}
	}
	return nil
}

// meteredHours are the hours of the range that a span of one of the
// customer's licenses covers whole.
func (c *healthCustomer) meteredHours(since, until time.Time) []time.Time {
	var hours []time.Time
	for h := since; h.Before(until); h = h.Add(time.Hour) {
		if slices.ContainsFunc(c.periods, func(p period) bool { return p.covers(h) }) {
			hours = append(hours, h)
		}
	}
	return hours
}

func (c *healthCustomer) health(product *meterd.Product, since, until time.Time) CustomerHealth {
	ch := CustomerHealth{CustomerIdentifier: c.key.Identifier, CustomerAWSAccountID: c.key.AWSAccountID,
		Dimensions: []DimensionHealth{}, Rejections: slices.Clone(c.rejections)}
	if ch.Rejections == nil {
		ch.Rejections = []Rejection{}
	}
	slices.SortFunc(ch.Rejections, func(a, b Rejection) int { return strings.Compare(a.ErrorCode, b.ErrorCode) })
	for _, r := range ch.Rejections {
		ch.Rejected += r.Count
	}
	metered := c.meteredHours(since, until)
	ch.MeteredHours, ch.Subscribed = len(metered), hourRuns(metered)
	for _, name := range c.dimensions(product) {
		d := c.dimension(name, metered)
		ch.MissingHours += d.MissingHours
		ch.NotMeteredHours += d.NotMeteredHours
		ch.Records += d.Records
		ch.LateRecords += d.LateRecords
		ch.Dimensions = append(ch.Dimensions, d)
	}
	ch.OK = ch.MissingHours == 0 && ch.NotMeteredHours == 0 && ch.LateRecords == 0 && ch.Rejected == 0
	return ch
}

// dimensions are the product's dimensions and any other with records,
// sorted.
func (c *healthCustomer) dimensions(product *meterd.Product) []string {
	var names []string
	for _, d := range product.Dimensions {
		names = append(names, d.Name)
	}
	for _, u := range c.sums {
		names = append(names, u.Dimension)
	}
	slices.SortFunc(names, strings.Compare)
	return slices.Compact(names)
}

// dimension sums one dimension's records and sorts its metered hours
// without a record into missed (the dimension has records in the range)
// and not metered (it has none).
func (c *healthCustomer) dimension(name string, metered []time.Time) DimensionHealth {
	d := DimensionHealth{Dimension: name}
	var recorded []time.Time
	for _, u := range c.sums {
		if u.Dimension != name {
			continue
		}
		recorded = append(recorded, u.Period)
		d.Records += u.Records
		d.Quantity += u.Quantity
		d.LateRecords += u.Late
		if d.FirstRecord == nil || u.Period.Before(d.FirstRecord.Hour) {
			d.FirstRecord = &RecordTime{Hour: u.Period, ReceivedAt: u.FirstReceivedAt}
		}
		if d.LastRecord == nil || u.Period.After(d.LastRecord.Hour) {
			d.LastRecord = &RecordTime{Hour: u.Period, ReceivedAt: u.LastReceivedAt}
		}
	}
	slices.SortFunc(recorded, time.Time.Compare)
	recorded = slices.CompactFunc(recorded, time.Time.Equal)
	var empty []time.Time
	for _, h := range metered {
		if _, found := slices.BinarySearchFunc(recorded, h, time.Time.Compare); !found {
			empty = append(empty, h)
		}
	}
	d.Recorded = hourRuns(recorded)
	d.Missing, d.NotMetered = hourRuns(nil), hourRuns(nil)
	if len(recorded) > 0 {
		d.MissingHours, d.Missing = len(empty), hourRuns(empty)
	} else {
		d.NotMeteredHours, d.NotMetered = len(empty), hourRuns(empty)
	}
	return d
}

// hourRuns turns sorted hours into runs of consecutive hours (never nil,
// so that JSON shows []).
func hourRuns(hours []time.Time) []HourRange {
	runs := []HourRange{}
	for _, h := range hours {
		if n := len(runs); n > 0 && runs[n-1].Until.Equal(h) {
			runs[n-1].Until = h.Add(time.Hour)
		} else {
			runs = append(runs, HourRange{From: h, Until: h.Add(time.Hour)})
		}
	}
	return runs
}
