package server

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"net/http"
	"strings"

	"github.com/meterd/meterd"
)

// AdminClient calls a meterd's admin API; `meterd admin` uses it.
type AdminClient struct {
	BaseURL string // e.g. http://127.0.0.1:4599
	Token   string
	HTTP    *http.Client // http.DefaultClient when nil
}

// CreateRegistrationToken mints a token for ResolveCustomer.
func (c *AdminClient) CreateRegistrationToken(ctx context.Context, in CreateRegistrationTokenInput) (*RegistrationTokenOutput, error) {
	var out RegistrationTokenOutput
	if err := c.post(ctx, "/admin/v1/registration-tokens", in, &out); err != nil {
		return nil, err
	}
	return &out, nil
}

// RotateSigningKey makes a new RegisterUsage signing key version.
func (c *AdminClient) RotateSigningKey(ctx context.Context) (*SigningKeyOutput, error) {
	var out SigningKeyOutput
	if err := c.post(ctx, "/admin/v1/signing-keys", struct{}{}, &out); err != nil {
		return nil, err
	}
	return &out, nil
}

// post sends in as JSON and decodes a 2xx answer into out; any other
// answer is a *meterd.Error (see parseAdminError).
func (c *AdminClient) post(ctx context.Context, path string, in, out any) error {
	return c.do(ctx, http.MethodPost, path, in, out)
}

// do sends a request with in as its JSON body (none when in is nil) and
// decodes a 2xx answer into out, as post does.
func (c *AdminClient) do(ctx context.Context, method, path string, in, out any) error {
	var body io.Reader = http.NoBody
	if in != nil {
		b, err := json.Marshal(in)
		if err != nil {
			return err
		}
		body = bytes.NewReader(b)
	}
	req, err := http.NewRequestWithContext(ctx, method, strings.TrimRight(c.BaseURL, "/")+path, body)
	if err != nil {
		return err
	}
	req.Header.Set("Authorization", "Bearer "+c.Token)
	if in != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	client := c.HTTP
	if client == nil {
		client = http.DefaultClient
	}
	resp, err := client.Do(req)
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	answer, err := io.ReadAll(io.LimitReader(resp.Body, 1<<20))
	if err != nil {
		return err
	}
	if resp.StatusCode >= 300 {
		return parseAdminError(resp.StatusCode, answer)
	}
	return json.Unmarshal(answer, out)
}

// parseAdminError turns an error answer back into the *meterd.Error the
// server wrote, so that callers test the code (meterd.ErrorCode, errors.Is)
// rather than parse text. An answer without a code (from a proxy in
// between, say) gets the code its status stands for in adminStatus, and its
// text, shortened, as the message.
func parseAdminError(status int, body []byte) error {
	var e adminError
	if json.Unmarshal(body, &e) == nil && e.Code != "" {
		return &meterd.Error{Code: e.Code, Message: e.Error}
	}
	text := strings.TrimSpace(string(body))
	if len(text) > maxForeignErrorText {
		text = text[:maxForeignErrorText] + "..."
	}
	return meterd.Errorf(codeForStatus(status), "HTTP %d %s: %s", status, http.StatusText(status), text)
}

// maxForeignErrorText bounds how much of an uncoded answer an error quotes.
const maxForeignErrorText = 200

// codeForStatus inverts adminStatus; a status it does not list is
// EInternalServiceError.
func codeForStatus(status int) string {
	for code, s := range adminStatus {
		if s == status {
			return code
		}
	}
	return meterd.EInternalServiceError
}

// Reset empties the ledger and the audit trail of a meterd started with
// --allow-reset; without it the error's code is meterd.EConflict.
func (c *AdminClient) Reset(ctx context.Context) (*ResetOutput, error) {
	var out ResetOutput
	if err := c.post(ctx, pathReset, struct{}{}, &out); err != nil {
		return nil, err
	}
	return &out, nil
}
