package metering_test

import (
	"testing"
	"time"

	"github.com/meterd/meterd"
)

// TestMeterUsageDryRun: a DryRun runs every check of the real call, answers
// an empty result when they pass, and neither reads nor writes the ledger
// (docs/differences.md, "DryRun").
func TestMeterUsageDryRun(t *testing.T) {
	dry := func(more ...func(*meterd.MeterUsageRequest)) func(*meterd.MeterUsageRequest) {
		return func(r *meterd.MeterUsageRequest) {
			r.DryRun = true
			for _, f := range more {
				f(r)
			}
		}
	}
	quantity := func(q int32) func(*meterd.MeterUsageRequest) {
		return func(r *meterd.MeterUsageRequest) { r.UsageQuantity = q }
	}
	token := func(tok string) func(*meterd.MeterUsageRequest) {
		return func(r *meterd.MeterUsageRequest) { r.ClientToken = tok }
	}
	tests := []struct {
		name     string
		before   []func(*meterd.MeterUsageRequest) // real calls made first, each must succeed
		key      string                            // AKIDBUYERHOME1 when ""
		region   string                            // us-east-1 when ""
		edit     func(*meterd.MeterUsageRequest)
		wantCode string // "" means the empty success
		wantMsg  string
	}{
		{name: "OK would succeed", edit: dry()},
		{name: "OK quantity 0 as the container sample sends it", edit: dry(quantity(0))},
		{name: "OK seller test call", key: "AKIDSELLER", edit: dry()},
		{name: "OK hour already metered with the same quantity", before: []func(*meterd.MeterUsageRequest){quantity(3)},
			edit: dry(quantity(3))},
		{name: "OK hour already metered with another quantity", before: []func(*meterd.MeterUsageRequest){quantity(3)},
			edit: dry(quantity(0))},
		{name: "OK client token already used with other parameters", before: []func(*meterd.MeterUsageRequest){token("t1")},
			edit: dry(token("t1"), quantity(9))},
		{name: "ErrDisabledApi", region: "xx-nowhere-1", edit: dry(), wantCode: meterd.EDisabledAPI,
			wantMsg: "MeterUsage is not available in region xx-nowhere-1."},
		{name: "ErrInvalidProductCode", edit: dry(func(r *meterd.MeterUsageRequest) { r.ProductCode = "demo-saas" }),
			wantCode: meterd.EInvalidProductCode, wantMsg: "Product code 'demo-saas' does not identify an AMI or container product."},
		{name: "ErrInvalidEndpointRegion", region: "eu-west-1", edit: dry(), wantCode: meterd.EInvalidEndpointRegion,
			wantMsg: "The endpoint region eu-west-1 does not match the region us-east-1 where the resource runs."},
		{name: "ErrInvalidUsageDimension", edit: dry(func(r *meterd.MeterUsageRequest) { r.UsageDimension = "nope" }),
			wantCode: meterd.EInvalidUsageDimension, wantMsg: "Dimension 'nope' is not a valid dimension for product 'demo-ami'."},
		{name: "ErrTimestampOutOfBounds", edit: dry(func(r *meterd.MeterUsageRequest) { r.Timestamp = meterEpoch.Add(-7 * time.Hour) }),
			wantCode: meterd.ETimestampOutOfBounds},
		{name: "ErrInvalidUsageAllocations", edit: dry(func(r *meterd.MeterUsageRequest) {
			r.UsageAllocations = []meterd.UsageAllocation{meterAlloc(1)}
		}), wantCode: meterd.EInvalidUsageAllocations,
			wantMsg: "The sum of AllocatedUsageQuantity (1) does not equal the usage quantity (3)."},
		{name: "ErrCustomerNotEntitled", key: "AKIDSTRANGER", edit: dry(), wantCode: meterd.ECustomerNotEntitled,
			wantMsg: "The customer is not entitled to product 'demo-ami'."},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			e := meterNewEnv(t)
			caller := e.caller(t, meterOr(tt.key, "AKIDBUYERHOME1"), meterOr(tt.region, "us-east-1"))
			for i, edit := range tt.before {
				req := meterRequest(e.now)
				edit(req)
				if _, err := e.svc.MeterUsage(t.Context(), caller, req); err != nil {
					t.Fatalf("call %d before the DryRun: %v", i, err)
				}
			}
			stored := len(e.usage(t))
			req := meterRequest(e.now)
			tt.edit(req)
			res, err := e.svc.MeterUsage(t.Context(), caller, req)
			if tt.wantCode != "" {
				meterWantError(t, err, tt.wantCode, tt.wantMsg)
			} else if err != nil || res == nil || *res != (meterd.MeterUsageResult{}) {
				t.Fatalf("DryRun = %+v, %v; want an empty result", res, err)
			}
			if n := len(e.usage(t)); n != stored {
				t.Errorf("DryRun changed the ledger from %d to %d records", stored, n)
			}
		})
	}
}

// TestMeterUsageDryRunReservesNothing: after a DryRun, the real call is
// answered as if the DryRun had not happened, with another quantity or a
// token the DryRun used with other parameters.
func TestMeterUsageDryRunReservesNothing(t *testing.T) {
	e := meterNewEnv(t)
	caller := e.caller(t, "AKIDBUYERHOME1", "us-east-1")
	req := meterRequest(e.now)
	req.DryRun, req.UsageQuantity, req.ClientToken = true, 0, "t1"
	if _, err := e.svc.MeterUsage(t.Context(), caller, req); err != nil {
		t.Fatalf("DryRun: %v", err)
	}
	req.DryRun, req.UsageQuantity = false, 5
	res, err := e.svc.MeterUsage(t.Context(), caller, req)
	if err != nil || res.MeteringRecordId == "" {
		t.Fatalf("real call after DryRun = %+v, %v", res, err)
	}
	if recs := e.usage(t); len(recs) != 1 || recs[0].Quantity != 5 || recs[0].ClientToken != "t1" {
		t.Errorf("ledger %+v, want the one record of quantity 5 with token t1", recs)
	}
}

// BenchmarkMeterUsageDryRun is a buyer's MeterUsage without the ledger
// write: the checks, the entitlement lookups and the dedupe lookup that
// every call pays before its record is stored.
func BenchmarkMeterUsageDryRun(b *testing.B) {
	e := meterNewEnv(b)
	caller := e.caller(b, "AKIDBUYERHOME1", "us-east-1")
	req := meterRequest(e.now)
	req.DryRun = true
	b.ReportAllocs()
	for b.Loop() {
		if _, err := e.svc.MeterUsage(b.Context(), caller, req); err != nil {
			b.Fatal(err)
		}
	}
}
