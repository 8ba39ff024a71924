package storetest

import (
	"testing"

	"github.com/meterd/meterd"
)

func resetTests() []test {
	return []test{
		{"ResetLedger/OK", testResetLedger},
		{"ResetLedger/Empty", testResetLedgerEmpty},
	}
}

// fillLedger stores one of everything ResetLedger deletes (an event with
// a delivery to each of two targets, one attempted) and one signing key,
// which it keeps.
func fillLedger(t *testing.T, s meterd.Store) *meterd.MeteringRecord {
	t.Helper()
	withTargets(t, s)
	change(t, s, lifecycleEvent("e1", meterd.ActionSubscribeSuccess, "cust-a", 0))
	due, err := s.DueDeliveries(t.Context(), at(2, 0), 1)
	must(t, err)
	must(t, s.RecordAttempt(t.Context(), meterd.DeliveryAttempt{DeliveryID: due[0].ID, At: at(2, 0), StatusCode: 500, Error: "500"}, at(3, 0)))
	rec := with(record("r1"), func(r *meterd.MeteringRecord) { r.ClientToken = "tok-r1" })
	recordOK(t, s, rec)
	must(t, s.CreateRegistrationToken(t.Context(), fixtureToken("tok")))
	_, _, err = s.RegisterTask(t.Context(), fixtureTask())
	must(t, err)
	must(t, s.CreateSigningKey(t.Context(), fixtureKey(1)))
	return rec
}

// A reset deletes the records, tokens and registrations, keeps the catalog
// and the signing keys, and frees the record's dedupe key and client token.
func testResetLedger(t *testing.T, s meterd.Store) {
	rec := fillLedger(t, s)
	got, err := s.ResetLedger(t.Context())
	must(t, err)
	want := meterd.LedgerReset{MeteringRecords: 1, ClientTokens: 0, RegistrationTokens: 1, TaskRegistrations: 1,
		LifecycleEvents: 1, Deliveries: 2, DeliveryAttempts: 1}
	if d := diff(got, want); d != "" {
		t.Errorf("ResetLedger counts%s", d)
	}
	recs, err := s.FindUsage(t.Context(), meterd.UsageFilter{})
	must(t, err)
	if len(recs) != 0 {
		t.Errorf("FindUsage after reset = %d records, want 0", len(recs))
	}
	_, err = s.FindRegistrationToken(t.Context(), "tok")
	wantCode(t, err, meterd.ENotFound)
	task := fixtureTask()
	_, err = s.FindTaskRegistration(t.Context(), task.Region, task.ProductCode, task.AccountID, task.ResourceID)
	wantCode(t, err, meterd.ENotFound)
	keys, err := s.SigningKeys(t.Context())
	must(t, err)
	if d := diff(keys, []*meterd.SigningKey{fixtureKey(1)}); d != "" {
		t.Errorf("SigningKeys after reset%s", d)
	}
	_, err = s.FindProduct(t.Context(), "prod-saas")
	must(t, err)
	outbox, err := s.ListDeliveries(t.Context(), meterd.DeliveryFilter{Limit: 10})
	must(t, err)
	if len(outbox) != 0 {
		t.Errorf("ListDeliveries after reset = %+v, want none", outbox)
	}
	// The subscription stays, and its next change starts a new outbox.
	change(t, s, lifecycleEvent("e2", meterd.ActionEntitlementUpdated, "cust-a", 1))
	recordOK(t, s, with(rec, func(r *meterd.MeteringRecord) { r.ID = "r2" }))
}

func testResetLedgerEmpty(t *testing.T, s meterd.Store) {
	got, err := s.ResetLedger(t.Context())
	must(t, err)
	if got != (meterd.LedgerReset{}) {
		t.Errorf("ResetLedger on an empty store = %+v, want zero counts", got)
	}
}
