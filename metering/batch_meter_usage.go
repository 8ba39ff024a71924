package metering

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/meterd/meterd"
)

// BatchMeterUsage records hourly usage of a SaaS product for up to 25
// customers. It is called by the product's seller.
//
// Errors that reject the whole batch are checked in this order: region
// offered, the customer form of every record (ValidationException), the
// product (from ProductCode, or else from the records' licenses), the
// product's integration (a Concurrent Agreements product takes no
// CustomerIdentifier, then needs a LicenseArn on every record), timestamps,
// dimensions, tags and allocations, licenses, customer identifiers. Then
// each record gets a verdict: CustomerNotSubscribed, or it is stored, in one
// atomic call, and answered Success or DuplicateRecord.
//
// AWS says new (Concurrent Agreements) integrations should not send a
// request-level ProductCode; one that names the product is still accepted.
func (s *Service) BatchMeterUsage(ctx context.Context, caller meterd.Caller, in *meterd.BatchMeterUsageRequest) (*meterd.BatchMeterUsageResult, error) {
	if err := s.Config.Regions.Check(operationBatchMeterUsage, caller.Region); err != nil {
		return nil, err
	}
	if err := checkCustomerForms(in.UsageRecords); err != nil {
		return nil, err
	}
	b := &batchCall{
		s: s, caller: caller, records: in.UsageRecords, productCode: in.ProductCode, now: s.Clock.Now(),
		licenses:      make(map[string]*meterd.Subscription),
		customers:     make(map[meterd.CustomerFilter]*meterd.Customer),
		subscriptions: make(map[string][]*meterd.Subscription),
	}
	if err := b.check(ctx); err != nil {
		return nil, err
	}
	verdicts, err := b.judge(ctx)
	if err != nil {
		return nil, err
	}
	if err := b.store(ctx, verdicts); err != nil {
		return nil, err
	}
	return b.result(verdicts), nil
}

// batchCall is the state of one BatchMeterUsage request: the records and
// what has been looked up for them, cached because 25 records usually share
// a few customers and licenses.
type batchCall struct {
	s           *Service
	caller      meterd.Caller
	records     []meterd.UsageRecord
	productCode string
	now         time.Time

	product       *meterd.Product
	licenses      map[string]*meterd.Subscription            // by LicenseArn; nil: unknown license
	customers     map[meterd.CustomerFilter]*meterd.Customer // nil: no such customer
	subscriptions map[string][]*meterd.Subscription          // to the product, by customer identifier
}

// batchVerdict is what happens to one record: a final status without a
// ledger record, or a record to store.
type batchVerdict struct {
	status string
	record *meterd.MeteringRecord
	id     string
}

// checkCustomerForms requires each record to name its customer in exactly
// one way. The model cannot say so (both members are optional), so the
// error is a ValidationException in the style of the model's constraints.
func checkCustomerForms(records []meterd.UsageRecord) error {
	var problems []string
	for i, r := range records {
		if (r.CustomerIdentifier == "") != (r.CustomerAWSAccountId == "") {
			continue
		}
		problems = append(problems, fmt.Sprintf(
			"Value at 'usageRecords.%d.member' failed to satisfy constraint: "+
				"Member must contain exactly one of customerIdentifier and customerAWSAccountId", i+1))
	}
	if len(problems) == 0 {
		return nil
	}
	plural := "s"
	if len(problems) == 1 {
		plural = ""
	}
	return meterd.Errorf(meterd.EValidation, "%d validation error%s detected: %s",
		len(problems), plural, strings.Join(problems, "; "))
}

// check runs the whole-batch checks after the record forms.
func (b *batchCall) check(ctx context.Context) error {
	if err := b.resolveProduct(ctx); err != nil {
		return err
	}
	if len(b.records) == 0 {
		// Nothing to check, and without a ProductCode no product either.
		return nil
	}
	steps := []func() error{b.checkIntegration, b.checkTimestamps, b.checkDimensions, b.checkAllocations}
	for _, step := range steps {
		if err := step(); err != nil {
			return err
		}
	}
	if err := b.checkLicenses(ctx); err != nil {
		return err
	}
	return b.checkCustomerIdentifiers(ctx)
}

// resolveProduct finds the product from ProductCode or, for license-based
// requests without one, from the records' licenses.
func (b *batchCall) resolveProduct(ctx context.Context) error {
	if b.productCode != "" {
		return b.findSellerProduct(ctx)
	}
	return b.deriveProduct(ctx)
}

// findSellerProduct answers an unknown product, a non-SaaS product and
// another seller's product alike, so that a seller cannot probe the catalog.
func (b *batchCall) findSellerProduct(ctx context.Context) error {
	p, err := b.s.Store.SharedProduct(ctx, b.productCode)
	if meterd.IsNotFound(err) || (err == nil && !sellerSaaS(p, b.caller.AccountID)) {
		return meterd.Errorf(meterd.EInvalidProductCode,
			"Product code '%s' does not identify a SaaS product of the calling account.", b.productCode)
	}
	if err != nil {
		return fmt.Errorf("find product: %w", err)
	}
	b.product = p
	return nil
}

func sellerSaaS(p *meterd.Product, sellerAccountID string) bool {
	return p.Type == meterd.ProductSaaS && p.SellerAccountID == sellerAccountID
}

// deriveProduct takes the product of the records' licenses. With no records
// there is nothing to derive and nothing to record.
func (b *batchCall) deriveProduct(ctx context.Context) error {
	for i, r := range b.records {
		if r.LicenseArn == "" {
			return meterd.Errorf(meterd.EInvalidProductCode,
				"Usage record %d has no LicenseArn: a request without a ProductCode identifies the product by the licenses of its records.", i+1)
		}
	}
	for _, r := range b.records {
		if err := b.deriveProductOf(ctx, r.LicenseArn); err != nil {
			return err
		}
	}
	return nil
}

// deriveProductOf sets b.product from one license, or fails when the license
// is unknown, not the caller's, or of another product than the earlier ones.
func (b *batchCall) deriveProductOf(ctx context.Context, licenseArn string) error {
	sub, err := b.license(ctx, licenseArn)
	if err != nil {
		return err
	}
	if sub == nil {
		return invalidLicense(licenseArn)
	}
	if b.product != nil && sub.ProductCode == b.product.Code {
		return nil
	}
	p, err := b.s.Store.SharedProduct(ctx, sub.ProductCode)
	if meterd.IsNotFound(err) || (err == nil && !sellerSaaS(p, b.caller.AccountID)) {
		return invalidLicense(licenseArn)
	}
	if err != nil {
		return fmt.Errorf("find product: %w", err)
	}
	if b.product != nil {
		return meterd.Errorf(meterd.EInvalidLicense,
			"The licenses of one request must belong to one product; send usage of different products in separate requests.")
	}
	b.product = p
	return nil
}

// invalidLicense is the answer for a license that is unknown, of another
// product or of another seller: one message, so nothing is revealed.
func invalidLicense(licenseArn string) error {
	return meterd.Errorf(meterd.EInvalidLicense, "License '%s' is not valid.", licenseArn)
}

// checkIntegration applies the rules of a Concurrent Agreements product,
// whose customers are named by AWS account id and license: AWS does not
// support CustomerIdentifier for new integrations, and the license tells
// the customer's agreements apart. Legacy products accept every form.
func (b *batchCall) checkIntegration() error {
	if !b.product.ConcurrentAgreements() {
		return nil
	}
	for _, r := range b.records {
		if r.CustomerIdentifier != "" {
			return meterd.Errorf(meterd.EInvalidCustomerIdentifier,
				"CustomerIdentifier is not supported for product '%s': send CustomerAWSAccountId and LicenseArn.", b.product.Code)
		}
	}
	for i, r := range b.records {
		if r.LicenseArn == "" {
			return meterd.Errorf(meterd.EInvalidLicense,
				"Usage record %d: product '%s' meters by license: LicenseArn is required.", i+1, b.product.Code)
		}
	}
	return nil
}

func (b *batchCall) checkTimestamps() error {
	for _, r := range b.records {
		if err := checkBatchWindow(b.s.Config, b.now, r.Timestamp); err != nil {
			return err
		}
	}
	return nil
}

func (b *batchCall) checkDimensions() error {
	for _, r := range b.records {
		if err := checkDimension(b.product, r.Dimension); err != nil {
			return err
		}
	}
	return nil
}

func (b *batchCall) checkAllocations() error {
	for i, r := range b.records {
		if err := checkAllocations(recordQuantity(r), r.UsageAllocations); err != nil {
			return inRecord(i, err)
		}
	}
	return nil
}

// recordQuantity is the record's quantity; absent means 0 (model default).
func recordQuantity(r meterd.UsageRecord) int64 {
	if r.Quantity == nil {
		return 0
	}
	return int64(*r.Quantity)
}

// inRecord names the record in an error whose message does not otherwise
// identify it.
func inRecord(i int, err error) error {
	var coded *meterd.Error
	if !errors.As(err, &coded) {
		return err
	}
	return meterd.Errorf(coded.Code, "Usage record %d: %s", i+1, coded.Message)
}

// checkLicenses requires every license to be one of this product, held by
// the record's customer, and active at the record's timestamp.
func (b *batchCall) checkLicenses(ctx context.Context) error {
	for i, r := range b.records {
		if r.LicenseArn == "" {
			continue
		}
		if err := b.checkLicense(ctx, i, r); err != nil {
			return err
		}
	}
	return nil
}

func (b *batchCall) checkLicense(ctx context.Context, i int, r meterd.UsageRecord) error {
	sub, err := b.license(ctx, r.LicenseArn)
	if err != nil {
		return err
	}
	if sub == nil || sub.ProductCode != b.product.Code {
		return invalidLicense(r.LicenseArn)
	}
	holds, err := b.licenseHeldBy(ctx, sub, r)
	if err != nil {
		return err
	}
	if !holds {
		return meterd.Errorf(meterd.EInvalidLicense,
			"License '%s' does not belong to the customer of usage record %d.", r.LicenseArn, i+1)
	}
	if !sub.Active(r.Timestamp) {
		return meterd.Errorf(meterd.EInvalidLicense,
			"Usage record %d at %s is outside the activation period of license '%s'.",
			i+1, formatTimestamp(r.Timestamp), r.LicenseArn)
	}
	return nil
}

// checkCustomerIdentifiers rejects the batch for an identifier that names no
// customer. An unknown AWS account id only makes its record
// CustomerNotSubscribed (judge), since accounts are not identifiers issued
// by ResolveCustomer.
func (b *batchCall) checkCustomerIdentifiers(ctx context.Context) error {
	for _, r := range b.records {
		if r.CustomerIdentifier == "" {
			continue
		}
		c, err := b.customer(ctx, meterd.CustomerFilter{Identifier: r.CustomerIdentifier})
		if err != nil {
			return err
		}
		if c == nil {
			return meterd.Errorf(meterd.EInvalidCustomerIdentifier,
				"Customer identifier '%s' does not match any customer.", r.CustomerIdentifier)
		}
	}
	return nil
}

// judge decides each record: CustomerNotSubscribed, or a record to store.
func (b *batchCall) judge(ctx context.Context) ([]batchVerdict, error) {
	verdicts := make([]batchVerdict, len(b.records))
	for i, r := range b.records {
		c, err := b.recordCustomer(ctx, r)
		if err != nil {
			return nil, err
		}
		ok, err := b.metered(ctx, c, r)
		if err != nil {
			return nil, err
		}
		if !ok {
			verdicts[i].status = meterd.StatusCustomerNotSubscribed
			continue
		}
		if verdicts[i].record, err = b.newRecord(c, r); err != nil {
			return nil, err
		}
	}
	return verdicts, nil
}

// recordCustomer is the customer a record bills: the license's holder
// (checkLicenses matched it with the record), or the one the record names;
// nil when an AWS account id names no customer.
func (b *batchCall) recordCustomer(ctx context.Context, r meterd.UsageRecord) (*meterd.Customer, error) {
	switch {
	case r.LicenseArn != "":
		return b.customer(ctx, meterd.CustomerFilter{Identifier: b.licenses[r.LicenseArn].CustomerIdentifier})
	case r.CustomerIdentifier != "":
		return b.customer(ctx, meterd.CustomerFilter{Identifier: r.CustomerIdentifier})
	}
	return b.customer(ctx, meterd.CustomerFilter{AWSAccountID: r.CustomerAWSAccountId})
}

// metered reports whether usage of customer c may be recorded: its
// subscription (the record's license, or any subscription to the product)
// must be in a metered state, and its license active at the record's time.
func (b *batchCall) metered(ctx context.Context, c *meterd.Customer, r meterd.UsageRecord) (bool, error) {
	if c == nil {
		return false, nil
	}
	if r.LicenseArn != "" {
		return b.licenses[r.LicenseArn].Status.Metered(), nil // activation checked by checkLicenses
	}
	subs, cached := b.subscriptions[c.Identifier]
	if !cached {
		var err error
		subs, err = b.s.Store.SharedSubscriptions(ctx, meterd.SubscriptionFilter{
			ProductCode: b.product.Code, CustomerIdentifier: c.Identifier,
		})
		if err != nil {
			return false, fmt.Errorf("find subscriptions: %w", err)
		}
		b.subscriptions[c.Identifier] = subs
	}
	return slices.ContainsFunc(subs, func(s *meterd.Subscription) bool {
		return s.Status.Metered() && s.Active(r.Timestamp)
	}), nil
}

func (b *batchCall) newRecord(c *meterd.Customer, r meterd.UsageRecord) (*meterd.MeteringRecord, error) {
	id, err := newMeteringRecordID()
	if err != nil {
		return nil, err
	}
	hour := usageHour(r.Timestamp)
	quantity := recordQuantity(r)
	return &meterd.MeteringRecord{
		ID:                   id,
		Region:               b.caller.Region,
		Operation:            operationBatchMeterUsage,
		ProductCode:          b.product.Code,
		CustomerIdentifier:   c.Identifier,
		CustomerAWSAccountID: c.AWSAccountID,
		LicenseArn:           r.LicenseArn,
		CallerAccountID:      b.caller.AccountID,
		Dimension:            r.Dimension,
		Timestamp:            r.Timestamp.UTC(),
		Hour:                 hour,
		Quantity:             quantity,
		Allocations:          r.UsageAllocations,
		DedupeKey:            batchDedupeKey(b.product.Code, c.Identifier, r.LicenseArn, r.Dimension, hour),
		RequestHash:          batchRequestHash(quantity, r.UsageAllocations),
		ReceivedAt:           b.now,
	}, nil
}

// store inserts every record to store in one atomic RecordUsage call and
// completes the verdicts from the outcomes.
func (b *batchCall) store(ctx context.Context, verdicts []batchVerdict) error {
	var recs []*meterd.MeteringRecord
	var index []int
	for i, v := range verdicts {
		if v.record != nil {
			recs = append(recs, v.record)
			index = append(index, i)
		}
	}
	if len(recs) == 0 {
		return nil
	}
	outcomes, err := b.s.Store.RecordUsage(ctx, recs)
	if err != nil {
		return fmt.Errorf("record usage: %w", err)
	}
	if len(outcomes) != len(recs) {
		return fmt.Errorf("record usage: %d outcomes for %d records", len(outcomes), len(recs))
	}
	for j, out := range outcomes {
		if err := verdicts[index[j]].apply(out); err != nil {
			return err
		}
	}
	b.s.Logger.DebugContext(ctx, "batch metered", meterd.LogKeyProduct, b.product.Code,
		meterd.LogKeyRecords, len(b.records), meterd.LogKeyStored, len(recs))
	return nil
}

// apply turns a store outcome into the record's status. A record that
// collides with a stored one (or an earlier one of the same batch) is an
// idempotent resend when it bills the same, a DuplicateRecord otherwise;
// both carry the id of the record that was kept.
func (v *batchVerdict) apply(out meterd.RecordOutcome) error {
	if out.Inserted {
		v.status, v.id = meterd.StatusSuccess, v.record.ID
		return nil
	}
	if out.Existing == nil || out.Conflict != meterd.DedupeKeyConflict {
		return fmt.Errorf("record usage: unexpected outcome %+v", out)
	}
	v.id = out.Existing.ID
	v.status = meterd.StatusSuccess
	if out.Existing.RequestHash != v.record.RequestHash {
		v.status = meterd.StatusDuplicateRecord
	}
	return nil
}

// result answers in request order, echoing each record as sent.
func (b *batchCall) result(verdicts []batchVerdict) *meterd.BatchMeterUsageResult {
	res := &meterd.BatchMeterUsageResult{
		Results:            make([]meterd.UsageRecordResult, len(b.records)),
		UnprocessedRecords: []meterd.UsageRecord{},
	}
	for i, r := range b.records {
		res.Results[i] = meterd.UsageRecordResult{
			UsageRecord:      echoUsageRecord(r),
			MeteringRecordId: verdicts[i].id,
			Status:           verdicts[i].status,
		}
	}
	return res
}

// echoUsageRecord copies r so the result shares no memory with the request.
func echoUsageRecord(r meterd.UsageRecord) *meterd.UsageRecord {
	out := r
	if r.Quantity != nil {
		q := *r.Quantity
		out.Quantity = &q
	}
	if r.UsageAllocations != nil {
		out.UsageAllocations = make([]meterd.UsageAllocation, len(r.UsageAllocations))
		for i, a := range r.UsageAllocations {
			out.UsageAllocations[i] = meterd.UsageAllocation{AllocatedUsageQuantity: a.AllocatedUsageQuantity, Tags: slices.Clone(a.Tags)}
		}
	}
	return &out
}
