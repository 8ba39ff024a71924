package server_test

import (
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/meterd/meterd"
	"github.com/meterd/meterd/server"
	"github.com/meterd/meterd/sim"
)

// TestAdminSim: every clock, fault and quota route round-trips through the
// admin client, and bad input comes back as a coded error.
func TestAdminSim(t *testing.T) {
	at := time.Date(2026, 2, 1, 7, 0, 0, 0, time.UTC)
	clockIs := func(want time.Time, frozen bool, call func(*server.AdminClient) (*server.ClockOutput, error)) func(*server.AdminClient) error {
		return func(c *server.AdminClient) error {
			out, err := call(c)
			if err == nil && (!out.Now.Equal(want) || out.Frozen != frozen) {
				t.Errorf("clock %+v, want %v frozen %v", out, want, frozen)
			}
			return err
		}
	}
	addFault := func(r sim.Rule) func(*server.AdminClient) error {
		return func(c *server.AdminClient) error {
			out, err := c.AddFault(t.Context(), r)
			if err == nil && out.ID != 1 {
				t.Errorf("first rule has id %d", out.ID)
			}
			return err
		}
	}
	setQuota := func(q sim.Quota) func(*server.AdminClient) error {
		return func(c *server.AdminClient) error {
			out, err := c.SetQuota(t.Context(), q)
			if err == nil && (!out.Throttle || len(out.Quotas) != len(server.DefaultQuotas())+1) {
				t.Errorf("quotas %+v", out)
			}
			return err
		}
	}
	tests := []struct {
		name        string
		call        func(*server.AdminClient) error
		wantCode    string
		wantMessage string
	}{
		{"OK clock set", clockIs(at, false, func(c *server.AdminClient) (*server.ClockOutput, error) {
			if _, err := c.FreezeClock(t.Context()); err != nil {
				return nil, err
			}
			if _, err := c.RealClock(t.Context()); err != nil {
				return nil, err
			}
			return c.SetClock(t.Context(), at, false)
		}), "", ""},
		{"OK clock frozen and advanced back", clockIs(at.Add(-time.Hour), true, func(c *server.AdminClient) (*server.ClockOutput, error) {
			if _, err := c.SetClock(t.Context(), at, true); err != nil {
				return nil, err
			}
			if _, err := c.AdvanceClock(t.Context(), -time.Hour); err != nil {
				return nil, err
			}
			return c.Clock(t.Context())
		}), "", ""},
		{"OK clock offset", func(c *server.AdminClient) error {
			out, err := c.OffsetClock(t.Context(), 48*time.Hour)
			if err == nil && (out.Frozen || out.Real || time.Duration(out.Offset) < 47*time.Hour) {
				t.Errorf("clock %+v", out)
			}
			return err
		}, "", ""},
		{"ErrInvalid clock set without time", func(c *server.AdminClient) error {
			_, err := c.SetClock(t.Context(), time.Time{}, false)
			return err
		}, meterd.EInvalid, "time is required (RFC 3339)"},
		{"OK fault", addFault(sim.Rule{Operation: "MeterUsage", Error: meterd.EThrottling}), "", ""},
		{"ErrInvalid fault", addFault(sim.Rule{Operation: "ResolveCustomer", Unprocessed: 0.5}), meterd.EInvalid,
			"unprocessed needs operation BatchMeterUsage"},
		{"OK faults listed, deleted and cleared", func(c *server.AdminClient) error {
			for _, r := range []sim.Rule{{Drop: true}, {Latency: sim.Duration(time.Second)}} {
				if _, err := c.AddFault(t.Context(), r); err != nil {
					return err
				}
			}
			if err := c.DeleteFault(t.Context(), 1); err != nil {
				return err
			}
			rules, err := c.Faults(t.Context())
			if err != nil || len(rules) != 1 || rules[0].ID != 2 {
				t.Errorf("rules %+v, %v", rules, err)
			}
			if n, err := c.ClearFaults(t.Context()); err != nil || n != 1 {
				t.Errorf("cleared %d, %v", n, err)
			}
			return nil
		}, "", ""},
		{"ErrNotFound fault", func(c *server.AdminClient) error { return c.DeleteFault(t.Context(), 9) }, meterd.ENotFound, "no fault rule 9"},
		{"OK quota", setQuota(sim.Quota{Operation: "MeterUsage", Account: "111122223333", Rate: 1}), "", ""},
		{"ErrInvalid quota", setQuota(sim.Quota{Operation: "MeterUsage", Rate: 0}), meterd.EInvalid, "quota rate 0: want above 0, at most 1e+09"},
		{"ErrNotFound quota reset", func(c *server.AdminClient) error {
			_, err := c.ResetQuota(t.Context(), "MeterUsage", "111122223333")
			return err
		}, meterd.ENotFound, "no quota override for MeterUsage@111122223333"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c := &server.AdminClient{BaseURL: serve(t, newSimServer(t)), Token: adminToken}
			wantAdminOutcome(t, tt.call(c), tt.wantCode, tt.wantMessage)
		})
	}
}

// TestAdminSimStrictBody: a misspelt field is refused, not ignored.
func TestAdminSimStrictBody(t *testing.T) {
	url := serve(t, newSimServer(t))
	status, body := send(t, http.MethodPost, url+"/admin/v1/faults", "Bearer "+adminToken,
		`{"operation": "MeterUsage", "error": "ThrottlingException", "probabilty": 0.1}`)
	if status != http.StatusBadRequest || !strings.Contains(string(body), `unknown field \"probabilty\"`) {
		t.Fatalf("%d %s", status, body)
	}
}

// TestAdminSimWithout: a server without a clock, fault rules or throttling
// answers Invalid rather than failing.
func TestAdminSimWithout(t *testing.T) {
	c := &server.AdminClient{BaseURL: serve(t, newServer(t, nil)), Token: adminToken}
	_, err := c.Clock(t.Context())
	wantCodedError(t, err, meterd.EInvalid, "this meterd has no simulated clock")
	_, err = c.Faults(t.Context())
	wantCodedError(t, err, meterd.EInvalid, "this meterd has no fault injection")
	_, err = c.SetQuota(t.Context(), sim.Quota{Operation: "MeterUsage", Rate: 1})
	wantCodedError(t, err, meterd.EInvalid, "throttling is off (--throttle=false): there are no quotas to tune")
	out, err := c.Quotas(t.Context())
	if err != nil || out.Throttle || out.Quotas == nil || len(out.Quotas) != 0 {
		t.Fatalf("quotas without throttling: %+v, %v", out, err)
	}
}

// TestAdminMethods: a path with several routes lists all of them in Allow.
func TestAdminMethods(t *testing.T) {
	url := serve(t, newSimServer(t))
	req, err := http.NewRequestWithContext(t.Context(), http.MethodPut, url+"/admin/v1/faults", nil)
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Authorization", "Bearer "+adminToken)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusMethodNotAllowed || resp.Header.Get("Allow") != "GET, POST, DELETE" {
		t.Fatalf("PUT: %d, Allow %q", resp.StatusCode, resp.Header.Get("Allow"))
	}
}
