package main

import (
	"context"
	"flag"
	"io"
	"strings"
)

// helpCommand lists the commands, or prints one's usage and flags.
type helpCommand struct{ out output }

func (*helpCommand) name() string     { return "help" }
func (*helpCommand) synopsis() string { return "list the commands, or show one's flags" }
func (*helpCommand) usage() string {
	return `Usage: meterd help [flags] [COMMAND]

Without COMMAND, lists the commands; with one, e.g. "meterd help admin
token create", prints its usage and flags. --json lists the commands.
`
}

func (c *helpCommand) bind(fs *flag.FlagSet, _ *env) error {
	c.out.bind(fs)
	return nil
}

func (c *helpCommand) run(_ context.Context, e *env, args []string) error {
	if len(args) == 0 {
		return c.out.write(e.stdout, listCommands())
	}
	cmd, rest := lookup(args)
	if cmd == nil || len(rest) > 0 {
		return usagef("help: unknown command %q", strings.Join(args, " "))
	}
	fs, err := flagSet(cmd, e)
	if err != nil {
		return err
	}
	printUsage(e.stdout, cmd, fs)
	return nil
}

// commandList is every command; --json prints it as
// [{"name": ..., "synopsis": ...}, ...].
type commandList []commandInfo

type commandInfo struct {
	Name     string `json:"name"`
	Synopsis string `json:"synopsis"`
}

func listCommands() commandList {
	var list commandList
	for _, c := range commands() {
		list = append(list, commandInfo{Name: c.name(), Synopsis: c.synopsis()})
	}
	return list
}

func (commandList) writeText(w io.Writer) error {
	printCommands(w, "")
	return nil
}
