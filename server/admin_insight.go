package server

import (
	"context"
	"net/http"
	"net/url"
	"time"

	"github.com/meterd/meterd"
	"github.com/meterd/meterd/insight"
)

const (
	pathBill   = "/admin/v1/bill"
	pathHealth = "/admin/v1/health"
)

func (s *Server) insightRoutes() []adminRoute {
	return []adminRoute{
		{http.MethodGet, pathBill, http.StatusOK, s.bill},
		{http.MethodGet, pathHealth, http.StatusOK, s.health},
	}
}

func (s *Server) insightService() (*insight.Service, error) {
	if s.Insight == nil {
		return nil, meterd.Errorf(meterd.ENotFound, "bills and health reports are off on this meterd")
	}
	return s.Insight, nil
}

// bill answers GET /admin/v1/bill?product=&month=YYYY-MM&customer=.
func (s *Server) bill(r *http.Request) (any, error) {
	svc, err := s.insightService()
	if err != nil {
		return nil, err
	}
	q := r.URL.Query()
	in := insight.BillQuery{ProductCode: q.Get("product"), Customer: q.Get("customer")}
	if m := q.Get("month"); m != "" {
		if in.Month, err = time.Parse(insight.MonthLayout, m); err != nil {
			return nil, meterd.Errorf(meterd.EInvalid, "month must be a month such as 2026-12, got %q", m)
		}
	}
	return svc.Bill(r.Context(), in)
}

// health answers GET /admin/v1/health?product=&customer=&since=&until=.
func (s *Server) health(r *http.Request) (any, error) {
	svc, err := s.insightService()
	if err != nil {
		return nil, err
	}
	q := r.URL.Query()
	in := insight.HealthQuery{ProductCode: q.Get("product"), Customer: q.Get("customer")}
	if in.Since, err = timeParam(q, "since"); err != nil {
		return nil, err
	}
	if in.Until, err = timeParam(q, "until"); err != nil {
		return nil, err
	}
	return svc.Health(r.Context(), in)
}

// Bill previews the bill of q.Month (zero: the current month).
func (c *AdminClient) Bill(ctx context.Context, q insight.BillQuery) (*insight.Bill, error) {
	v := url.Values{}
	setNonEmpty(v, "product", q.ProductCode)
	setNonEmpty(v, "customer", q.Customer)
	if !q.Month.IsZero() {
		v.Set("month", q.Month.UTC().Format(insight.MonthLayout))
	}
	var out insight.Bill
	if err := c.getJSON(ctx, pathBill, v, &out); err != nil {
		return nil, err
	}
	return &out, nil
}

// Health returns the integration health report of q.
func (c *AdminClient) Health(ctx context.Context, q insight.HealthQuery) (*insight.Health, error) {
	v := url.Values{}
	setNonEmpty(v, "product", q.ProductCode)
	setNonEmpty(v, "customer", q.Customer)
	if !q.Since.IsZero() {
		v.Set("since", q.Since.UTC().Format(time.RFC3339Nano))
	}
	if !q.Until.IsZero() {
		v.Set("until", q.Until.UTC().Format(time.RFC3339Nano))
	}
	var out insight.Health
	if err := c.getJSON(ctx, pathHealth, v, &out); err != nil {
		return nil, err
	}
	return &out, nil
}

func setNonEmpty(v url.Values, key, value string) {
	if value != "" {
		v.Set(key, value)
	}
}
