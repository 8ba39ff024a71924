package main

import (
	"context"
	"flag"
	"fmt"
	"io"

	"github.com/meterd/meterd/bench"
)

// benchFixtureCommand writes the seed file of the bench fixture, for a
// meterd that `meterd bench` loads: `meterd serve --seed FILE`.
type benchFixtureCommand struct {
	out    output
	buyers int
}

func (*benchFixtureCommand) name() string     { return "bench fixture" }
func (*benchFixtureCommand) synopsis() string { return "write the seed file of the bench fixture" }
func (*benchFixtureCommand) usage() string {
	return `Usage: meterd bench fixture [flags] FILE

Writes the seed file of the fixture ` + "`meterd bench`" + ` signs with: a seller
with a SaaS, an AMI and a container product of 20 dimensions each, and
--buyers buyers, each an account with an access key, a customer and an
active subscription to the three products. Serve it with
  meterd serve --seed FILE --throttle=false
(the request quotas would throttle a load test), and give ` + "`meterd bench`" + `
the same --buyers. The fixture depends on --buyers only, so the file can be
written again at any time.
`
}

func (c *benchFixtureCommand) bind(fs *flag.FlagSet, _ *env) error {
	c.out.bind(fs)
	fs.IntVar(&c.buyers, "buyers", bench.DefaultBuyers, "how many buyers")
	return nil
}

func (c *benchFixtureCommand) run(_ context.Context, e *env, args []string) error {
	if len(args) != 1 {
		return usagef("want one seed file to write, got %d arguments", len(args))
	}
	if c.buyers < 1 {
		return usagef("--buyers %d: want at least 1", c.buyers)
	}
	if err := bench.WriteSeedFile(bench.NewFixture(c.buyers), args[0]); err != nil {
		return err
	}
	return c.out.write(e.stdout, benchFixtureResult{File: args[0], Buyers: c.buyers})
}

// benchFixtureResult says what was written.
type benchFixtureResult struct {
	File   string `json:"file"`
	Buyers int    `json:"buyers"`
}

func (r benchFixtureResult) writeText(w io.Writer) error {
	_, err := fmt.Fprintf(w, "wrote %s: %d buyers\nserve it with: meterd serve --seed %s --throttle=false\n", r.File, r.Buyers, r.File)
	return err
}
