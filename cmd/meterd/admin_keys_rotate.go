package main

import (
	"context"
	"flag"
	"io"
	"strconv"
	"time"
)

// adminKeysRotateCommand makes a new RegisterUsage signing key version.
type adminKeysRotateCommand struct {
	client clientFlags
	out    output
}

func (*adminKeysRotateCommand) name() string     { return "admin keys rotate" }
func (*adminKeysRotateCommand) synopsis() string { return "rotate the RegisterUsage signing key" }
func (*adminKeysRotateCommand) usage() string {
	return `Usage: meterd admin keys rotate [flags]

Makes a new RegisterUsage signing key version on the meterd at --url. The
old versions still sign, with PublicKeyRotationTimestamp set.
`
}

func (c *adminKeysRotateCommand) bind(fs *flag.FlagSet, e *env) error {
	c.client.bind(fs, e.getenv)
	c.out.bind(fs)
	return nil
}

func (c *adminKeysRotateCommand) run(ctx context.Context, e *env, args []string) error {
	if err := noArgs(args); err != nil {
		return err
	}
	admin, err := c.client.adminClient()
	if err != nil {
		return err
	}
	key, err := admin.RotateSigningKey(ctx)
	if err != nil {
		return err
	}
	return c.out.write(e.stdout, keyResult{Version: key.Version, CreatedAt: key.CreatedAt.UTC()})
}

// keyResult is a signing key version (its public part is served at
// /meterd/keys/VERSION.pem).
type keyResult struct {
	Version   int32     `json:"version"`
	CreatedAt time.Time `json:"createdAt"`
}

func (r keyResult) writeText(w io.Writer) error {
	return writeTable(w, [][]string{
		{"VERSION", "CREATED"},
		{strconv.Itoa(int(r.Version)), r.CreatedAt.Format(time.RFC3339)},
	})
}
