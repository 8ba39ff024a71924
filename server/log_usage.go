package server

import (
	"context"
	"log/slog"
	"strconv"
	"time"

	"github.com/meterd/meterd"
)

// logUsage writes the one Info line of a MeterUsage or BatchMeterUsage
// that accepted usage: product, customer, dimension, quantity and
// MeteringRecordId (a batch's records under LogKeyUsage, rendered only if
// the line is written). It reports whether it wrote one. One LogAttrs
// call with typed attributes: nothing is boxed per field.
func (s *Server) logUsage(requestID string, call apiCall, elapsed time.Duration) bool {
	ctx := context.Background()
	log := s.log()
	switch out := call.out.(type) {
	case *meterd.MeterUsageResult:
		in, ok := call.in.(*meterd.MeterUsageRequest)
		if !ok || out.MeteringRecordId == "" || !log.Enabled(ctx, slog.LevelInfo) { // a DryRun records nothing
			return false
		}
		log.LogAttrs(ctx, slog.LevelInfo, "usage accepted", slog.String(meterd.LogKeyRequestID, requestID),
			slog.String(meterd.LogKeyOperation, call.op), slog.String(meterd.LogKeyAccessKeyID, call.caller.AccessKeyID),
			slog.String(meterd.LogKeyRegion, call.caller.Region), slog.Duration(meterd.LogKeyDuration, elapsed),
			slog.String(meterd.LogKeyProduct, in.ProductCode), slog.String(meterd.LogKeyCustomer, call.caller.AccountID),
			slog.String(meterd.LogKeyDimension, in.UsageDimension), slog.Int64(meterd.LogKeyQuantity, int64(in.UsageQuantity)),
			slog.String(meterd.LogKeyRecordID, out.MeteringRecordId))
		return true
	case *meterd.BatchMeterUsageResult:
		in, ok := call.in.(*meterd.BatchMeterUsageRequest)
		if !ok || !log.Enabled(ctx, slog.LevelInfo) {
			return false
		}
		accepted := batchUsage{out}
		n := accepted.count()
		if n == 0 {
			return false
		}
		log.LogAttrs(ctx, slog.LevelInfo, "usage accepted", slog.String(meterd.LogKeyRequestID, requestID),
			slog.String(meterd.LogKeyOperation, call.op), slog.String(meterd.LogKeyAccessKeyID, call.caller.AccessKeyID),
			slog.String(meterd.LogKeyRegion, call.caller.Region), slog.Duration(meterd.LogKeyDuration, elapsed),
			slog.String(meterd.LogKeyProduct, in.ProductCode), slog.Int(meterd.LogKeyStored, n),
			slog.Any(meterd.LogKeyUsage, accepted))
		return true
	}
	return false
}

// batchUsage is the accepted records of a batch as a log value.
type batchUsage struct{ out *meterd.BatchMeterUsageResult }

func (b batchUsage) count() int {
	n := 0
	for _, r := range b.out.Results {
		if r.Status == meterd.StatusSuccess {
			n++
		}
	}
	return n
}

// LogValue renders "customer/dimension/quantity/id" per accepted record,
// space-separated: customer identifiers, dimensions and ids hold no
// spaces or slashes.
func (b batchUsage) LogValue() slog.Value {
	var sb []byte
	for _, r := range b.out.Results {
		if r.Status != meterd.StatusSuccess || r.UsageRecord == nil {
			continue
		}
		if len(sb) > 0 {
			sb = append(sb, ' ')
		}
		u := r.UsageRecord
		customer := u.CustomerIdentifier
		if customer == "" {
			customer = u.CustomerAWSAccountId
		}
		var q int64
		if u.Quantity != nil {
			q = int64(*u.Quantity)
		}
		sb = append(append(append(append(sb, customer...), '/'), u.Dimension...), '/')
		sb = append(append(strconv.AppendInt(sb, q, 10), '/'), r.MeteringRecordId...)
	}
	return slog.StringValue(string(sb))
}
