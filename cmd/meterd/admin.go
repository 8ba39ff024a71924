package main

import (
	"bytes"
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"time"
)

// runAdmin implements the admin subcommands, which call a running meterd's
// admin API.
func runAdmin(ctx context.Context, args []string, stdout, stderr io.Writer, getenv func(string) string) error {
	if len(args) < 2 {
		return usagef("usage: meterd admin token create | meterd admin keys rotate")
	}
	fs := flag.NewFlagSet("meterd admin", flag.ContinueOnError)
	fs.SetOutput(stderr)
	def := DefaultConfig()
	url := fs.String("url", envOr(getenv, "URL", "http://"+def.Addr), "base URL of meterd (METERD_URL)")
	dataDir := fs.String("data", envOr(getenv, "DATA", def.DataDir), "data directory holding admin-token (METERD_DATA)")
	token := fs.String("admin-token", getenv("METERD_ADMIN_TOKEN"), "admin token; read from DATA/admin-token when empty (METERD_ADMIN_TOKEN)")
	product := fs.String("product", "", "product code (token create)")
	customer := fs.String("customer", "", "customer identifier (token create)")
	ttl := fs.Duration("ttl", 0, "token lifetime (token create); default 4h, negative mints an expired token")
	if err := fs.Parse(args[2:]); err != nil {
		return flagError(err)
	}
	if *token == "" {
		b, err := os.ReadFile(filepath.Join(*dataDir, adminTokenFile))
		if err != nil {
			return fmt.Errorf("no --admin-token and %v", err)
		}
		*token = strings.TrimSpace(string(b))
	}
	c := adminClient{base: strings.TrimRight(*url, "/"), token: *token}
	switch args[0] + " " + args[1] {
	case "token create":
		body := map[string]any{"productCode": *product, "customerIdentifier": *customer, "ttlSeconds": int64(ttl.Seconds())}
		return c.post(ctx, "/admin/v1/registration-tokens", body, stdout)
	case "keys rotate":
		return c.post(ctx, "/admin/v1/signing-keys", struct{}{}, stdout)
	}
	return usagef("unknown admin command %q", args[0]+" "+args[1])
}

func envOr(getenv func(string) string, name, def string) string {
	if v := getenv("METERD_" + name); v != "" {
		return v
	}
	return def
}

// adminClient calls the admin API with the bearer token.
type adminClient struct {
	base, token string
}

func (c adminClient) post(ctx context.Context, path string, in any, out io.Writer) error {
	body, err := json.Marshal(in)
	if err != nil {
		return err
	}
	ctx, cancel := context.WithTimeout(ctx, 30*time.Second)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, c.base+path, bytes.NewReader(body))
	if err != nil {
		return err
	}
	req.Header.Set("Authorization", "Bearer "+c.token)
	req.Header.Set("Content-Type", "application/json")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	answer, err := io.ReadAll(io.LimitReader(resp.Body, 1<<20))
	if err != nil {
		return err
	}
	if resp.StatusCode >= 300 {
		return fmt.Errorf("%s: %s", resp.Status, strings.TrimSpace(string(answer)))
	}
	_, err = out.Write(answer)
	return err
}
