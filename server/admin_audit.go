package server

import (
	"compress/gzip"
	"context"
	"encoding/json"
	"net/http"
	"net/url"
	"strconv"
	"time"

	"github.com/meterd/meterd"
	"github.com/meterd/meterd/audit"
)

const (
	pathAuditEvents = "/admin/v1/audit/events"
	pathAuditExport = "/admin/v1/audit/export"
	pathCalls       = "/admin/v1/calls"

	// defaultAuditPage is a page of LookupEvents when maxResults is absent
	// (CloudTrail's default and maximum is 50; meterd allows up to 1000).
	defaultAuditPage = 50
	maxAuditPage     = 1000
	// MaxCallsWait bounds one long poll, below the server's write timeout;
	// a client wanting longer polls again.
	MaxCallsWait = 20 * time.Second
)

func (s *Server) auditRoutes() []adminRoute {
	return []adminRoute{
		{http.MethodGet, pathAuditEvents, http.StatusOK, s.lookupEvents},
		{http.MethodGet, pathAuditExport, http.StatusOK, s.exportEvents},
		{http.MethodGet, pathCalls, http.StatusOK, s.listCalls},
	}
}

// AuditEventsOutput is a page of GET /admin/v1/audit/events: CloudTrail
// records, newest first.
type AuditEventsOutput struct {
	Events    []*meterd.AuditEvent `json:"events"`
	NextToken string               `json:"nextToken,omitempty"`
}

func (s *Server) auditLog() (*audit.Log, error) {
	if s.Audit == nil {
		return nil, meterd.Errorf(meterd.ENotFound, "the audit trail is off on this meterd")
	}
	return s.Audit, nil
}

func (s *Server) lookupEvents(r *http.Request) (any, error) {
	log, err := s.auditLog()
	if err != nil {
		return nil, err
	}
	q := r.URL.Query()
	f, err := parseAuditFilter(q)
	if err != nil {
		return nil, err
	}
	if f.Limit, f.Cursor, err = parsePage(q, defaultAuditPage, maxAuditPage); err != nil {
		return nil, err
	}
	events, next, err := log.Find(r.Context(), f)
	if err != nil {
		return nil, err
	}
	if events == nil {
		events = []*meterd.AuditEvent{}
	}
	return AuditEventsOutput{Events: events, NextToken: next}, nil
}

// parseAuditFilter reads the filters every audit route shares.
func parseAuditFilter(q url.Values) (meterd.AuditFilter, error) {
	f := meterd.AuditFilter{
		EventName: q.Get("eventName"), AccessKeyID: q.Get("accessKeyId"), ProductCode: q.Get("productCode"),
		Customer: q.Get("customer"), Dimension: q.Get("dimension"), ErrorCode: q.Get("errorCode"),
	}
	var err error
	if f.Since, err = timeParam(q, "startTime"); err != nil {
		return f, err
	}
	f.Until, err = timeParam(q, "endTime")
	return f, err
}

func timeParam(q url.Values, name string) (time.Time, error) {
	v := q.Get(name)
	if v == "" {
		return time.Time{}, nil
	}
	t, err := time.Parse(time.RFC3339Nano, v)
	if err != nil {
		return t, meterd.Errorf(meterd.EInvalid, "%s must be an RFC 3339 time such as 2026-01-02T15:04:05Z, got %q", name, v)
	}
	return t, nil
}

// parsePage reads a list route's page parameters: maxResults, from 1 to
// hi (def when absent), and nextToken, the previous page's cursor.
func parsePage(q url.Values, def, hi int) (limit int, cursor string, err error) {
	limit, err = intParam(q, "maxResults", def, 1, hi)
	return limit, q.Get("nextToken"), err
}

func intParam(q url.Values, name string, def, lo, hi int) (int, error) {
	v := q.Get(name)
	if v == "" {
		return def, nil
	}
	n, err := strconv.Atoi(v)
	if err != nil || n < lo || n > hi {
		return 0, meterd.Errorf(meterd.EInvalid, "%s must be an integer from %d to %d, got %q", name, lo, hi, v)
	}
	return n, nil
}

// streamer is an admin answer written as a stream rather than one JSON
// value (see adminEndpoint).
type streamer interface {
	stream(w http.ResponseWriter, status int)
}

func (s *Server) exportEvents(r *http.Request) (any, error) {
	log, err := s.auditLog()
	if err != nil {
		return nil, err
	}
	f, err := parseAuditFilter(r.URL.Query())
	if err != nil {
		return nil, err
	}
	return &auditExport{ctx: r.Context(), log: log, filter: f, server: s}, nil
}

// auditExport streams the events of filter as one CloudTrail log file,
// gzipped {"Records": [...]}, a page at a time: memory stays constant
// however many events match.
type auditExport struct {
	ctx    context.Context
	log    *audit.Log
	filter meterd.AuditFilter
	server *Server
	rc     *http.ResponseController
}

// exportPageTime is how long one page of an export may take to write: the
// deadline moves on with each page, so that an export of any length
// outlives the server's WriteTimeout while a stalled client still does
// not hold the connection for ever.
const exportPageTime = 30 * time.Second

func (x *auditExport) stream(w http.ResponseWriter, status int) {
	w.Header().Set("Content-Type", "application/gzip")
	w.Header().Set("Content-Disposition", `attachment; filename="meterd-cloudtrail.json.gz"`)
	w.WriteHeader(status)
	x.rc = http.NewResponseController(w)
	zw := gzip.NewWriter(w)
	// An error after the header is sent cannot change the status: the
	// stream is cut short, so the gzip (and the JSON) fail to parse
	// rather than pass as a complete file.
	if err := x.write(zw); err != nil {
		x.server.log().Error("audit export failed", meterd.LogKeyError, err)
		return
	}
	_ = zw.Close() // the client went away; nothing to do
}

func (x *auditExport) write(zw *gzip.Writer) error {
	if _, err := zw.Write([]byte(`{"Records":[`)); err != nil {
		return err
	}
	f := x.filter
	f.Limit = maxAuditPage
	first := true
	for {
		// An error means the writer takes no deadlines (a recorder in a
		// test): then there is none to extend.
		_ = x.rc.SetWriteDeadline(time.Now().Add(exportPageTime))
		events, next, err := x.log.Find(x.ctx, f)
		if err != nil {
			return err
		}
		for _, e := range events {
			if err := writeRecord(zw, e, first); err != nil {
				return err
			}
			first = false
		}
		if next == "" {
			break
		}
		f.Cursor = next
	}
	_, err := zw.Write([]byte("]}\n"))
	return err
}

func writeRecord(zw *gzip.Writer, e *meterd.AuditEvent, first bool) error {
	b, err := json.Marshal(e)
	if err != nil {
		return err
	}
	if !first {
		b = append([]byte{','}, b...)
	}
	_, err = zw.Write(b)
	return err
}

// CallsOutput is the answer of GET /admin/v1/calls.
type CallsOutput struct {
	// Met is whether the count (of calls, or of records with
	// unit=records) reached min.
	Met     bool                 `json:"met"`
	Calls   int                  `json:"calls"`
	Records int                  `json:"records"`
	Events  []*meterd.AuditEvent `json:"events"`
}

func (s *Server) listCalls(r *http.Request) (any, error) {
	log, err := s.auditLog()
	if err != nil {
		return nil, err
	}
	q, wait, err := parseCallQuery(r.URL.Query())
	if err != nil {
		return nil, err
	}
	res, err := log.Wait(r.Context(), q, wait)
	if err != nil {
		return nil, err
	}
	if res.Events == nil {
		res.Events = []*meterd.AuditEvent{}
	}
	return CallsOutput{Met: res.Met, Calls: res.Calls, Records: res.Records, Events: res.Events}, nil
}

// parseCallQuery reads the call log's parameters: the audit filters
// (operation for eventName, since for startTime), min, unit and wait.
func parseCallQuery(q url.Values) (audit.CallQuery, time.Duration, error) {
	if q.Has("operation") {
		q.Set("eventName", q.Get("operation"))
	}
	if q.Has("since") {
		q.Set("startTime", q.Get("since"))
	}
	var cq audit.CallQuery
	var err error
	if cq.Filter, err = parseAuditFilter(q); err != nil {
		return cq, 0, err
	}
	if cq.Min, err = intParam(q, "min", 0, 0, audit.MaxCalls); err != nil {
		return cq, 0, err
	}
	switch unit := q.Get("unit"); unit {
	case "", "calls":
	case "records":
		cq.Records = true
	default:
		return cq, 0, meterd.Errorf(meterd.EInvalid, "unit must be calls or records, got %q", unit)
	}
	var wait time.Duration
	if v := q.Get("wait"); v != "" {
		if wait, err = time.ParseDuration(v); err != nil || wait < 0 || wait > MaxCallsWait {
			return cq, 0, meterd.Errorf(meterd.EInvalid, "wait must be a duration from 0s to %s, got %q", MaxCallsWait, v)
		}
	}
	return cq, wait, nil
}
