package console

import (
	"fmt"
	"html/template"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/meterd/meterd"
	"github.com/meterd/meterd/audit"
	"github.com/meterd/meterd/sim"
)

const auditPageSize = 50

// auditData is a page of the audit trail and the filters that chose it.
type auditData struct {
	Filter    url.Values
	Events    []*meterd.AuditEvent
	NextQuery template.URL // the query string of the next page, "" after the last
}

// auditFilters are the audit trail's filters, by form field.
var auditFilters = []string{"eventName", "productCode", "customer", "dimension", "errorCode", "accessKeyId", "startTime", "endTime"}

// formTime reads a time field: a datetime-local input (UTC) or RFC 3339;
// empty is the zero time.
func formTime(q url.Values, name string) (time.Time, error) {
	v := strings.TrimSpace(q.Get(name))
	if v == "" {
		return time.Time{}, nil
	}
	for _, layout := range []string{rangeLayout, "2006-01-02T15:04:05", time.RFC3339Nano} {
		if t, err := time.Parse(layout, v); err == nil {
			return t, nil
		}
	}
	return time.Time{}, meterd.Errorf(meterd.EInvalid, "%s must be a UTC time such as 2026-01-02T15:04, got %q", name, v)
}

func (c *Console) auditPage(w http.ResponseWriter, r *http.Request, s *session) {
	q := r.URL.Query()
	d := &auditData{Filter: q}
	c.listPage(w, r, s, "audit", view{Title: "Audit trail", Data: d}, func() error { return c.readAudit(r, q, d) })
}

// listPage renders a filtered list that read fills in: its first page
// follows calls as they arrive, a later one (nextToken) stays put.
func (c *Console) listPage(w http.ResponseWriter, r *http.Request, s *session, name string, v view, read func() error) {
	if r.URL.Query().Get("nextToken") == "" {
		c.liveStart(r.Context(), &v)
	}
	status := http.StatusOK
	if err := read(); err != nil {
		status, v.Error = statusOf(err), errorText(err)
	}
	c.page(w, s, status, name, v)
}

func (c *Console) readAudit(r *http.Request, q url.Values, d *auditData) error {
	if c.cfg.Audit == nil {
		return meterd.Errorf(meterd.ENotFound, "the audit trail is off on this meterd")
	}
	f := meterd.AuditFilter{EventName: q.Get("eventName"), ProductCode: q.Get("productCode"),
		Customer: q.Get("customer"), Dimension: q.Get("dimension"), ErrorCode: q.Get("errorCode"),
		AccessKeyID: q.Get("accessKeyId"), Limit: auditPageSize, Cursor: q.Get("nextToken")}
	var err error
	if f.Since, err = formTime(q, "startTime"); err != nil {
		return err
	}
	if f.Until, err = formTime(q, "endTime"); err != nil {
		return err
	}
	events, next, err := c.cfg.Audit.Find(r.Context(), f)
	if err != nil {
		return err
	}
	d.Events = events
	if next != "" {
		d.NextQuery = filterQuery(q, auditFilters, next)
	}
	return nil
}

// filterQuery is the query string of q's filters names, and nextToken
// when next is set: for a link's href (as template.URL, since a string
// would be escaped whole).
func filterQuery(q url.Values, names []string, next string) template.URL {
	nq := url.Values{}
	for _, name := range names {
		if v := q.Get(name); v != "" {
			nq.Set(name, v)
		}
	}
	if next != "" {
		nq.Set("nextToken", next)
	}
	return template.URL(nq.Encode()) // encoded
}

// callsData is the call log of the last minutes.
type callsData struct {
	Minutes int
	Calls   *audit.Calls
}

func (c *Console) callsPage(w http.ResponseWriter, r *http.Request, s *session) {
	d := &callsData{Minutes: 15}
	v := view{Title: "Call log", Data: d}
	c.liveStart(r.Context(), &v)
	status := http.StatusOK
	if m := r.URL.Query().Get("minutes"); m != "" {
		n, err := strconv.Atoi(m)
		if err != nil || n < 1 || n > 24*60 {
			status, v.Error = http.StatusBadRequest, fmt.Sprintf("minutes must be a whole number from 1 to 1440, got %q", m)
		} else {
			d.Minutes = n
		}
	}
	if c.cfg.Audit == nil {
		status, v.Error = http.StatusNotFound, "the audit trail is off on this meterd"
	} else if status == http.StatusOK {
		since := c.cfg.Now().Add(-time.Duration(d.Minutes) * time.Minute)
		calls, err := c.cfg.Audit.List(r.Context(), audit.CallQuery{Filter: meterd.AuditFilter{Since: since}})
		if err != nil {
			status, v.Error = statusOf(err), errorText(err)
		}
		d.Calls = calls
	}
	c.page(w, s, status, "calls", v)
}

// clockData is the business clock, or nil when this meterd has none.
type clockData struct {
	State *sim.ClockState
	Wall  time.Time
}

func (c *Console) clockPage(w http.ResponseWriter, r *http.Request, s *session) {
	c.renderClock(w, s, http.StatusOK, "")
}

func (c *Console) renderClock(w http.ResponseWriter, s *session, status int, msg string) {
	d := &clockData{Wall: c.cfg.Now().UTC()}
	if c.cfg.Clock != nil {
		st := c.cfg.Clock.State()
		d.State = &st
	}
	c.page(w, s, status, "clock", view{Title: "Clock", Error: msg, Data: d})
}

func (c *Console) clockAdvance(w http.ResponseWriter, r *http.Request, s *session) {
	d, err := time.ParseDuration(strings.TrimSpace(r.PostForm.Get("duration")))
	if err != nil {
		c.renderClock(w, s, http.StatusBadRequest, fmt.Sprintf("duration must be a Go duration such as 1h30m or -15m, got %q", r.PostForm.Get("duration")))
		return
	}
	out, err := c.cfg.Admin.AdvanceClock(r.Context(), d)
	if err != nil {
		c.renderClock(w, s, statusOf(err), errorText(err))
		return
	}
	c.done(w, r, s, "/clock", "Clock advanced by "+d.String()+": it is now "+out.Now.UTC().Format(time.RFC3339)+".")
}

func (c *Console) clockSet(w http.ResponseWriter, r *http.Request, s *session) {
	t, err := formTime(r.PostForm, "time")
	if err == nil && t.IsZero() {
		err = meterd.Errorf(meterd.EInvalid, "time is required")
	}
	if err != nil {
		c.renderClock(w, s, statusOf(err), errorText(err))
		return
	}
	out, err := c.cfg.Admin.SetClock(r.Context(), t, r.PostForm.Get("freeze") != "")
	if err != nil {
		c.renderClock(w, s, statusOf(err), errorText(err))
		return
	}
	c.done(w, r, s, "/clock", "Clock set: it is now "+out.Now.UTC().Format(time.RFC3339)+".")
}

// faultsData lists the fault rules, or says there is no fault injection.
type faultsData struct {
	Enabled bool
	Rules   []sim.Rule
	Form    url.Values // the form as sent, after a refused rule
}

func (c *Console) faultsPage(w http.ResponseWriter, r *http.Request, s *session) {
	c.renderFaults(w, s, http.StatusOK, "", nil)
}

func (c *Console) renderFaults(w http.ResponseWriter, s *session, status int, msg string, form url.Values) {
	d := &faultsData{Enabled: c.cfg.Faults != nil, Form: form}
	if c.cfg.Faults != nil {
		d.Rules = c.cfg.Faults.List()
	}
	c.page(w, s, status, "faults", view{Title: "Faults", Error: msg, Data: d})
}

func (c *Console) faultAdd(w http.ResponseWriter, r *http.Request, s *session) {
	rule, err := parseRule(r.PostForm)
	if err == nil {
		var added *sim.Rule
		if added, err = c.cfg.Admin.AddFault(r.Context(), rule); err == nil {
			c.done(w, r, s, "/faults", fmt.Sprintf("Fault rule %d added.", added.ID))
			return
		}
	}
	c.renderFaults(w, s, statusOf(err), errorText(err), r.PostForm)
}

// parseRule reads the add-a-fault form; the admin API checks the rule.
func parseRule(f url.Values) (sim.Rule, error) {
	r := sim.Rule{Operation: f.Get("operation"), Product: f.Get("product"), Account: f.Get("account"),
		Region: f.Get("region"), Error: f.Get("error"), Message: f.Get("message"), Drop: f.Get("drop") != ""}
	var err error
	num := func(name string, parse func(string) error) {
		if v := strings.TrimSpace(f.Get(name)); v != "" && err == nil {
			if perr := parse(v); perr != nil {
				err = meterd.Errorf(meterd.EInvalid, "%s: %q is not a valid value", name, v)
			}
		}
	}
	num("probability", func(v string) (e error) { r.Probability, e = strconv.ParseFloat(v, 64); return })
	num("unprocessed", func(v string) (e error) { r.Unprocessed, e = strconv.ParseFloat(v, 64); return })
	num("count", func(v string) (e error) { r.Count, e = strconv.Atoi(v); return })
	num("latency", func(v string) error { d, e := time.ParseDuration(v); r.Latency = sim.Duration(d); return e })
	num("ttl", func(v string) error { d, e := time.ParseDuration(v); r.TTL = sim.Duration(d); return e })
	return r, err
}

func (c *Console) faultDelete(w http.ResponseWriter, r *http.Request, s *session) {
	id, err := strconv.ParseInt(r.PathValue("id"), 10, 64)
	if err != nil {
		c.renderFaults(w, s, http.StatusBadRequest, fmt.Sprintf("fault rule id %q is not a number", r.PathValue("id")), nil)
		return
	}
	if err := c.cfg.Admin.DeleteFault(r.Context(), id); err != nil {
		c.renderFaults(w, s, statusOf(err), errorText(err), nil)
		return
	}
	c.done(w, r, s, "/faults", fmt.Sprintf("Fault rule %d removed.", id))
}

// keysData lists the RegisterUsage signing keys (never the private part).
type keysData struct {
	Keys []keyRow
}

type keyRow struct {
	Version              int32
	CreatedAt, RotatedAt time.Time
}

func (c *Console) keysPage(w http.ResponseWriter, r *http.Request, s *session) {
	c.renderKeys(w, r, s, http.StatusOK, "")
}

func (c *Console) renderKeys(w http.ResponseWriter, r *http.Request, s *session, status int, msg string) {
	d := &keysData{}
	if c.cfg.Ledger != nil {
		keys, err := c.cfg.Ledger.SigningKeys(r.Context())
		if err != nil && msg == "" {
			status, msg = statusOf(err), errorText(err)
		}
		for _, k := range keys {
			d.Keys = append(d.Keys, keyRow{Version: k.Version, CreatedAt: k.CreatedAt, RotatedAt: k.RotatedAt})
		}
	}
	c.page(w, s, status, "keys", view{Title: "Signing keys", Error: msg, Data: d})
}

func (c *Console) keysRotate(w http.ResponseWriter, r *http.Request, s *session) {
	key, err := c.cfg.Admin.RotateSigningKey(r.Context())
	if err != nil {
		c.renderKeys(w, r, s, statusOf(err), errorText(err))
		return
	}
	c.done(w, r, s, "/keys", fmt.Sprintf("Signing key version %d created; RegisterUsage signs with it from now on.", key.Version))
}

// resetConfirmation is what the reset form asks the user to type.
const resetConfirmation = "reset"

func (c *Console) resetPage(w http.ResponseWriter, r *http.Request, s *session) {
	c.renderReset(w, s, http.StatusOK, "")
}

func (c *Console) renderReset(w http.ResponseWriter, s *session, status int, msg string) {
	d := struct {
		Allowed bool
		Confirm string
	}{c.cfg.AllowReset, resetConfirmation}
	c.page(w, s, status, "reset", view{Title: "Reset", Error: msg, Data: d})
}

// reset empties the ledger and the audit trail, only when meterd allows it
// and the user typed the confirmation.
func (c *Console) reset(w http.ResponseWriter, r *http.Request, s *session) {
	if !c.cfg.AllowReset {
		c.renderReset(w, s, http.StatusConflict, "Reset is off on this meterd: start it with --allow-reset to allow it.")
		return
	}
	if strings.TrimSpace(r.PostForm.Get("confirm")) != resetConfirmation {
		c.renderReset(w, s, http.StatusBadRequest, fmt.Sprintf("Type %q to confirm the reset.", resetConfirmation))
		return
	}
	out, err := c.cfg.Admin.Reset(r.Context())
	if err != nil {
		c.renderReset(w, s, statusOf(err), errorText(err))
		return
	}
	c.done(w, r, s, "/reset", fmt.Sprintf("Reset: %d metering records and %d audit events deleted.", out.MeteringRecords, out.AuditEvents))
}
