package main

import (
	"context"
	"flag"
	"io"

	"github.com/meterd/meterd/server"
)

// accountsListCommand lists the accounts.
type accountsListCommand struct {
	client clientFlags
	out    output
}

func (*accountsListCommand) name() string     { return "accounts list" }
func (*accountsListCommand) synopsis() string { return "list the accounts" }
func (*accountsListCommand) usage() string {
	return `Usage: meterd accounts list [flags]

Lists the AWS accounts of the meterd at --url.
`
}

func (c *accountsListCommand) bind(fs *flag.FlagSet, e *env) error {
	c.client.bind(fs, e.getenv)
	c.out.bind(fs)
	return nil
}

func (c *accountsListCommand) run(ctx context.Context, e *env, args []string) error {
	if err := noArgs(args); err != nil {
		return err
	}
	admin, err := c.client.adminClient()
	if err != nil {
		return err
	}
	as, err := admin.ListAccounts(ctx)
	if err != nil {
		return err
	}
	return c.out.write(e.stdout, accountsResult{Accounts: nonNil(as)})
}

// accountsResult is a list of accounts.
type accountsResult struct {
	Accounts []server.AccountJSON `json:"accounts"`
}

func (r accountsResult) writeText(w io.Writer) error {
	rows := [][]string{{"ID", "NAME", "ORIGIN"}}
	for _, a := range r.Accounts {
		rows = append(rows, []string{a.ID, orDash(a.Name), a.Origin})
	}
	return writeTable(w, rows)
}
