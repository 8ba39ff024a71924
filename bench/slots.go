package bench

import (
	"math/rand/v2"
	"time"
)

// slots is a space of distinct records (a customer, dimension and hour
// each) walked in a scattered order: the n-th record of a run takes slot
// (start + n*step) mod size. step is coprime with size, so the first size
// records of a run are all different, while consecutive ones land on
// unrelated customers, dimensions and hours as real traffic does. The
// ledger then sees random keys, not the sequential ones that flatter a
// B-tree. Past size records the walk repeats, and the records become
// resends (Report.SlotsWrapped says so).
type slots struct{ size, start, step uint64 }

func newSlots(size uint64, rng *rand.Rand) slots {
	if size <= 1 {
		return slots{size: 1, step: 1}
	}
	step := size/3 + rng.Uint64N(size-size/3)
	for gcd(step, size) != 1 {
		step++
	}
	return slots{size: size, start: rng.Uint64N(size), step: step % size}
}

func (s slots) at(n uint64) uint64 {
	// Multiplying modulo size without overflow: n is reduced first and
	// size stays far below 2^32 for any fixture that fits in memory.
	return (s.start + (n%s.size)*s.step) % s.size
}

func gcd(a, b uint64) uint64 {
	for b != 0 {
		a, b = b, a%b
	}
	return a
}

// hours are the usage hours a scenario spreads records over: the current
// hour and count-1 before it.
type hours struct {
	base  time.Time // start of the current hour, UTC
	count uint64
}

// meterUsageHours is the 6-hour MeterUsage window less one hour, so that
// the oldest hour stays valid through an hour-long run.
const meterUsageHours = 5

// batchHours is the 24-hour BatchMeterUsage window less one hour.
const batchHours = 23

// monthEndGrace is AWS's: last month's records are accepted until 06:00
// UTC on the 1st.
const monthEndGrace = 6 * time.Hour

func meterHours(now time.Time) hours {
	return hours{base: now.UTC().Truncate(time.Hour), count: meterUsageHours}
}

// batchHoursAt keeps BatchMeterUsage records in the current billing month
// once last month has closed: AWS refuses them after the grace.
func batchHoursAt(now time.Time) hours {
	now = now.UTC()
	h := hours{base: now.Truncate(time.Hour), count: batchHours}
	monthStart := time.Date(now.Year(), now.Month(), 1, 0, 0, 0, 0, time.UTC)
	if now.Sub(monthStart) >= monthEndGrace {
		if inMonth := uint64(h.base.Sub(monthStart)/time.Hour) + 1; inMonth < h.count {
			h.count = inMonth
		}
	}
	return h
}

// timestamp is a time in hour i (0 the current one) of the slot, never in
// the future: the minute and second vary with the slot.
func (h hours) timestamp(i, slot uint64, now time.Time) time.Time {
	start := h.base.Add(-time.Duration(i) * time.Hour)
	offset := time.Duration(slot*7919%3600) * time.Second
	if elapsed := now.Sub(start); offset > elapsed {
		offset = elapsed.Truncate(time.Second)
	}
	return start.Add(offset)
}
