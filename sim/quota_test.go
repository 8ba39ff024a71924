package sim

import (
	"testing"
)

func TestParseQuotas(t *testing.T) {
	tests := []struct {
		in      string
		want    []Quota
		wantErr bool
	}{
		{"", nil, false},
		{"MeterUsage=2", []Quota{{Operation: "MeterUsage", Rate: 2}}, false},
		{"MeterUsage=2/4", []Quota{{Operation: "MeterUsage", Rate: 2, Burst: 4}}, false},
		{"BatchMeterUsage@111122223333=0.5, MeterUsage=1", []Quota{{Operation: "BatchMeterUsage", Account: "111122223333", Rate: 0.5}, {Operation: "MeterUsage", Rate: 1}}, false},
		{"MeterUsage", nil, true},
		{"MeterUsages=1", nil, true},
		{"MeterUsage=fast", nil, true},
		{"MeterUsage=0", nil, true},
		{"MeterUsage=-1", nil, true},
		{"MeterUsage=NaN", nil, true},
		{"MeterUsage=1/x", nil, true},
		{"MeterUsage=1/0.5", nil, true},
		{"MeterUsage=2e9", nil, true},
	}
	for _, tt := range tests {
		t.Run(tt.in, func(t *testing.T) {
			got, err := ParseQuotas(tt.in)
			if (err != nil) != tt.wantErr || len(got) != len(tt.want) {
				t.Fatalf("ParseQuotas(%q) = %+v, %v", tt.in, got, err)
			}
			for i := range got {
				if got[i] != tt.want[i] {
					t.Fatalf("[%d] = %+v, want %+v", i, got[i], tt.want[i])
				}
			}
		})
	}
}

func FuzzParseQuotas(f *testing.F) {
	for _, s := range []string{"MeterUsage=2/4", "BatchMeterUsage@111122223333=0.5,MeterUsage=1", "=", "a@b=1/2/3"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		qs, err := ParseQuotas(s)
		if err != nil {
			return
		}
		for _, q := range qs {
			if err := q.Validate(); err != nil {
				t.Fatalf("%q parsed into invalid %+v: %v", s, q, err)
			}
		}
		back, err := ParseQuotas(FormatQuotas(qs))
		if err != nil || len(back) != len(qs) {
			t.Fatalf("%q: %q does not parse back: %v", s, FormatQuotas(qs), err)
		}
	})
}
