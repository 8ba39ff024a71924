package metering_test

import (
	"log/slog"
	"testing"
	"time"

	"github.com/google/uuid"
	"github.com/meterd/meterd"
	"github.com/meterd/meterd/metering"
	"github.com/meterd/meterd/store/sqlite"
	"github.com/meterd/meterd/store/sqlite/sqlitetest"
)

// Helpers shared by the MeterUsage and BatchMeterUsage tests carry a
// "meter" prefix to keep clear of other test files of the package.

// meterEpoch is the fixed "now" of every metering test.
var meterEpoch = time.Date(2026, 5, 14, 12, 30, 0, 0, time.UTC)

// Accounts of the metering catalog.
const (
	meterSeller       = "111111111111" // sells demo-ami, demo-container, demo-saas, demo-saas-2, demo-saas-ca
	meterBuyer        = "222222222222" // active everywhere it is subscribed
	meterBuyerPending = "333333333333" // subscriptions pending
	meterBuyerExpired = "444444444444" // AMI license ended, SaaS unsubscribed
	meterBuyerLeaving = "555555555555" // unsubscribe-pending: still metered
	meterBuyerNoSub   = "666666666666" // a customer without subscriptions
	meterStranger     = "777777777777" // not a customer
	meterOtherSeller  = "888888888888" // sells other-saas
)

// meterLicense is the ARN of a test license.
func meterLicense(name string) string {
	return "arn:aws:license-manager::" + meterSeller + ":license/lic-" + name
}

// meterCatalog is the catalog every metering test starts from; now is the
// test clock's time, which license periods are relative to.
func meterCatalog(now time.Time) *meterd.Catalog {
	accounts := []string{meterSeller, meterBuyer, meterBuyerPending, meterBuyerExpired,
		meterBuyerLeaving, meterBuyerNoSub, meterStranger, meterOtherSeller}
	c := &meterd.Catalog{}
	for _, id := range accounts {
		c.Accounts = append(c.Accounts, &meterd.Account{ID: id, Name: "account " + id})
	}
	c.AccessKeys = meterAccessKeys()
	c.Products = []*meterd.Product{
		{Code: "demo-ami", SellerAccountID: meterSeller, Type: meterd.ProductAMI,
			Dimensions: []meterd.Dimension{{Name: "cpu-hours"}, {Name: "gpu-hours"}}},
		{Code: "demo-container", SellerAccountID: meterSeller, Type: meterd.ProductContainer,
			Dimensions: []meterd.Dimension{{Name: "pods"}}},
		{Code: "demo-saas", SellerAccountID: meterSeller, Type: meterd.ProductSaaS,
			Dimensions: []meterd.Dimension{{Name: "users"}, {Name: "storage"}}},
		{Code: "demo-saas-2", SellerAccountID: meterSeller, Type: meterd.ProductSaaS,
			Dimensions: []meterd.Dimension{{Name: "users"}}},
		{Code: "demo-saas-ca", SellerAccountID: meterSeller, Type: meterd.ProductSaaS,
			Dimensions: []meterd.Dimension{{Name: "users"}}, Integration: meterd.IntegrationConcurrentAgreements},
		{Code: "other-saas", SellerAccountID: meterOtherSeller, Type: meterd.ProductSaaS,
			Dimensions: []meterd.Dimension{{Name: "users"}}},
	}
	c.Customers = []*meterd.Customer{
		{Identifier: "cust-buyer", AWSAccountID: meterBuyer},
		{Identifier: "cust-pending", AWSAccountID: meterBuyerPending},
		{Identifier: "cust-expired", AWSAccountID: meterBuyerExpired},
		{Identifier: "cust-leaving", AWSAccountID: meterBuyerLeaving},
		{Identifier: "cust-nosub", AWSAccountID: meterBuyerNoSub},
		{Identifier: "cust-ended", AWSAccountID: "210000000001"},
	}
	c.Subscriptions = meterSubscriptions(now)
	return c
}

func meterAccessKeys() []*meterd.AccessKey {
	key := func(id, account, home string) *meterd.AccessKey {
		return &meterd.AccessKey{ID: id, Secret: "secret-" + id, AccountID: account, HomeRegion: home}
	}
	return []*meterd.AccessKey{
		key("AKIDBUYERHOME1", meterBuyer, "us-east-1"),
		key("AKIDBUYERHOME2", meterBuyer, "us-east-1"),
		key("AKIDBUYERANY", meterBuyer, ""),
		key("AKIDPENDING", meterBuyerPending, ""),
		key("AKIDEXPIRED", meterBuyerExpired, ""),
		key("AKIDLEAVING", meterBuyerLeaving, ""),
		{ID: "AKIDLEAVINGEKS", Secret: "secret-eks", AccountID: meterBuyerLeaving, Platform: "eks"},
		key("AKIDNOSUB", meterBuyerNoSub, ""),
		key("AKIDSTRANGER", meterStranger, ""),
		key("AKIDSELLER", meterSeller, ""),
		key("AKIDOTHERSELLER", meterOtherSeller, ""),
	}
}

func meterSubscriptions(now time.Time) []*meterd.Subscription {
	sub := func(license, product, customer string, status meterd.SubscriptionStatus) *meterd.Subscription {
		return &meterd.Subscription{LicenseArn: meterLicense(license), ProductCode: product,
			CustomerIdentifier: customer, Status: status}
	}
	amiExpired := sub("ami-expired", "demo-ami", "cust-expired", meterd.SubscriptionActive)
	amiExpired.LicenseEnd = now.Add(-time.Hour)
	containerFuture := sub("ctr-buyer", "demo-container", "cust-buyer", meterd.SubscriptionActive)
	containerFuture.LicenseStart = now.Add(time.Hour)
	saasBuyer := sub("saas-buyer", "demo-saas", "cust-buyer", meterd.SubscriptionActive)
	saasBuyer.LicenseStart, saasBuyer.LicenseEnd = now.Add(-30*24*time.Hour), now.Add(30*24*time.Hour)
	saasLate := sub("saas-buyer-late", "demo-saas", "cust-buyer", meterd.SubscriptionActive)
	saasLate.LicenseStart = now.Add(-time.Hour)
	saasEnded := sub("saas-ended", "demo-saas", "cust-ended", meterd.SubscriptionActive)
	saasEnded.LicenseEnd = now.Add(-2 * time.Hour)
	return []*meterd.Subscription{
		sub("ami-buyer", "demo-ami", "cust-buyer", meterd.SubscriptionActive),
		sub("ami-pending", "demo-ami", "cust-pending", meterd.SubscriptionPending),
		amiExpired,
		sub("ami-leaving", "demo-ami", "cust-leaving", meterd.SubscriptionUnsubscribePending),
		containerFuture,
		sub("ctr-leaving", "demo-container", "cust-leaving", meterd.SubscriptionActive),
		saasBuyer,
		saasLate,
		saasEnded,
		sub("saas-pending", "demo-saas", "cust-pending", meterd.SubscriptionPending),
		sub("saas-gone", "demo-saas", "cust-expired", meterd.SubscriptionUnsubscribed),
		sub("saas-leaving", "demo-saas", "cust-leaving", meterd.SubscriptionUnsubscribePending),
		sub("saas2-buyer", "demo-saas-2", "cust-buyer", meterd.SubscriptionActive),
		// Concurrent Agreements: two agreements of one customer at once.
		sub("saas-ca-buyer", "demo-saas-ca", "cust-buyer", meterd.SubscriptionActive),
		sub("saas-ca-buyer-2", "demo-saas-ca", "cust-buyer", meterd.SubscriptionActive),
		sub("other-buyer", "other-saas", "cust-buyer", meterd.SubscriptionActive),
	}
}

// meterEnv is a Service on a fresh SQLite store holding meterCatalog, with
// a settable clock (tests drive it from one goroutine).
type meterEnv struct {
	svc   *metering.Service
	store *sqlite.DB
	now   time.Time
	keys  map[string]*meterd.AccessKey
}

func meterNewEnv(tb testing.TB) *meterEnv {
	return meterNewEnvConfig(tb, metering.DefaultConfig())
}

func meterNewEnvConfig(tb testing.TB, cfg metering.Config) *meterEnv {
	tb.Helper()
	logger := slog.New(slog.DiscardHandler)
	catalog := meterCatalog(meterEpoch)
	db := sqlitetest.Open(tb, catalog)
	e := &meterEnv{store: db, now: meterEpoch, keys: make(map[string]*meterd.AccessKey)}
	for _, k := range catalog.AccessKeys {
		e.keys[k.ID] = k
	}
	e.svc = metering.New(db, meterd.ClockFunc(func() time.Time { return e.now }), cfg, logger)
	return e
}

// caller is the identity SigV4 would establish for keyID in region.
func (e *meterEnv) caller(tb testing.TB, keyID, region string) meterd.Caller {
	tb.Helper()
	k, ok := e.keys[keyID]
	if !ok {
		tb.Fatalf("no access key %s in the catalog", keyID)
	}
	return meterd.Caller{AccessKeyID: k.ID, AccountID: k.AccountID, Region: region, Key: *k}
}

// usage returns every stored record, in ledger order.
func (e *meterEnv) usage(tb testing.TB) []*meterd.MeteringRecord {
	tb.Helper()
	recs, err := e.store.FindUsage(tb.Context(), meterd.UsageFilter{})
	if err != nil {
		tb.Fatalf("find usage: %v", err)
	}
	return recs
}

// meterWantError fails unless err has code and, when msg is not "", msg.
func meterWantError(tb testing.TB, err error, code, msg string) {
	tb.Helper()
	if got := meterd.ErrorCode(err); got != code {
		tb.Fatalf("code = %q, want %q (err: %v)", got, code, err)
	}
	if got := meterd.ErrorMessage(err); msg != "" && got != msg {
		tb.Fatalf("message = %q\nwant      %q", got, msg)
	}
}

// meterRequest is a valid MeterUsage request of the buyer at now.
func meterRequest(now time.Time) *meterd.MeterUsageRequest {
	return &meterd.MeterUsageRequest{
		ProductCode:    "demo-ami",
		Timestamp:      now.Add(-10 * time.Minute),
		UsageDimension: "cpu-hours",
		UsageQuantity:  3,
	}
}

func meterTags(kv ...string) []meterd.Tag {
	var out []meterd.Tag
	for i := 0; i+1 < len(kv); i += 2 {
		out = append(out, meterd.Tag{Key: kv[i], Value: kv[i+1]})
	}
	return out
}

func meterAlloc(q int32, kv ...string) meterd.UsageAllocation {
	return meterd.UsageAllocation{AllocatedUsageQuantity: q, Tags: meterTags(kv...)}
}

func TestMeterUsageRules(t *testing.T) {
	tests := []struct {
		name     string
		key      string // access key of the caller; AKIDBUYERHOME1 when ""
		region   string // us-east-1 when ""
		edit     func(*meterd.MeterUsageRequest)
		wantCode string // "" means success
		wantMsg  string
	}{
		{name: "OK buyer"},
		{name: "OK unsubscribe-pending is still metered", key: "AKIDLEAVING"},
		{name: "OK container product", key: "AKIDLEAVING", edit: func(r *meterd.MeterUsageRequest) {
			r.ProductCode, r.UsageDimension = "demo-container", "pods"
		}},
		{name: "OK seller tests its own product without subscription", key: "AKIDSELLER"},
		{name: "OK timestamp exactly 6h old", edit: func(r *meterd.MeterUsageRequest) {
			r.Timestamp = meterEpoch.Add(-6 * time.Hour)
		}},
		{name: "OK timestamp exactly 5m ahead", edit: func(r *meterd.MeterUsageRequest) {
			r.Timestamp = meterEpoch.Add(5 * time.Minute)
		}},
		{name: "OK allocations", edit: func(r *meterd.MeterUsageRequest) {
			r.UsageAllocations = []meterd.UsageAllocation{meterAlloc(1, "team", "a"), meterAlloc(2)}
		}},
		{name: "OK zero quantity", edit: func(r *meterd.MeterUsageRequest) { r.UsageQuantity = 0 }},

		{name: "OK AMI product in GovCloud", key: "AKIDLEAVING", region: "us-gov-west-1"},
		{name: "OK container product from ECS in eu-south-1", key: "AKIDLEAVING", region: "eu-south-1", edit: func(r *meterd.MeterUsageRequest) {
			r.ProductCode, r.UsageDimension = "demo-container", "pods"
		}},
		{name: "ErrDisabledApi", region: "xx-nowhere-1", wantCode: meterd.EDisabledAPI,
			wantMsg: "MeterUsage is not available in region xx-nowhere-1."},
		{name: "ErrDisabledApi container product in GovCloud", key: "AKIDLEAVING", region: "us-gov-west-1",
			edit:     func(r *meterd.MeterUsageRequest) { r.ProductCode, r.UsageDimension = "demo-container", "pods" },
			wantCode: meterd.EDisabledAPI, wantMsg: "MeterUsage for container products is not available in region us-gov-west-1."},
		{name: "ErrDisabledApi EKS pod outside the EKS regions", key: "AKIDLEAVINGEKS", region: "eu-south-1",
			edit:     func(r *meterd.MeterUsageRequest) { r.ProductCode, r.UsageDimension = "demo-container", "pods" },
			wantCode: meterd.EDisabledAPI, wantMsg: "MeterUsage for EKS pods is not available in region eu-south-1."},
		{name: "ErrDisabledApi before product", region: "xx-nowhere-1",
			edit:     func(r *meterd.MeterUsageRequest) { r.ProductCode = "nope" },
			wantCode: meterd.EDisabledAPI},
		{name: "ErrInvalidProductCode unknown", edit: func(r *meterd.MeterUsageRequest) { r.ProductCode = "nope" },
			wantCode: meterd.EInvalidProductCode,
			wantMsg:  "Product code 'nope' does not identify an AMI or container product."},
		{name: "ErrInvalidProductCode SaaS", edit: func(r *meterd.MeterUsageRequest) { r.ProductCode = "demo-saas" },
			wantCode: meterd.EInvalidProductCode,
			wantMsg:  "Product code 'demo-saas' does not identify an AMI or container product."},
		{name: "ErrInvalidEndpointRegion", region: "eu-west-1", wantCode: meterd.EInvalidEndpointRegion,
			wantMsg: "The endpoint region eu-west-1 does not match the region us-east-1 where the resource runs."},
		{name: "ErrInvalidProductCode before endpoint region", region: "eu-west-1",
			edit:     func(r *meterd.MeterUsageRequest) { r.ProductCode = "nope" },
			wantCode: meterd.EInvalidProductCode},
		{name: "ErrInvalidUsageDimension", edit: func(r *meterd.MeterUsageRequest) { r.UsageDimension = "foo" },
			wantCode: meterd.EInvalidUsageDimension,
			wantMsg:  "Dimension 'foo' is not a valid dimension for product 'demo-ami'."},
		{name: "ErrInvalidUsageDimension case-sensitive", edit: func(r *meterd.MeterUsageRequest) { r.UsageDimension = "CPU-hours" },
			wantCode: meterd.EInvalidUsageDimension,
			wantMsg:  "Dimension 'CPU-hours' is not a valid dimension for product 'demo-ami'."},
		{name: "ErrTimestampOutOfBounds old", edit: func(r *meterd.MeterUsageRequest) {
			r.Timestamp = meterEpoch.Add(-6*time.Hour - time.Second)
		}, wantCode: meterd.ETimestampOutOfBounds,
			wantMsg: "Timestamp 2026-05-14T06:29:59Z is out of bounds: usage must be reported within 6 hours of the event."},
		{name: "ErrTimestampOutOfBounds future", edit: func(r *meterd.MeterUsageRequest) {
			r.Timestamp = meterEpoch.Add(5*time.Minute + time.Second)
		}, wantCode: meterd.ETimestampOutOfBounds,
			wantMsg: "Timestamp 2026-05-14T12:35:01Z is out of bounds: it is in the future."},
		{name: "ErrInvalidUsageDimension before timestamp", edit: func(r *meterd.MeterUsageRequest) {
			r.UsageDimension, r.Timestamp = "foo", meterEpoch.Add(-24*time.Hour)
		}, wantCode: meterd.EInvalidUsageDimension},
		{name: "ErrInvalidTag more than 5 keys", edit: func(r *meterd.MeterUsageRequest) {
			r.UsageAllocations = []meterd.UsageAllocation{
				meterAlloc(1, "k1", "v", "k2", "v", "k3", "v"), meterAlloc(2, "k4", "v", "k5", "v", "k6", "v")}
		}, wantCode: meterd.EInvalidTag,
			wantMsg: "A usage record can have at most 5 distinct tag keys across its usage allocations, but it has 6."},
		{name: "ErrInvalidTag repeated key", edit: func(r *meterd.MeterUsageRequest) {
			r.UsageAllocations = []meterd.UsageAllocation{meterAlloc(3, "team", "a", "team", "b")}
		}, wantCode: meterd.EInvalidTag, wantMsg: "Tag key 'team' is repeated within a usage allocation."},
		{name: "ErrInvalidUsageAllocations same tag set", edit: func(r *meterd.MeterUsageRequest) {
			r.UsageAllocations = []meterd.UsageAllocation{meterAlloc(1, "a", "1", "b", "2"), meterAlloc(2, "b", "2", "a", "1")}
		}, wantCode: meterd.EInvalidUsageAllocations,
			wantMsg: "Two usage allocations have the same tags; merge them into one allocation."},
		{name: "ErrInvalidUsageAllocations two untagged", edit: func(r *meterd.MeterUsageRequest) {
			r.UsageAllocations = []meterd.UsageAllocation{meterAlloc(1), meterAlloc(2)}
		}, wantCode: meterd.EInvalidUsageAllocations,
			wantMsg: "Only one usage allocation can be untagged; merge the untagged allocations."},
		{name: "ErrInvalidUsageAllocations sum", edit: func(r *meterd.MeterUsageRequest) {
			r.UsageAllocations = []meterd.UsageAllocation{meterAlloc(1, "team", "a"), meterAlloc(1)}
		}, wantCode: meterd.EInvalidUsageAllocations,
			wantMsg: "The sum of AllocatedUsageQuantity (2) does not equal the usage quantity (3)."},
		{name: "ErrCustomerNotEntitled not a customer", key: "AKIDSTRANGER", wantCode: meterd.ECustomerNotEntitled,
			wantMsg: "The customer is not entitled to product 'demo-ami'."},
		{name: "ErrCustomerNotEntitled no subscription", key: "AKIDNOSUB", wantCode: meterd.ECustomerNotEntitled},
		{name: "ErrCustomerNotEntitled pending", key: "AKIDPENDING", wantCode: meterd.ECustomerNotEntitled},
		{name: "ErrCustomerNotEntitled license ended", key: "AKIDEXPIRED", wantCode: meterd.ECustomerNotEntitled},
		{name: "OK usage from before the license ended, sent after", key: "AKIDEXPIRED", edit: func(r *meterd.MeterUsageRequest) {
			r.Timestamp = meterEpoch.Add(-2 * time.Hour)
		}},
		{name: "ErrCustomerNotEntitled license not started", edit: func(r *meterd.MeterUsageRequest) {
			r.ProductCode, r.UsageDimension = "demo-container", "pods"
		}, wantCode: meterd.ECustomerNotEntitled},
		{name: "ErrCustomerNotEntitled other seller is a stranger", key: "AKIDOTHERSELLER", wantCode: meterd.ECustomerNotEntitled},
		{name: "ErrInvalidUsageAllocations before entitlement", key: "AKIDSTRANGER", edit: func(r *meterd.MeterUsageRequest) {
			r.UsageAllocations = []meterd.UsageAllocation{meterAlloc(1)}
		}, wantCode: meterd.EInvalidUsageAllocations},
		{name: "ErrCustomerNotEntitled before DryRun", key: "AKIDSTRANGER",
			edit: func(r *meterd.MeterUsageRequest) { r.DryRun = true }, wantCode: meterd.ECustomerNotEntitled},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			e := meterNewEnv(t)
			key, region := meterOr(tt.key, "AKIDBUYERHOME1"), meterOr(tt.region, "us-east-1")
			req := meterRequest(e.now)
			if tt.edit != nil {
				tt.edit(req)
			}
			res, err := e.svc.MeterUsage(t.Context(), e.caller(t, key, region), req)
			if tt.wantCode != "" {
				meterWantError(t, err, tt.wantCode, tt.wantMsg)
				if res != nil {
					t.Errorf("result %+v with an error", res)
				}
				if n := len(e.usage(t)); n != 0 {
					t.Errorf("%d records stored by a failed call", n)
				}
				return
			}
			if err != nil {
				t.Fatalf("MeterUsage: %v", err)
			}
			if _, err := uuid.Parse(res.MeteringRecordId); err != nil {
				t.Errorf("MeteringRecordId %q is not a UUID", res.MeteringRecordId)
			}
			if recs := e.usage(t); len(recs) != 1 || recs[0].ID != res.MeteringRecordId {
				t.Errorf("stored %d records, want the one returned", len(recs))
			}
		})
	}
}

func meterOr(s, fallback string) string {
	if s == "" {
		return fallback
	}
	return s
}

func TestMeterUsageStoresRecord(t *testing.T) {
	e := meterNewEnv(t)
	req := meterRequest(e.now)
	req.ClientToken = "token-1"
	req.UsageAllocations = []meterd.UsageAllocation{meterAlloc(3, "team", "a")}
	res, err := e.svc.MeterUsage(t.Context(), e.caller(t, "AKIDBUYERHOME1", "us-east-1"), req)
	if err != nil {
		t.Fatal(err)
	}
	recs := e.usage(t)
	if len(recs) != 1 {
		t.Fatalf("stored %d records, want 1", len(recs))
	}
	got := recs[0]
	want := meterd.MeteringRecord{
		ID: res.MeteringRecordId, Region: "us-east-1", Operation: "MeterUsage", ProductCode: "demo-ami",
		CallerAccountID: meterBuyer, ResourceID: "AKIDBUYERHOME1", Dimension: "cpu-hours",
		Quantity: 3, ClientToken: "token-1", Test: false,
	}
	if got.ID != want.ID || got.Region != want.Region || got.Operation != want.Operation ||
		got.ProductCode != want.ProductCode || got.CallerAccountID != want.CallerAccountID ||
		got.ResourceID != want.ResourceID || got.Dimension != want.Dimension || got.Quantity != want.Quantity ||
		got.ClientToken != want.ClientToken || got.Test != want.Test {
		t.Errorf("stored %+v\nwant fields of %+v", got, want)
	}
	if !got.Timestamp.Equal(req.Timestamp) || !got.Hour.Equal(time.Date(2026, 5, 14, 12, 0, 0, 0, time.UTC)) {
		t.Errorf("timestamp %v hour %v, want %v and 12:00", got.Timestamp, got.Hour, req.Timestamp)
	}
	if !got.ReceivedAt.Equal(meterEpoch) || got.DedupeKey == "" || got.RequestHash == "" {
		t.Errorf("received %v key %q hash %q", got.ReceivedAt, got.DedupeKey, got.RequestHash)
	}
	if len(got.Allocations) != 1 || got.Allocations[0].Tags[0].Value != "a" {
		t.Errorf("allocations %+v", got.Allocations)
	}
}

func TestMeterUsageTestFlag(t *testing.T) {
	tests := []struct {
		name     string
		key      string
		wantTest bool
	}{
		{"OK seller call is a test", "AKIDSELLER", true},
		{"OK buyer call is billed", "AKIDBUYERANY", false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			e := meterNewEnv(t)
			if _, err := e.svc.MeterUsage(t.Context(), e.caller(t, tt.key, "us-east-1"), meterRequest(e.now)); err != nil {
				t.Fatal(err)
			}
			recs := e.usage(t)
			if len(recs) != 1 || recs[0].Test != tt.wantTest {
				t.Fatalf("records %+v, want one with Test=%v", recs, tt.wantTest)
			}
		})
	}
}

// meterCall is one MeterUsage call of a sequence.
type meterCall struct {
	key, region string // defaults AKIDBUYERANY, us-east-1
	edit        func(*meterd.MeterUsageRequest)
	wantCode    string // "" means success
	sameAs      int    // success: index of the earlier call with the same id, or -1 for a new id
}

func TestMeterUsageIdempotency(t *testing.T) {
	other := func(f func(*meterd.MeterUsageRequest)) func(*meterd.MeterUsageRequest) { return f }
	token := func(tok string, more ...func(*meterd.MeterUsageRequest)) func(*meterd.MeterUsageRequest) {
		return func(r *meterd.MeterUsageRequest) {
			r.ClientToken = tok
			for _, f := range more {
				f(r)
			}
		}
	}
	quantity9 := func(r *meterd.MeterUsageRequest) { r.UsageQuantity = 9 }
	hourEarlier := func(r *meterd.MeterUsageRequest) { r.Timestamp = r.Timestamp.Add(-time.Hour) }
	tests := []struct {
		name        string
		calls       []meterCall
		wantRecords int
	}{
		{"same request twice is one record", []meterCall{{sameAs: -1}, {sameAs: 0}}, 1},
		{"same hour other minute is the same record", []meterCall{{sameAs: -1},
			{edit: other(func(r *meterd.MeterUsageRequest) { r.Timestamp = r.Timestamp.Add(5 * time.Minute) }), sameAs: 0}}, 1},
		{"same hour other quantity is DuplicateRequest", []meterCall{{sameAs: -1},
			{edit: quantity9, wantCode: meterd.EDuplicateRequest}}, 1},
		{"same hour other allocations is DuplicateRequest", []meterCall{
			{edit: other(func(r *meterd.MeterUsageRequest) { r.UsageAllocations = []meterd.UsageAllocation{meterAlloc(3)} }), sameAs: -1},
			{edit: other(func(r *meterd.MeterUsageRequest) {
				r.UsageAllocations = []meterd.UsageAllocation{meterAlloc(1, "t", "x"), meterAlloc(2)}
			}), wantCode: meterd.EDuplicateRequest}}, 1},
		{"reordered allocations are the same request", []meterCall{
			{edit: other(func(r *meterd.MeterUsageRequest) {
				r.UsageAllocations = []meterd.UsageAllocation{meterAlloc(1, "a", "1", "b", "2"), meterAlloc(2)}
			}), sameAs: -1},
			{edit: other(func(r *meterd.MeterUsageRequest) {
				r.UsageAllocations = []meterd.UsageAllocation{meterAlloc(2), meterAlloc(1, "b", "2", "a", "1")}
			}), sameAs: 0}}, 1},
		{"previous hour is a new record", []meterCall{{sameAs: -1}, {edit: hourEarlier, sameAs: -1}}, 2},
		{"other dimension is a new record", []meterCall{{sameAs: -1},
			{edit: other(func(r *meterd.MeterUsageRequest) { r.UsageDimension = "gpu-hours" }), sameAs: -1}}, 2},
		{"other resource of the account is a new record", []meterCall{{key: "AKIDBUYERHOME1", sameAs: -1},
			{key: "AKIDBUYERHOME2", edit: quantity9, sameAs: -1}}, 2},
		{"token reuse with same parameters is a retry", []meterCall{{edit: token("t1"), sameAs: -1},
			{edit: token("t1"), sameAs: 0}}, 1},
		{"token reuse with other parameters is IdempotencyConflict", []meterCall{{edit: token("t1"), sameAs: -1},
			{edit: token("t1", quantity9, hourEarlier), wantCode: meterd.EIdempotencyConflict}}, 1},
		{"token reuse in the same hour with other quantity is IdempotencyConflict", []meterCall{{edit: token("t1"), sameAs: -1},
			{edit: token("t1", quantity9), wantCode: meterd.EIdempotencyConflict}}, 1},
		{"token reuse from another resource with same parameters is a retry", []meterCall{
			{key: "AKIDBUYERHOME1", edit: token("t1"), sameAs: -1}, {key: "AKIDBUYERHOME2", edit: token("t1"), sameAs: 0}}, 1},
		{"new token for the same usage is the same record", []meterCall{{edit: token("t1"), sameAs: -1},
			{edit: token("t2"), sameAs: 0}}, 1},
		{"a token answered by the hourly dedupe is remembered", []meterCall{{edit: token("t1"), sameAs: -1},
			{edit: token("t2"), sameAs: 0},
			{edit: token("t2", quantity9, hourEarlier), wantCode: meterd.EIdempotencyConflict},
			{edit: token("t2"), sameAs: 0}}, 1},
		{"new token for other quantity is DuplicateRequest", []meterCall{{edit: token("t1"), sameAs: -1},
			{edit: token("t2", quantity9), wantCode: meterd.EDuplicateRequest}}, 1},
		{"regions dedupe apart", []meterCall{{region: "us-east-1", sameAs: -1},
			{region: "eu-west-1", edit: quantity9, sameAs: -1}}, 2},
		{"tokens are per region", []meterCall{{region: "us-east-1", edit: token("t1"), sameAs: -1},
			{region: "eu-west-1", edit: token("t1", quantity9), sameAs: -1}}, 2},
		{"seller test and buyer usage dedupe apart", []meterCall{{key: "AKIDSELLER", sameAs: -1},
			{key: "AKIDBUYERANY", edit: quantity9, sameAs: -1}}, 2},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			e := meterNewEnv(t)
			ids := make([]string, len(tt.calls))
			for i, c := range tt.calls {
				ids[i] = meterRunCall(t, e, i, c, ids[:i])
			}
			if n := len(e.usage(t)); n != tt.wantRecords {
				t.Errorf("stored %d records, want %d", n, tt.wantRecords)
			}
		})
	}
}

// meterRunCall makes call i and checks its answer against the earlier ids.
func meterRunCall(t *testing.T, e *meterEnv, i int, c meterCall, earlier []string) string {
	t.Helper()
	req := meterRequest(e.now)
	if c.edit != nil {
		c.edit(req)
	}
	caller := e.caller(t, meterOr(c.key, "AKIDBUYERANY"), meterOr(c.region, "us-east-1"))
	res, err := e.svc.MeterUsage(t.Context(), caller, req)
	if c.wantCode != "" {
		meterWantError(t, err, c.wantCode, "")
		return ""
	}
	if err != nil {
		t.Fatalf("call %d: %v", i, err)
	}
	id := res.MeteringRecordId
	if c.sameAs >= 0 {
		if id != earlier[c.sameAs] {
			t.Fatalf("call %d: id %s, want the id %s of call %d", i, id, earlier[c.sameAs], c.sameAs)
		}
		return id
	}
	for j, prev := range earlier {
		if id == prev {
			t.Fatalf("call %d: id %s reuses the id of call %d", i, id, j)
		}
	}
	return id
}

func TestMeterUsageConflictMessages(t *testing.T) {
	e := meterNewEnv(t)
	caller := e.caller(t, "AKIDBUYERANY", "us-east-1")
	first := meterRequest(e.now)
	first.ClientToken = "tok"
	if _, err := e.svc.MeterUsage(t.Context(), caller, first); err != nil {
		t.Fatal(err)
	}
	again := *first
	again.UsageQuantity = 4
	_, err := e.svc.MeterUsage(t.Context(), caller, &again)
	meterWantError(t, err, meterd.EIdempotencyConflict, "Client token 'tok' was already used with different parameters.")
	again.ClientToken = ""
	_, err = e.svc.MeterUsage(t.Context(), caller, &again)
	meterWantError(t, err, meterd.EDuplicateRequest,
		"Usage of dimension 'cpu-hours' for hour 2026-05-14T12:00:00Z was already reported by this resource with a different quantity or allocation.")
}
