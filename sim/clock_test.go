package sim

import (
	"testing"
	"time"
)

func TestClock(t *testing.T) {
	// Each step runs on the clock left by the one before; the wall clock
	// advances by wallStep before it.
	steps := []struct {
		name     string
		wallStep time.Duration
		do       func(c *Clock) ClockState
		want     time.Time
		frozen   bool
	}{
		{"OK real by default", 0, (*Clock).State, t0, false},
		{"OK real follows the wall", time.Minute, (*Clock).State, t0.Add(time.Minute), false},
		{"OK set runs on from the instant", 0, func(c *Clock) ClockState { return c.Set(mustTime(t, "2026-04-01T07:00:00Z")) }, mustTime(t, "2026-04-01T07:00:00Z"), false},
		{"OK set clock runs", time.Hour, (*Clock).State, mustTime(t, "2026-04-01T08:00:00Z"), false},
		{"OK freeze", 0, (*Clock).Freeze, mustTime(t, "2026-04-01T08:00:00Z"), true},
		{"OK frozen clock stands", time.Hour, (*Clock).State, mustTime(t, "2026-04-01T08:00:00Z"), true},
		{"OK advance frozen", 0, func(c *Clock) ClockState { return c.Advance(90 * time.Minute) }, mustTime(t, "2026-04-01T09:30:00Z"), true},
		{"OK advance back", 0, func(c *Clock) ClockState { return c.Advance(-24 * time.Hour) }, mustTime(t, "2026-03-31T09:30:00Z"), true},
		{"OK set frozen stays frozen", 0, func(c *Clock) ClockState { return c.Set(mustTime(t, "2026-01-01T00:00:00Z")) }, mustTime(t, "2026-01-01T00:00:00Z"), true},
		{"OK resume runs on from the frozen instant", 0, (*Clock).Resume, mustTime(t, "2026-01-01T00:00:00Z"), false},
		{"OK resumed clock runs", time.Minute, (*Clock).State, mustTime(t, "2026-01-01T00:01:00Z"), false},
		{"OK offset", 0, func(c *Clock) ClockState { return c.Offset(-2 * time.Hour) }, t0.Add(2 * time.Minute), false},
		{"OK real again", 0, (*Clock).Real, t0.Add(2*time.Hour + 2*time.Minute), false},
	}
	wall := newWall(t0)
	c := NewClock(wall)
	for _, st := range steps {
		wall.add(st.wallStep)
		got := st.do(c)
		if !got.Now.Equal(st.want) || got.Frozen != st.frozen || !c.Now().Equal(st.want) {
			t.Fatalf("%s: got %v frozen %v (Now %v), want %v frozen %v", st.name, got.Now, got.Frozen, c.Now(), st.want, st.frozen)
		}
		if got.Offset != got.Now.Sub(wall.Now()) {
			t.Fatalf("%s: offset %v, want %v", st.name, got.Offset, got.Now.Sub(wall.Now()))
		}
	}
}

func TestParseClockSpec(t *testing.T) {
	at := mustTime(t, "2026-01-31T23:00:00Z")
	tests := []struct {
		in      string
		want    ClockSpec
		wantErr bool
	}{
		{"real", ClockSpec{}, false},
		{"frozen@real", ClockSpec{Frozen: true}, false},
		{"2026-01-31T23:00:00Z", ClockSpec{At: at}, false},
		{"2026-02-01T00:00:00+01:00", ClockSpec{At: at}, false},
		{"frozen@2026-01-31T23:00:00Z", ClockSpec{At: at, Frozen: true}, false},
		{"+36h", ClockSpec{Offset: 36 * time.Hour}, false},
		{"-90m", ClockSpec{Offset: -90 * time.Minute}, false},
		{"", ClockSpec{}, true},
		{"36h", ClockSpec{}, true},
		{"+soon", ClockSpec{}, true},
		{"2026-01-31", ClockSpec{}, true},
		{"frozen@", ClockSpec{}, true},
	}
	for _, tt := range tests {
		t.Run(tt.in, func(t *testing.T) {
			got, err := ParseClockSpec(tt.in)
			if (err != nil) != tt.wantErr || !got.At.Equal(tt.want.At) || got.Offset != tt.want.Offset || got.Frozen != tt.want.Frozen {
				t.Fatalf("ParseClockSpec(%q) = %+v, %v; want %+v, error %v", tt.in, got, err, tt.want, tt.wantErr)
			}
		})
	}
}

func TestClockSpecApply(t *testing.T) {
	wall := newWall(t0)
	c := NewClock(wall)
	for _, in := range []string{"frozen@2026-01-31T23:00:00Z", "+36h", "real", "frozen@-1h"} {
		spec, err := ParseClockSpec(in)
		if err != nil {
			t.Fatal(err)
		}
		spec.Apply(c)
		wall.add(time.Minute) // a frozen clock must not follow
		got := c.State()
		want := map[string]time.Time{
			"frozen@2026-01-31T23:00:00Z": mustTime(t, "2026-01-31T23:00:00Z"),
			"+36h":                        wall.Now().Add(36 * time.Hour),
			"real":                        wall.Now(),
			"frozen@-1h":                  wall.Now().Add(-time.Hour - time.Minute),
		}[in]
		if !got.Now.Equal(want) || got.Frozen != spec.Frozen {
			t.Errorf("%s: got %+v, want %v", in, got, want)
		}
		if back, err := ParseClockSpec(spec.String()); err != nil || back != spec {
			t.Errorf("%s: String %q parses as %+v, %v", in, spec.String(), back, err)
		}
	}
}

func FuzzParseClockSpec(f *testing.F) {
	for _, s := range []string{"real", "frozen@real", "2026-01-31T23:00:00Z", "frozen@+1h", "-90m", "frozen@frozen@real"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		spec, err := ParseClockSpec(s)
		if err != nil {
			return
		}
		back, err := ParseClockSpec(spec.String())
		if err != nil || !back.At.Equal(spec.At) || back.Offset != spec.Offset || back.Frozen != spec.Frozen {
			t.Fatalf("%q: %+v formats as %q, which parses as %+v, %v", s, spec, spec.String(), back, err)
		}
	})
}
