package main

import (
	"errors"
	"flag"
	"fmt"
	"io/fs"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/meterd/meterd/node"
	"github.com/meterd/meterd/server"
)

// clientFlags is how every client command finds the server and its admin
// token: --url or METERD_URL; --token or METERD_ADMIN_TOKEN, else the token
// file that serve writes into the data directory (--data or METERD_DATA).
type clientFlags struct {
	url, token, dataDir string
}

func (c *clientFlags) bind(fs *flag.FlagSet, getenv func(string) string) {
	def := node.DefaultConfig()
	fs.StringVar(&c.url, "url", envOr(getenv, "METERD_URL", "http://"+def.Addr), "base URL of meterd (METERD_URL)")
	fs.StringVar(&c.token, "token", getenv("METERD_ADMIN_TOKEN"),
		"admin token (METERD_ADMIN_TOKEN); when empty, read from DATA/"+node.AdminTokenFile)
	fs.StringVar(&c.dataDir, "data", envOr(getenv, "METERD_DATA", def.DataDir),
		"data directory of the meterd, for its admin token file (METERD_DATA)")
}

// adminClient checks the flags and returns a client of the admin API.
func (c *clientFlags) adminClient() (*server.AdminClient, error) {
	if u, err := url.Parse(c.url); err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return nil, usagef("--url (METERD_URL) %q: want http://HOST:PORT", c.url)
	}
	token := c.token
	if token == "" {
		path := filepath.Join(c.dataDir, node.AdminTokenFile)
		b, err := os.ReadFile(path)
		if errors.Is(err, fs.ErrNotExist) {
			return nil, fmt.Errorf("no admin token: give --token or METERD_ADMIN_TOKEN, or --data of the meterd (%s does not exist)", path)
		}
		if err != nil {
			return nil, fmt.Errorf("admin token: %w", err)
		}
		token = strings.TrimSpace(string(b))
	}
	return &server.AdminClient{BaseURL: c.url, Token: token, HTTP: &http.Client{Timeout: 30 * time.Second}}, nil
}

func envOr(getenv func(string) string, name, def string) string {
	if v := getenv(name); v != "" {
		return v
	}
	return def
}
