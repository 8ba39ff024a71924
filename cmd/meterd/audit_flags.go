package main

import (
	"flag"
	"io"
	"time"

	"github.com/meterd/meterd"
)

// auditFlags are the filters that `meterd audit ...` and `meterd calls
// ...` share; the admin API takes the same.
type auditFlags struct {
	event, accessKey, product, customer, dimension, errorCode string
	since, until                                              string
}

func (f *auditFlags) bind(fs *flag.FlagSet, eventFlag string) {
	fs.StringVar(&f.event, eventFlag, "", "operation (CloudTrail eventName), e.g. BatchMeterUsage")
	fs.StringVar(&f.accessKey, "access-key", "", "access key id of the caller")
	fs.StringVar(&f.product, "product", "", "product code")
	fs.StringVar(&f.customer, "customer", "", "customer identifier or AWS account id")
	fs.StringVar(&f.dimension, "dimension", "", "usage dimension")
	fs.StringVar(&f.errorCode, "error-code", "", "error code, e.g. InvalidUsageDimensionException")
	fs.StringVar(&f.since, "since", "", "only calls from this `time` on: RFC 3339, or a duration ago such as 15m")
	fs.StringVar(&f.until, "until", "", "only calls before this `time`: RFC 3339, or a duration ago")
}

// filter checks the flags and returns the filter they describe.
func (f *auditFlags) filter(now time.Time) (meterd.AuditFilter, error) {
	af := meterd.AuditFilter{EventName: f.event, AccessKeyID: f.accessKey, ProductCode: f.product,
		Customer: f.customer, Dimension: f.dimension, ErrorCode: f.errorCode}
	var err error
	if af.Since, err = parseWhen("--since", f.since, now); err != nil {
		return af, err
	}
	af.Until, err = parseWhen("--until", f.until, now)
	return af, err
}

// parseWhen reads an RFC 3339 time or a duration before now; "" is zero.
func parseWhen(flagName, s string, now time.Time) (time.Time, error) {
	if s == "" {
		return time.Time{}, nil
	}
	if t, err := time.Parse(time.RFC3339Nano, s); err == nil {
		return t, nil
	}
	if d, err := time.ParseDuration(s); err == nil && d >= 0 {
		return now.Add(-d), nil
	}
	return time.Time{}, usagef("%s %q: want an RFC 3339 time (2026-01-02T15:04:05Z) or a duration ago (15m)", flagName, s)
}

// writeEvents prints events as a table, newest first.
func writeEvents(w io.Writer, events []*meterd.AuditEvent) error {
	rows := [][]string{{"TIME", "EVENT", "ACCESS KEY", "ACCOUNT", "REGION", "ERROR"}}
	for _, e := range events {
		rows = append(rows, []string{e.EventTime.UTC().Format(time.RFC3339), e.EventName, dash(e.UserIdentity.AccessKeyID),
			dash(e.UserIdentity.AccountID), dash(e.AWSRegion), dash(e.ErrorCode)})
	}
	return writeTable(w, rows)
}

func dash(s string) string {
	if s == "" {
		return "-"
	}
	return s
}
