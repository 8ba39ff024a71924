package server

import (
	"context"
	"net/http"
	"slices"
	"time"

	"github.com/meterd/meterd"
	"github.com/meterd/meterd/sim"
)

// callInjecting calls the service as call does, after applying the fault
// rules that match: wait, answer an error instead, or hold back a share of
// BatchMeterUsage records. Only the records a rule leaves in reach the
// ledger; the caller drops the connection when the plan says so. The plan
// is recorded in call (for the log) and in the context (for the layers
// below, such as the coming audit trail).
func (s *Server) callInjecting(ctx context.Context, op string, call *apiCall, in any) (any, error) {
	call.plan = s.Faults.Match(sim.Call{Operation: op, Product: productCode(in),
		Account: call.caller.AccountID, Region: call.caller.Region, Records: recordCount(in)})
	if !call.plan.Injected() {
		return s.call(ctx, call.caller, in)
	}
	ctx = sim.WithPlan(ctx, call.plan)
	if err := sleep(ctx, call.plan.Latency); err != nil {
		return nil, err
	}
	if call.plan.Err != nil {
		return nil, call.plan.Err
	}
	if batch, ok := in.(*meterd.BatchMeterUsageRequest); ok && call.plan.Unprocessed != nil {
		return s.batchHoldingBack(ctx, call.caller, batch, call.plan.Unprocessed)
	}
	return s.call(ctx, call.caller, in)
}

// batchHoldingBack serves in without the records at the indexes held (in
// ascending order) and hands those back as UnprocessedRecords, after any
// the service left unprocessed itself.
func (s *Server) batchHoldingBack(ctx context.Context, caller meterd.Caller, in *meterd.BatchMeterUsageRequest, held []int) (any, error) {
	served := *in
	served.UsageRecords = nil
	var back []meterd.UsageRecord
	for i, rec := range in.UsageRecords {
		if slices.Contains(held, i) {
			back = append(back, rec)
		} else {
			served.UsageRecords = append(served.UsageRecords, rec)
		}
	}
	res, err := s.Metering.BatchMeterUsage(ctx, caller, &served)
	if err != nil {
		return nil, err
	}
	if res.Results == nil {
		res.Results = []meterd.UsageRecordResult{} // AWS sends an empty list, not none
	}
	res.UnprocessedRecords = append(res.UnprocessedRecords, back...)
	return res, nil
}

// sleep waits d, or until ctx is done (the client gave up).
func sleep(ctx context.Context, d time.Duration) error {
	if d <= 0 {
		return nil
	}
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-t.C:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}

// dropConnection closes the connection without an answer, after the call
// was committed: the client sees a transport error and retries, which is
// the case that tests idempotent retries. Where the connection cannot be
// taken over (HTTP/2, or a wrapper without Unwrap), the standard abort
// resets the stream instead; it is not logged as a crash.
func dropConnection(w http.ResponseWriter) error {
	conn, _, err := http.NewResponseController(w).Hijack()
	if err != nil {
		panic(http.ErrAbortHandler)
	}
	_ = conn.Close() // closing is the point; an error changes nothing
	return nil
}

// productCode is the product a request names ("" for ResolveCustomer).
func productCode(in any) string {
	switch in := in.(type) {
	case *meterd.MeterUsageRequest:
		return in.ProductCode
	case *meterd.BatchMeterUsageRequest:
		return in.ProductCode
	case *meterd.RegisterUsageRequest:
		return in.ProductCode
	case *meterd.GetEntitlementsRequest:
		return in.ProductCode
	}
	return ""
}

// recordCount is the number of usage records of a BatchMeterUsage request.
func recordCount(in any) int {
	if in, ok := in.(*meterd.BatchMeterUsageRequest); ok {
		return len(in.UsageRecords)
	}
	return 0
}
