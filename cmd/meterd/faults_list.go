package main

import (
	"context"
	"flag"
	"fmt"
	"io"
	"strconv"
	"strings"
	"time"

	"github.com/meterd/meterd/sim"
)

// faultsListCommand lists the fault injection rules of a running meterd.
type faultsListCommand struct {
	client clientFlags
	out    output
}

func (*faultsListCommand) name() string     { return "faults list" }
func (*faultsListCommand) synopsis() string { return "list the fault injection rules" }
func (*faultsListCommand) usage() string {
	return `Usage: meterd faults list [flags]

Lists the fault injection rules in force on the meterd at --url, in the
order they are tried, with how often each has fired.
`
}

func (c *faultsListCommand) bind(fs *flag.FlagSet, e *env) error {
	c.client.bind(fs, e.getenv)
	c.out.bind(fs)
	return nil
}

func (c *faultsListCommand) run(ctx context.Context, e *env, args []string) error {
	if err := noArgs(args); err != nil {
		return err
	}
	admin, err := c.client.adminClient()
	if err != nil {
		return err
	}
	rules, err := admin.Faults(ctx)
	if err != nil {
		return err
	}
	return c.out.write(e.stdout, faultsResult{Rules: nonNilRules(rules)})
}

func nonNilRules(rules []sim.Rule) []sim.Rule {
	if rules == nil {
		return []sim.Rule{}
	}
	return rules
}

// faultsResult is a list of rules, in sim.Rule's JSON form.
type faultsResult struct {
	Rules []sim.Rule `json:"rules"`
}

func (r faultsResult) writeText(w io.Writer) error {
	rows := [][]string{{"ID", "OPERATION", "PRODUCT", "ACCOUNT", "REGION", "ACTION", "PROBABILITY", "FIRED", "COUNT", "EXPIRES"}}
	for _, rule := range r.Rules {
		rows = append(rows, ruleRow(rule))
	}
	return writeTable(w, rows)
}

func ruleRow(r sim.Rule) []string {
	expires := "-"
	if !r.ExpiresAt.IsZero() {
		expires = r.ExpiresAt.UTC().Format(time.RFC3339)
	}
	probability := "1"
	if r.Probability > 0 {
		probability = strconv.FormatFloat(r.Probability, 'g', -1, 64)
	}
	count := "-"
	if r.Count > 0 {
		count = strconv.Itoa(r.Count)
	}
	return []string{strconv.FormatInt(r.ID, 10), orAny(r.Operation), orAny(r.Product), orAny(r.Account), orAny(r.Region),
		action(r), probability, strconv.Itoa(r.Fired), count, expires}
}

func orAny(s string) string {
	if s == "" {
		return "*"
	}
	return s
}

// action describes what a rule does, e.g. "ThrottlingException +1s".
func action(r sim.Rule) string {
	var parts []string
	switch {
	case r.Error != "":
		parts = append(parts, r.Error)
	case r.Unprocessed > 0:
		parts = append(parts, fmt.Sprintf("unprocessed %g", r.Unprocessed))
	case r.Drop:
		parts = append(parts, "drop after commit")
	}
	if r.Latency > 0 {
		parts = append(parts, "+"+time.Duration(r.Latency).String())
	}
	return strings.Join(parts, " ")
}
