package console

import (
	"cmp"
	"context"
	"html/template"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"time"

	"github.com/meterd/meterd"
	"github.com/meterd/meterd/audit"
)

const (
	defaultHours, maxHours = 24, 7 * 24
	// maxOverviewRecords bounds the records one overview reads; past it the
	// page says the range is truncated and asks for a narrower one.
	// TODO(wip-usage): the usage aggregation API sums in the store and
	// lifts this bound; replace readUsage with it.
	maxOverviewRecords = 50_000
	// maxOverviewCalls bounds the audit events read for accepted/rejected.
	maxOverviewCalls = 10_000
	rangeLayout      = "2006-01-02T15:04"
)

// overviewRange is the chosen range: Hours hours up to End (exclusive),
// on the business clock, and an optional product.
type overviewRange struct {
	End     time.Time
	Hours   int
	Product string
}

func (o overviewRange) since() time.Time { return o.End.Add(-time.Duration(o.Hours) * time.Hour) }

// parseRange reads hours, end and product; end defaults to the end of
// the business clock's current hour.
func (c *Console) parseRange(q url.Values) (overviewRange, error) {
	o := overviewRange{Hours: defaultHours, Product: q.Get("product")}
	if v := q.Get("hours"); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil || n < 1 || n > maxHours {
			return o, meterd.Errorf(meterd.EInvalid, "hours must be a whole number from 1 to %d, got %q", maxHours, v)
		}
		o.Hours = n
	}
	if v := q.Get("end"); v != "" {
		t, err := time.Parse(rangeLayout, v)
		if err != nil {
			return o, meterd.Errorf(meterd.EInvalid, "end must be a UTC time such as 2026-01-02T15:00, got %q", v)
		}
		o.End = t.Truncate(time.Hour)
	} else {
		o.End = c.businessNow().Truncate(time.Hour).Add(time.Hour)
	}
	return o, nil
}

func (c *Console) businessNow() time.Time {
	if c.cfg.Clock != nil {
		return c.cfg.Clock.Now().UTC()
	}
	return c.cfg.Now().UTC()
}

// usageRow is one hour of one product and dimension.
type usageRow struct {
	Hour               time.Time
	Product, Dimension string
	Records, Quantity  int64
	Customers          int
	customersSeen      map[string]bool
}

// overviewData is the overview page.
type overviewData struct {
	Range     overviewRange
	EndValue  string // for the form's input
	Products  []string
	Usage     template.HTML
	Calls     template.HTML
	Rows      []*usageRow
	Records   int
	Truncated bool
	Accepted  int
	Rejected  int
	CallsCut  bool
}

func (c *Console) overview(w http.ResponseWriter, r *http.Request, s *session) {
	v := view{Title: "Overview", Active: "/"}
	c.liveStart(r.Context(), &v)
	d, err := c.overviewData(r)
	v.Data = d
	status := http.StatusOK
	if err != nil {
		status, v.Error = statusOf(err), errorText(err)
	}
	c.page(w, s, status, "overview", v)
}

// overviewSVG is the usage chart alone, as an image.
func (c *Console) overviewSVG(w http.ResponseWriter, r *http.Request, s *session) {
	d, err := c.overviewData(r)
	if err != nil {
		c.status(w, r, statusOf(err), errorText(err))
		return
	}
	w.Header().Set("Content-Type", "image/svg+xml")
	_, _ = w.Write([]byte(d.Usage)) // the client went away; nothing to do
}

func (c *Console) overviewData(r *http.Request) (*overviewData, error) {
	o, err := c.parseRange(r.URL.Query())
	if err != nil {
		return &overviewData{}, err
	}
	d := &overviewData{Range: o, EndValue: o.End.Format(rangeLayout)}
	hours := make([]time.Time, o.Hours)
	for i := range hours {
		hours[i] = o.since().Add(time.Duration(i) * time.Hour)
	}
	recs, err := c.readUsage(r.Context(), o)
	if err != nil {
		return d, err
	}
	d.Records, d.Truncated = len(recs), len(recs) >= maxOverviewRecords
	d.Rows, d.Products = aggregateUsage(recs)
	d.Usage = svgChart("Records per hour per product and dimension", hours, usageSeries(d.Rows, hours))
	calls, err := c.callSeries(r.Context(), o, hours, d)
	if err != nil {
		return d, err
	}
	d.Calls = svgChart("MeterUsage and BatchMeterUsage calls per hour: accepted and rejected", hours, calls)
	return d, nil
}

// readUsage reads the range's records, at most maxOverviewRecords.
// TODO(wip-usage): replace with the usage aggregation API (sums per hour,
// product and dimension computed by the store).
func (c *Console) readUsage(ctx context.Context, o overviewRange) ([]*meterd.MeteringRecord, error) {
	if c.cfg.Ledger == nil {
		return nil, nil
	}
	return c.cfg.Ledger.FindUsage(ctx, meterd.UsageFilter{ProductCode: o.Product, Since: o.since(), Until: o.End,
		Limit: maxOverviewRecords})
}

// aggregateUsage sums records per hour, product and dimension, newest hour
// first, and lists the products seen.
func aggregateUsage(recs []*meterd.MeteringRecord) ([]*usageRow, []string) {
	type key struct {
		hour               time.Time
		product, dimension string
	}
	rows := map[key]*usageRow{}
	var products []string
	for _, rec := range recs {
		k := key{rec.Hour.UTC(), rec.ProductCode, rec.Dimension}
		row := rows[k]
		if row == nil {
			row = &usageRow{Hour: k.hour, Product: k.product, Dimension: k.dimension, customersSeen: map[string]bool{}}
			rows[k] = row
		}
		row.Records++
		row.Quantity += rec.Quantity
		row.customersSeen[cmp.Or(rec.CustomerIdentifier, rec.CustomerAWSAccountID, rec.LicenseArn)] = true
		if !slices.Contains(products, rec.ProductCode) {
			products = append(products, rec.ProductCode)
		}
	}
	out := make([]*usageRow, 0, len(rows))
	for _, row := range rows {
		row.Customers = len(row.customersSeen)
		out = append(out, row)
	}
	slices.SortFunc(out, func(a, b *usageRow) int {
		return cmp.Or(b.Hour.Compare(a.Hour), cmp.Compare(a.Product, b.Product), cmp.Compare(a.Dimension, b.Dimension))
	})
	slices.Sort(products)
	return out, products
}

// usageSeries is one series of records per hour per product and dimension.
func usageSeries(rows []*usageRow, hours []time.Time) []chartSeries {
	index := map[string]int{}
	var series []chartSeries
	for i := len(rows) - 1; i >= 0; i-- {
		row := rows[i]
		name := row.Product + " / " + row.Dimension
		si, ok := index[name]
		if !ok {
			si = len(series)
			index[name] = si
			series = append(series, chartSeries{Name: name, Values: make([]int64, len(hours))})
		}
		if h := hourIndex(hours, row.Hour); h >= 0 {
			series[si].Values[h] += row.Records
		}
	}
	slices.SortStableFunc(series, func(a, b chartSeries) int { return cmp.Compare(a.Name, b.Name) })
	return series
}

func hourIndex(hours []time.Time, h time.Time) int {
	if len(hours) == 0 || h.Before(hours[0]) {
		return -1
	}
	i := int(h.Sub(hours[0]) / time.Hour)
	if i >= len(hours) {
		return -1
	}
	return i
}

// callSeries counts the metering calls of the audit trail per hour of the
// range, accepted and rejected. The trail records calls by wall-clock
// time, the ledger by usage hour: the two charts line up while the
// business clock is the wall clock.
func (c *Console) callSeries(ctx context.Context, o overviewRange, hours []time.Time, d *overviewData) ([]chartSeries, error) {
	accepted := chartSeries{Name: "accepted", Values: make([]int64, len(hours))}
	rejected := chartSeries{Name: "rejected", Values: make([]int64, len(hours))}
	if c.cfg.Audit == nil {
		return []chartSeries{accepted, rejected}, nil
	}
	f := meterd.AuditFilter{ProductCode: o.Product, Since: o.since(), Until: o.End, Limit: 1000}
	read := 0
	for {
		events, next, err := c.cfg.Audit.Find(ctx, f)
		if err != nil {
			return nil, err
		}
		for _, e := range events {
			if e.EventSource != audit.SourceMetering || (e.EventName != "MeterUsage" && e.EventName != "BatchMeterUsage") {
				continue
			}
			h := hourIndex(hours, e.EventTime.UTC().Truncate(time.Hour))
			if h < 0 {
				continue
			}
			if e.ErrorCode != "" {
				rejected.Values[h]++
				d.Rejected++
			} else {
				accepted.Values[h]++
				d.Accepted++
			}
		}
		read += len(events)
		if next == "" {
			break
		}
		if read >= maxOverviewCalls {
			d.CallsCut = true
			break
		}
		f.Cursor = next
	}
	return []chartSeries{accepted, rejected}, nil
}
