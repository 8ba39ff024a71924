package main

import (
	"fmt"
	"io"
	"os"

	"github.com/meterd/meterd/seed"
)

// runSeed implements `meterd seed check FILE`: parse and validate a seed
// file without starting anything.
func runSeed(args []string, stdout io.Writer) error {
	if len(args) != 2 || args[0] != "check" {
		return usagef("usage: meterd seed check FILE")
	}
	f, err := os.Open(args[1])
	if err != nil {
		return err
	}
	defer f.Close()
	c, err := seed.Parse(args[1], f)
	if err != nil {
		return err
	}
	fmt.Fprintf(stdout, "%s: ok (accounts: %d, access keys: %d, products: %d, customers: %d, subscriptions: %d)\n",
		args[1], len(c.Accounts), len(c.AccessKeys), len(c.Products), len(c.Customers), len(c.Subscriptions))
	return nil
}
