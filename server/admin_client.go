package server

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"strings"
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
// answer is an error carrying the server's message.
func (c *AdminClient) post(ctx context.Context, path string, in, out any) error {
	body, err := json.Marshal(in)
	if err != nil {
		return err
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, strings.TrimRight(c.BaseURL, "/")+path, bytes.NewReader(body))
	if err != nil {
		return err
	}
	req.Header.Set("Authorization", "Bearer "+c.Token)
	req.Header.Set("Content-Type", "application/json")
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
		var e adminError
		if json.Unmarshal(answer, &e) == nil && e.Error != "" {
			return fmt.Errorf("%s: %s", resp.Status, e.Error)
		}
		return fmt.Errorf("%s: %s", resp.Status, strings.TrimSpace(string(answer)))
	}
	return json.Unmarshal(answer, out)
}
