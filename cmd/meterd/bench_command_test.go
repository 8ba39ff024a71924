package main

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"testing"
)

// TestBenchCommand runs `meterd bench` for a fraction of a second against
// a spawned meterd and both floors: no errors, and requests and records
// counted.
func TestBenchCommand(t *testing.T) {
	floor := startFloorCommand(t)
	fsyncFloor := startFloorCommand(t, "--fsync")
	tests := []struct {
		name     string
		target   []string
		scenario string
	}{
		{"OK spawned meterd, MeterUsage", []string{"--spawn"}, "meter-usage"},
		{"OK spawned meterd, batches", []string{"--spawn"}, "batch25"},
		{"OK floor, MeterUsage", []string{"--url", floor}, "meter-usage"},
		{"OK floor, batches", []string{"--url", floor}, "batch25"},
		{"OK fsync floor, MeterUsage", []string{"--url", fsyncFloor}, "meter-usage"},
		{"OK fsync floor, batches", []string{"--url", fsyncFloor}, "batch25"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			args := append([]string{"bench", "--json", "--buyers", "20", "--concurrency", "4", "--duration", "200ms",
				"--warmup", "50ms", "--scenario", tt.scenario}, tt.target...)
			var out bytes.Buffer
			if err := run(context.Background(), args, &out, io.Discard, noEnv); err != nil {
				t.Fatal(err)
			}
			var r benchResult
			if err := json.Unmarshal(out.Bytes(), &r); err != nil {
				t.Fatalf("%v: %s", err, out.String())
			}
			if len(r.Errors) > 0 || r.Requests == 0 || r.Records < r.Requests || r.RecordsPerSecond <= 0 || r.Latency.P99 <= 0 {
				t.Fatalf("report %s", out.String())
			}
		})
	}
}

// startFloorCommand runs `meterd bench floor` in-process on a free port
// until the test ends, and returns its URL.
func startFloorCommand(t *testing.T, flags ...string) string {
	t.Helper()
	args := append([]string{"bench", "floor", "--json", "--addr", "127.0.0.1:0", "--buyers", "20"}, flags...)
	line := startCommand(t, args, noEnv)
	assertJSONLine(t, string(line), benchFloorKeys(len(flags) > 0))
	var ready benchFloorReady
	if err := json.Unmarshal(line, &ready); err != nil || ready.URL == "" {
		t.Fatalf("bench floor --json: %q %v", line, err)
	}
	return ready.URL
}

func benchFloorKeys(fsync bool) []string {
	if fsync {
		return []string{"buyers", "file", "fsync", "url"}
	}
	return []string{"buyers", "fsync", "url"}
}

// TestBenchColdStart measures one start of this test binary acting as
// meterd (see TestMain).
func TestBenchColdStart(t *testing.T) {
	t.Setenv("METERD_TEST_RUN_MAIN", "1")
	t.Setenv("METERD_TEST_ARGS", "")
	var out bytes.Buffer
	if err := run(context.Background(), []string{"bench", "cold-start", "--runs", "1", "--json"}, &out, io.Discard, noEnv); err != nil {
		t.Fatal(err)
	}
	assertJSONLine(t, out.String(), []string{"medianMs", "runsMs"})
	var r coldStartResult
	if err := json.Unmarshal(out.Bytes(), &r); err != nil || len(r.RunsMs) != 1 || r.MedianMs <= 0 {
		t.Fatalf("%v %s", err, out.String())
	}
}
