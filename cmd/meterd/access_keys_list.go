package main

import (
	"context"
	"flag"
	"io"
	"strconv"

	"github.com/meterd/meterd/server"
)

// accessKeysListCommand lists the access keys, without secrets.
type accessKeysListCommand struct {
	client clientFlags
	out    output
}

func (*accessKeysListCommand) name() string     { return "access-keys list" }
func (*accessKeysListCommand) synopsis() string { return "list the SigV4 access keys (no secrets)" }
func (*accessKeysListCommand) usage() string {
	return `Usage: meterd access-keys list [flags]

Lists the access keys of the meterd at --url, disabled ones too, without
their secrets.
`
}

func (c *accessKeysListCommand) bind(fs *flag.FlagSet, e *env) error {
	c.client.bind(fs, e.getenv)
	c.out.bind(fs)
	return nil
}

func (c *accessKeysListCommand) run(ctx context.Context, e *env, args []string) error {
	if err := noArgs(args); err != nil {
		return err
	}
	admin, err := c.client.adminClient()
	if err != nil {
		return err
	}
	ks, err := admin.ListAccessKeys(ctx)
	if err != nil {
		return err
	}
	return c.out.write(e.stdout, accessKeysResult{AccessKeys: nonNil(ks)})
}

// accessKeysResult is a list of keys.
type accessKeysResult struct {
	AccessKeys []server.AccessKeyJSON `json:"accessKeys"`
}

func (r accessKeysResult) writeText(w io.Writer) error {
	header := []string{"ID", "ACCOUNT", "HOME REGION", "PLATFORM", "DISABLED", "ORIGIN"}
	withSecret := len(r.AccessKeys) == 1 && r.AccessKeys[0].Secret != ""
	if withSecret {
		header = append(header, "SECRET")
	}
	rows := [][]string{header}
	for _, k := range r.AccessKeys {
		row := []string{k.ID, k.AccountID, orDash(k.HomeRegion), orDash(k.Platform), strconv.FormatBool(k.Disabled), k.Origin}
		if withSecret {
			row = append(row, k.Secret)
		}
		rows = append(rows, row)
	}
	return writeTable(w, rows)
}
