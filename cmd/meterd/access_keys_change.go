package main

import (
	"context"
	"flag"
)

// accessKeysChangeCommand rotates, disables or enables a key: one type for
// three commands that differ only in the action's name.
type accessKeysChangeCommand struct {
	action, help string
	client       clientFlags
	out          output
}

func (c *accessKeysChangeCommand) name() string     { return "access-keys " + c.action }
func (c *accessKeysChangeCommand) synopsis() string { return c.help }
func (c *accessKeysChangeCommand) usage() string {
	return "Usage: meterd access-keys " + c.action + ` [flags] ID

` + c.help + ` on the meterd at --url. rotate gives the key a new secret
(printed); disable makes its signatures fail as an unknown key's do
(UnrecognizedClientException); enable undoes disable.
`
}

func (c *accessKeysChangeCommand) bind(fs *flag.FlagSet, e *env) error {
	c.client.bind(fs, e.getenv)
	c.out.bind(fs)
	return nil
}

func (c *accessKeysChangeCommand) run(ctx context.Context, e *env, args []string) error {
	if len(args) != 1 {
		return usagef("want one access key ID argument")
	}
	admin, err := c.client.adminClient()
	if err != nil {
		return err
	}
	k, err := admin.ChangeAccessKey(ctx, args[0], c.action)
	if err != nil {
		return err
	}
	return c.out.write(e.stdout, accessKeyResult{*k})
}
