package server

import (
	"context"
	"io"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/meterd/meterd"
)

// ListUsage returns a page of usage records matching q: the ledger's
// accepted records, or with q.Outcome the duplicates or rejections of the
// audit trail. q.Cursor is the previous page's NextToken and q.Limit its
// size (default 100).
func (c *AdminClient) ListUsage(ctx context.Context, q meterd.UsageQuery) (*UsageOutput, error) {
	return getAs[UsageOutput](ctx, c, pathUsage, pageValues(usageValues(q), q.Limit, q.Cursor))
}

// SumUsage returns the sums of quantity and the record counts of s.
func (c *AdminClient) SumUsage(ctx context.Context, s meterd.UsageSum) (*UsageSumOutput, error) {
	v := usageValues(s.Query)
	if s.Per != "" {
		v.Set("per", string(s.Per))
	}
	if len(s.By) > 0 {
		v.Set("by", strings.Join(s.By, ","))
	}
	return getAs[UsageSumOutput](ctx, c, pathUsageSum, v)
}

// ExportUsage writes the records matching q to w in format (FormatCSV or
// FormatJSONL) as they stream in.
func (c *AdminClient) ExportUsage(ctx context.Context, q meterd.UsageQuery, format string, w io.Writer) error {
	v := usageValues(q)
	v.Set("format", format)
	resp, err := c.get(ctx, pathUsageExport, v)
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	_, err = io.Copy(w, resp.Body)
	return err
}

// usageValues are q's filters as query parameters.
func usageValues(q meterd.UsageQuery) url.Values {
	v := url.Values{}
	for name, s := range map[string]string{"productCode": q.ProductCode, "customer": q.Customer,
		"licenseArn": q.LicenseArn, "dimension": q.Dimension, "outcome": string(q.Outcome),
		"tagKey": q.TagKey, "tagValue": q.TagValue} {
		if s != "" {
			v.Set(name, s)
		}
	}
	if q.Test != nil {
		v.Set("test", strconv.FormatBool(*q.Test))
	}
	for name, t := range map[string]time.Time{"usageStart": q.UsageSince, "usageEnd": q.UsageUntil,
		"receivedStart": q.ReceivedSince, "receivedEnd": q.ReceivedUntil} {
		if !t.IsZero() {
			v.Set(name, t.UTC().Format(time.RFC3339Nano))
		}
	}
	return v
}
