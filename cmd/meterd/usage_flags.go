package main

import (
	"flag"
	"strconv"
	"strings"
	"time"

	"github.com/meterd/meterd"
)

// usageFlags are the filters of `meterd usage ...`; the admin API takes
// the same.
type usageFlags struct {
	product, customer, license, dimension, outcome, test, tag string
	usageSince, usageUntil, receivedSince, receivedUntil      string
}

func (f *usageFlags) bind(fs *flag.FlagSet) {
	fs.StringVar(&f.product, "product", "", "product code")
	fs.StringVar(&f.customer, "customer", "", "customer identifier or AWS account id")
	fs.StringVar(&f.license, "license", "", "license ARN")
	fs.StringVar(&f.dimension, "dimension", "", "usage dimension")
	fs.StringVar(&f.outcome, "outcome", "", "accepted (the default: the ledger), duplicate or rejected (the audit trail)")
	fs.StringVar(&f.test, "test", "", "true: only the seller's own test records; false: only real ones")
	fs.StringVar(&f.tag, "tag", "", "only usage allocated to this tag: `key` or key=value")
	fs.StringVar(&f.usageSince, "since", "", "usage hours from this `time` on: RFC 3339, or a duration ago such as 24h")
	fs.StringVar(&f.usageUntil, "until", "", "usage hours before this `time`: RFC 3339, or a duration ago")
	fs.StringVar(&f.receivedSince, "received-since", "", "records received from this `time` on")
	fs.StringVar(&f.receivedUntil, "received-until", "", "records received before this `time`")
}

// query checks the flags and returns the query they describe.
func (f *usageFlags) query(now time.Time) (meterd.UsageQuery, error) {
	q := meterd.UsageQuery{ProductCode: f.product, Customer: f.customer, LicenseArn: f.license, Dimension: f.dimension}
	q.TagKey, q.TagValue, _ = strings.Cut(f.tag, "=")
	if f.outcome != "" {
		o, err := meterd.ParseOutcome(f.outcome)
		if err != nil {
			return q, usagef("--outcome %q: want accepted, duplicate or rejected", f.outcome)
		}
		q.Outcome = o
	}
	if f.test != "" {
		test, err := strconv.ParseBool(f.test)
		if err != nil {
			return q, usagef("--test %q: want true or false", f.test)
		}
		q.Test = &test
	}
	for _, t := range []struct {
		flag, value string
		to          *time.Time
	}{{"--since", f.usageSince, &q.UsageSince}, {"--until", f.usageUntil, &q.UsageUntil},
		{"--received-since", f.receivedSince, &q.ReceivedSince}, {"--received-until", f.receivedUntil, &q.ReceivedUntil}} {
		var err error
		if *t.to, err = parseWhen(t.flag, t.value, now); err != nil {
			return q, err
		}
	}
	return q, nil
}
