package main

import (
	"context"
	"flag"
	"time"
)

// callsWaitCommand waits until enough calls matching the filters arrived.
type callsWaitCommand struct {
	callsFlags
	min     int
	timeout time.Duration
}

func (*callsWaitCommand) name() string { return "calls wait" }
func (*callsWaitCommand) synopsis() string {
	return "wait until N calls (or records) matching filters arrived"
}
func (*callsWaitCommand) usage() string {
	return `Usage: meterd calls wait --min N [flags]

Waits until at least --min calls matching the filters (with --records:
usage records inside them) reached the meterd at --url, and prints them.
It answers as soon as the Nth lands (a long poll, not a sleep), and exits
1 when --timeout passes first. For example, after starting a job:

  meterd calls wait --operation BatchMeterUsage --customer C --records --min 3 --since 1m
`
}

func (c *callsWaitCommand) bind(fs *flag.FlagSet, e *env) error {
	c.callsFlags.bind(fs, e)
	fs.IntVar(&c.min, "min", 1, "how many calls (or records) to wait for")
	fs.DurationVar(&c.timeout, "timeout", 30*time.Second, "how long to wait")
	return nil
}

func (c *callsWaitCommand) run(ctx context.Context, e *env, args []string) error {
	if err := noArgs(args); err != nil {
		return err
	}
	switch {
	case c.min < 1:
		return usagef("--min %d: want at least 1", c.min)
	case c.timeout <= 0:
		return usagef("--timeout %s: want a positive duration", c.timeout)
	}
	q, err := c.query(c.min)
	if err != nil {
		return err
	}
	admin, err := c.client.adminClient()
	if err != nil {
		return err
	}
	admin.HTTP.Timeout = 0 // each long poll is bounded by the server; the whole by --timeout
	ctx, cancel := context.WithTimeout(ctx, c.timeout)
	defer cancel()
	out, err := admin.WaitCalls(ctx, q)
	if err != nil {
		return err
	}
	return c.out.write(e.stdout, callsResult(*out))
}
