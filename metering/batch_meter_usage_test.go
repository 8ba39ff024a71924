package metering_test

import (
	"fmt"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/meterd/meterd"
	"github.com/meterd/meterd/metering"
)

func meterQty(q int32) *int32 { return &q }

// meterByID is a record of customer identifier cust at now - 10m.
func meterByID(now time.Time, cust, dim string, q int32) meterd.UsageRecord {
	return meterd.UsageRecord{Timestamp: now.Add(-10 * time.Minute), CustomerIdentifier: cust, Dimension: dim, Quantity: meterQty(q)}
}

// meterByAccount is a record of AWS account acct at now - 10m.
func meterByAccount(now time.Time, acct, dim string, q int32) meterd.UsageRecord {
	return meterd.UsageRecord{Timestamp: now.Add(-10 * time.Minute), CustomerAWSAccountId: acct, Dimension: dim, Quantity: meterQty(q)}
}

func meterWithLicense(r meterd.UsageRecord, license string) meterd.UsageRecord {
	r.LicenseArn = meterLicense(license)
	return r
}

func TestBatchMeterUsageRules(t *testing.T) {
	now := meterEpoch
	rec := func(cust string) meterd.UsageRecord { return meterByID(now, cust, "users", 5) }
	acct := func(a string) meterd.UsageRecord { return meterByAccount(now, a, "users", 5) }
	lic := meterWithLicense
	at := func(r meterd.UsageRecord, ts time.Time) meterd.UsageRecord { r.Timestamp = ts; return r }
	allocs := func(r meterd.UsageRecord, a ...meterd.UsageAllocation) meterd.UsageRecord {
		r.UsageAllocations = a
		return r
	}
	const (
		S   = meterd.StatusSuccess
		CNS = meterd.StatusCustomerNotSubscribed
	)
	badProduct := func(code string) string {
		return "Product code '" + code + "' does not identify a SaaS product of the calling account."
	}
	notValid := func(license string) string { return "License '" + meterLicense(license) + "' is not valid." }
	formErr := "Value at 'usageRecords.%d.member' failed to satisfy constraint: " +
		"Member must contain exactly one of customerIdentifier and customerAWSAccountId"
	tests := []struct {
		name         string
		key          string // AKIDSELLER when ""
		region       string // us-east-1 when ""
		product      string // request ProductCode; "demo-saas" when "", "-" for none
		records      []meterd.UsageRecord
		wantCode     string
		wantMsg      string
		wantStatuses []string
	}{
		{name: "OK identifier", records: []meterd.UsageRecord{rec("cust-buyer")}, wantStatuses: []string{S}},
		{name: "OK AWS account id", records: []meterd.UsageRecord{acct(meterBuyer)}, wantStatuses: []string{S}},
		{name: "OK unsubscribe-pending is still metered", records: []meterd.UsageRecord{rec("cust-leaving")}, wantStatuses: []string{S}},
		{name: "OK quantity absent", records: []meterd.UsageRecord{{Timestamp: now, CustomerIdentifier: "cust-buyer", Dimension: "users"}},
			wantStatuses: []string{S}},
		{name: "OK license and account id without product code", product: "-",
			records: []meterd.UsageRecord{lic(acct(meterBuyer), "saas-buyer")}, wantStatuses: []string{S}},
		{name: "OK license and identifier with product code",
			records: []meterd.UsageRecord{lic(rec("cust-buyer"), "saas-buyer")}, wantStatuses: []string{S}},
		{name: "OK license of unsubscribe-pending", product: "-",
			records: []meterd.UsageRecord{lic(rec("cust-leaving"), "saas-leaving")}, wantStatuses: []string{S}},
		{name: "OK empty batch", records: []meterd.UsageRecord{}, wantStatuses: []string{}},
		{name: "OK empty batch without product code", product: "-", records: nil, wantStatuses: []string{}},
		{name: "OK timestamp 24h minus 1s old", records: []meterd.UsageRecord{at(rec("cust-buyer"), now.Add(-24*time.Hour+time.Second))},
			wantStatuses: []string{S}},
		{name: "OK timestamp exactly 5m ahead", records: []meterd.UsageRecord{at(rec("cust-buyer"), now.Add(5*time.Minute))},
			wantStatuses: []string{S}},
		{name: "CustomerNotSubscribed unknown account", records: []meterd.UsageRecord{acct(meterStranger)}, wantStatuses: []string{CNS}},
		{name: "CustomerNotSubscribed pending", records: []meterd.UsageRecord{rec("cust-pending")}, wantStatuses: []string{CNS}},
		{name: "CustomerNotSubscribed unsubscribed", records: []meterd.UsageRecord{acct(meterBuyerExpired)}, wantStatuses: []string{CNS}},
		{name: "CustomerNotSubscribed no subscription to the product", records: []meterd.UsageRecord{rec("cust-nosub")},
			wantStatuses: []string{CNS}},
		{name: "CustomerNotSubscribed after the license ended",
			records:      []meterd.UsageRecord{at(rec("cust-ended"), now.Add(-3*time.Hour)), at(rec("cust-ended"), now.Add(-time.Hour))},
			wantStatuses: []string{S, CNS}},
		{name: "CustomerNotSubscribed pending license", product: "-",
			records: []meterd.UsageRecord{lic(rec("cust-pending"), "saas-pending")}, wantStatuses: []string{CNS}},
		{name: "statuses in request order",
			records:      []meterd.UsageRecord{rec("cust-buyer"), rec("cust-pending"), acct(meterBuyerLeaving), acct(meterStranger)},
			wantStatuses: []string{S, CNS, S, CNS}},

		{name: "OK concurrent agreements: account id and license without product code", product: "-",
			records: []meterd.UsageRecord{lic(acct(meterBuyer), "saas-ca-buyer")}, wantStatuses: []string{S}},
		{name: "OK concurrent agreements: product code naming the product is accepted", product: "demo-saas-ca",
			records: []meterd.UsageRecord{lic(acct(meterBuyer), "saas-ca-buyer")}, wantStatuses: []string{S}},
		{name: "OK concurrent agreements: two agreements of one customer", product: "-",
			records:      []meterd.UsageRecord{lic(acct(meterBuyer), "saas-ca-buyer"), lic(acct(meterBuyer), "saas-ca-buyer-2")},
			wantStatuses: []string{S, S}},

		{name: "ErrDisabledApi", region: "us-gov-west-1", records: []meterd.UsageRecord{rec("cust-buyer")},
			wantCode: meterd.EDisabledAPI, wantMsg: "BatchMeterUsage is not available in region us-gov-west-1."},
		{name: "ErrValidation neither customer form", records: []meterd.UsageRecord{{Timestamp: now, Dimension: "users"}},
			wantCode: meterd.EValidation, wantMsg: "1 validation error detected: " + fmt.Sprintf(formErr, 1)},
		{name: "ErrValidation both customer forms", records: []meterd.UsageRecord{
			rec("cust-buyer"), {Timestamp: now, Dimension: "users", CustomerIdentifier: "cust-buyer", CustomerAWSAccountId: meterBuyer}},
			wantCode: meterd.EValidation, wantMsg: "1 validation error detected: " + fmt.Sprintf(formErr, 2)},
		{name: "ErrValidation two records", records: []meterd.UsageRecord{{Dimension: "users"}, rec("cust-buyer"), {Dimension: "users"}},
			wantCode: meterd.EValidation,
			wantMsg:  "2 validation errors detected: " + fmt.Sprintf(formErr, 1) + "; " + fmt.Sprintf(formErr, 3)},
		{name: "ErrValidation before product", product: "nope", records: []meterd.UsageRecord{{Dimension: "users"}},
			wantCode: meterd.EValidation},
		{name: "ErrInvalidProductCode unknown", product: "nope", records: []meterd.UsageRecord{rec("cust-buyer")},
			wantCode: meterd.EInvalidProductCode, wantMsg: badProduct("nope")},
		{name: "ErrInvalidProductCode AMI", product: "demo-ami", records: []meterd.UsageRecord{rec("cust-buyer")},
			wantCode: meterd.EInvalidProductCode, wantMsg: badProduct("demo-ami")},
		{name: "ErrInvalidProductCode another seller's", product: "other-saas", records: []meterd.UsageRecord{rec("cust-buyer")},
			wantCode: meterd.EInvalidProductCode, wantMsg: badProduct("other-saas")},
		{name: "ErrInvalidProductCode caller is not the seller", key: "AKIDOTHERSELLER", records: []meterd.UsageRecord{rec("cust-buyer")},
			wantCode: meterd.EInvalidProductCode, wantMsg: badProduct("demo-saas")},
		{name: "ErrInvalidProductCode on an empty batch", product: "nope", records: []meterd.UsageRecord{},
			wantCode: meterd.EInvalidProductCode},
		{name: "ErrInvalidProductCode no product code and a record without license", product: "-",
			records:  []meterd.UsageRecord{lic(rec("cust-buyer"), "saas-buyer"), rec("cust-buyer")},
			wantCode: meterd.EInvalidProductCode,
			wantMsg:  "Usage record 2 has no LicenseArn: a request without a ProductCode identifies the product by the licenses of its records."},
		{name: "ErrInvalidLicense unknown license without product code", product: "-",
			records:  []meterd.UsageRecord{lic(rec("cust-buyer"), "nope")},
			wantCode: meterd.EInvalidLicense, wantMsg: notValid("nope")},
		{name: "ErrInvalidLicense another seller's license without product code", product: "-",
			records:  []meterd.UsageRecord{lic(rec("cust-buyer"), "other-buyer")},
			wantCode: meterd.EInvalidLicense, wantMsg: notValid("other-buyer")},
		{name: "ErrInvalidLicense AMI license without product code", product: "-",
			records:  []meterd.UsageRecord{lic(rec("cust-buyer"), "ami-buyer")},
			wantCode: meterd.EInvalidLicense, wantMsg: notValid("ami-buyer")},
		{name: "ErrInvalidLicense licenses of two products", product: "-",
			records:  []meterd.UsageRecord{lic(rec("cust-buyer"), "saas-buyer"), lic(rec("cust-buyer"), "saas2-buyer")},
			wantCode: meterd.EInvalidLicense,
			wantMsg:  "The licenses of one request must belong to one product; send usage of different products in separate requests."},
		{name: "ErrInvalidProductCode concurrent agreements without product code or license", product: "-",
			records:  []meterd.UsageRecord{lic(acct(meterBuyer), "saas-ca-buyer"), acct(meterBuyer)},
			wantCode: meterd.EInvalidProductCode,
			wantMsg:  "Usage record 2 has no LicenseArn: a request without a ProductCode identifies the product by the licenses of its records."},
		{name: "ErrInvalidCustomerIdentifier concurrent agreements: identifier with license", product: "-",
			records:  []meterd.UsageRecord{lic(acct(meterBuyer), "saas-ca-buyer"), lic(rec("cust-buyer"), "saas-ca-buyer-2")},
			wantCode: meterd.EInvalidCustomerIdentifier,
			wantMsg:  "CustomerIdentifier is not supported for product 'demo-saas-ca': send CustomerAWSAccountId and LicenseArn."},
		{name: "ErrInvalidCustomerIdentifier concurrent agreements: before the license check", product: "demo-saas-ca",
			records:  []meterd.UsageRecord{acct(meterBuyer), rec("cust-buyer")},
			wantCode: meterd.EInvalidCustomerIdentifier,
			wantMsg:  "CustomerIdentifier is not supported for product 'demo-saas-ca': send CustomerAWSAccountId and LicenseArn."},
		{name: "ErrInvalidLicense concurrent agreements: record without license", product: "demo-saas-ca",
			records:  []meterd.UsageRecord{lic(acct(meterBuyer), "saas-ca-buyer"), acct(meterBuyer)},
			wantCode: meterd.EInvalidLicense,
			wantMsg:  "Usage record 2: product 'demo-saas-ca' meters by license: LicenseArn is required."},
		{name: "ErrInvalidLicense concurrent agreements: before timestamps", product: "demo-saas-ca",
			records:  []meterd.UsageRecord{at(acct(meterBuyer), now.Add(-48*time.Hour))},
			wantCode: meterd.EInvalidLicense},
		{name: "ErrTimestampOutOfBounds exactly 24h old", records: []meterd.UsageRecord{
			rec("cust-buyer"), at(rec("cust-leaving"), now.Add(-24*time.Hour))},
			wantCode: meterd.ETimestampOutOfBounds,
			wantMsg:  "Timestamp 2026-05-13T12:30:00Z is out of bounds: usage records must be sent less than 24 hours after the event."},
		{name: "ErrTimestampOutOfBounds future", records: []meterd.UsageRecord{at(rec("cust-buyer"), now.Add(5*time.Minute+time.Second))},
			wantCode: meterd.ETimestampOutOfBounds, wantMsg: "Timestamp 2026-05-14T12:35:01Z is out of bounds: it is in the future."},
		{name: "ErrTimestampOutOfBounds before dimension", records: []meterd.UsageRecord{
			meterByID(now, "cust-buyer", "nope", 1), at(rec("cust-buyer"), now.Add(-48*time.Hour))},
			wantCode: meterd.ETimestampOutOfBounds},
		{name: "ErrInvalidUsageDimension", records: []meterd.UsageRecord{rec("cust-buyer"), meterByID(now, "cust-buyer", "foo", 1)},
			wantCode: meterd.EInvalidUsageDimension, wantMsg: "Dimension 'foo' is not a valid dimension for product 'demo-saas'."},
		{name: "ErrInvalidUsageDimension case-sensitive", records: []meterd.UsageRecord{meterByID(now, "cust-buyer", "Users", 1)},
			wantCode: meterd.EInvalidUsageDimension, wantMsg: "Dimension 'Users' is not a valid dimension for product 'demo-saas'."},
		{name: "ErrInvalidUsageDimension before allocations", records: []meterd.UsageRecord{
			allocs(rec("cust-buyer"), meterAlloc(1)), meterByID(now, "cust-buyer", "foo", 1)},
			wantCode: meterd.EInvalidUsageDimension},
		{name: "ErrInvalidTag names the record", records: []meterd.UsageRecord{
			rec("cust-buyer"), allocs(rec("cust-leaving"), meterAlloc(5, "k", "a", "k", "b"))},
			wantCode: meterd.EInvalidTag, wantMsg: "Usage record 2: Tag key 'k' is repeated within a usage allocation."},
		{name: "ErrInvalidTag more than 5 keys", records: []meterd.UsageRecord{
			allocs(rec("cust-buyer"), meterAlloc(2, "a", "1", "b", "1", "c", "1"), meterAlloc(3, "d", "1", "e", "1", "f", "1"))},
			wantCode: meterd.EInvalidTag,
			wantMsg:  "Usage record 1: A usage record can have at most 5 distinct tag keys across its usage allocations, but it has 6."},
		{name: "ErrInvalidUsageAllocations same tag set", records: []meterd.UsageRecord{
			allocs(rec("cust-buyer"), meterAlloc(2, "a", "1"), meterAlloc(3, "a", "1"))},
			wantCode: meterd.EInvalidUsageAllocations,
			wantMsg:  "Usage record 1: Two usage allocations have the same tags; merge them into one allocation."},
		{name: "ErrInvalidUsageAllocations quantity absent means 0", records: []meterd.UsageRecord{
			{Timestamp: now, CustomerIdentifier: "cust-buyer", Dimension: "users", UsageAllocations: []meterd.UsageAllocation{meterAlloc(1)}}},
			wantCode: meterd.EInvalidUsageAllocations,
			wantMsg:  "Usage record 1: The sum of AllocatedUsageQuantity (1) does not equal the usage quantity (0)."},
		{name: "ErrInvalidUsageAllocations before license", records: []meterd.UsageRecord{
			lic(rec("cust-buyer"), "nope"), allocs(rec("cust-leaving"), meterAlloc(1))},
			wantCode: meterd.EInvalidUsageAllocations},
		{name: "ErrInvalidLicense unknown license with product code", records: []meterd.UsageRecord{lic(rec("cust-buyer"), "nope")},
			wantCode: meterd.EInvalidLicense, wantMsg: notValid("nope")},
		{name: "ErrInvalidLicense license of another product", records: []meterd.UsageRecord{lic(rec("cust-buyer"), "saas2-buyer")},
			wantCode: meterd.EInvalidLicense, wantMsg: notValid("saas2-buyer")},
		{name: "ErrInvalidLicense another customer's license by identifier", records: []meterd.UsageRecord{
			lic(rec("cust-buyer"), "saas-pending")},
			wantCode: meterd.EInvalidLicense,
			wantMsg:  "License '" + meterLicense("saas-pending") + "' does not belong to the customer of usage record 1."},
		{name: "ErrInvalidLicense another customer's license by account", product: "-", records: []meterd.UsageRecord{
			lic(acct(meterBuyer), "saas-buyer"), lic(acct(meterBuyerPending), "saas-buyer")},
			wantCode: meterd.EInvalidLicense,
			wantMsg:  "License '" + meterLicense("saas-buyer") + "' does not belong to the customer of usage record 2."},
		{name: "ErrInvalidLicense unknown account", records: []meterd.UsageRecord{lic(acct(meterStranger), "saas-buyer")},
			wantCode: meterd.EInvalidLicense},
		{name: "ErrInvalidLicense outside activation period", records: []meterd.UsageRecord{
			lic(at(rec("cust-buyer"), now.Add(-2*time.Hour)), "saas-buyer-late")},
			wantCode: meterd.EInvalidLicense,
			wantMsg:  "Usage record 1 at 2026-05-14T10:30:00Z is outside the activation period of license '" + meterLicense("saas-buyer-late") + "'."},
		{name: "ErrInvalidLicense before customer identifier", records: []meterd.UsageRecord{
			rec("nope"), lic(rec("cust-buyer"), "nope")},
			wantCode: meterd.EInvalidLicense},
		{name: "ErrInvalidCustomerIdentifier", records: []meterd.UsageRecord{rec("cust-buyer"), rec("nope")},
			wantCode: meterd.EInvalidCustomerIdentifier, wantMsg: "Customer identifier 'nope' does not match any customer."},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			e := meterNewEnv(t)
			in := &meterd.BatchMeterUsageRequest{ProductCode: meterOr(tt.product, "demo-saas"), UsageRecords: tt.records}
			if in.ProductCode == "-" {
				in.ProductCode = ""
			}
			caller := e.caller(t, meterOr(tt.key, "AKIDSELLER"), meterOr(tt.region, "us-east-1"))
			res, err := e.svc.BatchMeterUsage(t.Context(), caller, in)
			if tt.wantCode != "" {
				meterWantError(t, err, tt.wantCode, tt.wantMsg)
				if n := len(e.usage(t)); n != 0 {
					t.Errorf("%d records stored by a rejected batch", n)
				}
				return
			}
			if err != nil {
				t.Fatalf("BatchMeterUsage: %v", err)
			}
			meterCheckStatuses(t, res, tt.wantStatuses)
			if n, want := len(e.usage(t)), meterCount(tt.wantStatuses, meterd.StatusSuccess); n != want {
				t.Errorf("stored %d records, want %d", n, want)
			}
		})
	}
}

func meterCount(statuses []string, status string) int {
	n := 0
	for _, s := range statuses {
		if s == status {
			n++
		}
	}
	return n
}

// meterCheckStatuses checks the statuses in order, and that exactly the
// stored ones (Success and DuplicateRecord) carry a MeteringRecordId.
func meterCheckStatuses(t *testing.T, res *meterd.BatchMeterUsageResult, want []string) {
	t.Helper()
	if res.Results == nil || res.UnprocessedRecords == nil || len(res.UnprocessedRecords) != 0 {
		t.Fatalf("Results %v / UnprocessedRecords %v: want non-nil, no unprocessed", res.Results, res.UnprocessedRecords)
	}
	if len(res.Results) != len(want) {
		t.Fatalf("%d results, want %d", len(res.Results), len(want))
	}
	for i, r := range res.Results {
		if r.Status != want[i] {
			t.Errorf("result %d: status %s, want %s", i, r.Status, want[i])
		}
		if hasID := r.MeteringRecordId != ""; hasID != (want[i] != meterd.StatusCustomerNotSubscribed) {
			t.Errorf("result %d (%s): MeteringRecordId %q", i, r.Status, r.MeteringRecordId)
		}
	}
}

// meterBatch is one BatchMeterUsage call of a sequence; want[i] is "S:a"
// (Success with the id labelled a), "D:a" (DuplicateRecord) or "CNS".
type meterBatch struct {
	region  string // us-east-1 when ""
	product string // demo-saas when "", "-" for none
	records []meterd.UsageRecord
	want    []string
}

func TestBatchMeterUsageDedupe(t *testing.T) {
	now := meterEpoch
	users := func(q int32) meterd.UsageRecord { return meterByID(now, "cust-buyer", "users", q) }
	usersByAcct := func(q int32) meterd.UsageRecord { return meterByAccount(now, meterBuyer, "users", q) }
	withAllocs := func(r meterd.UsageRecord, a ...meterd.UsageAllocation) meterd.UsageRecord {
		r.UsageAllocations = a
		return r
	}
	earlier := func(r meterd.UsageRecord, d time.Duration) meterd.UsageRecord {
		r.Timestamp = r.Timestamp.Add(d)
		return r
	}
	storage := meterByID(now, "cust-buyer", "storage", 1)
	licensed := meterWithLicense(usersByAcct(5), "saas-buyer")
	tests := []struct {
		name        string
		calls       []meterBatch
		wantRecords int
	}{
		{"identical resend is Success with the original id", []meterBatch{
			{records: []meterd.UsageRecord{users(5)}, want: []string{"S:a"}},
			{records: []meterd.UsageRecord{users(5)}, want: []string{"S:a"}}}, 1},
		{"same hour other minute is the same record", []meterBatch{
			{records: []meterd.UsageRecord{users(5)}, want: []string{"S:a"}},
			{records: []meterd.UsageRecord{earlier(users(5), 8*time.Minute)}, want: []string{"S:a"}}}, 1},
		{"other quantity is DuplicateRecord with the original id", []meterBatch{
			{records: []meterd.UsageRecord{users(5)}, want: []string{"S:a"}},
			{records: []meterd.UsageRecord{users(6)}, want: []string{"D:a"}}}, 1},
		{"other allocations is DuplicateRecord", []meterBatch{
			{records: []meterd.UsageRecord{withAllocs(users(5), meterAlloc(5))}, want: []string{"S:a"}},
			{records: []meterd.UsageRecord{withAllocs(users(5), meterAlloc(5, "t", "x"))}, want: []string{"D:a"}}}, 1},
		{"reordered allocations are an identical resend", []meterBatch{
			{records: []meterd.UsageRecord{withAllocs(users(5), meterAlloc(2, "t", "x"), meterAlloc(3))}, want: []string{"S:a"}},
			{records: []meterd.UsageRecord{withAllocs(users(5), meterAlloc(3), meterAlloc(2, "t", "x"))}, want: []string{"S:a"}}}, 1},
		{"subset resend", []meterBatch{
			{records: []meterd.UsageRecord{users(5), storage}, want: []string{"S:a", "S:b"}},
			{records: []meterd.UsageRecord{storage}, want: []string{"S:b"}}}, 2},
		{"identifier and account id of one customer dedupe together", []meterBatch{
			{records: []meterd.UsageRecord{users(5)}, want: []string{"S:a"}},
			{records: []meterd.UsageRecord{usersByAcct(5)}, want: []string{"S:a"}},
			{records: []meterd.UsageRecord{usersByAcct(7)}, want: []string{"D:a"}}}, 1},
		{"license-based and product-based records are separate", []meterBatch{
			{records: []meterd.UsageRecord{usersByAcct(5)}, want: []string{"S:a"}},
			{product: "-", records: []meterd.UsageRecord{licensed}, want: []string{"S:b"}},
			{records: []meterd.UsageRecord{licensed}, want: []string{"S:b"}}}, 2},
		{"same key twice in one batch: the first wins", []meterBatch{
			{records: []meterd.UsageRecord{users(5), users(5), users(6), usersByAcct(7)}, want: []string{"S:a", "S:a", "D:a", "D:a"}}}, 1},
		{"previous hour and other dimension are new records", []meterBatch{
			{records: []meterd.UsageRecord{users(5)}, want: []string{"S:a"}},
			{records: []meterd.UsageRecord{earlier(users(6), -time.Hour), storage}, want: []string{"S:b", "S:c"}}}, 3},
		{"regions dedupe apart", []meterBatch{
			{region: "us-east-1", records: []meterd.UsageRecord{users(5)}, want: []string{"S:a"}},
			{region: "eu-west-1", records: []meterd.UsageRecord{users(6)}, want: []string{"S:b"}}}, 2},
		{"not subscribed records are not stored", []meterBatch{
			{records: []meterd.UsageRecord{meterByID(now, "cust-pending", "users", 1), users(5)}, want: []string{"CNS", "S:a"}},
			{records: []meterd.UsageRecord{meterByID(now, "cust-pending", "users", 1)}, want: []string{"CNS"}}}, 1},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			e := meterNewEnv(t)
			labels := make(map[string]string)
			for i, c := range tt.calls {
				meterRunBatch(t, e, i, c, labels)
			}
			if n := len(e.usage(t)); n != tt.wantRecords {
				t.Errorf("stored %d records, want %d", n, tt.wantRecords)
			}
		})
	}
}

// meterRunBatch makes call i and checks each result against want, binding
// id labels on first use; different labels must be different ids.
func meterRunBatch(t *testing.T, e *meterEnv, i int, c meterBatch, labels map[string]string) {
	t.Helper()
	in := &meterd.BatchMeterUsageRequest{ProductCode: meterOr(c.product, "demo-saas"), UsageRecords: c.records}
	if in.ProductCode == "-" {
		in.ProductCode = ""
	}
	res, err := e.svc.BatchMeterUsage(t.Context(), e.caller(t, "AKIDSELLER", meterOr(c.region, "us-east-1")), in)
	if err != nil {
		t.Fatalf("call %d: %v", i, err)
	}
	if len(res.Results) != len(c.want) {
		t.Fatalf("call %d: %d results, want %d", i, len(res.Results), len(c.want))
	}
	status := map[string]string{"S": meterd.StatusSuccess, "D": meterd.StatusDuplicateRecord, "CNS": meterd.StatusCustomerNotSubscribed}
	for j, w := range c.want {
		kind, label, _ := strings.Cut(w, ":")
		got := res.Results[j]
		if got.Status != status[kind] {
			t.Fatalf("call %d result %d: status %s, want %s", i, j, got.Status, status[kind])
		}
		meterBindLabel(t, labels, label, got.MeteringRecordId, fmt.Sprintf("call %d result %d", i, j))
	}
}

func meterBindLabel(t *testing.T, labels map[string]string, label, id, where string) {
	t.Helper()
	if label == "" {
		if id != "" {
			t.Fatalf("%s: unexpected MeteringRecordId %s", where, id)
		}
		return
	}
	if bound, ok := labels[label]; ok {
		if id != bound {
			t.Fatalf("%s: id %s, want %s (label %s)", where, id, bound, label)
		}
		return
	}
	for other, bound := range labels {
		if bound == id {
			t.Fatalf("%s: id %s is already label %s, want a new one", where, id, other)
		}
	}
	labels[label] = id
}

func TestBatchMeterUsageEchoesRecords(t *testing.T) {
	e := meterNewEnv(t)
	records := []meterd.UsageRecord{
		{Timestamp: e.now.Add(-time.Minute), CustomerAWSAccountId: meterBuyer, Dimension: "users",
			LicenseArn: meterLicense("saas-buyer"), UsageAllocations: []meterd.UsageAllocation{meterAlloc(0, "team", "a")}},
		meterByAccount(e.now, meterStranger, "storage", 3),
	}
	in := &meterd.BatchMeterUsageRequest{ProductCode: "demo-saas", UsageRecords: records}
	res, err := e.svc.BatchMeterUsage(t.Context(), e.caller(t, "AKIDSELLER", "us-east-1"), in)
	if err != nil {
		t.Fatal(err)
	}
	for i, r := range res.Results {
		if !reflect.DeepEqual(*r.UsageRecord, records[i]) {
			t.Errorf("result %d echoes %+v, want %+v", i, *r.UsageRecord, records[i])
		}
	}
	if res.Results[0].UsageRecord.Quantity != nil {
		t.Error("absent Quantity echoed as present")
	}
	res.Results[0].UsageRecord.UsageAllocations[0].Tags[0].Value = "changed"
	*res.Results[1].UsageRecord.Quantity = 99
	if records[0].UsageAllocations[0].Tags[0].Value != "a" || *records[1].Quantity != 3 {
		t.Error("the echo shares memory with the request")
	}
}

func TestBatchMeterUsageStoresRecord(t *testing.T) {
	e := meterNewEnv(t)
	rec := meterd.UsageRecord{Timestamp: e.now.Add(-90 * time.Minute), CustomerAWSAccountId: meterBuyer, Dimension: "users"}
	in := &meterd.BatchMeterUsageRequest{ProductCode: "demo-saas", UsageRecords: []meterd.UsageRecord{rec}}
	res, err := e.svc.BatchMeterUsage(t.Context(), e.caller(t, "AKIDSELLER", "eu-west-1"), in)
	if err != nil {
		t.Fatal(err)
	}
	recs := e.usage(t)
	if len(recs) != 1 {
		t.Fatalf("stored %d records, want 1", len(recs))
	}
	got := recs[0]
	if got.ID != res.Results[0].MeteringRecordId || got.Region != "eu-west-1" || got.Operation != "BatchMeterUsage" ||
		got.ProductCode != "demo-saas" || got.CustomerIdentifier != "cust-buyer" || got.CustomerAWSAccountID != meterBuyer ||
		got.CallerAccountID != meterSeller || got.Dimension != "users" || got.Quantity != 0 || got.Test ||
		got.LicenseArn != "" || got.ClientToken != "" {
		t.Errorf("stored %+v", got)
	}
	if !got.Hour.Equal(time.Date(2026, 5, 14, 11, 0, 0, 0, time.UTC)) || !got.Timestamp.Equal(rec.Timestamp) {
		t.Errorf("hour %v timestamp %v", got.Hour, got.Timestamp)
	}
}

func TestBatchMeterUsageMonthEnd(t *testing.T) {
	legacy := metering.DefaultConfig()
	legacy.BatchWindow = 6 * time.Hour
	march31 := time.Date(2026, 3, 31, 23, 0, 0, 0, time.UTC)
	tests := []struct {
		name     string
		cfg      metering.Config
		now      time.Time
		wantCode string
	}{
		{"OK March usage before April 1 06:00", metering.DefaultConfig(), time.Date(2026, 4, 1, 5, 59, 59, 0, time.UTC), ""},
		{"ErrMarch usage at April 1 06:00", metering.DefaultConfig(), time.Date(2026, 4, 1, 6, 0, 0, 0, time.UTC), meterd.ETimestampOutOfBounds},
		{"OK legacy 6h window inside", legacy, time.Date(2026, 4, 1, 4, 59, 59, 0, time.UTC), ""},
		{"ErrLegacy 6h window", legacy, time.Date(2026, 4, 1, 5, 0, 0, 0, time.UTC), meterd.ETimestampOutOfBounds},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			e := meterNewEnvConfig(t, tt.cfg)
			e.now = tt.now
			// cust-leaving's license has no activation period, so only the
			// window decides.
			rec := meterByID(tt.now, "cust-leaving", "users", 1)
			rec.Timestamp = march31
			in := &meterd.BatchMeterUsageRequest{ProductCode: "demo-saas", UsageRecords: []meterd.UsageRecord{rec}}
			res, err := e.svc.BatchMeterUsage(t.Context(), e.caller(t, "AKIDSELLER", "us-east-1"), in)
			if tt.wantCode != "" {
				meterWantError(t, err, tt.wantCode, "")
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			meterCheckStatuses(t, res, []string{meterd.StatusSuccess})
		})
	}
}

// BenchmarkBatchMeterUsage meters full batches of 25 customers; the clock
// moves an hour per call so that every record is new.
func BenchmarkBatchMeterUsage(b *testing.B) {
	e := meterNewEnv(b)
	const batchSize = 25
	extra := &meterd.Catalog{}
	for i := range batchSize {
		id := fmt.Sprintf("bench-%02d", i)
		extra.Customers = append(extra.Customers, &meterd.Customer{Identifier: id, AWSAccountID: fmt.Sprintf("9000000000%02d", i)})
		extra.Subscriptions = append(extra.Subscriptions, &meterd.Subscription{
			LicenseArn: meterLicense(id), ProductCode: "demo-saas", CustomerIdentifier: id, Status: meterd.SubscriptionActive})
	}
	if err := e.store.ApplyCatalog(b.Context(), extra); err != nil {
		b.Fatal(err)
	}
	caller := e.caller(b, "AKIDSELLER", "us-east-1")
	records := make([]meterd.UsageRecord, batchSize)
	b.ReportAllocs()
	for b.Loop() {
		e.now = e.now.Add(time.Hour)
		for i := range records {
			records[i] = meterByID(e.now, extra.Customers[i].Identifier, "users", int32(i))
		}
		res, err := e.svc.BatchMeterUsage(b.Context(), caller, &meterd.BatchMeterUsageRequest{ProductCode: "demo-saas", UsageRecords: records})
		if err != nil {
			b.Fatal(err)
		}
		if res.Results[batchSize-1].Status != meterd.StatusSuccess {
			b.Fatalf("status %s", res.Results[batchSize-1].Status)
		}
	}
	b.ReportMetric(float64(b.N*batchSize)/b.Elapsed().Seconds(), "records/s")
}
