package entitlement

import (
	"crypto/sha256"
	"encoding/binary"
	"slices"

	"github.com/meterd/meterd"
)

// entitlementFilter holds the values of each filter name, sorted and
// without repeats. Values of one name are alternatives; names must all
// match; a nil list is an absent filter. Slices rather than sets: a filter
// names a handful of values, and a sorted list needs no map per request.
type entitlementFilter struct {
	customers, accounts, dimensions, licenses []string
}

func parseFilter(in map[string][]string) (entitlementFilter, error) {
	var f entitlementFilter
	for name, values := range in {
		list := f.list(name)
		if list == nil {
			return f, meterd.Errorf(meterd.EInvalidParameter, "Filter %s is not supported.", name)
		}
		if len(values) == 0 {
			return f, meterd.Errorf(meterd.EInvalidParameter, "Filter %s needs at least one value.", name)
		}
		*list = slices.Compact(slices.Sorted(slices.Values(values)))
	}
	if f.customers != nil && f.accounts != nil {
		return f, meterd.Errorf(meterd.EInvalidParameter,
			"Filters %s and %s cannot be used together.", meterd.FilterCustomerIdentifier, meterd.FilterCustomerAWSAccountID)
	}
	return f, nil
}

// list is the field of a filter name; nil for a name AWS does not support.
func (f *entitlementFilter) list(name string) *[]string {
	switch name {
	case meterd.FilterCustomerIdentifier:
		return &f.customers
	case meterd.FilterCustomerAWSAccountID:
		return &f.accounts
	case meterd.FilterDimension:
		return &f.dimensions
	case meterd.FilterLicenseArn:
		return &f.licenses
	}
	return nil
}

// allows reports whether value passes the filter values (nil: anything).
func allows(values []string, value string) bool {
	if values == nil {
		return true
	}
	_, found := slices.BinarySearch(values, value)
	return found
}

// requestBinding digests what a NextToken is valid for: the product and
// the filter. Values are sorted and deduplicated by parseFilter, since
// their order means nothing, and every string is length-prefixed so that
// no two requests share a digest.
func requestBinding(productCode string, f entitlementFilter) []byte {
	h := sha256.New()
	var n [8]byte
	write := func(s string) {
		h.Write(binary.BigEndian.AppendUint64(n[:0], uint64(len(s))))
		h.Write([]byte(s))
	}
	write(productCode)
	for i, list := range [][]string{f.customers, f.accounts, f.dimensions, f.licenses} {
		if list == nil {
			continue
		}
		// The list's position names the filter; its length ends it.
		h.Write(binary.BigEndian.AppendUint64([]byte{byte(i)}, uint64(len(list))))
		for _, v := range list {
			write(v)
		}
	}
	return h.Sum(nil)
}
