package console_test

import (
	"regexp"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/meterd/meterd/meterdtest"
	"github.com/meterd/meterd/server"
)

// TestHealthGrid: each cell of the health grid says in words what its hour
// was, for a buyer metered in hours 1 and 3 and one subscribed at hour 2
// who sent nothing.
func TestHealthGrid(t *testing.T) {
	s := meterdtest.Start(t)
	ctx := t.Context()
	admin := s.Admin()
	day := time.Date(2026, time.December, 1, 0, 0, 0, 0, time.UTC)
	buyer := meteringClient(s, s.Buyer)
	for _, h := range []int{1, 3} {
		at := day.Add(time.Duration(h)*time.Hour + 30*time.Minute)
		if _, err := admin.SetClock(ctx, at, true); err != nil {
			t.Fatal(err)
		}
		if err := meterOnce(buyer, at, 1); err != nil {
			t.Fatalf("MeterUsage at hour %d: %v", h, err)
		}
		if h == 1 {
			subscribeAt(t, admin, day.Add(2*time.Hour))
		}
	}
	if _, err := admin.SetClock(ctx, day.Add(5*time.Hour), true); err != nil { // hour 3 is over
		t.Fatal(err)
	}
	b := newBrowser(t, s)
	b.mustLogin(s)
	page := b.do("GET", "/console/health?product=demo-ami&hours=4&end=2026-12-01T04:00", nil, nil)
	if page.status != 200 {
		t.Fatalf("status %d: %s", page.status, page.body)
	}
	tests := []struct {
		name, customer string
		want           []string
	}{
		{"OK metered customer", "demo-customer", []string{"missed", "recorded", "missed", "recorded"}},
		{"OK subscribed at hour 2, nothing sent", "new-buyer", []string{"not subscribed", "not subscribed", "not metered yet", "not metered yet"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := gridRow(t, page.body, "demo-ami", tt.customer, "vcpu_hours"); !slices.Equal(got, tt.want) {
				t.Errorf("cells %q, want %q", got, tt.want)
			}
		})
	}
	for _, label := range []string{"recorded", "missed", "not metered yet", "not subscribed"} {
		if !strings.Contains(page.body, "</span> "+label+"</li>") {
			t.Errorf("the legend does not name %q", label)
		}
	}
}

// subscribeAt subscribes a new buyer to demo-ami at the time at.
func subscribeAt(t *testing.T, admin *server.AdminClient, at time.Time) {
	t.Helper()
	if _, err := admin.CreateCustomer(t.Context(), server.CustomerJSON{Identifier: "new-buyer", AWSAccountID: "999988887777"}); err != nil {
		t.Fatal(err)
	}
	if _, err := admin.SetClock(t.Context(), at, true); err != nil {
		t.Fatal(err)
	}
	if _, err := admin.Subscribe(t.Context(), server.SubscribeInput{ProductCode: "demo-ami", CustomerIdentifier: "new-buyer"}); err != nil {
		t.Fatal(err)
	}
}

var cellLabel = regexp.MustCompile(`<span class="sr">([^<]*)</span></td>`)

// gridRow returns the labels of the cells of one row of the grid.
func gridRow(t *testing.T, body, product, customer, dimension string) []string {
	t.Helper()
	head := `<th scope="row">` + product + `</th><td>` + customer + `</td><td>` + dimension + `</td>`
	_, row, ok := strings.Cut(body, head)
	if !ok {
		t.Fatalf("no grid row %s", head)
	}
	row, _, _ = strings.Cut(row, "</tr>")
	var labels []string
	for _, m := range cellLabel.FindAllStringSubmatch(row, -1) {
		labels = append(labels, m[1])
	}
	return labels
}
