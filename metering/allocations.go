package metering

import (
	"cmp"
	"slices"
	"strconv"
	"strings"

	"github.com/meterd/meterd"
)

// maxTagKeysPerRecord is the seller guide's "maximum tags across
// UsageAllocation list – 5", read as distinct tag keys across all
// allocations of one record.
const maxTagKeysPerRecord = 5

// checkAllocations applies the vendor-metered tagging rules to the
// allocations of one record of quantity. The model's constraints (tag
// lengths, patterns, 1..5 tags per allocation) are already checked; these
// are the rules across tags and allocations. Absent allocations pass.
func checkAllocations(quantity int64, allocs []meterd.UsageAllocation) error {
	if len(allocs) == 0 {
		return nil
	}
	if err := checkAllocationTags(allocs); err != nil {
		return err
	}
	if err := checkDistinctTagSets(allocs); err != nil {
		return err
	}
	return checkAllocatedSum(quantity, allocs)
}

// checkAllocationTags rejects a key repeated within one allocation and more
// than maxTagKeysPerRecord distinct keys across the record.
func checkAllocationTags(allocs []meterd.UsageAllocation) error {
	keys := make(map[string]bool)
	for _, a := range allocs {
		inAllocation := make(map[string]bool, len(a.Tags))
		for _, t := range a.Tags {
			if inAllocation[t.Key] {
				return meterd.Errorf(meterd.EInvalidTag, "Tag key '%s' is repeated within a usage allocation.", t.Key)
			}
			inAllocation[t.Key] = true
			keys[t.Key] = true
		}
	}
	if len(keys) > maxTagKeysPerRecord {
		return meterd.Errorf(meterd.EInvalidTag,
			"A usage record can have at most %d distinct tag keys across its usage allocations, but it has %d.",
			maxTagKeysPerRecord, len(keys))
	}
	return nil
}

// checkDistinctTagSets rejects two allocations with the same tag set (in
// any order), including two untagged allocations: AWS wants them merged.
func checkDistinctTagSets(allocs []meterd.UsageAllocation) error {
	seen := make(map[string]bool, len(allocs))
	for _, a := range allocs {
		key := tagSetKey(a.Tags)
		if !seen[key] {
			seen[key] = true
			continue
		}
		if len(a.Tags) == 0 {
			return meterd.Errorf(meterd.EInvalidUsageAllocations,
				"Only one usage allocation can be untagged; merge the untagged allocations.")
		}
		return meterd.Errorf(meterd.EInvalidUsageAllocations,
			"Two usage allocations have the same tags; merge them into one allocation.")
	}
	return nil
}

// checkAllocatedSum requires the allocated quantities to add up to the
// record's quantity. The sum is taken in int64: 2500 allocations of up to
// 2^31-1 cannot overflow it, while an int32 sum could wrap to a match.
func checkAllocatedSum(quantity int64, allocs []meterd.UsageAllocation) error {
	var sum int64
	for _, a := range allocs {
		sum += int64(a.AllocatedUsageQuantity)
	}
	if sum != quantity {
		return meterd.Errorf(meterd.EInvalidUsageAllocations,
			"The sum of AllocatedUsageQuantity (%d) does not equal the usage quantity (%d).", sum, quantity)
	}
	return nil
}

// canonicalAllocations returns a copy of allocs with the tags of each
// allocation sorted by key and value and the allocations sorted by tag set,
// so that the order a client lists them in does not change the request
// hash. Allocations are a set of tag sets (checkDistinctTagSets), so after
// validation the order is total.
func canonicalAllocations(allocs []meterd.UsageAllocation) []meterd.UsageAllocation {
	out := make([]meterd.UsageAllocation, len(allocs))
	for i, a := range allocs {
		out[i] = meterd.UsageAllocation{AllocatedUsageQuantity: a.AllocatedUsageQuantity, Tags: sortedTags(a.Tags)}
	}
	slices.SortStableFunc(out, func(a, b meterd.UsageAllocation) int {
		return cmp.Or(
			strings.Compare(tagSetKey(a.Tags), tagSetKey(b.Tags)),
			cmp.Compare(a.AllocatedUsageQuantity, b.AllocatedUsageQuantity),
		)
	})
	return out
}

func sortedTags(tags []meterd.Tag) []meterd.Tag {
	out := slices.Clone(tags)
	slices.SortFunc(out, func(a, b meterd.Tag) int {
		return cmp.Or(strings.Compare(a.Key, b.Key), strings.Compare(a.Value, b.Value))
	})
	return out
}

// tagSetKey encodes a tag set independently of order; lengths are written
// out so that no key or value can forge a separator.
func tagSetKey(tags []meterd.Tag) string {
	var b strings.Builder
	for _, t := range sortedTags(tags) {
		for _, s := range []string{t.Key, t.Value} {
			b.WriteString(strconv.Itoa(len(s)))
			b.WriteByte(':')
			b.WriteString(s)
		}
	}
	return b.String()
}
