package main

import (
	"context"
	"flag"
	"io"

	"github.com/meterd/meterd/server"
)

// accountsCreateCommand creates an AWS account: a seller, a buyer or both.
type accountsCreateCommand struct {
	client  clientFlags
	out     output
	account server.AccountJSON
}

func (*accountsCreateCommand) name() string     { return "accounts create" }
func (*accountsCreateCommand) synopsis() string { return "create an account" }
func (*accountsCreateCommand) usage() string {
	return `Usage: meterd accounts create [flags]

Creates an AWS account on the meterd at --url; give it keys with
meterd access-keys create. Example:

  meterd accounts create --id 999988887777 --name "My seller"
`
}

func (c *accountsCreateCommand) bind(fs *flag.FlagSet, e *env) error {
	c.client.bind(fs, e.getenv)
	c.out.bind(fs)
	fs.StringVar(&c.account.ID, "id", "", "the 12-digit account id (required)")
	fs.StringVar(&c.account.Name, "name", "", "a name, for people")
	return nil
}

func (c *accountsCreateCommand) run(ctx context.Context, e *env, args []string) error {
	if err := noArgs(args); err != nil {
		return err
	}
	if c.account.ID == "" {
		return usagef("--id is required")
	}
	admin, err := c.client.adminClient()
	if err != nil {
		return err
	}
	a, err := admin.CreateAccount(ctx, c.account)
	if err != nil {
		return err
	}
	return c.out.write(e.stdout, accountResult{*a})
}

// accountResult is one account.
type accountResult struct{ server.AccountJSON }

func (r accountResult) writeText(w io.Writer) error {
	return accountsResult{Accounts: []server.AccountJSON{r.AccountJSON}}.writeText(w)
}
