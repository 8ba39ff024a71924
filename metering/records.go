package metering

import (
	"crypto/sha256"
	"encoding/binary"
	"encoding/hex"
	"fmt"
	"time"

	"github.com/google/uuid"
	"github.com/meterd/meterd"
)

// Operation names, as the regions table and the ledger spell them.
const (
	operationMeterUsage      = meterd.OpMeterUsage
	operationBatchMeterUsage = meterd.OpBatchMeterUsage
)

// newMeteringRecordID returns a MeteringRecordId. AWS's are UUID-shaped
// (CloudTrail examples), so ours are UUIDs too, but version 7: they start
// with the wall-clock millisecond (and a per-process sequence), so each new
// id sorts after the last and the ledger's id index appends at its right
// edge instead of dirtying a random page per record. Wall time, not the
// business clock, because only the order matters and a simulated clock may
// jump back. Clients see an opaque UUID string either way.
func newMeteringRecordID() (string, error) {
	id, err := uuid.NewV7()
	if err != nil {
		return "", fmt.Errorf("metering record id: %w", err)
	}
	return id.String(), nil
}

// usageHour is the hour a usage timestamp is billed in: AWS rounds
// timestamps down to the hour, in UTC.
func usageHour(ts time.Time) time.Time {
	return ts.UTC().Truncate(time.Hour)
}

// meterUsageDedupeKey identifies one MeterUsage record: one per product,
// buyer account, resource (EC2 instance, ECS task, EKS pod), dimension and
// hour. The store keeps the key unique per region.
func meterUsageDedupeKey(productCode, accountID, resourceID, dimension string, hour time.Time) string {
	var buf [digestBuffer]byte
	b := appendFields(buf[:0], "dedupe/v1", operationMeterUsage, productCode, accountID, resourceID, dimension)
	b = binary.AppendVarint(b, hour.Unix())
	return digestString(operationMeterUsage+":", b)
}

// batchDedupeKey identifies one BatchMeterUsage record: one per product,
// customer, license, dimension and hour. customerIdentifier is the resolved
// identifier, so a customer sent by identifier and by AWS account id is the
// same usage; licenseArn is "" for product-based records, which AWS bills
// separately from license-based ones.
func batchDedupeKey(productCode, customerIdentifier, licenseArn, dimension string, hour time.Time) string {
	var buf [digestBuffer]byte
	b := appendFields(buf[:0], "dedupe/v1", operationBatchMeterUsage, productCode, customerIdentifier, licenseArn, dimension)
	b = binary.AppendVarint(b, hour.Unix())
	return digestString(operationBatchMeterUsage+":", b)
}

// meterUsageRequestHash digests the parameters that make two MeterUsage
// requests "the same": what would be billed. The timestamp enters rounded
// to the hour (AWS: "identical after rounding is idempotent"); DryRun and
// ClientToken do not enter; allocations enter in canonical order.
func meterUsageRequestHash(productCode string, hour time.Time, dimension string, quantity int64, allocs []meterd.UsageAllocation) string {
	var buf [digestBuffer]byte
	b := appendFields(buf[:0], "request/v1", operationMeterUsage, productCode, dimension)
	b = binary.AppendVarint(b, hour.Unix())
	b = binary.AppendVarint(b, quantity)
	return digestString("", appendAllocations(b, allocs))
}

// batchRequestHash digests what a BatchMeterUsage record bills beyond its
// dedupe key: the quantity and the allocations (in canonical order).
func batchRequestHash(quantity int64, allocs []meterd.UsageAllocation) string {
	var buf [digestBuffer]byte
	b := appendFields(buf[:0], "request/v1", operationBatchMeterUsage)
	b = binary.AppendVarint(b, quantity)
	return digestString("", appendAllocations(b, allocs))
}

// The digests are SHA-256 over an unambiguous encoding: every string is
// length prefixed, so no choice of field values can make two field lists
// collide. The encoding is gathered in a buffer on the caller's stack
// (digestBuffer bytes, enough for usual fields; longer ones spill to the
// heap) and hashed once: writing each field through a hash.Hash made every
// small write escape to the heap (34 allocations for a MeterUsage's two
// digests), and a *digest holding the buffer still cost two heap
// allocations a digest.
const digestBuffer = 256

// appendFields appends each value, length prefixed.
func appendFields(b []byte, values ...string) []byte {
	for _, v := range values {
		b = binary.AppendVarint(b, int64(len(v)))
		b = append(b, v...)
	}
	return b
}

// appendAllocations appends allocs in canonical order; absent allocations
// differ from a single untagged allocation of the whole quantity.
func appendAllocations(b []byte, allocs []meterd.UsageAllocation) []byte {
	canonical := canonicalAllocations(allocs)
	b = binary.AppendVarint(b, int64(len(canonical)))
	for _, a := range canonical {
		b = binary.AppendVarint(b, int64(a.AllocatedUsageQuantity))
		b = binary.AppendVarint(b, int64(len(a.Tags)))
		for _, t := range a.Tags {
			b = appendFields(b, t.Key, t.Value)
		}
	}
	return b
}

// digestString is prefix and the hex SHA-256 of encoding, made in one
// allocation.
func digestString(prefix string, encoding []byte) string {
	sum := sha256.Sum256(encoding)
	var buf [96]byte // room for a prefix of 32 bytes and 64 hex digits
	return string(hex.AppendEncode(append(buf[:0], prefix...), sum[:]))
}
