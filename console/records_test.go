package console_test

import (
	"context"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/marketplacemetering"
	mtypes "github.com/aws/aws-sdk-go-v2/service/marketplacemetering/types"

	"github.com/meterd/meterd/meterdtest"
)

// TestRecords: records the SDK sent are listed a page at a time, and
// downloaded as CSV or JSON Lines through the session.
func TestRecords(t *testing.T) {
	s := meterdtest.Start(t)
	b := newBrowser(t, s)
	b.mustLogin(s)
	seller := meteringClient(s, s.Seller)
	hour := time.Now().UTC().Truncate(time.Hour)
	var recs []mtypes.UsageRecord
	for i := range 3 {
		recs = append(recs, mtypes.UsageRecord{CustomerIdentifier: aws.String("demo-customer"), Dimension: aws.String("api_calls"),
			Quantity: aws.Int32(int32(i + 1)), Timestamp: aws.Time(hour.Add(-time.Duration(i) * time.Hour))})
	}
	if _, err := seller.BatchMeterUsage(context.Background(), &marketplacemetering.BatchMeterUsageInput{
		ProductCode: aws.String("demo-saas"), UsageRecords: recs}); err != nil {
		t.Fatal(err)
	}
	waitCalls(t, s, 1)

	// Two records a page: the second page holds the third.
	first := b.do(http.MethodGet, "/console/records?productCode=demo-saas&maxResults=2", nil, nil)
	if first.status != http.StatusOK || strings.Count(first.body, "<td>api_calls</td>") != 2 {
		t.Fatalf("first page: %d %.2000s", first.status, first.body)
	}
	_, rest, ok := strings.Cut(first.body, `id="next-page" rel="next" href="`)
	if !ok {
		t.Fatalf("no next page link: %.3000s", first.body)
	}
	next, _, _ := strings.Cut(rest, `"`)
	second := b.do(http.MethodGet, strings.ReplaceAll(next, "&amp;", "&"), nil, nil)
	if second.status != http.StatusOK || strings.Count(second.body, "<td>api_calls</td>") != 1 || strings.Contains(second.body, `id="next-page"`) {
		t.Fatalf("second page (%s): %d %.2000s", next, second.status, second.body)
	}

	tests := []struct {
		name, format, contentType, want string
	}{
		{"OK csv", "csv", "text/csv; charset=utf-8", "api_calls"},
		{"OK jsonl", "jsonl", "application/jsonl", `"dimension":"api_calls"`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			a := b.do(http.MethodGet, "/console/records/export?format="+tt.format+"&productCode=demo-saas", nil, nil)
			if a.status != http.StatusOK || a.header.Get("Content-Type") != tt.contentType ||
				a.header.Get("Content-Disposition") != `attachment; filename="meterd-usage.`+tt.format+`"` {
				t.Fatalf("status %d, headers %v", a.status, a.header)
			}
			if n := strings.Count(a.body, tt.want); n != 3 {
				t.Fatalf("%d records in %q, want 3", n, a.body)
			}
		})
	}
	t.Run("ErrExportWithoutSession", func(t *testing.T) {
		anon := newBrowser(t, s)
		if a := anon.do(http.MethodGet, "/console/records/export?format=csv", nil, nil); a.status != http.StatusSeeOther ||
			!strings.Contains(a.header.Get("Location"), "/console/login") {
			t.Fatalf("status %d, location %q", a.status, a.header.Get("Location"))
		}
	})
}
