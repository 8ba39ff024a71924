package storetest

import (
	"encoding/json"
	"fmt"
	"slices"
	"testing"
	"time"

	"github.com/meterd/meterd"
)

// RunAudit is the conformance suite of a meterd.AuditStore; open returns
// an empty store, closed when its test ends.
func RunAudit(t *testing.T, open func(t *testing.T) meterd.AuditStore) {
	t.Run("Filters", func(t *testing.T) { t.Parallel(); testAuditFilters(t, open(t)) })
	t.Run("Pages", func(t *testing.T) { t.Parallel(); testAuditPages(t, open(t)) })
	t.Run("RoundTrip", func(t *testing.T) { t.Parallel(); testAuditRoundTrip(t, open(t)) })
	t.Run("DeleteBefore", func(t *testing.T) { t.Parallel(); testAuditDelete(t, open(t)) })
	t.Run("DeleteAll", func(t *testing.T) { t.Parallel(); testAuditDeleteAll(t, open(t)) })
	t.Run("NUL", func(t *testing.T) { t.Parallel(); testAuditNUL(t, open(t)) })
}

var auditEpoch = time.Date(2026, 3, 1, 12, 0, 0, 0, time.UTC)

// auditEvent is an event at auditEpoch plus minutes.
func auditEvent(id string, minutes int, name, key, code, product string, subjects ...meterd.AuditSubject) *meterd.AuditEvent {
	return &meterd.AuditEvent{EventVersion: meterd.AuditEventVersion, EventID: id, EventName: name,
		EventTime: auditEpoch.Add(time.Duration(minutes) * time.Minute), ErrorCode: code, ProductCode: product,
		UserIdentity: meterd.AuditIdentity{Type: "IAMUser", AccessKeyID: key}, Subjects: subjects}
}

func appendAudit(t *testing.T, s meterd.AuditStore, events ...*meterd.AuditEvent) {
	t.Helper()
	if err := s.AppendAudit(t.Context(), events); err != nil {
		t.Fatal(err)
	}
}

func eventIDs(events []*meterd.AuditEvent) []string {
	ids := make([]string, len(events))
	for i, e := range events {
		ids[i] = e.EventID
	}
	return ids
}

func testAuditFilters(t *testing.T, s meterd.AuditStore) {
	appendAudit(t, s,
		auditEvent("a", 0, "MeterUsage", "AK1", "", "p1", meterd.AuditSubject{Customer: "111122223333", Dimension: "hours"}),
		auditEvent("b", 1, "BatchMeterUsage", "AK2", "", "p2",
			meterd.AuditSubject{Customer: "cust-1", Dimension: "users"}, meterd.AuditSubject{Customer: "cust-2", Dimension: "calls"}),
		auditEvent("c", 2, "BatchMeterUsage", "AK2", "InvalidProductCodeException", "p3"),
		auditEvent("d", 3, "GetEntitlements", "AK1", "", "p1", meterd.AuditSubject{Customer: "cust-1"}),
	)
	at := func(m int) time.Time { return auditEpoch.Add(time.Duration(m) * time.Minute) }
	tests := []struct {
		name string
		f    meterd.AuditFilter
		want []string
	}{
		{"OK none, newest first", meterd.AuditFilter{}, []string{"d", "c", "b", "a"}},
		{"OK event name", meterd.AuditFilter{EventName: "BatchMeterUsage"}, []string{"c", "b"}},
		{"OK access key", meterd.AuditFilter{AccessKeyID: "AK1"}, []string{"d", "a"}},
		{"OK product", meterd.AuditFilter{ProductCode: "p1"}, []string{"d", "a"}},
		{"OK customer in a batch", meterd.AuditFilter{Customer: "cust-2"}, []string{"b"}},
		{"OK customer is whole, not a prefix", meterd.AuditFilter{Customer: "cust"}, nil},
		{"OK customer account", meterd.AuditFilter{Customer: "111122223333"}, []string{"a"}},
		{"OK dimension", meterd.AuditFilter{Dimension: "users"}, []string{"b"}},
		{"OK error code", meterd.AuditFilter{ErrorCode: "InvalidProductCodeException"}, []string{"c"}},
		{"OK since, inclusive", meterd.AuditFilter{Since: at(2)}, []string{"d", "c"}},
		{"OK until, exclusive", meterd.AuditFilter{Until: at(1)}, []string{"a"}},
		{"OK combined", meterd.AuditFilter{EventName: "BatchMeterUsage", Customer: "cust-1", Since: at(1)}, []string{"b"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, next, err := s.FindAuditEvents(t.Context(), tt.f)
			if err != nil || next != "" {
				t.Fatalf("find: next %q, err %v", next, err)
			}
			if ids := eventIDs(got); !slices.Equal(ids, tt.want) {
				t.Errorf("got %v, want %v", ids, tt.want)
			}
		})
	}
}

func testAuditPages(t *testing.T, s meterd.AuditStore) {
	var want []string
	for i := range 7 {
		// Two events a minute: the order within one time is the order of
		// appending.
		id := fmt.Sprintf("e%d", i)
		appendAudit(t, s, auditEvent(id, i/2, "MeterUsage", "AK", "", "p"))
		want = append([]string{id}, want...)
	}
	var got []string
	f := meterd.AuditFilter{Limit: 3}
	for pages := 0; ; pages++ {
		page, next, err := s.FindAuditEvents(t.Context(), f)
		if err != nil || pages > 3 {
			t.Fatalf("page %d: %v", pages, err)
		}
		got = append(got, eventIDs(page)...)
		if next == "" {
			break
		}
		f.Cursor = next
	}
	if !slices.Equal(got, want) {
		t.Errorf("pages = %v, want %v", got, want)
	}
	f.Cursor = "not-a-token"
	if _, _, err := s.FindAuditEvents(t.Context(), f); meterd.ErrorCode(err) != meterd.EInvalid {
		t.Errorf("bad cursor: %v, want %s", err, meterd.EInvalid)
	}
}

func testAuditRoundTrip(t *testing.T, s meterd.AuditStore) {
	e := auditEvent("r", 0, "GetEntitlements", "AK", "", "p", meterd.AuditSubject{Customer: "c"},
		meterd.AuditSubject{Dimension: "d"}, meterd.AuditSubject{Customer: "c2", Dimension: "d2"})
	e.EventTime = e.EventTime.Add(1234 * time.Microsecond) // kept exactly, though the record shows seconds
	e.UserIdentity = meterd.AuditIdentity{Type: "IAMUser", PrincipalID: "AIDA1", ARN: "arn:aws:iam::1:user/u",
		AccountID: "1", AccessKeyID: "AK", UserName: "u"}
	e.RequestParameters = json.RawMessage(`{"productCode":"p"}`)
	e.SourceIPAddress, e.UserAgent, e.RequestID, e.AWSRegion = "10.0.0.1", "ua", "req", "us-east-1"
	appendAudit(t, s, e)
	got, _, err := s.FindAuditEvents(t.Context(), meterd.AuditFilter{})
	if err != nil || len(got) != 1 {
		t.Fatalf("find: %v %v", got, err)
	}
	want, _ := json.Marshal(e)
	if b, _ := json.Marshal(got[0]); string(b) != string(want) {
		t.Errorf("record = %s\nwant %s", b, want)
	}
	if !got[0].EventTime.Equal(e.EventTime) || !slices.Equal(got[0].Subjects, e.Subjects) || got[0].ProductCode != "p" {
		t.Errorf("index fields = %s %v %q", got[0].EventTime, got[0].Subjects, got[0].ProductCode)
	}
}

// A call whose access key id or product code holds a NUL (an attacker's
// request) is recorded with its record intact and does not fail the
// events appended with it.
func testAuditNUL(t *testing.T, s meterd.AuditStore) {
	bad := auditEvent("bad", 0, "MeterUsage", "AK\x00X", "", "p\x00", meterd.AuditSubject{Customer: "c\x00"})
	appendAudit(t, s, auditEvent("before", 0, "MeterUsage", "AK", "", "p"), bad)
	got, _, err := s.FindAuditEvents(t.Context(), meterd.AuditFilter{})
	if err != nil || len(got) != 2 {
		t.Fatalf("find: %d events, %v", len(got), err)
	}
	if id := got[0].UserIdentity.AccessKeyID + got[1].UserIdentity.AccessKeyID; id != "AKAK\x00X" && id != "AK\x00XAK" {
		t.Errorf("access key ids %q and %q, want AK and AK\\x00X", got[0].UserIdentity.AccessKeyID, got[1].UserIdentity.AccessKeyID)
	}
}

func testAuditDelete(t *testing.T, s meterd.AuditStore) {
	for i := range 5 {
		appendAudit(t, s, auditEvent(fmt.Sprint(i), i, "MeterUsage", "AK", "", "p"))
	}
	cutoff := auditEpoch.Add(3 * time.Minute) // events 0, 1, 2 are older
	for _, want := range []int{2, 1, 0} {     // at most 2 a call
		n, err := s.DeleteAuditBefore(t.Context(), cutoff, 2)
		if err != nil || n != want {
			t.Fatalf("deleted %d (%v), want %d", n, err, want)
		}
	}
	got, _, _ := s.FindAuditEvents(t.Context(), meterd.AuditFilter{})
	if ids := eventIDs(got); !slices.Equal(ids, []string{"4", "3"}) {
		t.Errorf("left %v, want [4 3]", ids)
	}
}

func testAuditDeleteAll(t *testing.T, s meterd.AuditStore) {
	for i := range 3 {
		appendAudit(t, s, auditEvent(fmt.Sprint(i), i, "MeterUsage", "AK", "", "p"))
	}
	if n, err := s.DeleteAllAudit(t.Context()); err != nil || n != 3 {
		t.Fatalf("deleted %d (%v), want 3", n, err)
	}
	got, next, err := s.FindAuditEvents(t.Context(), meterd.AuditFilter{})
	if err != nil || len(got) != 0 || next != "" {
		t.Errorf("after DeleteAll: %d events, next %q (%v), want none", len(got), next, err)
	}
}
