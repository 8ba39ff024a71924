package backend

import (
	"reflect"
	"testing"
	"time"

	"github.com/meterd/meterd"
)

// TestUsageQuery: each filter field adds its condition and parameter, the
// hours as the dialect stores them; a limit comes last.
func TestUsageQuery(t *testing.T) {
	tests := []struct {
		name     string
		f        meterd.UsageFilter
		wantSQL  string
		wantArgs []any
		wantErr  bool
	}{
		{"OK no filter", meterd.UsageFilter{}, "SELECT id FROM metering_records ORDER BY seq", nil, false},
		{"OK every field", meterd.UsageFilter{Region: "us-east-1", ProductCode: "p", SellerAccountID: "s",
			Since: when, Until: when.Add(time.Hour), Limit: 5},
			"SELECT id FROM metering_records WHERE region = ? AND product_code = ? AND product_code IN " +
				"(SELECT code FROM products WHERE seller_account_id = ?) AND hour >= ? AND hour < ? ORDER BY seq LIMIT ?",
			[]any{"us-east-1", "p", "s", when.UnixNano(), when.Add(time.Hour).UnixNano(), 5}, false},
		{"Err time out of range", meterd.UsageFilter{Until: time.Date(10000, 1, 1, 0, 0, 0, 0, time.UTC)}, "", nil, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			q, args, err := UsageQuery(fakeDialect{}, "id", tt.f)
			if (err != nil) != tt.wantErr {
				t.Fatalf("err %v, want error %v", err, tt.wantErr)
			}
			if squash(q) != tt.wantSQL || !reflect.DeepEqual(args, tt.wantArgs) {
				t.Fatalf("got %q %v, want %q %v", squash(q), args, tt.wantSQL, tt.wantArgs)
			}
		})
	}
}
