package server_test

import (
	"errors"
	"net/http"
	"net/http/httptest"
	"testing"

	"github.com/meterd/meterd"
	"github.com/meterd/meterd/metering"
	"github.com/meterd/meterd/server"
)

// TestAdminClient: the client and the handler round-trip every outcome; an
// error answer comes back as a *meterd.Error with the server's code and
// message.
func TestAdminClient(t *testing.T) {
	tokenCall := func(product, customer string, ttl int64) func(*server.AdminClient) error {
		return func(c *server.AdminClient) error {
			out, err := c.CreateRegistrationToken(t.Context(), server.CreateRegistrationTokenInput{
				ProductCode: product, CustomerIdentifier: customer, TTLSeconds: ttl,
			})
			if err == nil && out.Token == "" {
				t.Errorf("token answer without a token")
			}
			return err
		}
	}
	rotate := func(c *server.AdminClient) error {
		out, err := c.RotateSigningKey(t.Context())
		if err == nil && out.Version != 2 {
			t.Errorf("rotated to version %d, want 2", out.Version)
		}
		return err
	}
	tests := []struct {
		name        string
		wrap        func(metering.Store) metering.Store
		token       string
		call        func(*server.AdminClient) error
		wantCode    string
		wantMessage string
	}{
		{"OK token", nil, adminToken, tokenCall("demo-saas", "demo-customer", 0), "", ""},
		{"ErrNotFound token", nil, adminToken, tokenCall("demo-saas", "nobody", 0), meterd.ENotFound, `customer "nobody" does not exist`},
		{"ErrInvalid token", nil, adminToken, tokenCall("demo-saas", "demo-customer", 1<<40), meterd.EInvalid,
			"ttlSeconds must be within a year either way"},
		{"ErrUnauthorized token", nil, "wrong", tokenCall("demo-saas", "demo-customer", 0), meterd.EUnauthorized,
			"admin token does not match this meterd's"},
		{"ErrInternalServiceError token", broken, adminToken, tokenCall("demo-saas", "demo-customer", 0),
			meterd.EInternalServiceError, meterd.InternalErrorMessage},
		{"OK key rotation", nil, adminToken, rotate, "", ""},
		{"ErrConflict key rotation", raced, adminToken, rotate, meterd.EConflict, "signing key version 2 already exists"},
		{"ErrUnauthorized key rotation without token", nil, "", rotate, meterd.EUnauthorized,
			"admin token required: send Authorization: Bearer <token>"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c := &server.AdminClient{BaseURL: serve(t, newServer(t, tt.wrap)), Token: tt.token}
			wantAdminOutcome(t, tt.call(c), tt.wantCode, tt.wantMessage)
		})
	}
}

// TestAdminClientForeignAnswer: an error answer that is not meterd's (a
// proxy's page, say) still comes back coded, by its status.
func TestAdminClientForeignAnswer(t *testing.T) {
	tests := []struct {
		name        string
		status      int
		body        string
		wantCode    string
		wantMessage string
	}{
		{"ErrNotFound", 404, "404 page not found\n", meterd.ENotFound, "HTTP 404 Not Found: 404 page not found"},
		{"ErrUnauthorized", 401, "<html>login</html>", meterd.EUnauthorized, "HTTP 401 Unauthorized: <html>login</html>"},
		{"ErrInternalServiceError bad gateway", 502, `{"message":"upstream down"}`, meterd.EInternalServiceError,
			`HTTP 502 Bad Gateway: {"message":"upstream down"}`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			proxy := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				w.WriteHeader(tt.status)
				_, _ = w.Write([]byte(tt.body))
			}))
			t.Cleanup(proxy.Close)
			_, err := (&server.AdminClient{BaseURL: proxy.URL, Token: adminToken}).RotateSigningKey(t.Context())
			wantCodedError(t, err, tt.wantCode, tt.wantMessage)
		})
	}
}

// wantAdminOutcome fails unless err is nil (code "") or the coded error.
func wantAdminOutcome(t *testing.T, err error, code, msg string) {
	t.Helper()
	if code == "" {
		if err != nil {
			t.Fatal(err)
		}
		return
	}
	wantCodedError(t, err, code, msg)
}

// wantCodedError fails unless err is a *meterd.Error with code and msg,
// found both ways a caller may look.
func wantCodedError(t *testing.T, err error, code, msg string) {
	t.Helper()
	var e *meterd.Error
	if !errors.As(err, &e) || e.Code != code || e.Message != msg {
		t.Fatalf("error %#v (%v), want %s %q", e, err, code, msg)
	}
	if !errors.Is(err, &meterd.Error{Code: code}) || meterd.ErrorCode(err) != code {
		t.Fatalf("errors.Is / ErrorCode do not find %s in %v", code, err)
	}
}
