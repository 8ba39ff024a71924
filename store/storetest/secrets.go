package storetest

import (
	"bytes"
	"fmt"
	"testing"

	"github.com/meterd/meterd"
)

func secretTests() []test {
	return []test{
		{"EnsureSecret/OK", testEnsureSecret},
		{"Concurrency/EnsureSecret", testRaceEnsureSecret},
		{"Find/ErrNotFoundWithNUL", testFindWithNUL},
	}
}

// The first value stored under a name wins; names are apart.
func testEnsureSecret(t *testing.T, s meterd.Store) {
	ctx := t.Context()
	steps := []struct {
		name, value, want string
	}{
		{"a", "first", "first"},
		{"a", "second", "first"},
		{"b", "other\x00bytes", "other\x00bytes"},
		{"a", "third", "first"},
	}
	for _, st := range steps {
		got, err := s.EnsureSecret(ctx, st.name, []byte(st.value))
		must(t, err)
		if string(got) != st.want {
			t.Errorf("EnsureSecret(%q, %q) = %q, want %q", st.name, st.value, got, st.want)
		}
	}
}

// Racing callers (nodes starting together) all get one value.
func testRaceEnsureSecret(t *testing.T, s meterd.Store) {
	got := make([][]byte, racers)
	errs := make([]error, racers)
	race(racers, func(i int) {
		got[i], errs[i] = s.EnsureSecret(t.Context(), "key", []byte(fmt.Sprint("value-", i)))
	})
	for i := range racers {
		must(t, errs[i])
		if !bytes.Equal(got[i], got[0]) || len(got[0]) == 0 {
			t.Fatalf("racer %d got %q, racer 0 %q: want one value", i, got[i], got[0])
		}
	}
}

// Lookups of a key holding a NUL (a request may carry one) find nothing,
// one row per lookup: no stored entry can match, and a store whose text
// cannot hold NUL must not turn the lookup into an error.
func testFindWithNUL(t *testing.T, s meterd.Store) {
	ctx := t.Context()
	must(t, s.ApplyCatalog(ctx, fixtureCatalog()))
	const bad = "prod-saas\x00"
	lookups := []struct {
		name string
		find func() error
	}{
		{"FindAccessKey", func() error { _, err := s.FindAccessKey(ctx, bad); return err }},
		{"FindProduct", func() error { _, err := s.FindProduct(ctx, bad); return err }},
		{"FindCustomer", func() error { _, err := s.FindCustomer(ctx, meterd.CustomerFilter{Identifier: bad}); return err }},
		{"FindRegistrationToken", func() error { _, err := s.FindRegistrationToken(ctx, bad); return err }},
		{"FindTaskRegistration", func() error { _, err := s.FindTaskRegistration(ctx, "us-east-1", bad, "a", "r"); return err }},
	}
	for _, l := range lookups {
		t.Run(l.name, func(t *testing.T) { wantCode(t, l.find(), meterd.ENotFound) })
	}
	subs, err := s.FindSubscriptions(ctx, meterd.SubscriptionFilter{ProductCode: bad})
	must(t, err)
	if len(subs) != 0 {
		t.Errorf("FindSubscriptions of a product code with a NUL = %d subscriptions, want 0", len(subs))
	}
}
