package console

import (
	"net/http"
	"net/url"
	"time"

	"github.com/meterd/meterd"
	"github.com/meterd/meterd/insight"
)

// healthData is the integration health report and its grid: a row per
// product, customer and dimension, a cell per hour of the range, the
// missed hours marked.
type healthData struct {
	Range    overviewRange
	EndValue string
	Customer string
	Report   *insight.Health
	Hours    []time.Time
	Rows     []healthRow
}

// healthRow is one dimension of one customer of one product.
type healthRow struct {
	Product, Customer, Dimension string
	Missing                      int
	Cells                        []bool // true: a missed hour
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
	d.Report = rep
	for h := rep.Since.UTC(); h.Before(rep.Until); h = h.Add(time.Hour) {
		d.Hours = append(d.Hours, h)
	}
	for _, p := range rep.Products {
		for _, cu := range p.Customers {
			for _, dim := range cu.Dimensions {
				row := healthRow{Product: p.ProductCode, Customer: customerName(cu), Dimension: dim.Dimension,
					Missing: dim.MissingHours, Cells: make([]bool, len(d.Hours))}
				for _, m := range dim.Missing {
					for h := m.From.UTC(); h.Before(m.Until); h = h.Add(time.Hour) {
						if i := hourIndex(d.Hours, h); i >= 0 {
							row.Cells[i] = true
						}
					}
				}
				d.Rows = append(d.Rows, row)
			}
		}
	}
	return nil
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
