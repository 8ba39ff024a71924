package server_test

import (
	"context"
	"encoding/json"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/marketplacemetering"

	"github.com/meterd/meterd"
	"github.com/meterd/meterd/audit"
	"github.com/meterd/meterd/server"
)

// newResetServer is a server with an audit trail whose reset is allowed
// or not.
func newResetServer(t *testing.T, allow bool) *server.Server {
	t.Helper()
	s := withAudit(t, newServer(t, nil))
	s.Resetter, s.AllowReset = s.Store.(meterd.LedgerResetter), allow
	return s
}

// waitEvents waits, in process, until n events named name are stored.
func waitEvents(t *testing.T, s *server.Server, name string, n int) {
	t.Helper()
	q := audit.CallQuery{Filter: meterd.AuditFilter{EventName: name}, Min: n}
	if res, err := s.Audit.Wait(t.Context(), q, 10*time.Second); err != nil || !res.Met {
		t.Fatalf("%d %s events not stored: %+v %v", n, name, res, err)
	}
}

// TestReset: the same record metered before and after a reset is accepted
// as new both times, the catalog is kept, and the trail holds only the
// reset call itself.
func TestReset(t *testing.T) {
	s := newResetServer(t, true)
	url := serve(t, s)
	mc := meteringClient(url, sellerCreds)
	in := &marketplacemetering.MeterUsageInput{ProductCode: aws.String("demo-ami"),
		UsageDimension: aws.String("vcpu_hours"), UsageQuantity: aws.Int32(1),
		Timestamp: aws.Time(time.Now().UTC().Truncate(time.Hour))}
	first, err := mc.MeterUsage(t.Context(), in)
	if err != nil {
		t.Fatal(err)
	}
	again, err := mc.MeterUsage(t.Context(), in)
	if err != nil || aws.ToString(again.MeteringRecordId) != aws.ToString(first.MeteringRecordId) {
		t.Fatalf("before the reset, the same record got %v (%v), want the stored id", again, err)
	}
	waitEvents(t, s, "MeterUsage", 2) // so that they are not recorded after the reset

	admin := &server.AdminClient{BaseURL: url, Token: adminToken}
	got, err := admin.Reset(t.Context())
	if err != nil {
		t.Fatal(err)
	}
	if want := (server.ResetOutput{MeteringRecords: 1, AuditEvents: 2}); *got != want {
		t.Errorf("Reset = %+v, want %+v", *got, want)
	}

	after, err := mc.MeterUsage(t.Context(), in) // the catalog still answers
	if err != nil {
		t.Fatal(err)
	}
	if aws.ToString(after.MeteringRecordId) == aws.ToString(first.MeteringRecordId) {
		t.Errorf("after the reset, the record got the old id %s, want a new one", aws.ToString(first.MeteringRecordId))
	}
	waitEvents(t, s, "Reset", 1)
	waitEvents(t, s, "MeterUsage", 1)
	page, err := admin.LookupEvents(t.Context(), meterd.AuditFilter{EventName: "MeterUsage"})
	if err != nil || len(page.Events) != 1 {
		t.Fatalf("MeterUsage events after the reset: %+v %v, want the one call after it", page, err)
	}
	trail, _, err := s.Audit.Find(t.Context(), meterd.AuditFilter{})
	if err != nil {
		t.Fatal(err)
	}
	if len(trail) < 2 || trail[len(trail)-1].EventName != "Reset" || trail[len(trail)-1].ErrorCode != "" {
		t.Errorf("oldest event after the reset: %+v, want the Reset call", trail[len(trail)-1])
	}
}

// TestResetRefused: one row per reason a reset is refused; the ledger is
// kept each time.
func TestResetRefused(t *testing.T) {
	tests := []struct {
		name        string
		allow       bool
		auth        string
		wantStatus  int
		wantCode    string
		wantMessage string
	}{
		{"ErrConflict without --allow-reset", false, "Bearer " + adminToken, 409, meterd.EConflict,
			"reset is off on this meterd: start it with --allow-reset (METERD_ALLOW_RESET=true) to allow it"},
		{"ErrUnauthorized without the token", true, "", 401, meterd.EUnauthorized,
			"admin token required: send Authorization: Bearer <token>"},
		{"ErrUnauthorized with a wrong token", true, "Bearer guess", 401, meterd.EUnauthorized,
			"admin token does not match this meterd's"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s := newResetServer(t, tt.allow)
			url := serve(t, s)
			if err := meterAMI(t, meteringClient(url, sellerCreds)); err != nil {
				t.Fatal(err)
			}
			status, body := send(t, "POST", url+"/admin/v1/reset", tt.auth, "")
			var got struct{ Error, Code string }
			if err := json.Unmarshal(body, &got); err != nil {
				t.Fatalf("body %s: %v", body, err)
			}
			if status != tt.wantStatus || got.Code != tt.wantCode || got.Error != tt.wantMessage {
				t.Fatalf("got %d %s %q, want %d %s %q", status, got.Code, got.Error, tt.wantStatus, tt.wantCode, tt.wantMessage)
			}
			recs, err := s.Store.(meterd.LedgerStore).FindUsage(context.Background(), meterd.UsageFilter{})
			if err != nil || len(recs) != 1 {
				t.Errorf("ledger after a refused reset: %d records (%v), want 1", len(recs), err)
			}
		})
	}
}
