// Package sim holds what a seller's test suite turns to reach the paths AWS
// rarely shows: the business clock (frozen, set, offset, advanced), fault
// injection rules and the quota settings the seed file and flags declare.
// It knows neither HTTP nor SQL; the server applies what it decides.
package sim

import (
	"fmt"
	"strings"
	"sync"
	"time"

	"github.com/meterd/meterd"
)

// Clock is a node's business clock: the time the metering windows, the
// month end, token, license and entitlement expiry follow. It runs with the
// wall clock, shifted by an offset, unless it is frozen at an instant.
// SigV4 freshness and quotas never use it: clients sign with their real
// clock, and a quota is a rate of real requests.
//
// The zero value is not usable; call NewClock. A Clock is safe for
// concurrent use.
type Clock struct {
	wall meterd.Clock

	mu     sync.Mutex
	offset time.Duration // added to wall time while running
	frozen bool
	at     time.Time // the instant while frozen
}

var _ meterd.Clock = (*Clock)(nil)

// NewClock returns a clock that follows wall (meterd.SystemClock when nil).
func NewClock(wall meterd.Clock) *Clock {
	if wall == nil {
		wall = meterd.SystemClock{}
	}
	return &Clock{wall: wall}
}

// ClockState is what the clock reads and how it got there.
type ClockState struct {
	Now    time.Time
	Frozen bool
	// Offset is Now minus wall time; it changes by the second while frozen.
	Offset time.Duration
}

// Real reports whether the clock is the wall clock.
func (s ClockState) Real() bool { return !s.Frozen && s.Offset == 0 }

// Now returns the business time, in UTC.
func (c *Clock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.nowLocked(c.wall.Now())
}

func (c *Clock) nowLocked(wall time.Time) time.Time {
	if c.frozen {
		return c.at
	}
	return wall.Add(c.offset).UTC()
}

// State returns the current reading.
func (c *Clock) State() ClockState {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.stateLocked(c.wall.Now())
}

func (c *Clock) stateLocked(wall time.Time) ClockState {
	now := c.nowLocked(wall)
	return ClockState{Now: now, Frozen: c.frozen, Offset: now.Sub(wall)}
}

// Set moves the clock to t. A frozen clock stays frozen at t; a running one
// runs on from t.
func (c *Clock) Set(t time.Time) ClockState {
	return c.update(func(wall time.Time) {
		c.at, c.offset = t.UTC(), t.Sub(wall)
	})
}

// Advance moves the clock by d (back when d is negative), frozen or not.
func (c *Clock) Advance(d time.Duration) ClockState {
	return c.update(func(wall time.Time) {
		c.at, c.offset = c.at.Add(d), c.offset+d
	})
}

// Offset makes the clock run d ahead of the wall clock (behind when
// negative), and unfreezes it.
func (c *Clock) Offset(d time.Duration) ClockState {
	return c.update(func(time.Time) { c.frozen, c.offset = false, d })
}

// Freeze stops the clock at its current reading.
func (c *Clock) Freeze() ClockState {
	return c.update(func(wall time.Time) { c.at, c.frozen = c.nowLocked(wall), true })
}

// Resume lets a frozen clock run on from where it stopped.
func (c *Clock) Resume() ClockState {
	return c.update(func(wall time.Time) { c.offset, c.frozen = c.nowLocked(wall).Sub(wall), false })
}

// Real makes the clock the wall clock again.
func (c *Clock) Real() ClockState {
	return c.update(func(time.Time) { c.frozen, c.offset = false, 0 })
}

// update runs change under the lock with one wall reading, so that a
// change and the state it returns agree.
func (c *Clock) update(change func(wall time.Time)) ClockState {
	c.mu.Lock()
	defer c.mu.Unlock()
	wall := c.wall.Now()
	change(wall)
	return c.stateLocked(wall)
}

// ClockSpec is a clock setting as a flag or a seed file gives it: an
// instant, an offset from the wall clock, or the wall clock itself, frozen
// or running.
type ClockSpec struct {
	At     time.Time // zero: not set
	Offset time.Duration
	Frozen bool
}

// Apply sets c as s says. A frozen spec freezes first, so that the clock
// stops exactly at the instant given.
func (s ClockSpec) Apply(c *Clock) {
	c.Real()
	if s.Frozen {
		c.Freeze()
	}
	if s.At.IsZero() {
		c.Advance(s.Offset)
	} else {
		c.Set(s.At)
	}
}

// ParseClockSpec reads a --clock value: "real", an RFC 3339 instant to run
// from ("2026-01-31T23:00:00Z"), or a signed offset from the wall clock
// ("+36h", "-90m"); a "frozen@" prefix freezes the clock there
// ("frozen@2026-01-31T23:00:00Z", "frozen@real").
func ParseClockSpec(s string) (ClockSpec, error) {
	var spec ClockSpec
	rest, frozen := strings.CutPrefix(s, "frozen@")
	spec.Frozen = frozen
	switch {
	case rest == "real":
	case strings.HasPrefix(rest, "+") || strings.HasPrefix(rest, "-"):
		d, err := time.ParseDuration(rest)
		if err != nil {
			return ClockSpec{}, fmt.Errorf("invalid clock offset %q", rest)
		}
		spec.Offset = d
	default:
		t, err := time.Parse(time.RFC3339Nano, rest)
		if err != nil {
			return ClockSpec{}, fmt.Errorf("invalid clock %q: want real, an RFC 3339 time or a signed offset (+36h), optionally after frozen@", s)
		}
		spec.At = t.UTC()
	}
	return spec, nil
}

// String is the spec in ParseClockSpec's form.
func (s ClockSpec) String() string {
	var v string
	switch {
	case !s.At.IsZero():
		v = s.At.Format(time.RFC3339Nano)
	case s.Offset != 0:
		v = s.Offset.String()
		if s.Offset > 0 {
			v = "+" + v
		}
	default:
		v = "real"
	}
	if s.Frozen {
		v = "frozen@" + v
	}
	return v
}
