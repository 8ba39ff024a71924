package audit

import (
	"context"
	"encoding/json"
	"fmt"

	"github.com/meterd/meterd"
)

// Records turns one audit event of MeterUsage or BatchMeterUsage into the
// per-record outcomes of the call, in the order of its answer (a batch's
// results, then its unprocessed records); nil for any other event.
// seller is the product's seller account: a MeterUsage it sent is a test
// record. A call that failed as a whole (an error code) rejects, or for
// DuplicateRequestException duplicates, each of its records.
func Records(e *meterd.AuditEvent, seller string) ([]meterd.SentRecord, error) {
	switch e.EventName {
	case meterd.OpMeterUsage:
		return meterUsageRecords(e, seller)
	case meterd.OpBatchMeterUsage:
		return batchRecords(e)
	}
	return nil, nil
}

// sentBase is the part of a sent record its call gives.
func sentBase(e *meterd.AuditEvent) meterd.SentRecord {
	return meterd.SentRecord{CallTime: e.EventTime, EventID: e.EventID, RequestID: e.RequestID,
		Operation: e.EventName, Region: e.AWSRegion, CallerAccountID: e.UserIdentity.AccountID,
		AccessKeyID: e.UserIdentity.AccessKeyID, ProductCode: e.ProductCode,
		ErrorCode: e.ErrorCode, ErrorMessage: e.ErrorMessage}
}

// failed sets r's outcome for a call that failed with r.ErrorCode.
func failed(r *meterd.SentRecord) {
	r.Status = r.ErrorCode
	r.Outcome = meterd.OutcomeRejected
	if r.ErrorCode == meterd.EDuplicateRequest {
		r.Outcome = meterd.OutcomeDuplicate
	}
}

func meterUsageRecords(e *meterd.AuditEvent, seller string) ([]meterd.SentRecord, error) {
	var in meterd.MeterUsageRequest
	if err := decodeParams(e.RequestParameters, &in); err != nil || e.ProductCode == "" {
		return nil, err // a call that did not decode names no record
	}
	r := sentBase(e)
	r.CustomerAWSAccountID = r.CallerAccountID
	r.Dimension, r.Timestamp, r.Quantity = in.UsageDimension, in.Timestamp.UTC(), int64(in.UsageQuantity)
	r.Allocations, r.DryRun = in.UsageAllocations, in.DryRun
	r.Test = seller != "" && r.CallerAccountID == seller
	if r.ErrorCode != "" {
		failed(&r)
		return []meterd.SentRecord{r}, nil
	}
	var out meterd.MeterUsageResult
	if err := decodeParams(e.ResponseElements, &out); err != nil {
		return nil, err
	}
	r.Outcome, r.Status, r.MeteringRecordID = meterd.OutcomeAccepted, meterd.StatusSuccess, out.MeteringRecordId
	return []meterd.SentRecord{r}, nil
}

func batchRecords(e *meterd.AuditEvent) ([]meterd.SentRecord, error) {
	var in meterd.BatchMeterUsageRequest
	if err := decodeParams(e.RequestParameters, &in); err != nil || e.ProductCode == "" {
		return nil, err
	}
	if e.ErrorCode != "" {
		recs := make([]meterd.SentRecord, len(in.UsageRecords))
		for i, u := range in.UsageRecords {
			recs[i] = batchRecord(e, i, u)
			failed(&recs[i])
		}
		return recs, nil
	}
	var out meterd.BatchMeterUsageResult
	if err := decodeParams(e.ResponseElements, &out); err != nil {
		return nil, err
	}
	recs := make([]meterd.SentRecord, 0, len(out.Results)+len(out.UnprocessedRecords))
	for _, res := range out.Results {
		var u meterd.UsageRecord
		if res.UsageRecord != nil {
			u = *res.UsageRecord
		}
		r := batchRecord(e, len(recs), u)
		r.Status, r.MeteringRecordID = res.Status, res.MeteringRecordId
		r.Outcome = batchOutcome(res.Status)
		recs = append(recs, r)
	}
	for _, u := range out.UnprocessedRecords {
		r := batchRecord(e, len(recs), u)
		r.Outcome, r.Status = meterd.OutcomeRejected, StatusUnprocessed
		recs = append(recs, r)
	}
	return recs, nil
}

// StatusUnprocessed is the status of a record BatchMeterUsage returned
// among its UnprocessedRecords.
const StatusUnprocessed = "Unprocessed"

func batchOutcome(status string) meterd.Outcome {
	switch status {
	case meterd.StatusSuccess:
		return meterd.OutcomeAccepted
	case meterd.StatusDuplicateRecord:
		return meterd.OutcomeDuplicate
	}
	return meterd.OutcomeRejected
}

func batchRecord(e *meterd.AuditEvent, i int, u meterd.UsageRecord) meterd.SentRecord {
	r := sentBase(e)
	r.Index = i
	r.CustomerIdentifier, r.CustomerAWSAccountID, r.LicenseArn = u.CustomerIdentifier, u.CustomerAWSAccountId, u.LicenseArn
	r.Dimension, r.Timestamp, r.Allocations = u.Dimension, u.Timestamp.UTC(), u.UsageAllocations
	if u.Quantity != nil {
		r.Quantity = int64(*u.Quantity)
	}
	return r
}

// decodeParams reads requestParameters or responseElements back into the
// operation's Go shape: CloudTrail's lowerCamel names match the Smithy
// member names, as encoding/json matches names without regard to case.
// None (a call that did not decode, or no answer) leaves v as it is.
func decodeParams(raw json.RawMessage, v any) error {
	if len(raw) == 0 || string(raw) == "null" {
		return nil
	}
	if err := json.Unmarshal(raw, v); err != nil {
		return fmt.Errorf("audit: sent records: %w", err)
	}
	return nil
}

// SellerFinder finds a product's seller account; a product it does not
// know has none.
type SellerFinder interface {
	FindProduct(ctx context.Context, code string) (*meterd.Product, error)
}

// EachSent calls yield with each record sent in the MeterUsage and
// BatchMeterUsage calls matching f, newest call first, reading the trail
// a page at a time (the events_time index: calls of one product in a
// time range). products, when not nil, says which calls are test records.
// The trail is written apart from requests, a batch at a time, so a call
// answered moments ago may not be listed yet. An error from yield stops
// the walk and is returned.
func EachSent(ctx context.Context, store meterd.AuditStore, products SellerFinder, f meterd.SentFilter,
	yield func(*meterd.SentRecord) error) error {
	af := meterd.AuditFilter{ProductCode: f.ProductCode, Since: f.Since, Until: f.Until}
	sellers := map[string]string{}
	for {
		page, next, err := store.FindAuditEvents(ctx, af)
		if err != nil {
			return err
		}
		for _, e := range page {
			if e.EventName != meterd.OpMeterUsage && e.EventName != meterd.OpBatchMeterUsage {
				continue
			}
			seller, err := sellerOf(ctx, products, sellers, e.ProductCode)
			if err != nil {
				return err
			}
			recs, err := Records(e, seller)
			if err != nil {
				return err
			}
			for i := range recs {
				if err := yield(&recs[i]); err != nil {
					return err
				}
			}
		}
		if next == "" {
			return nil
		}
		af.Cursor = next
	}
}

// sellerOf is the seller of product, from cache or products.
func sellerOf(ctx context.Context, products SellerFinder, cache map[string]string, product string) (string, error) {
	if products == nil || product == "" {
		return "", nil
	}
	if s, ok := cache[product]; ok {
		return s, nil
	}
	p, err := products.FindProduct(ctx, product)
	switch {
	case meterd.IsNotFound(err):
		cache[product] = "" // deleted from the catalog since
		return "", nil
	case err != nil:
		return "", err
	}
	cache[product] = p.SellerAccountID
	return p.SellerAccountID, nil
}

// EachSent walks the sent records of the calls matching f in l's trail
// (see the function EachSent).
func (l *Log) EachSent(ctx context.Context, products SellerFinder, f meterd.SentFilter,
	yield func(*meterd.SentRecord) error) error {
	return EachSent(ctx, l.store, products, f, yield)
}
