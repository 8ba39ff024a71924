package meterd_test

import (
	"encoding/json"
	"math"
	"strings"
	"testing"

	"github.com/meterd/meterd"
)

func TestParsePrice(t *testing.T) {
	tests := []struct {
		in      string
		micros  int64
		str     string
		wantErr string
	}{
		{"0", 0, "0", ""},
		{"12", 12_000_000, "12", ""},
		{"0.012", 12_000, "0.012", ""},
		{"0.1", 100_000, "0.1", ""},
		{"1.50", 1_500_000, "1.5", ""},
		{"0.000001", 1, "0.000001", ""},
		{"007.25", 7_250_000, "7.25", ""},
		{"999999999999.999999", 999_999_999_999_999_999, "999999999999.999999", ""},
		{"", 0, "", "want digits before the decimal point"},
		{".5", 0, "", "want digits before the decimal point"},
		{"5.", 0, "", "want digits after the decimal point"},
		{"-1", 0, "", "digits and one point only"},
		{"+1", 0, "", "digits and one point only"},
		{"1e-3", 0, "", "digits and one point only"},
		{"1.2.3", 0, "", "digits and one point only"},
		{"$1", 0, "", "digits and one point only"},
		{"1,000", 0, "", "digits and one point only"},
		{" 1", 0, "", "digits and one point only"},
		{".nan", 0, "", "want digits before the decimal point"},
		{"0.0000001", 0, "", "at most 6 decimal places"},
		{"1000000000000", 0, "", "at most 12 digits before the decimal point"},
	}
	for _, tt := range tests {
		t.Run(tt.in, func(t *testing.T) {
			p, err := meterd.ParsePrice(tt.in)
			if tt.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
					t.Fatalf("ParsePrice(%q) = %v, %v; want an error containing %q", tt.in, p, err, tt.wantErr)
				}
				return
			}
			if err != nil || p.Micros() != tt.micros || p.String() != tt.str {
				t.Fatalf("ParsePrice(%q) = %d µ$ %q, %v; want %d µ$ %q", tt.in, p.Micros(), p, err, tt.micros, tt.str)
			}
		})
	}
}

func TestPriceJSON(t *testing.T) {
	p := meterd.Price(12_000)
	d := meterd.Dimension{Name: "api_calls", UnitPrice: &p}
	b, err := json.Marshal(d)
	if err != nil {
		t.Fatal(err)
	}
	if want := `{"Name":"api_calls","Type":"","UnitPrice":"0.012"}`; string(b) != want {
		t.Fatalf("JSON %s, want %s", b, want)
	}
	var back meterd.Dimension
	if err := json.Unmarshal(b, &back); err != nil || back.UnitPrice == nil || *back.UnitPrice != p {
		t.Fatalf("read back %+v, %v", back, err)
	}
	var old meterd.Dimension // a dimension stored before prices existed
	if err := json.Unmarshal([]byte(`{"Name":"users","Type":"Integer"}`), &old); err != nil || old.UnitPrice != nil {
		t.Fatalf("old dimension %+v, %v; want no price", old, err)
	}
}

func TestPriceCost(t *testing.T) {
	tests := []struct {
		price    meterd.Price
		quantity int64
		want     string
	}{
		{12_000, 1000, "12"},
		{100_000, 3, "0.3"},
		{1, 1, "0.000001"},
		{0, 5, "0"},
		// Beyond int64 micro-dollars: exact all the same.
		{1_500_000, math.MaxInt64, "13835058055282163710.5"},
	}
	for _, tt := range tests {
		if got := meterd.FormatMicroUSD(tt.price.Cost(tt.quantity)); got != tt.want {
			t.Errorf("%v × %d = %s, want %s", tt.price, tt.quantity, got, tt.want)
		}
	}
}

// FuzzParsePrice: whatever ParsePrice accepts prints back to a string it
// reads as the same price, and is never negative.
func FuzzParsePrice(f *testing.F) {
	for _, s := range []string{"0", "0.012", "12", "1.50", "-1", "1e3", "999999999999.999999", ".5"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		p, err := meterd.ParsePrice(s)
		if err != nil {
			return
		}
		if p < 0 {
			t.Fatalf("ParsePrice(%q) = %d µ$, negative", s, p.Micros())
		}
		back, err := meterd.ParsePrice(p.String())
		if err != nil || back != p {
			t.Fatalf("ParsePrice(%q) = %q, which reads back as %v, %v", s, p, back, err)
		}
	})
}
