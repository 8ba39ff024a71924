package metering

import (
	"testing"
	"time"

	"github.com/meterd/meterd"
)

func mustRFC3339(t testing.TB, s string) time.Time {
	t.Helper()
	ts, err := time.Parse(time.RFC3339, s)
	if err != nil {
		t.Fatal(err)
	}
	return ts
}

func TestCheckMeterUsageWindow(t *testing.T) {
	cfg := DefaultConfig()
	now := "2026-05-14T12:30:00Z"
	tests := []struct {
		name, now, ts string
		wantMsg       string // "" means accepted
	}{
		{"OK now", now, now, ""},
		{"OK exactly 6h old", now, "2026-05-14T06:30:00Z", ""},
		{"ErrOlderThan6h", now, "2026-05-14T06:29:59Z",
			"Timestamp 2026-05-14T06:29:59Z is out of bounds: usage must be reported within 6 hours of the event."},
		{"OK exactly skew ahead", now, "2026-05-14T12:35:00Z", ""},
		{"ErrBeyondSkew", now, "2026-05-14T12:35:01Z",
			"Timestamp 2026-05-14T12:35:01Z is out of bounds: it is in the future."},
		{"OK previous month within 6h (no month-end rule)", "2026-04-01T05:00:00Z", "2026-03-31T23:30:00Z", ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := checkMeterUsageWindow(cfg, mustRFC3339(t, tt.now), mustRFC3339(t, tt.ts))
			assertWindowError(t, err, tt.wantMsg)
		})
	}
}

func TestCheckBatchWindow(t *testing.T) {
	legacy := DefaultConfig()
	legacy.BatchWindow, legacy.MonthEndGrace = 6*time.Hour, 0
	noGrace := DefaultConfig()
	noGrace.MonthEndGrace = 0
	now := "2026-05-14T12:30:00Z"
	tests := []struct {
		name    string
		cfg     Config
		now, ts string
		wantMsg string
	}{
		{"OK 24h minus 1s old", DefaultConfig(), now, "2026-05-13T12:30:01Z", ""},
		{"ErrExactly24hOld", DefaultConfig(), now, "2026-05-13T12:30:00Z",
			"Timestamp 2026-05-13T12:30:00Z is out of bounds: usage records must be sent less than 24 hours after the event."},
		{"OK exactly skew ahead", DefaultConfig(), now, "2026-05-14T12:35:00Z", ""},
		{"ErrBeyondSkew", DefaultConfig(), now, "2026-05-14T12:35:01Z",
			"Timestamp 2026-05-14T12:35:01Z is out of bounds: it is in the future."},
		{"OK previous month before grace ends", DefaultConfig(), "2026-04-01T05:59:59Z", "2026-03-31T23:00:00Z", ""},
		{"ErrPreviousMonthAtGraceEnd", DefaultConfig(), "2026-04-01T06:00:00Z", "2026-03-31T23:00:00Z",
			"Timestamp 2026-03-31T23:00:00Z is out of bounds: usage of a billing month is accepted only until 6 hours after the month ends."},
		{"ErrLastSecondOfMonthAtGraceEnd", DefaultConfig(), "2026-04-01T06:00:00Z", "2026-03-31T23:59:59Z",
			"Timestamp 2026-03-31T23:59:59Z is out of bounds: usage of a billing month is accepted only until 6 hours after the month ends."},
		{"OK current month after grace", DefaultConfig(), "2026-04-01T06:00:00Z", "2026-04-01T00:00:00Z", ""},
		{"OK year end before grace ends", DefaultConfig(), "2027-01-01T05:59:59Z", "2026-12-31T23:00:00Z", ""},
		{"ErrYearEndAtGraceEnd", DefaultConfig(), "2027-01-01T06:00:00Z", "2026-12-31T23:00:00Z",
			"Timestamp 2026-12-31T23:00:00Z is out of bounds: usage of a billing month is accepted only until 6 hours after the month ends."},
		{"OK grace disabled", noGrace, "2026-04-01T12:00:00Z", "2026-03-31T23:00:00Z", ""},
		{"OK legacy 6h window just inside", legacy, "2026-04-01T04:59:59Z", "2026-03-31T23:00:00Z", ""},
		{"ErrLegacy6hWindow", legacy, "2026-04-01T05:00:00Z", "2026-03-31T23:00:00Z",
			"Timestamp 2026-03-31T23:00:00Z is out of bounds: usage records must be sent less than 6 hours after the event."},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := checkBatchWindow(tt.cfg, mustRFC3339(t, tt.now), mustRFC3339(t, tt.ts))
			assertWindowError(t, err, tt.wantMsg)
		})
	}
}

func assertWindowError(t *testing.T, err error, wantMsg string) {
	t.Helper()
	if wantMsg == "" {
		if err != nil {
			t.Fatalf("got %v, want accepted", err)
		}
		return
	}
	if got := meterd.ErrorCode(err); got != meterd.ETimestampOutOfBounds {
		t.Fatalf("code = %q, want %q (err %v)", got, meterd.ETimestampOutOfBounds, err)
	}
	if got := meterd.ErrorMessage(err); got != wantMsg {
		t.Fatalf("message = %q, want %q", got, wantMsg)
	}
}

func TestFormatWindow(t *testing.T) {
	tests := []struct {
		in   time.Duration
		want string
	}{
		{time.Hour, "1 hour"},
		{24 * time.Hour, "24 hours"},
		{time.Minute, "1 minute"},
		{90 * time.Minute, "90 minutes"},
		{1500 * time.Millisecond, "1.5s"},
	}
	for _, tt := range tests {
		if got := formatWindow(tt.in); got != tt.want {
			t.Errorf("formatWindow(%v) = %q, want %q", tt.in, got, tt.want)
		}
	}
}
