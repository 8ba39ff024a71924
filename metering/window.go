package metering

import (
	"fmt"
	"time"

	"github.com/meterd/meterd"
)

// checkMeterUsageWindow accepts a MeterUsage timestamp up to
// MeterUsageWindow old (inclusive) and up to FutureSkew ahead (inclusive).
// AWS documents "more than 6 hours after the event" as the rejection.
func checkMeterUsageWindow(cfg Config, now, ts time.Time) error {
	if now.Sub(ts) > cfg.MeterUsageWindow {
		return meterd.Errorf(meterd.ETimestampOutOfBounds,
			"Timestamp %s is out of bounds: usage must be reported within %s of the event.",
			formatTimestamp(ts), formatWindow(cfg.MeterUsageWindow))
	}
	return checkFutureSkew(cfg, now, ts)
}

// checkBatchWindow accepts a BatchMeterUsage timestamp less than BatchWindow
// old (AWS: records are not accepted "24 hours or more" after the event), up
// to FutureSkew ahead, and, when MonthEndGrace is set, in a previous calendar
// month (UTC) only until MonthEndGrace after midnight on the 1st.
func checkBatchWindow(cfg Config, now, ts time.Time) error {
	if now.Sub(ts) >= cfg.BatchWindow {
		return meterd.Errorf(meterd.ETimestampOutOfBounds,
			"Timestamp %s is out of bounds: usage records must be sent less than %s after the event.",
			formatTimestamp(ts), formatWindow(cfg.BatchWindow))
	}
	if err := checkFutureSkew(cfg, now, ts); err != nil {
		return err
	}
	return checkMonthEnd(cfg, now, ts)
}

// checkMonthEnd closes a billing month MonthEndGrace after it ends: March
// usage is accepted until April 1 06:00 UTC with AWS's 6 hours.
func checkMonthEnd(cfg Config, now, ts time.Time) error {
	if cfg.MonthEndGrace <= 0 {
		return nil
	}
	now = now.UTC()
	monthStart := time.Date(now.Year(), now.Month(), 1, 0, 0, 0, 0, time.UTC)
	if !ts.Before(monthStart) || now.Before(monthStart.Add(cfg.MonthEndGrace)) {
		return nil
	}
	return meterd.Errorf(meterd.ETimestampOutOfBounds,
		"Timestamp %s is out of bounds: usage of a billing month is accepted only until %s after the month ends.",
		formatTimestamp(ts), formatWindow(cfg.MonthEndGrace))
}

func checkFutureSkew(cfg Config, now, ts time.Time) error {
	if ts.Sub(now) > cfg.FutureSkew {
		return meterd.Errorf(meterd.ETimestampOutOfBounds,
			"Timestamp %s is out of bounds: it is in the future.", formatTimestamp(ts))
	}
	return nil
}

func formatTimestamp(ts time.Time) string {
	return ts.UTC().Format(time.RFC3339)
}

// formatWindow writes a duration the way AWS's documentation does ("6
// hours"), falling back to Go's notation for odd values.
func formatWindow(d time.Duration) string {
	switch {
	case d == time.Hour:
		return "1 hour"
	case d > 0 && d%time.Hour == 0:
		return fmt.Sprintf("%d hours", d/time.Hour)
	case d == time.Minute:
		return "1 minute"
	case d > 0 && d%time.Minute == 0:
		return fmt.Sprintf("%d minutes", d/time.Minute)
	}
	return d.String()
}
