// Package storetest is the conformance suite every meterd.Store backend
// runs: the same named subtests, so SQLite and PostgreSQL behave alike.
//
// A backend test calls
//
//	storetest.Run(t, func(t *testing.T) meterd.Store { ... return a new, empty store ... })
package storetest

import (
	"fmt"
	"reflect"
	"testing"
	"time"

	"github.com/meterd/meterd"
)

// test is one named conformance case; s is a new, empty store.
type test struct {
	name string
	run  func(t *testing.T, s meterd.Store)
}

// Run runs every conformance case as a parallel subtest, each on its own
// store from open. Run closes the store when the subtest ends; open may
// register its own cleanup too (Close is idempotent).
func Run(t *testing.T, open func(t *testing.T) meterd.Store) {
	t.Helper()
	var all []test
	for _, group := range [][]test{catalogTests(), ledgerTests(), registrationTests(), resetTests(), usageTests(), summaryTests(), lifecycleTests(), lifecycleEventTests(), concurrencyTests(), secretTests()} {
		all = append(all, group...)
	}
	for _, tc := range all {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			s := open(t)
			t.Cleanup(func() {
				if err := s.Close(); err != nil {
					t.Errorf("Close: %v", err)
				}
			})
			tc.run(t, s)
		})
	}
}

// diff returns the first difference between got and want, or "". Times
// compare with time.Equal (a backend may return another location), and nil
// and empty slices are equal.
func diff(got, want any) string {
	return diffValue("", reflect.ValueOf(got), reflect.ValueOf(want))
}

var timeType = reflect.TypeFor[time.Time]()

func diffValue(path string, g, w reflect.Value) string {
	switch {
	case !g.IsValid() || !w.IsValid():
		if g.IsValid() != w.IsValid() {
			return fmt.Sprintf("%s: got %v, want %v", path, g, w)
		}
		return ""
	case g.Type() != w.Type():
		return fmt.Sprintf("%s: got type %v, want %v", path, g.Type(), w.Type())
	case g.Type() == timeType:
		gt, wt := g.Interface().(time.Time), w.Interface().(time.Time)
		if !gt.Equal(wt) {
			return fmt.Sprintf("%s: got %v, want %v", path, gt, wt)
		}
		return ""
	}
	switch g.Kind() {
	case reflect.Pointer, reflect.Interface:
		if g.IsNil() || w.IsNil() {
			if g.IsNil() != w.IsNil() {
				return fmt.Sprintf("%s: got %v, want %v", path, g, w)
			}
			return ""
		}
		return diffValue(path, g.Elem(), w.Elem())
	case reflect.Struct:
		for i := range g.NumField() {
			if d := diffValue(path+"."+g.Type().Field(i).Name, g.Field(i), w.Field(i)); d != "" {
				return d
			}
		}
		return ""
	case reflect.Slice, reflect.Array:
		if g.Len() != w.Len() {
			return fmt.Sprintf("%s: got %d elements, want %d", path, g.Len(), w.Len())
		}
		for i := range g.Len() {
			if d := diffValue(fmt.Sprintf("%s[%d]", path, i), g.Index(i), w.Index(i)); d != "" {
				return d
			}
		}
		return ""
	default:
		if !reflect.DeepEqual(g.Interface(), w.Interface()) {
			return fmt.Sprintf("%s: got %#v, want %#v", path, g.Interface(), w.Interface())
		}
		return ""
	}
}

// wantCode fails t unless err carries the meterd error code.
func wantCode(t *testing.T, err error, code string) {
	t.Helper()
	if got := meterd.ErrorCode(err); got != code {
		t.Fatalf("error = %v (code %q), want code %q", err, got, code)
	}
}

// must fails t on err.
func must(t *testing.T, err error) {
	t.Helper()
	if err != nil {
		t.Fatal(err)
	}
}

// at returns a fixed time with nanoseconds in a non-UTC zone, so a backend
// that truncates or mishandles zones fails the round trip.
func at(hour, nanos int) time.Time {
	return time.Date(2025, time.March, 4, hour, 6, 7, nanos, time.FixedZone("UTC+1", 3600))
}
