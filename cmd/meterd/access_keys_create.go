package main

import (
	"context"
	"flag"
	"io"

	"github.com/meterd/meterd/server"
)

// accessKeysCreateCommand creates a SigV4 key pair of an account.
type accessKeysCreateCommand struct {
	client clientFlags
	out    output
	in     server.CreateAccessKeyInput
}

func (*accessKeysCreateCommand) name() string     { return "access-keys create" }
func (*accessKeysCreateCommand) synopsis() string { return "create a SigV4 access key of an account" }
func (*accessKeysCreateCommand) usage() string {
	return `Usage: meterd access-keys create [flags]

Creates an access key of --account on the meterd at --url and prints its
secret (lists never show it). An empty --id or --secret is generated.
`
}

func (c *accessKeysCreateCommand) bind(fs *flag.FlagSet, e *env) error {
	c.client.bind(fs, e.getenv)
	c.out.bind(fs)
	fs.StringVar(&c.in.AccountID, "account", "", "the account's 12-digit id (required)")
	fs.StringVar(&c.in.ID, "id", "", "the access key id; generated when empty")
	fs.StringVar(&c.in.Secret, "secret", "", "the secret access key; generated when empty")
	fs.StringVar(&c.in.HomeRegion, "home-region", "", "the region of the simulated compute resource using the key")
	fs.StringVar(&c.in.Platform, "platform", "", "ec2, ecs, eks or fargate (any when empty)")
	return nil
}

func (c *accessKeysCreateCommand) run(ctx context.Context, e *env, args []string) error {
	if err := noArgs(args); err != nil {
		return err
	}
	if c.in.AccountID == "" {
		return usagef("--account is required")
	}
	admin, err := c.client.adminClient()
	if err != nil {
		return err
	}
	k, err := admin.CreateAccessKey(ctx, c.in)
	if err != nil {
		return err
	}
	return c.out.write(e.stdout, accessKeyResult{*k})
}

// accessKeyResult is one key; its secret only after create and rotate.
type accessKeyResult struct{ server.AccessKeyJSON }

func (r accessKeyResult) writeText(w io.Writer) error {
	return accessKeysResult{AccessKeys: []server.AccessKeyJSON{r.AccessKeyJSON}}.writeText(w)
}
