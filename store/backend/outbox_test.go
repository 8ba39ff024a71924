package backend

import (
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/meterd/meterd"
)

// TestListDeliveries: the filter becomes the query; each delivery gets its
// attempts, with times decoded by the dialect.
func TestListDeliveries(t *testing.T) {
	delivery := fakeRow{int64(7), `{"type":"sqs"}`, int64(1), when.UnixNano(), nil,
		"evt", "subscribe-success", "prod", "cust", "444455556666", "arn:lic", "", false, when.UnixNano()}
	attempt := fakeRow{int64(7), when.UnixNano(), int64(time.Second), 500, "boom"}
	rows := &fakeRows{answer: func(q string) []fakeRow {
		if strings.Contains(q, "delivery_attempts") {
			return []fakeRow{attempt}
		}
		return []fakeRow{delivery}
	}}
	got, err := ListDeliveries(fakeDialect{}, rows.run, meterd.DeliveryFilter{ProductCode: "prod", Pending: true, Limit: 3})
	if err != nil {
		t.Fatal(err)
	}
	if want := squash(DeliveryColumns) + " WHERE d.product_code = ? AND d.delivered_at IS NULL ORDER BY d.id DESC LIMIT ?"; rows.queries[0] != want {
		t.Fatalf("query %q, want %q", rows.queries[0], want)
	}
	if !reflect.DeepEqual(rows.args[0], []any{"prod", 3}) || !reflect.DeepEqual(rows.args[1], []any{int64(7)}) {
		t.Fatalf("args %v", rows.args)
	}
	if len(got) != 1 || got[0].ID != 7 || !got[0].NextAttempt.Equal(when) || !got[0].DeliveredAt.IsZero() ||
		len(got[0].AttemptLog) != 1 || got[0].AttemptLog[0].Latency != time.Second || got[0].AttemptLog[0].Error != "boom" {
		t.Fatalf("got %+v", got)
	}
}
