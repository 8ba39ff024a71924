package main

import (
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"strings"
	"text/tabwriter"
)

// result is what a command prints: text for people by default, and with
// --json one JSON value on one line, whose fields docs/cli.md documents
// as a stable contract.
type result interface {
	writeText(w io.Writer) error
}

// output is the --json flag every command has.
type output struct{ json bool }

func (o *output) bind(fs *flag.FlagSet) {
	fs.BoolVar(&o.json, "json", false, "print one JSON value on one line instead of text (see docs/cli.md)")
}

func (o *output) write(w io.Writer, r result) error {
	if o.json {
		return json.NewEncoder(w).Encode(r)
	}
	return r.writeText(w)
}

// writeTable aligns rows in columns two spaces apart.
func writeTable(w io.Writer, rows [][]string) error {
	tw := tabwriter.NewWriter(w, 0, 4, 2, ' ', 0)
	for _, row := range rows {
		fmt.Fprintln(tw, strings.Join(row, "\t"))
	}
	return tw.Flush()
}

// noArgs refuses positional arguments for commands that take none.
func noArgs(args []string) error {
	if len(args) > 0 {
		return usagef("unexpected argument %q", args[0])
	}
	return nil
}
