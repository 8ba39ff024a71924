package storetest

import (
	"testing"

	"github.com/meterd/meterd"
)

func lifecycleEventTests() []test {
	return []test{
		{"FindLifecycleEvents/OK", testFindLifecycleEvents},
	}
}

// testFindLifecycleEvents: events come back whole, in the order written,
// filtered by product and customer.
func testFindLifecycleEvents(t *testing.T, s meterd.Store) {
	ctx := t.Context()
	must(t, s.ApplyCatalog(ctx, fixtureCatalog()))
	sub := lifecycleEvent("evt-1", meterd.ActionSubscribeSuccess, "cust-a", 0)
	pending := lifecycleEvent("evt-2", meterd.ActionUnsubscribePending, "cust-a", 10)
	change(t, s, sub)
	change(t, s, pending)
	all, err := s.FindLifecycleEvents(ctx, meterd.LifecycleEventFilter{})
	must(t, err)
	if d := diff(all, []meterd.LifecycleEvent{*sub, *pending}); d != "" {
		t.Errorf("FindLifecycleEvents(all)%s", d)
	}
	for _, f := range []meterd.LifecycleEventFilter{{ProductCode: "prod-ami"}, {CustomerIdentifier: "cust-b"}} {
		got, err := s.FindLifecycleEvents(ctx, f)
		must(t, err)
		if len(got) != 0 {
			t.Errorf("FindLifecycleEvents(%+v) = %d events, want none", f, len(got))
		}
	}
	got, err := s.FindLifecycleEvents(ctx, meterd.LifecycleEventFilter{ProductCode: "prod-saas", CustomerIdentifier: "cust-a"})
	must(t, err)
	if len(got) != 2 {
		t.Errorf("FindLifecycleEvents(prod-saas, cust-a) = %d events, want 2", len(got))
	}
}
