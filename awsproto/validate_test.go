package awsproto

import (
	"slices"
	"strconv"
	"strings"
	"testing"

	"github.com/meterd/meterd"
)

// Constraint messages as AWS words them.
const (
	notNull    = "Member must not be null"
	minLen1    = "Member must have length greater than or equal to 1"
	maxLen     = "Member must have length less than or equal to "
	minValue   = "Member must have value greater than or equal to "
	maxValue   = "Member must have value less than or equal to "
	mustMatch  = "Member must satisfy regular expression pattern: "
	recordDim  = "usageRecords.1.member.dimension"
	allocation = "usageAllocations.1.member."
)

// TestDecodeConstraints has one row per constraint of every input member
// of the five operations (JSON), each with AWS's exact message.
func TestDecodeConstraints(t *testing.T) {
	a := func(n int) string { return strings.Repeat("a", n) }
	digits256 := strings.Repeat("1", 256)
	arnPrefix := "arn:aws:license-manager::123456789012:"
	longArn := arnPrefix + "l" + a(1024)
	tags := func(elems ...string) string { return obj("Allocation", "Tags", "["+strings.Join(elems, ",")+"]") }
	meterAlloc := func(elems ...string) string {
		return obj("MeterUsage", "UsageAllocations", "["+strings.Join(elems, ",")+"]")
	}
	batch := func(records ...string) string {
		return obj("BatchMeterUsage", "UsageRecords", "["+strings.Join(records, ",")+"]")
	}
	record := func(set ...string) string { return batch(obj("Record", set...)) }
	record1 := "usageRecords.1.member."
	tag1 := allocation + "tags.1.member."
	tagsValue := "[" + strings.TrimSuffix(strings.Repeat("{Key=k, Value=v}, ", 6), ", ") + "]"
	missingDims := make([]string, 12)
	var missingDimErrs []string
	for i := range missingDims {
		missingDims[i] = obj("Record", "Dimension", "-")
		if i < 10 {
			missingDimErrs = append(missingDimErrs,
				violation("null", "usageRecords."+strconv.Itoa(i+1)+".member.dimension", notNull))
		}
	}

	tests := []struct {
		name, op, body, msg string
	}{
		// MeterUsage
		{"MeterUsage/productCode required", "MeterUsage", obj("MeterUsage", "ProductCode", "-"),
			detected(violation("null", "productCode", notNull))},
		{"MeterUsage/productCode max length", "MeterUsage", obj("MeterUsage", "ProductCode", js(a(256))),
			detected(violation(a(256), "productCode", maxLen+"255"))},
		{"MeterUsage/productCode pattern", "MeterUsage", obj("MeterUsage", "ProductCode", `"abc!"`),
			detected(violation("abc!", "productCode", mustMatch+productCodePattern))},
		{"MeterUsage/timestamp required", "MeterUsage", obj("MeterUsage", "Timestamp", "-"),
			detected(violation("null", "timestamp", notNull))},
		{"MeterUsage/usageDimension required", "MeterUsage", obj("MeterUsage", "UsageDimension", "-"),
			detected(violation("null", "usageDimension", notNull))},
		{"MeterUsage/usageDimension min length and pattern", "MeterUsage", obj("MeterUsage", "UsageDimension", `""`),
			detected(violation("", "usageDimension", mustMatch+nonEmptyPattern), violation("", "usageDimension", minLen1))},
		{"MeterUsage/usageDimension max length", "MeterUsage", obj("MeterUsage", "UsageDimension", js(a(256))),
			detected(violation(a(256), "usageDimension", maxLen+"255"))},
		{"MeterUsage/usageQuantity min", "MeterUsage", obj("MeterUsage", "UsageQuantity", "-1"),
			detected(violation("-1", "usageQuantity", minValue+"0"))},
		{"MeterUsage/usageAllocations min length", "MeterUsage", meterAlloc(),
			detected(violation("[]", "usageAllocations", minLen1))},
		{"MeterUsage/usageAllocations max length", "MeterUsage", obj("MeterUsage", "UsageAllocations", list(2501, obj("Allocation"))),
			detected(violation("[{AllocatedUsageQuantity=1}, {AllocatedUsageQuantity=1}<cut>...", "usageAllocations", maxLen+"2500"))},
		{"MeterUsage/allocatedUsageQuantity required", "MeterUsage", meterAlloc(`{}`),
			detected(violation("null", allocation+"allocatedUsageQuantity", notNull))},
		{"MeterUsage/allocatedUsageQuantity min", "MeterUsage", meterAlloc(obj("Allocation", "AllocatedUsageQuantity", "-1")),
			detected(violation("-1", allocation+"allocatedUsageQuantity", minValue+"0"))},
		{"MeterUsage/tags min length", "MeterUsage", meterAlloc(tags()),
			detected(violation("[]", allocation+"tags", minLen1))},
		{"MeterUsage/tags max length", "MeterUsage", meterAlloc(tags(slices.Repeat([]string{obj("Tag")}, 6)...)),
			detected(violation(tagsValue, allocation+"tags", maxLen+"5"))},
		{"MeterUsage/tag key required", "MeterUsage", meterAlloc(tags(obj("Tag", "Key", "-"))),
			detected(violation("null", tag1+"key", notNull))},
		{"MeterUsage/tag key min length and pattern", "MeterUsage", meterAlloc(tags(obj("Tag", "Key", `""`))),
			detected(violation("", tag1+"key", mustMatch+tagPattern), violation("", tag1+"key", minLen1))},
		{"MeterUsage/tag key max length", "MeterUsage", meterAlloc(tags(obj("Tag", "Key", js(a(101))))),
			detected(violation(a(101), tag1+"key", maxLen+"100"))},
		{"MeterUsage/tag key pattern", "MeterUsage", meterAlloc(tags(obj("Tag", "Key", `"a~"`))),
			detected(violation("a~", tag1+"key", mustMatch+tagPattern))},
		{"MeterUsage/tag key above the space-to-equals range", "MeterUsage", meterAlloc(tags(obj("Tag", "Key", `"a>"`))),
			detected(violation("a>", tag1+"key", mustMatch+tagPattern))},
		{"MeterUsage/tag value required", "MeterUsage", meterAlloc(tags(obj("Tag", "Value", "-"))),
			detected(violation("null", tag1+"value", notNull))},
		{"MeterUsage/tag value min length and pattern", "MeterUsage", meterAlloc(tags(obj("Tag", "Value", `""`))),
			detected(violation("", tag1+"value", mustMatch+tagPattern), violation("", tag1+"value", minLen1))},
		{"MeterUsage/tag value max length", "MeterUsage", meterAlloc(tags(obj("Tag", "Value", js(a(257))))),
			detected(violation(a(257), tag1+"value", maxLen+"256"))},
		{"MeterUsage/tag value pattern", "MeterUsage", meterAlloc(tags(obj("Tag", "Value", `"v\n"`))),
			detected(violation("v\n", tag1+"value", mustMatch+tagPattern))},
		{"MeterUsage/second allocation and tag", "MeterUsage", meterAlloc(obj("Allocation"), tags(obj("Tag"), obj("Tag", "Key", `"é"`))),
			detected(violation("é", "usageAllocations.2.member.tags.2.member.key", mustMatch+tagPattern))},
		{"MeterUsage/clientToken min length", "MeterUsage", obj("MeterUsage", "ClientToken", `""`),
			detected(violation("", "clientToken", minLen1))},
		{"MeterUsage/clientToken max length", "MeterUsage", obj("MeterUsage", "ClientToken", js(a(65))),
			detected(violation(a(65), "clientToken", maxLen+"64"))},

		// BatchMeterUsage
		{"BatchMeterUsage/usageRecords required", "BatchMeterUsage", obj("BatchMeterUsage", "UsageRecords", "-"),
			detected(violation("null", "usageRecords", notNull))},
		{"BatchMeterUsage/usageRecords max length", "BatchMeterUsage", obj("BatchMeterUsage", "UsageRecords", list(26, obj("Record"))),
			detected(violation("[{Timestamp=Tue Nov 14 22:13:20 UTC 2023, Dimension=dim}, <cut>...", "usageRecords", maxLen+"25"))},
		{"BatchMeterUsage/productCode max length", "BatchMeterUsage", obj("BatchMeterUsage", "ProductCode", js(a(256))),
			detected(violation(a(256), "productCode", maxLen+"255"))},
		{"BatchMeterUsage/productCode pattern", "BatchMeterUsage", obj("BatchMeterUsage", "ProductCode", `"a b"`),
			detected(violation("a b", "productCode", mustMatch+productCodePattern))},
		{"BatchMeterUsage/record timestamp required", "BatchMeterUsage", record("Timestamp", "-"),
			detected(violation("null", record1+"timestamp", notNull))},
		{"BatchMeterUsage/record customerIdentifier max length", "BatchMeterUsage", record("CustomerIdentifier", js(a(256))),
			detected(violation(a(256), record1+"customerIdentifier", maxLen+"255"))},
		{"BatchMeterUsage/record dimension required", "BatchMeterUsage", record("Dimension", "-"),
			detected(violation("null", recordDim, notNull))},
		{"BatchMeterUsage/record dimension min length and pattern", "BatchMeterUsage", record("Dimension", `""`),
			detected(violation("", recordDim, mustMatch+nonEmptyPattern), violation("", recordDim, minLen1))},
		{"BatchMeterUsage/record dimension max length", "BatchMeterUsage", record("Dimension", js(a(256))),
			detected(violation(a(256), recordDim, maxLen+"255"))},
		{"BatchMeterUsage/record quantity min", "BatchMeterUsage", record("Quantity", "-5"),
			detected(violation("-5", record1+"quantity", minValue+"0"))},
		{"BatchMeterUsage/record usageAllocations min length", "BatchMeterUsage", record("UsageAllocations", "[]"),
			detected(violation("[]", record1+"usageAllocations", minLen1))},
		{"BatchMeterUsage/record allocation tag key", "BatchMeterUsage", record("UsageAllocations", "["+tags(obj("Tag", "Key", `"k#"`), obj("Tag", "Key", `"k}"`))+"]"),
			detected(violation("k}", record1+"usageAllocations.1.member.tags.2.member.key", mustMatch+tagPattern))},
		{"BatchMeterUsage/record customerAWSAccountId min length and pattern", "BatchMeterUsage", record("CustomerAWSAccountId", `""`),
			detected(violation("", record1+"customerAWSAccountId", mustMatch+digitsPattern), violation("", record1+"customerAWSAccountId", minLen1))},
		{"BatchMeterUsage/record customerAWSAccountId pattern", "BatchMeterUsage", record("CustomerAWSAccountId", `"12a"`),
			detected(violation("12a", record1+"customerAWSAccountId", mustMatch+digitsPattern))},
		{"BatchMeterUsage/record customerAWSAccountId max length", "BatchMeterUsage", record("CustomerAWSAccountId", js(digits256)),
			detected(violation(digits256, record1+"customerAWSAccountId", maxLen+"255"))},
		{"BatchMeterUsage/record licenseArn pattern", "BatchMeterUsage", record("LicenseArn", `"arn:aws:x"`),
			detected(violation("arn:aws:x", record1+"licenseArn", mustMatch+licenseArnPattern))},
		{"BatchMeterUsage/record licenseArn resource over 1024 chars", "BatchMeterUsage", record("LicenseArn", js(longArn)),
			detected(violation(arnPrefix+"l"+a(100)+"<cut>...", record1+"licenseArn", mustMatch+licenseArnPattern))},
		{"BatchMeterUsage/second record", "BatchMeterUsage", batch(obj("Record"), obj("Record", "Dimension", "-")),
			detected(violation("null", "usageRecords.2.member.dimension", notNull))},

		// RegisterUsage
		{"RegisterUsage/productCode required", "RegisterUsage", obj("RegisterUsage", "ProductCode", "-"),
			detected(violation("null", "productCode", notNull))},
		{"RegisterUsage/productCode max length", "RegisterUsage", obj("RegisterUsage", "ProductCode", js(a(256))),
			detected(violation(a(256), "productCode", maxLen+"255"))},
		{"RegisterUsage/productCode pattern", "RegisterUsage", obj("RegisterUsage", "ProductCode", `"a+b"`),
			detected(violation("a+b", "productCode", mustMatch+productCodePattern))},
		{"RegisterUsage/publicKeyVersion required", "RegisterUsage", obj("RegisterUsage", "PublicKeyVersion", "-"),
			detected(violation("null", "publicKeyVersion", notNull))},
		{"RegisterUsage/publicKeyVersion min", "RegisterUsage", obj("RegisterUsage", "PublicKeyVersion", "0"),
			detected(violation("0", "publicKeyVersion", minValue+"1"))},
		{"RegisterUsage/nonce max length", "RegisterUsage", obj("RegisterUsage", "Nonce", js(a(256))),
			detected(violation(a(256), "nonce", maxLen+"255"))},

		// ResolveCustomer
		{"ResolveCustomer/registrationToken required", "ResolveCustomer", obj("ResolveCustomer", "RegistrationToken", "-"),
			detected(violation("null", "registrationToken", notNull))},
		{"ResolveCustomer/registrationToken pattern", "ResolveCustomer", obj("ResolveCustomer", "RegistrationToken", `""`),
			detected(violation("", "registrationToken", mustMatch+nonEmptyPattern))},
		{"ResolveCustomer/empty body", "ResolveCustomer", "",
			detected(violation("null", "registrationToken", notNull))},
		{"ResolveCustomer/null body", "ResolveCustomer", "null",
			detected(violation("null", "registrationToken", notNull))},

		// GetEntitlements
		{"GetEntitlements/productCode required", "GetEntitlements", "{}",
			detected(violation("null", "productCode", notNull))},
		{"GetEntitlements/productCode min length", "GetEntitlements", obj("GetEntitlements", "ProductCode", `""`),
			detected(violation("", "productCode", minLen1))},
		{"GetEntitlements/productCode max length", "GetEntitlements", obj("GetEntitlements", "ProductCode", js(a(256))),
			detected(violation(a(256), "productCode", maxLen+"255"))},
		{"GetEntitlements/filter key enum", "GetEntitlements", obj("GetEntitlements", "Filter", `{"FOO":["a"],"DIMENSION":["d"]}`),
			detected(violation("{DIMENSION=[d], FOO=[a]}", "filter", "Map keys must satisfy constraint: [Member must satisfy enum value set: "+filterNames+"]"))},
		{"GetEntitlements/filter value min length", "GetEntitlements", obj("GetEntitlements", "Filter", `{"DIMENSION":[]}`),
			detected(violation("{DIMENSION=[]}", "filter", "Map value must satisfy constraint: ["+minLen1+"]"))},
		{"GetEntitlements/filter keys before values", "GetEntitlements", obj("GetEntitlements", "Filter", `{"dimension":[]}`),
			detected(violation("{dimension=[]}", "filter", "Map keys must satisfy constraint: [Member must satisfy enum value set: "+filterNames+"]"),
				violation("{dimension=[]}", "filter", "Map value must satisfy constraint: ["+minLen1+"]"))},
		{"GetEntitlements/nextToken pattern", "GetEntitlements", obj("GetEntitlements", "NextToken", `"a b"`),
			detected(violation("a b", "nextToken", mustMatch+noSpacePattern))},
		{"GetEntitlements/nextToken empty", "GetEntitlements", obj("GetEntitlements", "NextToken", `""`),
			detected(violation("", "nextToken", mustMatch+noSpacePattern))},
		{"GetEntitlements/maxResults min", "GetEntitlements", obj("GetEntitlements", "MaxResults", "0"),
			detected(violation("0", "maxResults", minValue+"1"))},
		{"GetEntitlements/maxResults max", "GetEntitlements", obj("GetEntitlements", "MaxResults", "26"),
			detected(violation("26", "maxResults", maxValue+"25"))},

		// Several violations.
		{"two errors in member order", "MeterUsage", obj("MeterUsage", "UsageDimension", "-", "UsageQuantity", "-1"),
			detected(violation("null", "usageDimension", notNull), violation("-1", "usageQuantity", minValue+"0"))},
		{"errors across nesting levels in model order", "MeterUsage",
			obj("MeterUsage", "ProductCode", `"a!"`, "UsageAllocations", "["+tags(obj("Tag", "Value", "-"))+"]", "ClientToken", `""`),
			detected(violation("a!", "productCode", mustMatch+productCodePattern),
				violation("null", tag1+"value", notNull), violation("", "clientToken", minLen1))},
		{"at most ten errors are listed and counted", "BatchMeterUsage", batch(missingDims...),
			"10 validation errors detected: " + strings.Join(missingDimErrs, "; ")},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			op := mustOp(t, tt.op)
			err := Decode(JSON, op, []byte(tt.body), op.NewInput())
			code := meterd.EValidation
			if tt.op == "GetEntitlements" {
				code = meterd.EInvalidParameter
			}
			assertError(t, err, code, tt.msg)
		})
	}
}
