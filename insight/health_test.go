package insight

import (
	"testing"
	"time"

	"github.com/meterd/meterd"
)

// TestHealthRange: one row per rule of how a report's hours are chosen.
func TestHealthRange(t *testing.T) {
	at := func(day, hour, minute int) time.Time {
		return time.Date(2026, time.December, day, hour, minute, 0, 0, time.UTC)
	}
	now := at(2, 10, 30)
	s := New(nil, nil, meterd.ClockFunc(func() time.Time { return now }))
	tests := []struct {
		name                 string
		since, until         time.Time
		wantSince, wantUntil time.Time
		wantErr              bool
	}{
		{"OK default: the last 24 complete hours", time.Time{}, time.Time{}, at(1, 10, 0), at(2, 10, 0), false},
		{"OK until never past the current hour", at(2, 0, 0), at(3, 0, 0), at(2, 0, 0), at(2, 10, 0), false},
		{"OK since rounded down, until up", at(1, 3, 20), at(1, 5, 1), at(1, 3, 0), at(1, 6, 0), false},
		{"OK since alone", at(2, 8, 0), time.Time{}, at(2, 8, 0), at(2, 10, 0), false},
		{"OK until alone: 24 hours before it", time.Time{}, at(1, 12, 0), at(0, 12, 0), at(1, 12, 0), false},
		{"OK since after until is empty", at(2, 9, 0), at(2, 8, 0), at(2, 8, 0), at(2, 8, 0), false},
		{"OK other time zone", at(1, 3, 0).In(time.FixedZone("UTC+2", 7200)), at(1, 4, 0), at(1, 3, 0), at(1, 4, 0), false},
		{"ErrInvalid beyond a year", at(2, 0, 0).AddDate(-2, 0, 0), time.Time{}, time.Time{}, time.Time{}, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			since, until, err := s.healthRange(tt.since, tt.until)
			if tt.wantErr {
				if meterd.ErrorCode(err) != meterd.EInvalid {
					t.Fatalf("error %v, want Invalid", err)
				}
				return
			}
			if err != nil || !since.Equal(tt.wantSince) || !until.Equal(tt.wantUntil) || since.Location() != time.UTC {
				t.Fatalf("range %v to %v, %v; want %v to %v", since, until, err, tt.wantSince, tt.wantUntil)
			}
		})
	}
}
