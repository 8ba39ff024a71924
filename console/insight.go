package console

import (
	"net/http"
	"net/url"
	"time"

	"github.com/meterd/meterd"
	"github.com/meterd/meterd/insight"
)

// healthData is the integration health report and its grid: a row per
// product, customer and dimension, a cell per hour of the range that says
// what the hour is (hourStates).
type healthData struct {
	Range    overviewRange
	EndValue string
	Customer string
	Report   *insight.Health
	Hours    []time.Time
	Rows     []healthRow
	States   []hourState // for the legend
}

// hourState is what one cell of the grid shows: a class for its colour,
// a glyph and a label for those who cannot tell colours apart.
type hourState struct {
	Class, Glyph, Label string
}

// The states of an hour, in the legend's order.
var (
	hourRecorded      = hourState{"rec", "✓", "recorded"}
	hourMissed        = hourState{"miss", "✗", "missed"}
	hourNotMetered    = hourState{"unmetered", "?", "not metered yet"}
	hourNotSubscribed = hourState{"unsub", "·", "not subscribed"}
	hourStates        = []hourState{hourRecorded, hourMissed, hourNotMetered, hourNotSubscribed}
)

// healthRow is one dimension of one customer of one product.
type healthRow struct {
	Product, Customer, Dimension string
	Missing, NotMetered          int
	Cells                        []healthCell
}

// healthCell is one hour of one row.
type healthCell struct {
	hourState
	Hour time.Time
}

func (c *Console) healthPage(w http.ResponseWriter, r *http.Request, s *session) {
	q := r.URL.Query()
	d := &healthData{Customer: q.Get("customer")}
	v := view{Title: "Integration health", Data: d}
	status := http.StatusOK
	if err := c.readHealth(r, q, d); err != nil {
		status, v.Error = statusOf(err), errorText(err)
	}
	c.page(w, s, status, "health", v)
}

func (c *Console) readHealth(r *http.Request, q url.Values, d *healthData) error {
	o, err := c.parseRange(q)
	if err != nil {
		return err
	}
	if q.Get("end") == "" {
		o.End = o.End.Add(-time.Hour) // the report stops at the current, unfinished hour
	}
	d.Range, d.EndValue = o, o.End.Format(rangeLayout)
	rep, err := c.cfg.Admin.Health(r.Context(), insight.HealthQuery{ProductCode: o.Product, Customer: d.Customer,
		Since: o.since(), Until: o.End})
	if err != nil {
		return err
	}
	d.Report, d.States = rep, hourStates
	for h := rep.Since.UTC(); h.Before(rep.Until); h = h.Add(time.Hour) {
		d.Hours = append(d.Hours, h)
	}
	for _, p := range rep.Products {
		for _, cu := range p.Customers {
			for _, dim := range cu.Dimensions {
				d.Rows = append(d.Rows, healthRow{Product: p.ProductCode, Customer: customerName(cu), Dimension: dim.Dimension,
					Missing: dim.MissingHours, NotMetered: dim.NotMeteredHours, Cells: gridCells(d.Hours, dim)})
			}
		}
	}
	return nil
}

// gridCells says, hour by hour, what the report found for one dimension:
// its runs of recorded, missed and not metered hours; any other hour was
// not subscribed.
func gridCells(hours []time.Time, dim insight.DimensionHealth) []healthCell {
	cells := make([]healthCell, len(hours))
	for i, h := range hours {
		cells[i] = healthCell{hourState: hourNotSubscribed, Hour: h}
	}
	mark := func(runs []insight.HourRange, st hourState) {
		for _, r := range runs {
			for h := r.From.UTC(); h.Before(r.Until); h = h.Add(time.Hour) {
				if i := hourIndex(hours, h); i >= 0 {
					cells[i].hourState = st
				}
			}
		}
	}
	mark(dim.NotMetered, hourNotMetered)
	mark(dim.Missing, hourMissed)
	mark(dim.Recorded, hourRecorded)
	return cells
}

func customerName(cu insight.CustomerHealth) string {
	if cu.CustomerIdentifier != "" {
		return cu.CustomerIdentifier
	}
	return cu.CustomerAWSAccountID
}

// billData is a month's bill preview.
type billData struct {
	Month, Product, Customer string
	Bill                     *insight.Bill
}

func (c *Console) billPage(w http.ResponseWriter, r *http.Request, s *session) {
	q := r.URL.Query()
	d := &billData{Month: q.Get("month"), Product: q.Get("product"), Customer: q.Get("customer")}
	v := view{Title: "Bill preview", Data: d}
	status := http.StatusOK
	bq := insight.BillQuery{ProductCode: d.Product, Customer: d.Customer}
	var err error
	if d.Month != "" {
		if bq.Month, err = time.Parse(insight.MonthLayout, d.Month); err != nil {
			err = meterd.Errorf(meterd.EInvalid, "month must be a month such as 2026-12, got %q", d.Month)
		}
	}
	if err == nil {
		d.Bill, err = c.cfg.Admin.Bill(r.Context(), bq)
	}
	if err != nil {
		status, v.Error = statusOf(err), errorText(err)
	} else if d.Month == "" {
		d.Month = d.Bill.Month
	}
	c.page(w, s, status, "bill", v)
}
