package server

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"errors"
	"net/http"
	"net/url"
	"strconv"
	"time"

	"github.com/meterd/meterd"
	"github.com/meterd/meterd/audit"
)

const (
	pathUsage       = "/admin/v1/usage"
	pathUsageSum    = "/admin/v1/usage/sum"
	pathUsageExport = "/admin/v1/usage/export"

	defaultUsagePage = 100
	maxUsagePage     = 1000
)

// UsageStore is what the usage routes read: the ledger's accepted records,
// and the catalog's products (whose seller's own MeterUsage calls are
// test records).
type UsageStore interface {
	meterd.UsageReader
	audit.SellerFinder
}

func (s *Server) usageRoutes() []adminRoute {
	return []adminRoute{
		{http.MethodGet, pathUsage, http.StatusOK, s.listUsage},
		{http.MethodGet, pathUsageSum, http.StatusOK, s.sumUsage},
		{http.MethodGet, pathUsageExport, http.StatusOK, s.exportUsage},
	}
}

// UsageOutput is a page of GET /admin/v1/usage.
type UsageOutput struct {
	Records   []*meterd.SentRecord `json:"records"`
	NextToken string               `json:"nextToken,omitempty"`
}

// UsageSumOutput is the answer of GET /admin/v1/usage/sum.
type UsageSumOutput struct {
	Per    meterd.UsagePeriod  `json:"per"`
	By     []string            `json:"by"`
	Groups []meterd.UsageGroup `json:"groups"`
}

func (s *Server) usageStore() (UsageStore, error) {
	if s.Usage == nil {
		return nil, meterd.Errorf(meterd.ENotFound, "usage queries are off on this meterd")
	}
	return s.Usage, nil
}

// parseUsageQuery reads the filters every usage route shares.
func parseUsageQuery(q url.Values) (meterd.UsageQuery, error) {
	uq := meterd.UsageQuery{ProductCode: q.Get("productCode"), Customer: q.Get("customer"),
		LicenseArn: q.Get("licenseArn"), Dimension: q.Get("dimension"), TagKey: q.Get("tagKey"),
		TagValue: q.Get("tagValue")}
	var err error
	if v := q.Get("outcome"); v != "" {
		if uq.Outcome, err = meterd.ParseOutcome(v); err != nil {
			return uq, err
		}
	}
	if uq.TagValue != "" && uq.TagKey == "" {
		return uq, meterd.Errorf(meterd.EInvalid, "tagValue needs tagKey")
	}
	if v := q.Get("test"); v != "" {
		test, err := strconv.ParseBool(v)
		if err != nil {
			return uq, meterd.Errorf(meterd.EInvalid, "test must be true or false, got %q", v)
		}
		uq.Test = &test
	}
	for _, p := range []struct {
		name string
		t    *time.Time
	}{{"usageStart", &uq.UsageSince}, {"usageEnd", &uq.UsageUntil},
		{"receivedStart", &uq.ReceivedSince}, {"receivedEnd", &uq.ReceivedUntil}} {
		if *p.t, err = timeParam(q, p.name); err != nil {
			return uq, err
		}
	}
	return uq, nil
}

func (s *Server) listUsage(r *http.Request) (any, error) {
	store, err := s.usageStore()
	if err != nil {
		return nil, err
	}
	q := r.URL.Query()
	uq, err := parseUsageQuery(q)
	if err != nil {
		return nil, err
	}
	if uq.Limit, uq.Cursor, err = parsePage(q, defaultUsagePage, maxUsagePage); err != nil {
		return nil, err
	}
	out := UsageOutput{Records: []*meterd.SentRecord{}}
	if uq.Outcome == "" || uq.Outcome == meterd.OutcomeAccepted {
		recs, next, err := store.ListUsage(r.Context(), uq)
		if err != nil {
			return nil, err
		}
		for _, rec := range recs {
			out.Records = append(out.Records, rec.Sent())
		}
		out.NextToken = next
		return out, nil
	}
	return s.listSent(r.Context(), store, uq, out)
}

// sentCursor is the position of a sent record in the trail's newest-first
// order: its call's time and event id and its index in the call.
type sentCursor struct {
	TimeNS  int64  `json:"t"`
	EventID string `json:"e"`
	Index   int    `json:"i"`
}

// errPageFull stops a walk of the trail once a page is full.
var errPageFull = errors.New("page full")

// listSent lists duplicates or rejections from the audit trail, newest
// call first, resuming after the cursor's record.
func (s *Server) listSent(ctx context.Context, store UsageStore, uq meterd.UsageQuery, out UsageOutput) (any, error) {
	log, err := s.auditLog()
	if err != nil {
		return nil, err
	}
	f := sentFilter(uq)
	var after *sentCursor
	if uq.Cursor != "" {
		c, err := decodeSentCursor(uq.Cursor)
		if err != nil {
			return nil, err
		}
		after = &c
		if until := time.Unix(0, c.TimeNS+1); f.Until.IsZero() || until.Before(f.Until) {
			f.Until = until
		}
	}
	err = log.EachSent(ctx, store, f, func(r *meterd.SentRecord) error {
		if after != nil {
			if r.CallTime.UnixNano() == after.TimeNS && (r.EventID != after.EventID || r.Index != after.Index) {
				return nil // at the cursor's time, before the cursor's record
			}
			at := after.TimeNS == r.CallTime.UnixNano()
			after = nil
			if at {
				return nil // the cursor's record itself
			}
		}
		if r.Outcome != uq.Outcome || !uq.Matches(r) {
			return nil
		}
		if len(out.Records) == uq.Limit {
			last := out.Records[len(out.Records)-1]
			out.NextToken = encodeSentCursor(sentCursor{last.CallTime.UnixNano(), last.EventID, last.Index})
			return errPageFull
		}
		out.Records = append(out.Records, r)
		return nil
	})
	if err != nil && !errors.Is(err, errPageFull) {
		return nil, err
	}
	return out, nil
}

// sentFilter is the part of uq the trail's index answers.
func sentFilter(uq meterd.UsageQuery) meterd.SentFilter {
	return meterd.SentFilter{ProductCode: uq.ProductCode, Since: uq.ReceivedSince, Until: uq.ReceivedUntil}
}

func encodeSentCursor(c sentCursor) string {
	b, _ := json.Marshal(c) // cannot fail
	return base64.RawURLEncoding.EncodeToString(b)
}

func decodeSentCursor(s string) (sentCursor, error) {
	var c sentCursor
	b, err := base64.RawURLEncoding.DecodeString(s)
	if err != nil || json.Unmarshal(b, &c) != nil || c.EventID == "" {
		return c, meterd.Errorf(meterd.EInvalid, "nextToken is not one this meterd issued")
	}
	return c, nil
}

// parseUsageSum reads a sum's query, period (per) and grouping (by).
func parseUsageSum(q url.Values) (meterd.UsageSum, error) {
	var sum meterd.UsageSum
	var err error
	if sum.Query, err = parseUsageQuery(q); err != nil {
		return sum, err
	}
	if sum.Per, err = meterd.ParseUsagePeriod(q.Get("per")); err != nil {
		return sum, err
	}
	sum.By, err = meterd.ParseUsageGrouping(q.Get("by"))
	return sum, err
}

func (s *Server) sumUsage(r *http.Request) (any, error) {
	store, err := s.usageStore()
	if err != nil {
		return nil, err
	}
	sum, err := parseUsageSum(r.URL.Query())
	if err != nil {
		return nil, err
	}
	out := UsageSumOutput{Per: sum.Per, By: sum.By}
	if out.By == nil {
		out.By = []string{}
	}
	if sum.Query.Outcome == "" || sum.Query.Outcome == meterd.OutcomeAccepted {
		out.Groups, err = store.SumUsage(r.Context(), sum)
		return out, err
	}
	log, err := s.auditLog()
	if err != nil {
		return nil, err
	}
	agg := meterd.NewUsageAggregator(sum)
	err = log.EachSent(r.Context(), store, sentFilter(sum.Query), func(rec *meterd.SentRecord) error {
		if rec.Outcome == sum.Query.Outcome && sum.Query.Matches(rec) {
			agg.Add(rec)
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	out.Groups = agg.Groups()
	return out, nil
}
