package server_test

import (
	"encoding/json"
	"strings"
	"testing"

	"github.com/meterd/meterd"
	"github.com/meterd/meterd/metering"
)

const (
	tokensPath = "/admin/v1/registration-tokens"
	keysPath   = "/admin/v1/signing-keys"
	goodToken  = `{"productCode":"demo-saas","customerIdentifier":"demo-customer"}`
)

// TestAdminAPI: one row per route and outcome. Every error answer carries
// the code the status stands for and a message that names the fault (or,
// for a 500, hides it).
func TestAdminAPI(t *testing.T) {
	tests := []struct {
		name         string
		wrap         func(metering.Store) metering.Store
		method, path string
		auth, body   string
		wantStatus   int
		wantCode     string // "" for success
		wantMessage  string
	}{
		{"OK token", nil, "POST", tokensPath, "Bearer " + adminToken, goodToken, 201, "", ""},
		{"OK token with lifetime", nil, "POST", tokensPath, "Bearer " + adminToken,
			`{"productCode":"demo-saas","customerIdentifier":"demo-customer","ttlSeconds":-60}`, 201, "", ""},
		{"ErrNotFound token product", nil, "POST", tokensPath, "Bearer " + adminToken,
			`{"productCode":"nope","customerIdentifier":"demo-customer"}`, 404, meterd.ENotFound, `product "nope" does not exist`},
		{"ErrNotFound token customer", nil, "POST", tokensPath, "Bearer " + adminToken,
			`{"productCode":"demo-saas","customerIdentifier":"nobody"}`, 404, meterd.ENotFound, `customer "nobody" does not exist`},
		{"ErrInvalid token product not SaaS", nil, "POST", tokensPath, "Bearer " + adminToken,
			`{"productCode":"demo-ami","customerIdentifier":"demo-customer"}`, 400, meterd.EInvalid,
			`product "demo-ami" is a AMI product; registration tokens are for SaaS products`},
		{"ErrInvalid token lifetime over a year", nil, "POST", tokensPath, "Bearer " + adminToken,
			`{"productCode":"demo-saas","customerIdentifier":"demo-customer","ttlSeconds":40000000}`, 400, meterd.EInvalid,
			"ttlSeconds must be within a year either way"},
		{"ErrInvalid token bad JSON", nil, "POST", tokensPath, "Bearer " + adminToken, `productCode=demo-saas`, 400,
			meterd.EInvalid, "body must be JSON: invalid character 'p' looking for beginning of value"},
		{"ErrInvalid token fractional lifetime", nil, "POST", tokensPath, "Bearer " + adminToken, `{"ttlSeconds":0.5}`, 400,
			meterd.EInvalid, "body must be JSON: json: cannot unmarshal number 0.5 into Go struct field CreateRegistrationTokenInput.ttlSeconds of type int64"},
		{"ErrInvalid token body too large", nil, "POST", tokensPath, "Bearer " + adminToken,
			`{"productCode":"` + strings.Repeat("x", 1<<16) + `"}`, 400, meterd.EInvalid, "body must be JSON: http: request body too large"},
		{"ErrInternalServiceError token store fails", broken, "POST", tokensPath, "Bearer " + adminToken, goodToken, 500,
			meterd.EInternalServiceError, meterd.InternalErrorMessage},
		{"ErrUnauthorized token missing", nil, "POST", tokensPath, "", goodToken, 401, meterd.EUnauthorized,
			"admin token required: send Authorization: Bearer <token>"},
		{"ErrUnauthorized token other scheme", nil, "POST", tokensPath, "Basic dGVzdDp0ZXN0", goodToken, 401,
			meterd.EUnauthorized, "admin token required: send Authorization: Bearer <token>"},
		{"ErrUnauthorized token wrong", nil, "POST", tokensPath, "Bearer wrong", goodToken, 401, meterd.EUnauthorized,
			"admin token does not match this meterd's"},
		{"ErrMethodNotAllowed token GET", nil, "GET", tokensPath, "Bearer " + adminToken, "", 405, meterd.EMethodNotAllowed,
			"GET /admin/v1/registration-tokens: use POST"},

		{"OK key rotation", nil, "POST", keysPath, "Bearer " + adminToken, `{}`, 201, "", ""},
		{"ErrConflict key rotation raced", raced, "POST", keysPath, "Bearer " + adminToken, `{}`, 409, meterd.EConflict,
			"signing key version 2 already exists"},
		{"ErrInternalServiceError key rotation store fails", broken, "POST", keysPath, "Bearer " + adminToken, `{}`, 500,
			meterd.EInternalServiceError, meterd.InternalErrorMessage},
		{"ErrUnauthorized key rotation missing", nil, "POST", keysPath, "", `{}`, 401, meterd.EUnauthorized,
			"admin token required: send Authorization: Bearer <token>"},
		{"ErrUnauthorized key rotation wrong", nil, "POST", keysPath, "Bearer " + strings.ToUpper(adminToken), `{}`, 401,
			meterd.EUnauthorized, "admin token does not match this meterd's"},
		{"ErrMethodNotAllowed key rotation DELETE", nil, "DELETE", keysPath, "Bearer " + adminToken, "", 405,
			meterd.EMethodNotAllowed, "DELETE /admin/v1/signing-keys: use POST"},

		{"ErrNotFound unknown route", nil, "POST", "/admin/v1/nope", "Bearer " + adminToken, `{}`, 404, meterd.ENotFound,
			"no admin route /admin/v1/nope"},
		{"ErrUnauthorized unknown route", nil, "POST", "/admin/v1/nope", "", `{}`, 401, meterd.EUnauthorized,
			"admin token required: send Authorization: Bearer <token>"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			url := serve(t, newServer(t, tt.wrap))
			status, body := send(t, tt.method, url+tt.path, tt.auth, tt.body)
			if status != tt.wantStatus {
				t.Fatalf("status %d (%s), want %d", status, body, tt.wantStatus)
			}
			if tt.wantCode == "" {
				adminWantResult(t, body)
				return
			}
			var got struct{ Error, Code string }
			if err := json.Unmarshal(body, &got); err != nil {
				t.Fatalf("error body %s: %v", body, err)
			}
			if got.Code != tt.wantCode || got.Error != tt.wantMessage {
				t.Fatalf("got %s %q, want %s %q", got.Code, got.Error, tt.wantCode, tt.wantMessage)
			}
		})
	}
}

// adminWantResult fails unless body is a token or a key, not an error.
func adminWantResult(t *testing.T, body []byte) {
	t.Helper()
	var out struct {
		Token   string
		Version int32
	}
	if err := json.Unmarshal(body, &out); err != nil || (out.Token == "" && out.Version == 0) {
		t.Fatalf("result %s (%v), want a token or a key version", body, err)
	}
}
