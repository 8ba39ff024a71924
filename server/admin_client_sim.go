package server

import (
	"context"
	"net/http"
	"net/url"
	"strconv"
	"time"

	"github.com/meterd/meterd/sim"
)

// Clock reads the business clock.
func (c *AdminClient) Clock(ctx context.Context) (*ClockOutput, error) {
	return c.clock(ctx, http.MethodGet, "", nil)
}

// SetClock moves the business clock to t, frozen there when freeze is
// set; a frozen clock stays frozen.
func (c *AdminClient) SetClock(ctx context.Context, t time.Time, freeze bool) (*ClockOutput, error) {
	return c.clock(ctx, http.MethodPost, "/set", SetClockInput{Time: t, Freeze: freeze})
}

// AdvanceClock moves the business clock by d; negative moves it back.
func (c *AdminClient) AdvanceClock(ctx context.Context, d time.Duration) (*ClockOutput, error) {
	return c.clock(ctx, http.MethodPost, "/advance", ClockDurationInput{Duration: sim.Duration(d)})
}

// OffsetClock makes the business clock run d ahead of the wall clock.
func (c *AdminClient) OffsetClock(ctx context.Context, d time.Duration) (*ClockOutput, error) {
	return c.clock(ctx, http.MethodPost, "/offset", ClockDurationInput{Duration: sim.Duration(d)})
}

// FreezeClock stops the business clock where it is.
func (c *AdminClient) FreezeClock(ctx context.Context) (*ClockOutput, error) {
	return c.clock(ctx, http.MethodPost, "/freeze", struct{}{})
}

// RealClock makes the business clock the wall clock again.
func (c *AdminClient) RealClock(ctx context.Context) (*ClockOutput, error) {
	return c.clock(ctx, http.MethodPost, "/real", struct{}{})
}

func (c *AdminClient) clock(ctx context.Context, method, sub string, in any) (*ClockOutput, error) {
	var out ClockOutput
	if err := c.do(ctx, method, "/admin/v1/clock"+sub, in, &out); err != nil {
		return nil, err
	}
	return &out, nil
}

// Faults lists the fault injection rules in force.
func (c *AdminClient) Faults(ctx context.Context) ([]sim.Rule, error) {
	var out FaultsOutput
	if err := c.do(ctx, http.MethodGet, "/admin/v1/faults", nil, &out); err != nil {
		return nil, err
	}
	return out.Rules, nil
}

// AddFault adds a rule and returns it with its id.
func (c *AdminClient) AddFault(ctx context.Context, r sim.Rule) (*sim.Rule, error) {
	var out sim.Rule
	if err := c.do(ctx, http.MethodPost, "/admin/v1/faults", r, &out); err != nil {
		return nil, err
	}
	return &out, nil
}

// DeleteFault removes the rule with id.
func (c *AdminClient) DeleteFault(ctx context.Context, id int64) error {
	return c.do(ctx, http.MethodDelete, "/admin/v1/faults/"+strconv.FormatInt(id, 10), nil, &DeletedOutput{})
}

// ClearFaults removes every rule and returns how many there were.
func (c *AdminClient) ClearFaults(ctx context.Context) (int, error) {
	var out DeletedOutput
	err := c.do(ctx, http.MethodDelete, "/admin/v1/faults", nil, &out)
	return out.Deleted, err
}

// Quotas returns the quotas in force and the buckets' state.
func (c *AdminClient) Quotas(ctx context.Context) (*QuotasOutput, error) {
	var out QuotasOutput
	if err := c.do(ctx, http.MethodGet, "/admin/v1/quotas", nil, &out); err != nil {
		return nil, err
	}
	return &out, nil
}

// SetQuota overrides a quota (for q.Account only, unless it is "").
func (c *AdminClient) SetQuota(ctx context.Context, q sim.Quota) (*QuotasOutput, error) {
	var out QuotasOutput
	if err := c.do(ctx, http.MethodPost, "/admin/v1/quotas", q, &out); err != nil {
		return nil, err
	}
	return &out, nil
}

// ResetQuota removes the override of operation (for account, or for every
// account when "").
func (c *AdminClient) ResetQuota(ctx context.Context, operation, account string) (*QuotasOutput, error) {
	q := url.Values{"operation": {operation}}
	if account != "" {
		q.Set("account", account)
	}
	var out QuotasOutput
	if err := c.do(ctx, http.MethodDelete, "/admin/v1/quotas?"+q.Encode(), nil, &out); err != nil {
		return nil, err
	}
	return &out, nil
}
