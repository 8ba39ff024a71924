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
