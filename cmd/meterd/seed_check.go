package main

import (
	"context"
	"flag"
	"io"
	"os"
	"strconv"

	"github.com/meterd/meterd/seed"
)

// seedCheckCommand parses and validates a seed file without starting
// anything.
type seedCheckCommand struct{ out output }

func (*seedCheckCommand) name() string     { return "seed check" }
func (*seedCheckCommand) synopsis() string { return "validate a seed file" }
func (*seedCheckCommand) usage() string {
	return `Usage: meterd seed check [flags] FILE

Parses and validates the seed file FILE as serve --seed would, and counts
what it declares. A bad file fails with its line and field (exit status 1).
`
}

func (c *seedCheckCommand) bind(fs *flag.FlagSet, _ *env) error {
	c.out.bind(fs)
	return nil
}

func (c *seedCheckCommand) run(_ context.Context, e *env, args []string) error {
	if len(args) != 1 {
		return usagef("want one seed file, got %d arguments", len(args))
	}
	f, err := os.Open(args[0])
	if err != nil {
		return err
	}
	defer f.Close()
	cat, err := seed.Parse(args[0], f)
	if err != nil {
		return err
	}
	return c.out.write(e.stdout, seedCheckResult{File: args[0], Accounts: len(cat.Accounts), AccessKeys: len(cat.AccessKeys),
		Products: len(cat.Products), Customers: len(cat.Customers), Subscriptions: len(cat.Subscriptions)})
}

// seedCheckResult counts what a valid seed file declares.
type seedCheckResult struct {
	File          string `json:"file"`
	Accounts      int    `json:"accounts"`
	AccessKeys    int    `json:"accessKeys"`
	Products      int    `json:"products"`
	Customers     int    `json:"customers"`
	Subscriptions int    `json:"subscriptions"`
}

func (r seedCheckResult) writeText(w io.Writer) error {
	itoa := strconv.Itoa
	return writeTable(w, [][]string{
		{"FILE", "ACCOUNTS", "ACCESS KEYS", "PRODUCTS", "CUSTOMERS", "SUBSCRIPTIONS"},
		{r.File, itoa(r.Accounts), itoa(r.AccessKeys), itoa(r.Products), itoa(r.Customers), itoa(r.Subscriptions)},
	})
}
