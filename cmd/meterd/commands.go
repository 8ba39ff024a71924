package main

import (
	"context"
	"flag"
	"fmt"
	"io"
	"slices"
	"strings"
)

// command is one meterd subcommand. Each has a type and a file of its own;
// adding one is a type and a row in commands.
type command interface {
	// name is the full name, as typed: "admin token create".
	name() string
	// synopsis is the line `meterd help` shows.
	synopsis() string
	// usage is the text of `meterd help NAME` above the flags: the usage
	// line, starting "Usage: meterd NAME", and a description.
	usage() string
	// bind defines the command's flags on fs. An error (a bad METERD_
	// variable) is a usage error.
	bind(fs *flag.FlagSet, e *env) error
	// run runs the command with the arguments left after the flags.
	run(ctx context.Context, e *env, args []string) error
}

// commands is the registry: dispatch, `meterd help` and the tests read
// it. It returns new values, which hold the flags of one run.
func commands() []command {
	return []command{
		&serveCommand{},
		&seedCheckCommand{},
		&adminTokenCreateCommand{},
		&adminKeysRotateCommand{},
		&auditListCommand{}, &auditExportCommand{}, &callsListCommand{}, &callsWaitCommand{},
		&usageListCommand{}, &usageSumCommand{}, &usageExportCommand{},
		&clockShowCommand{},
		&clockSetCommand{},
		&clockAdvanceCommand{},
		&clockFreezeCommand{},
		&clockRealCommand{},
		&faultsListCommand{},
		&faultsAddCommand{},
		&faultsDeleteCommand{},
		&faultsClearCommand{},
		&quotasCommand{},
		&quotasSetCommand{},
		&quotasResetCommand{},
		&resetCommand{},
		&billCommand{}, &healthCommand{},
		&accountsListCommand{}, &accountsCreateCommand{},
		&accessKeysListCommand{}, &accessKeysCreateCommand{},
		&accessKeysChangeCommand{action: "rotate", help: "give an access key a new secret"},
		&accessKeysChangeCommand{action: "disable", help: "refuse an access key's signatures"},
		&accessKeysChangeCommand{action: "enable", help: "accept a disabled access key again"},
		&productsListCommand{}, &productsCreateCommand{}, &productsShowCommand{}, &productsUpdateCommand{},
		&customersListCommand{}, &customersCreateCommand{}, &customersSubscribeCommand{},
		&customersUnsubscribeCommand{}, &customersEntitlementsSetCommand{},
		&notificationsListCommand{},
		&reporterStatusCommand{},
		&benchCommand{}, &benchFloorCommand{}, &benchFixtureCommand{}, &benchColdStartCommand{},
		&versionCommand{},
		&helpCommand{},
	}
}

// dispatch finds the command args name and runs it with its flags parsed.
func dispatch(ctx context.Context, e *env, args []string) error {
	if len(args) == 0 {
		printCommands(e.stderr, "")
		return usagef("no command")
	}
	if args[0] == "-h" || args[0] == "--help" {
		args = append([]string{"help"}, args[1:]...)
	}
	c, rest := lookup(args)
	if c == nil {
		typed := commandWords(args)
		printCommands(e.stderr, typed[0])
		return usagef("unknown command %q", strings.Join(typed, " "))
	}
	fs, err := flagSet(c, e)
	if err != nil {
		return err
	}
	if err := fs.Parse(rest); err != nil {
		return flagError(err)
	}
	return c.run(ctx, e, fs.Args())
}

// lookup returns the command whose name is the longest run of leading
// words of args, and the arguments after it.
func lookup(args []string) (command, []string) {
	var best command
	n := 0
	for _, c := range commands() {
		words := strings.Fields(c.name())
		if len(words) > n && len(words) <= len(args) && slices.Equal(words, args[:len(words)]) {
			best, n = c, len(words)
		}
	}
	return best, args[n:]
}

// commandWords is what the user typed as a command name: the leading
// arguments that are not flags, at most three.
func commandWords(args []string) []string {
	var words []string
	for _, a := range args {
		if strings.HasPrefix(a, "-") || len(words) == 3 {
			break
		}
		words = append(words, a)
	}
	if len(words) == 0 {
		words = args[:1]
	}
	return words
}

// flagSet is c's flag set, named by its full name, whose -h prints c's
// usage and flags to stderr.
func flagSet(c command, e *env) (*flag.FlagSet, error) {
	fs := flag.NewFlagSet("meterd "+c.name(), flag.ContinueOnError)
	fs.SetOutput(e.stderr)
	fs.Usage = func() { printUsage(fs.Output(), c, fs) }
	if err := c.bind(fs, e); err != nil {
		return nil, usageError{err}
	}
	return fs, nil
}

func printUsage(w io.Writer, c command, fs *flag.FlagSet) {
	fmt.Fprint(w, c.usage())
	fmt.Fprintln(w, "\nFlags:")
	fs.SetOutput(w)
	fs.PrintDefaults()
}

// printCommands lists the commands whose name starts with prefix (all when
// prefix is ""), or all when none does.
func printCommands(w io.Writer, prefix string) {
	var list []command
	for _, c := range commands() {
		if strings.HasPrefix(c.name()+" ", prefix+" ") || prefix == "" {
			list = append(list, c)
		}
	}
	if len(list) == 0 {
		list = commands()
	}
	fmt.Fprint(w, "meterd: a self-hosted AWS Marketplace Metering and Entitlement service.\n\nCommands:\n")
	rows := make([][]string, len(list))
	for i, c := range list {
		rows[i] = []string{"  meterd " + c.name(), c.synopsis()}
	}
	_ = writeTable(w, rows)
	fmt.Fprintln(w, "\nRun `meterd help COMMAND` for a command's flags.")
}
