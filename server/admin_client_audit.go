package server

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/meterd/meterd"
	"github.com/meterd/meterd/audit"
)

// LookupEvents returns a page of the audit trail, newest first; f.Cursor
// is the previous page's NextToken and f.Limit its size (default 50).
func (c *AdminClient) LookupEvents(ctx context.Context, f meterd.AuditFilter) (*AuditEventsOutput, error) {
	return getAs[AuditEventsOutput](ctx, c, pathAuditEvents, pageValues(auditValues(f), f.Limit, f.Cursor))
}

// ExportEvents writes the events matching f to w as one gzipped CloudTrail
// log file, as it streams in.
func (c *AdminClient) ExportEvents(ctx context.Context, f meterd.AuditFilter, w io.Writer) error {
	resp, err := c.get(ctx, pathAuditExport, auditValues(f))
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	_, err = io.Copy(w, resp.Body)
	return err
}

// ListCalls asks the call log once: with wait > 0 the server answers as
// soon as q.Min is met, or after wait (at most MaxCallsWait).
func (c *AdminClient) ListCalls(ctx context.Context, q audit.CallQuery, wait time.Duration) (*CallsOutput, error) {
	v := auditValues(q.Filter)
	v.Set("min", strconv.Itoa(q.Min))
	if q.Records {
		v.Set("unit", "records")
	}
	if wait > 0 {
		v.Set("wait", min(wait, MaxCallsWait).String())
	}
	return getAs[CallsOutput](ctx, c, pathCalls, v)
}

// WaitCalls long-polls the call log until q.Min calls (or records) match,
// and returns them. When ctx ends first, it returns what matched then and
// an error saying how many of q.Min arrived.
func (c *AdminClient) WaitCalls(ctx context.Context, q audit.CallQuery) (*CallsOutput, error) {
	for {
		wait := MaxCallsWait
		if d, ok := ctx.Deadline(); ok {
			// A poll ends a little before the deadline, so that its
			// answer (and the count in the error) arrives in time.
			wait = min(wait, time.Until(d)*9/10)
		}
		out, err := c.ListCalls(ctx, q, max(wait, 0))
		if err != nil && ctx.Err() != nil {
			// The poll's answer came too late (a busy machine): count
			// once more, without waiting, so the error still says how
			// many arrived.
			out, err = c.countCalls(ctx, q)
		}
		if err != nil {
			return nil, err
		}
		if out.Met {
			return out, nil
		}
		if d, ok := ctx.Deadline(); ctx.Err() != nil || (ok && time.Until(d) < minPollLeft) {
			return out, notArrived(out, q)
		}
	}
}

// notArrived is WaitCalls' error when the deadline passes before q.Min.
func notArrived(out *CallsOutput, q audit.CallQuery) error {
	got := out.Calls
	if q.Records {
		got = out.Records
	}
	return fmt.Errorf("%d of %d matching %s arrived: %w", got, q.Min, unitName(q), context.DeadlineExceeded)
}

// countCalls reads the call log without waiting, after ctx has ended.
func (c *AdminClient) countCalls(ctx context.Context, q audit.CallQuery) (*CallsOutput, error) {
	ctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), finalCountTimeout)
	defer cancel()
	return c.ListCalls(ctx, q, 0)
}

// finalCountTimeout bounds the count WaitCalls makes after its deadline.
const finalCountTimeout = 5 * time.Second

// minPollLeft is the time before a deadline not worth another poll.
const minPollLeft = 20 * time.Millisecond

func unitName(q audit.CallQuery) string {
	if q.Records {
		return "records"
	}
	return "calls"
}

// auditValues is the query string of f's filters (parseAuditFilter reads
// them back).
func auditValues(f meterd.AuditFilter) url.Values {
	v := url.Values{}
	for name, s := range map[string]string{"eventName": f.EventName, "accessKeyId": f.AccessKeyID,
		"productCode": f.ProductCode, "customer": f.Customer, "dimension": f.Dimension, "errorCode": f.ErrorCode} {
		if s != "" {
			v.Set(name, s)
		}
	}
	if !f.Since.IsZero() {
		v.Set("startTime", f.Since.UTC().Format(time.RFC3339Nano))
	}
	if !f.Until.IsZero() {
		v.Set("endTime", f.Until.UTC().Format(time.RFC3339Nano))
	}
	return v
}

// pageValues adds a list route's page parameters to v: the page size
// (maxResults, the server's default when 0) and the previous page's
// NextToken (parsePage reads them back).
func pageValues(v url.Values, limit int, cursor string) url.Values {
	if limit > 0 {
		v.Set("maxResults", strconv.Itoa(limit))
	}
	if cursor != "" {
		v.Set("nextToken", cursor)
	}
	return v
}

// getAs GETs path with q and decodes the JSON answer as a T.
func getAs[T any](ctx context.Context, c *AdminClient, path string, q url.Values) (*T, error) {
	var out T
	if err := c.getJSON(ctx, path, q, &out); err != nil {
		return nil, err
	}
	return &out, nil
}

func (c *AdminClient) getJSON(ctx context.Context, path string, q url.Values, out any) error {
	resp, err := c.get(ctx, path, q)
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	return json.NewDecoder(resp.Body).Decode(out)
}

// get sends a GET and returns a 2xx answer for the caller to read and
// close; any other answer is a *meterd.Error (see parseAdminError).
func (c *AdminClient) get(ctx context.Context, path string, q url.Values) (*http.Response, error) {
	u := strings.TrimRight(c.BaseURL, "/") + path
	if len(q) > 0 {
		u += "?" + q.Encode()
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, u, nil)
	if err != nil {
		return nil, err
	}
	req.Header.Set("Authorization", "Bearer "+c.Token)
	client := c.HTTP
	if client == nil {
		client = http.DefaultClient
	}
	resp, err := client.Do(req)
	if err != nil {
		return nil, err
	}
	if resp.StatusCode >= 300 {
		defer resp.Body.Close()
		answer, err := io.ReadAll(io.LimitReader(resp.Body, 1<<20))
		if err != nil {
			return nil, err
		}
		return nil, parseAdminError(resp.StatusCode, answer)
	}
	return resp, nil
}
