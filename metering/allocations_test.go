package metering

import (
	"math"
	"testing"

	"github.com/meterd/meterd"
)

func tags(kv ...string) []meterd.Tag {
	var out []meterd.Tag
	for i := 0; i+1 < len(kv); i += 2 {
		out = append(out, meterd.Tag{Key: kv[i], Value: kv[i+1]})
	}
	return out
}

func alloc(q int32, kv ...string) meterd.UsageAllocation {
	return meterd.UsageAllocation{AllocatedUsageQuantity: q, Tags: tags(kv...)}
}

func TestCheckAllocations(t *testing.T) {
	tests := []struct {
		name     string
		quantity int64
		allocs   []meterd.UsageAllocation
		wantCode string
		wantMsg  string
	}{
		{name: "OK absent", quantity: 7},
		{name: "OK one untagged bucket", quantity: 7, allocs: []meterd.UsageAllocation{alloc(7)}},
		{name: "OK tagged and untagged", quantity: 7, allocs: []meterd.UsageAllocation{
			alloc(3, "team", "a"), alloc(4)}},
		{name: "OK 5 distinct keys across allocations", quantity: 2, allocs: []meterd.UsageAllocation{
			alloc(1, "k1", "v", "k2", "v", "k3", "v"), alloc(1, "k3", "w", "k4", "v", "k5", "v")}},
		{name: "OK same keys other values", quantity: 2, allocs: []meterd.UsageAllocation{
			alloc(1, "team", "a"), alloc(1, "team", "b")}},
		{name: "OK subset tag sets differ", quantity: 2, allocs: []meterd.UsageAllocation{
			alloc(1, "team", "a"), alloc(1, "team", "a", "env", "prod")}},
		{name: "OK zero quantities", quantity: 0, allocs: []meterd.UsageAllocation{alloc(0, "team", "a")}},
		{name: "ErrSixDistinctKeys", quantity: 2, allocs: []meterd.UsageAllocation{
			alloc(1, "k1", "v", "k2", "v", "k3", "v"), alloc(1, "k4", "v", "k5", "v", "k6", "v")},
			wantCode: meterd.EInvalidTag,
			wantMsg:  "A usage record can have at most 5 distinct tag keys across its usage allocations, but it has 6."},
		{name: "ErrKeyRepeatedInAllocation", quantity: 1, allocs: []meterd.UsageAllocation{
			alloc(1, "team", "a", "team", "b")},
			wantCode: meterd.EInvalidTag, wantMsg: "Tag key 'team' is repeated within a usage allocation."},
		{name: "ErrSameTagSetOtherOrder", quantity: 2, allocs: []meterd.UsageAllocation{
			alloc(1, "team", "a", "env", "prod"), alloc(1, "env", "prod", "team", "a")},
			wantCode: meterd.EInvalidUsageAllocations,
			wantMsg:  "Two usage allocations have the same tags; merge them into one allocation."},
		{name: "ErrTwoUntagged", quantity: 2, allocs: []meterd.UsageAllocation{alloc(1), alloc(1)},
			wantCode: meterd.EInvalidUsageAllocations,
			wantMsg:  "Only one usage allocation can be untagged; merge the untagged allocations."},
		{name: "ErrSumBelowQuantity", quantity: 5, allocs: []meterd.UsageAllocation{alloc(2, "team", "a"), alloc(2)},
			wantCode: meterd.EInvalidUsageAllocations,
			wantMsg:  "The sum of AllocatedUsageQuantity (4) does not equal the usage quantity (5)."},
		{name: "ErrSumWouldWrapInt32", quantity: 0, allocs: []meterd.UsageAllocation{
			alloc(math.MaxInt32, "team", "a"), alloc(math.MaxInt32, "team", "b"), alloc(2)},
			wantCode: meterd.EInvalidUsageAllocations,
			wantMsg:  "The sum of AllocatedUsageQuantity (4294967296) does not equal the usage quantity (0)."},
		{name: "ErrTagBeforeAllocations", quantity: 9, allocs: []meterd.UsageAllocation{alloc(1), alloc(1, "k", "v", "k", "v")},
			wantCode: meterd.EInvalidTag, wantMsg: "Tag key 'k' is repeated within a usage allocation."},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := checkAllocations(tt.quantity, tt.allocs)
			if tt.wantCode == "" {
				if err != nil {
					t.Fatalf("got %v, want accepted", err)
				}
				return
			}
			if got := meterd.ErrorCode(err); got != tt.wantCode {
				t.Fatalf("code = %q, want %q (err %v)", got, tt.wantCode, err)
			}
			if got := meterd.ErrorMessage(err); got != tt.wantMsg {
				t.Fatalf("message = %q, want %q", got, tt.wantMsg)
			}
		})
	}
}

func TestCanonicalAllocationsIgnoresOrder(t *testing.T) {
	a := []meterd.UsageAllocation{alloc(1, "team", "a", "env", "prod"), alloc(2), alloc(3, "team", "b")}
	b := []meterd.UsageAllocation{alloc(3, "team", "b"), alloc(1, "env", "prod", "team", "a"), alloc(2)}
	if batchRequestHash(6, a) != batchRequestHash(6, b) {
		t.Fatal("reordered allocations and tags hash differently")
	}
	if a[0].Tags[0].Key != "team" {
		t.Fatal("canonicalAllocations modified its input")
	}
}

func TestTagSetKeyCannotBeForged(t *testing.T) {
	// Without length prefixes "a:b"+"c" and "a"+"b:c" could encode alike.
	x := tagSetKey(tags("a:b", "c"))
	y := tagSetKey(tags("a", "b:c"))
	if x == y {
		t.Fatalf("distinct tag sets share key %q", x)
	}
}
