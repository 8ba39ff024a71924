package metering

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/meterd/meterd"
)

// MeterUsage records one hour of usage of an AMI or container product. It
// is called from the buyer's account by the metered resource (an EC2
// instance, ECS task or EKS pod), which the access key stands for.
//
// Checks, in order: region offered (for the product type and platform), product, endpoint region of the
// resource, dimension, timestamp window, allocations, entitlement; then
// DryRun; then the record, deduplicated per resource, dimension and hour.
//
// A DryRun that passes every check answers an empty MeterUsageResult (no
// MeteringRecordId: no record exists) and neither reads nor writes the
// ledger, so it cannot fail on the hourly dedupe or a client token. AWS's
// metered-container sample calls it at start-up with quantity 0 and stops
// on any error, also after a restart within an hour already metered
// (docs/differences.md).
func (s *Service) MeterUsage(ctx context.Context, caller meterd.Caller, in *meterd.MeterUsageRequest) (*meterd.MeterUsageResult, error) {
	now := s.Clock.Now()
	product, err := s.checkMeterUsage(ctx, caller, in, now)
	if err != nil {
		return nil, err
	}
	test := caller.AccountID == product.SellerAccountID
	if !test {
		// The license must cover the usage; the subscription state is today's.
		if err := s.checkEntitled(ctx, caller.AccountID, product.Code, in.Timestamp); err != nil {
			return nil, err
		}
	}
	if in.DryRun {
		return &meterd.MeterUsageResult{}, nil
	}
	rec, err := newMeterUsageRecord(caller, in, test, now)
	if err != nil {
		return nil, err
	}
	return s.storeMeterUsage(ctx, rec)
}

// checkMeterUsage runs the checks that need no customer: everything up to
// the entitlement.
func (s *Service) checkMeterUsage(ctx context.Context, caller meterd.Caller, in *meterd.MeterUsageRequest, now time.Time) (*meterd.Product, error) {
	if err := s.Config.Regions.Check(operationMeterUsage, caller.Region); err != nil {
		return nil, err
	}
	product, err := s.meterUsageProduct(ctx, in.ProductCode)
	if err != nil {
		return nil, err
	}
	if err := s.Config.Regions.CheckMeterUsage(product, caller.Key.Platform, caller.Region); err != nil {
		return nil, err
	}
	if err := checkResourceRegion(caller); err != nil {
		return nil, err
	}
	if err := checkDimension(product, in.UsageDimension); err != nil {
		return nil, err
	}
	if err := checkMeterUsageWindow(s.Config, now, in.Timestamp); err != nil {
		return nil, err
	}
	if err := checkAllocations(int64(in.UsageQuantity), in.UsageAllocations); err != nil {
		return nil, err
	}
	return product, nil
}

// meterUsageProduct finds an AMI or container product; SaaS products meter
// with BatchMeterUsage and are as unknown here as a missing code.
func (s *Service) meterUsageProduct(ctx context.Context, code string) (*meterd.Product, error) {
	p, err := s.Store.SharedProduct(ctx, code)
	if meterd.IsNotFound(err) || (err == nil && p.Type == meterd.ProductSaaS) {
		return nil, meterd.Errorf(meterd.EInvalidProductCode,
			"Product code '%s' does not identify an AMI or container product.", code)
	}
	if err != nil {
		return nil, fmt.Errorf("find product: %w", err)
	}
	return p, nil
}

// checkResourceRegion requires the call to reach the region the metered
// resource runs in, when the key says where that is.
func checkResourceRegion(caller meterd.Caller) error {
	home := caller.Key.HomeRegion
	if home == "" || home == caller.Region {
		return nil
	}
	return meterd.Errorf(meterd.EInvalidEndpointRegion,
		"The endpoint region %s does not match the region %s where the resource runs.", caller.Region, home)
}

// checkDimension requires a dimension of the product, compared case-sensitively.
func checkDimension(product *meterd.Product, dimension string) error {
	if _, ok := product.Dimension(dimension); ok {
		return nil
	}
	return meterd.Errorf(meterd.EInvalidUsageDimension,
		"Dimension '%s' is not a valid dimension for product '%s'.", dimension, product.Code)
}

// newMeterUsageRecord builds the ledger record of a checked request.
func newMeterUsageRecord(caller meterd.Caller, in *meterd.MeterUsageRequest, test bool, now time.Time) (*meterd.MeteringRecord, error) {
	id, err := newMeteringRecordID()
	if err != nil {
		return nil, err
	}
	hour := usageHour(in.Timestamp)
	quantity := int64(in.UsageQuantity)
	return &meterd.MeteringRecord{
		ID:              id,
		Region:          caller.Region,
		Operation:       operationMeterUsage,
		ProductCode:     in.ProductCode,
		CallerAccountID: caller.AccountID,
		ResourceID:      caller.AccessKeyID,
		Dimension:       in.UsageDimension,
		Timestamp:       in.Timestamp.UTC(),
		Hour:            hour,
		Quantity:        quantity,
		Allocations:     in.UsageAllocations,
		DedupeKey:       meterUsageDedupeKey(in.ProductCode, caller.AccountID, caller.AccessKeyID, in.UsageDimension, hour),
		ClientToken:     in.ClientToken,
		RequestHash:     meterUsageRequestHash(in.ProductCode, hour, in.UsageDimension, quantity, in.UsageAllocations),
		Test:            test,
		ReceivedAt:      now,
	}, nil
}

// storeMeterUsage inserts rec and turns a conflict into the AWS answer: the
// stored record's id when the request is the same (a retry), an error when
// it is not.
func (s *Service) storeMeterUsage(ctx context.Context, rec *meterd.MeteringRecord) (*meterd.MeterUsageResult, error) {
	outcomes, err := s.Store.RecordUsage(ctx, []*meterd.MeteringRecord{rec})
	if err != nil {
		return nil, fmt.Errorf("record usage: %w", err)
	}
	if len(outcomes) != 1 {
		return nil, fmt.Errorf("record usage: %d outcomes for 1 record", len(outcomes))
	}
	id, err := meterUsageOutcome(rec, outcomes[0])
	if err != nil {
		return nil, err
	}
	return &meterd.MeterUsageResult{MeteringRecordId: id}, nil
}

func meterUsageOutcome(rec *meterd.MeteringRecord, out meterd.RecordOutcome) (string, error) {
	if out.Inserted {
		return rec.ID, nil
	}
	if out.Existing == nil {
		return "", errors.New("record usage: conflict without the stored record")
	}
	if out.Existing.RequestHash == rec.RequestHash {
		return out.Existing.ID, nil
	}
	switch out.Conflict {
	case meterd.ClientTokenConflict:
		return "", meterd.Errorf(meterd.EIdempotencyConflict,
			"Client token '%s' was already used with different parameters.", rec.ClientToken)
	case meterd.DedupeKeyConflict:
		return "", meterd.Errorf(meterd.EDuplicateRequest,
			"Usage of dimension '%s' for hour %s was already reported by this resource with a different quantity or allocation.",
			rec.Dimension, formatTimestamp(rec.Hour))
	}
	return "", fmt.Errorf("record usage: unexpected conflict kind %d", out.Conflict)
}
