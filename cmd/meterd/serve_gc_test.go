package main

import (
	"runtime/debug"
	"testing"
)

// The start-up GC target is raised while nodes open and put back when the
// last one is open; a GOGC the user set is left alone.
func TestCollectLessDuringStartUp(t *testing.T) {
	before := debug.SetGCPercent(100)
	defer debug.SetGCPercent(before)
	noEnv := func(string) string { return "" }
	first, second := collectLessDuringStartUp(noEnv), collectLessDuringStartUp(noEnv)
	if got := debug.SetGCPercent(startUpGCPercent); got != startUpGCPercent {
		t.Fatalf("GC percent while opening = %d, want %d", got, startUpGCPercent)
	}
	first()
	first() // once only
	if got := debug.SetGCPercent(startUpGCPercent); got != startUpGCPercent {
		t.Fatalf("GC percent while one node still opens = %d, want %d", got, startUpGCPercent)
	}
	second()
	if got := debug.SetGCPercent(100); got != 100 {
		t.Fatalf("GC percent once open = %d, want 100", got)
	}
	userSet := collectLessDuringStartUp(func(string) string { return "50" })
	if got := debug.SetGCPercent(100); got != 100 {
		t.Fatalf("GC percent with GOGC set = %d, want it untouched (100)", got)
	}
	userSet()
}
