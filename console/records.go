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
	"github.com/meterd/meterd/server"
)

const defaultRecordsPage, maxRecordsPage = 100, 1000

// recordFilters are the usage queries' filters, by form field (the admin
// API's parameter names).
var recordFilters = []string{"productCode", "customer", "licenseArn", "dimension", "outcome", "test",
	"usageStart", "usageEnd", "receivedStart", "receivedEnd", "maxResults"}

// recordsData is a page of usage records and the filters that chose it.
type recordsData struct {
	Filter      url.Values
	Outcomes    []meterd.Outcome
	Records     []*meterd.SentRecord
	NextQuery   template.URL // the next page's query string, "" after the last
	ExportQuery template.URL // the filters, for the download links
}

// parseRecordsQuery reads the records form: the same fields as the admin
// API's usage routes, the times as datetime-local inputs (UTC) or RFC
// 3339.
func parseRecordsQuery(q url.Values) (meterd.UsageQuery, error) {
	uq := meterd.UsageQuery{ProductCode: strings.TrimSpace(q.Get("productCode")), Customer: strings.TrimSpace(q.Get("customer")),
		LicenseArn: strings.TrimSpace(q.Get("licenseArn")), Dimension: strings.TrimSpace(q.Get("dimension")),
		Limit: defaultRecordsPage, Cursor: q.Get("nextToken")}
	var err error
	if v := q.Get("outcome"); v != "" {
		if uq.Outcome, err = meterd.ParseOutcome(v); err != nil {
			return uq, err
		}
	}
	if v := q.Get("test"); v != "" {
		test, err := strconv.ParseBool(v)
		if err != nil {
			return uq, meterd.Errorf(meterd.EInvalid, "test must be true or false, got %q", v)
		}
		uq.Test = &test
	}
	if v := q.Get("maxResults"); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil || n < 1 || n > maxRecordsPage {
			return uq, meterd.Errorf(meterd.EInvalid, "maxResults must be a whole number from 1 to %d, got %q", maxRecordsPage, v)
		}
		uq.Limit = n
	}
	for _, p := range []struct {
		name string
		t    *time.Time
	}{{"usageStart", &uq.UsageSince}, {"usageEnd", &uq.UsageUntil},
		{"receivedStart", &uq.ReceivedSince}, {"receivedEnd", &uq.ReceivedUntil}} {
		if *p.t, err = formTime(q, p.name); err != nil {
			return uq, err
		}
	}
	return uq, nil
}

func (c *Console) recordsPage(w http.ResponseWriter, r *http.Request, s *session) {
	q := r.URL.Query()
	d := &recordsData{Filter: q, Outcomes: []meterd.Outcome{meterd.OutcomeAccepted, meterd.OutcomeDuplicate, meterd.OutcomeRejected}}
	c.listPage(w, r, s, "records", view{Title: "Records", Data: d}, func() error { return c.readRecords(r, q, d) })
}

func (c *Console) readRecords(r *http.Request, q url.Values, d *recordsData) error {
	d.ExportQuery = filterQuery(q, recordFilters[:len(recordFilters)-1], "") // not maxResults
	uq, err := parseRecordsQuery(q)
	if err != nil {
		return err
	}
	out, err := c.cfg.Admin.ListUsage(r.Context(), uq)
	if err != nil {
		return err
	}
	d.Records = out.Records
	if out.NextToken != "" {
		d.NextQuery = filterQuery(q, recordFilters, out.NextToken)
	}
	return nil
}

// recordsExport streams the records of the filters as CSV or JSON Lines
// from the admin API's export route, through the console's session: no
// token in a URL, and constant memory however many records match.
func (c *Console) recordsExport(w http.ResponseWriter, r *http.Request, s *session) {
	q := r.URL.Query()
	format := q.Get("format")
	contentType := map[string]string{server.FormatCSV: "text/csv; charset=utf-8", server.FormatJSONL: "application/jsonl"}[format]
	if contentType == "" {
		c.status(w, r, http.StatusBadRequest, fmt.Sprintf("format must be csv or jsonl, got %q", format))
		return
	}
	uq, err := parseRecordsQuery(q)
	if err != nil {
		c.status(w, r, statusOf(err), errorText(err))
		return
	}
	lw := &lazyHeaders{w: w, header: func(h http.Header) {
		h.Set("Content-Type", contentType)
		h.Set("Content-Disposition", `attachment; filename="meterd-usage.`+format+`"`)
	}}
	err = c.cfg.Admin.ExportUsage(r.Context(), uq, format, lw)
	if err != nil && !lw.wrote {
		c.status(w, r, statusOf(err), errorText(err))
		return
	}
	if err != nil {
		// Half a file is written: the browser sees it cut short.
		c.log.Warn("console: usage export cut short", meterd.LogKeyError, err)
		return
	}
	_, _ = lw.Write(nil) // no record matched: an empty file, still a download
}

// lazyHeaders sets the download's headers at its first byte, so that an
// export refused before it starts is answered with a page instead.
type lazyHeaders struct {
	w      http.ResponseWriter
	header func(http.Header)
	wrote  bool
}

func (l *lazyHeaders) Write(b []byte) (int, error) {
	if !l.wrote {
		l.wrote = true
		l.header(l.w.Header())
	}
	return l.w.Write(b)
}
