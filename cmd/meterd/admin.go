package main

import (
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

	"github.com/meterd/meterd/node"
	"github.com/meterd/meterd/server"
)

// runAdmin implements the admin subcommands, which call a running meterd's
// admin API.
func runAdmin(ctx context.Context, args []string, stdout, stderr io.Writer, getenv func(string) string) error {
	if len(args) < 2 {
		return usagef("usage: meterd admin token create | meterd admin keys rotate")
	}
	fs := flag.NewFlagSet("meterd admin", flag.ContinueOnError)
	fs.SetOutput(stderr)
	def := node.DefaultConfig()
	url := fs.String("url", envOr(getenv, "URL", "http://"+def.Addr), "base URL of meterd (METERD_URL)")
	dataDir := fs.String("data", envOr(getenv, "DATA", def.DataDir), "data directory holding admin-token (METERD_DATA)")
	token := fs.String("admin-token", getenv("METERD_ADMIN_TOKEN"), "admin token; read from DATA/admin-token when empty (METERD_ADMIN_TOKEN)")
	product := fs.String("product", "", "product code (token create)")
	customer := fs.String("customer", "", "customer identifier (token create)")
	ttl := fs.Duration("ttl", 0, "token lifetime (token create); default 4h, negative mints an expired token")
	if err := fs.Parse(args[2:]); err != nil {
		return flagError(err)
	}
	if *ttl != 0 && ttl.Abs() < time.Second {
		return usagef("--ttl %s: the admin API counts whole seconds; use at least 1s either way", *ttl)
	}
	if *token == "" {
		b, err := os.ReadFile(filepath.Join(*dataDir, node.AdminTokenFile))
		if err != nil {
			return fmt.Errorf("no --admin-token and %v", err)
		}
		*token = strings.TrimSpace(string(b))
	}
	c := &server.AdminClient{BaseURL: *url, Token: *token, HTTP: &http.Client{Timeout: 30 * time.Second}}
	var out any
	var err error
	switch args[0] + " " + args[1] {
	case "token create":
		out, err = c.CreateRegistrationToken(ctx, server.CreateRegistrationTokenInput{
			ProductCode: *product, CustomerIdentifier: *customer, TTLSeconds: int64(ttl.Seconds()),
		})
	case "keys rotate":
		out, err = c.RotateSigningKey(ctx)
	default:
		return usagef("unknown admin command %q", args[0]+" "+args[1])
	}
	if err != nil {
		return err
	}
	enc := json.NewEncoder(stdout)
	enc.SetIndent("", "  ")
	return enc.Encode(out)
}

func envOr(getenv func(string) string, name, def string) string {
	if v := getenv("METERD_" + name); v != "" {
		return v
	}
	return def
}
