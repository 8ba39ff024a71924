package console

import (
	"fmt"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"

	"github.com/meterd/meterd"
	"github.com/meterd/meterd/server"
	"github.com/meterd/meterd/sim"
)

// quotasData is the quota table, the buckets in use and the form to
// override a quota.
type quotasData struct {
	Throttle   bool
	Quotas     []server.QuotaState
	Buckets    []server.BucketState
	Operations []string   // the operations a quota can name, for the form
	Form       url.Values // the form as sent, after a refused change
}

func (c *Console) quotasPage(w http.ResponseWriter, r *http.Request, s *session) {
	c.renderQuotas(w, s, http.StatusOK, "", nil)
}

func (c *Console) renderQuotas(w http.ResponseWriter, s *session, status int, msg string, form url.Values) {
	quotas, buckets := c.cfg.Limiter.State()
	d := &quotasData{Throttle: c.cfg.Limiter != nil, Quotas: quotas, Buckets: buckets, Form: form}
	for _, q := range quotas {
		d.Operations = append(d.Operations, q.Operation)
	}
	d.Operations = slices.Compact(d.Operations) // State sorts by operation
	c.page(w, s, status, "quotas", view{Title: "Quotas", Error: msg, Data: d})
}

// quotaSet overrides a quota through the admin API: its buckets start over
// full, so the next calls meet the new numbers.
func (c *Console) quotaSet(w http.ResponseWriter, r *http.Request, s *session) {
	q, err := parseQuota(r.PostForm)
	if err == nil {
		if _, err = c.cfg.Admin.SetQuota(r.Context(), q); err == nil {
			c.done(w, r, s, "/quotas", fmt.Sprintf("Quota of %s%s set to %g a second, bursts of %g.",
				q.Operation, forAccount(q.Account), q.Rate, q.BurstOrRate()))
			return
		}
	}
	c.renderQuotas(w, s, statusOf(err), errorText(err), r.PostForm)
}

// quotaReset drops an override: the default (or the override for every
// account) is in force again.
func (c *Console) quotaReset(w http.ResponseWriter, r *http.Request, s *session) {
	op, account := r.PostForm.Get("operation"), r.PostForm.Get("account")
	if _, err := c.cfg.Admin.ResetQuota(r.Context(), op, account); err != nil {
		c.renderQuotas(w, s, statusOf(err), errorText(err), nil)
		return
	}
	c.done(w, r, s, "/quotas", fmt.Sprintf("Override of %s%s removed.", op, forAccount(account)))
}

// parseQuota reads the override form; the admin API checks the quota.
func parseQuota(f url.Values) (sim.Quota, error) {
	q := sim.Quota{Operation: strings.TrimSpace(f.Get("operation")), Account: strings.TrimSpace(f.Get("account"))}
	for _, field := range []struct {
		name     string
		to       *float64
		required bool
	}{{"rate", &q.Rate, true}, {"burst", &q.Burst, false}} {
		v := strings.TrimSpace(f.Get(field.name))
		if v == "" && !field.required {
			continue
		}
		n, err := strconv.ParseFloat(v, 64)
		if err != nil {
			return q, meterd.Errorf(meterd.EInvalid, "%s must be a number of requests a second, got %q", field.name, v)
		}
		*field.to = n
	}
	return q, nil
}

// forAccount names the account an override is for.
func forAccount(account string) string {
	if account == "" {
		return " (every account)"
	}
	return " for account " + account
}
