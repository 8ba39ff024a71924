package bench

import (
	"encoding/json"
	"math/rand/v2"
	"strconv"
	"time"

	"github.com/fxamacker/cbor/v2"
)

// The wire addresses of the operations.
const (
	meteringTarget    = "AWSMPMeteringService."
	entitlementTarget = "AWSMPEntitlementService."
	cborEntitlements  = "/service/AWSMPEntitlementService/operation/GetEntitlements"
	jsonContentType   = "application/x-amz-json-1.1"
	cborContentType   = "application/cbor"
	batchSize         = 25
)

// call is one request to send: where, what, signed with which key.
type call struct {
	target  string // X-Amz-Target of an AWS JSON 1.1 call; "" for CBOR
	path    string // "/" for JSON; the operation path for CBOR
	body    []byte
	key     Key
	records int // usage records in the body
}

// Scenario is a kind of load: one operation, one protocol, and how records
// are chosen.
type Scenario struct {
	Name        string
	Description string
	// slotSpace is how many distinct records the scenario walks (0: it
	// sends none).
	slotSpace func(g *generator) uint64
	build     func(g *generator, rng *rand.Rand, n uint64) call
	// resends: the scenario walks its slots again and again on purpose.
	resends bool
}

// Scenarios lists the scenarios `meterd bench --scenario` accepts.
func Scenarios() []Scenario {
	return []Scenario{
		{"meter-usage", "MeterUsage (AWS JSON), a new record per request: random buyer key, AMI or container product, dimension and hour",
			meterUsageSpace, buildMeterUsage, false},
		{"batch25", "BatchMeterUsage (AWS JSON) of 25 new records: random customers, dimensions and hours of the SaaS product",
			batchSpace, buildBatch, false},
		{"idempotent", "MeterUsage resends: the same record per buyer key, again and again (answered with its first id)",
			idempotentSpace, buildIdempotent, true},
		{"entitlements-json", "GetEntitlements (AWS JSON) of the SaaS product filtered by a random customer",
			noSlots, buildEntitlementsJSON, false},
		{"entitlements-cbor", "GetEntitlements (RPC v2 CBOR) of the SaaS product filtered by a random customer",
			noSlots, buildEntitlementsCBOR, false},
		{"resolve-customer", "ResolveCustomer of a random registration token of the SaaS product (minted before the run)",
			noSlots, buildResolveCustomer, false},
	}
}

// ScenarioNames lists the names of Scenarios.
func ScenarioNames() []string {
	var names []string
	for _, s := range Scenarios() {
		names = append(names, s.Name)
	}
	return names
}

func findScenario(name string) (Scenario, bool) {
	for _, s := range Scenarios() {
		if s.Name == name {
			return s, true
		}
	}
	return Scenario{}, false
}

func noSlots(*generator) uint64 { return 0 }

// meteredProducts are the products MeterUsage scenarios use.
var meteredProducts = []string{ProductAMI, ProductContainer}

func meterUsageSpace(g *generator) uint64 {
	return uint64(len(g.fixture.Buyers)*len(meteredProducts)*len(g.fixture.Dimensions)) * g.meterHours.count
}

func batchSpace(g *generator) uint64 {
	return uint64(len(g.fixture.Buyers)*len(g.fixture.Dimensions)) * g.batchHours.count
}

func idempotentSpace(g *generator) uint64 { return uint64(len(g.fixture.Buyers)) }

func buildMeterUsage(g *generator, _ *rand.Rand, n uint64) call {
	slot := g.slots.at(n)
	f := g.fixture
	rest := slot
	buyer := f.Buyers[rest%uint64(len(f.Buyers))]
	rest /= uint64(len(f.Buyers))
	product := meteredProducts[rest%uint64(len(meteredProducts))]
	rest /= uint64(len(meteredProducts))
	dim := f.Dimensions[rest%uint64(len(f.Dimensions))]
	hour := rest / uint64(len(f.Dimensions))
	ts := g.meterHours.timestamp(hour, slot, time.Now())
	return meterUsageCall(buyer.Key, product, dim, ts, quantityOf(slot))
}

// buildIdempotent sends buyer i's record for the first dimension of the
// AMI product in the current hour, always with the same quantity, so that
// each is answered with the id of its first send.
func buildIdempotent(g *generator, _ *rand.Rand, n uint64) call {
	slot := g.slots.at(n)
	buyer := g.fixture.Buyers[slot]
	return meterUsageCall(buyer.Key, ProductAMI, g.fixture.Dimensions[0], g.meterHours.base, quantityOf(slot))
}

// quantityOf is a slot's quantity: fixed, so that a wrapped walk resends
// the same record rather than a conflicting one.
func quantityOf(slot uint64) int { return int(slot%10) + 1 }

func meterUsageCall(key Key, product, dim string, ts time.Time, quantity int) call {
	b := make([]byte, 0, 128)
	b = append(b, `{"ProductCode":"`...)
	b = append(b, product...)
	b = append(b, `","Timestamp":`...)
	b = strconv.AppendInt(b, ts.Unix(), 10)
	b = append(b, `,"UsageDimension":"`...)
	b = append(b, dim...)
	b = append(b, `","UsageQuantity":`...)
	b = strconv.AppendInt(b, int64(quantity), 10)
	b = append(b, '}')
	return call{target: meteringTarget + "MeterUsage", path: "/", body: b, key: key, records: 1}
}

func buildBatch(g *generator, _ *rand.Rand, n uint64) call {
	f := g.fixture
	now := time.Now()
	b := make([]byte, 0, 160*batchSize)
	b = append(b, `{"ProductCode":"`+ProductSaaS+`","UsageRecords":[`...)
	for i := range uint64(batchSize) {
		slot := g.slots.at(n*batchSize + i)
		rest := slot
		buyer := f.Buyers[rest%uint64(len(f.Buyers))]
		rest /= uint64(len(f.Buyers))
		dim := f.Dimensions[rest%uint64(len(f.Dimensions))]
		ts := g.batchHours.timestamp(rest/uint64(len(f.Dimensions)), slot, now)
		if i > 0 {
			b = append(b, ',')
		}
		b = append(b, `{"Timestamp":`...)
		b = strconv.AppendInt(b, ts.Unix(), 10)
		b = append(b, `,"CustomerIdentifier":"`...)
		b = append(b, buyer.Identifier...)
		b = append(b, `","Dimension":"`...)
		b = append(b, dim...)
		b = append(b, `","Quantity":`...)
		b = strconv.AppendInt(b, int64(quantityOf(slot)), 10)
		b = append(b, '}')
	}
	b = append(b, "]}"...)
	return call{target: meteringTarget + "BatchMeterUsage", path: "/", body: b, key: f.Seller, records: batchSize}
}

// entitlementsInput is GetEntitlements for one customer of the SaaS
// product, as a seller checks a buyer's licence.
func entitlementsInput(g *generator, rng *rand.Rand) map[string]any {
	buyer := g.fixture.Buyers[rng.IntN(len(g.fixture.Buyers))]
	return map[string]any{
		"ProductCode": ProductSaaS,
		"Filter":      map[string][]string{"CUSTOMER_IDENTIFIER": {buyer.Identifier}},
	}
}

func buildEntitlementsJSON(g *generator, rng *rand.Rand, _ uint64) call {
	body, _ := json.Marshal(entitlementsInput(g, rng)) // maps of strings always encode
	return call{target: entitlementTarget + "GetEntitlements", path: "/", body: body, key: g.fixture.Seller}
}

func buildEntitlementsCBOR(g *generator, rng *rand.Rand, _ uint64) call {
	body, _ := cbor.Marshal(entitlementsInput(g, rng)) // maps of strings always encode
	return call{path: cborEntitlements, body: body, key: g.fixture.Seller}
}

func buildResolveCustomer(g *generator, rng *rand.Rand, _ uint64) call {
	body, _ := json.Marshal(map[string]string{"RegistrationToken": g.tokens[rng.IntN(len(g.tokens))]})
	return call{target: meteringTarget + "ResolveCustomer", path: "/", body: body, key: g.fixture.Seller}
}
