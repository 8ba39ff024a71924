package sqlite_test

import (
	"bufio"
	"bytes"
	"context"
	"fmt"
	"os"
	"os/exec"
	"sync"
	"testing"
	"time"

	"github.com/meterd/meterd"
	"github.com/meterd/meterd/store/sqlite"
)

// childDirEnv, when set, turns TestDurabilityAfterKill into the child
// process that writes into that directory until it is killed.
const childDirEnv = "METERD_SQLITE_DURABILITY_CHILD_DIR"

const (
	childWriters        = 8
	childCallsPerWriter = 5000 // bounds the child if the parent never kills it
	acksBeforeKill      = 300
)

// callSize is how many records call c of a writer carries: it varies so a
// torn group commit would show as a partial call.
func callSize(c int) int { return 1 + c%5 }

func recordID(w, c, r int) string { return fmt.Sprintf("w%d-c%d-r%d", w, c, r) }

// TestDurabilityAfterKill kills a process that is writing (SIGKILL, no
// chance to flush or close) and checks the reopened ledger: every call the
// child saw acknowledged is there, and no call is there in part.
func TestDurabilityAfterKill(t *testing.T) {
	if dir := os.Getenv(childDirEnv); dir != "" {
		runDurabilityChild(t, dir)
		return
	}
	dir := t.TempDir()
	acked := runAndKillChild(t, dir)

	db := mustOpen(t, dir)
	recs, err := db.FindUsage(t.Context(), meterd.UsageFilter{})
	must(t, err)
	stored := make(map[string]bool, len(recs))
	for _, r := range recs {
		stored[r.ID] = true
	}
	for call := range acked {
		for r := range callSize(call.c) {
			if id := recordID(call.w, call.c, r); !stored[id] {
				t.Errorf("acknowledged record %s lost", id)
			}
		}
	}
	for w := range childWriters {
		for c := range childCallsPerWriter {
			n := 0
			for r := range callSize(c) {
				if stored[recordID(w, c, r)] {
					n++
				}
			}
			if n != 0 && n != callSize(c) {
				t.Errorf("call w%d-c%d half applied: %d of %d records stored", w, c, n, callSize(c))
			}
		}
	}
	t.Logf("%d calls acknowledged before the kill, %d records stored", len(acked), len(recs))
}

type callRef struct{ w, c int }

// runAndKillChild starts the child, kills it once it has acknowledged
// acksBeforeKill calls, and returns every call it acknowledged (including
// those whose acknowledgement was in the pipe at the kill).
func runAndKillChild(t *testing.T, dir string) map[callRef]bool {
	t.Helper()
	ctx, cancel := context.WithTimeout(t.Context(), 2*time.Minute)
	defer cancel()
	cmd := exec.CommandContext(ctx, os.Args[0], "-test.run=^TestDurabilityAfterKill$", "-test.count=1")
	cmd.Env = append(os.Environ(), childDirEnv+"="+dir)
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	stdout, err := cmd.StdoutPipe()
	must(t, err)
	must(t, cmd.Start())

	acked := make(map[callRef]bool)
	scanner := bufio.NewScanner(stdout)
	for scanner.Scan() {
		var ref callRef
		if _, err := fmt.Sscanf(scanner.Text(), "ACK %d %d", &ref.w, &ref.c); err != nil {
			continue // test framework output
		}
		acked[ref] = true
		if len(acked) == acksBeforeKill {
			must(t, cmd.Process.Kill())
		}
	}
	waitErr := cmd.Wait()
	if len(acked) < acksBeforeKill || cmd.ProcessState.ExitCode() != -1 {
		t.Fatalf("child was not killed mid-stream: %d acks, wait: %v, stderr:\n%s", len(acked), waitErr, stderr.String())
	}
	return acked
}

// runDurabilityChild writes calls from several goroutines (so group commits
// hold several calls) and prints "ACK writer call" after each returns.
func runDurabilityChild(t *testing.T, dir string) {
	db, err := sqlite.Open(context.Background(), dir, discardLogger())
	must(t, err)
	var (
		stdout sync.Mutex
		wg     sync.WaitGroup
	)
	for w := range childWriters {
		wg.Go(func() {
			for c := range childCallsPerWriter {
				var recs []*meterd.MeteringRecord
				for r := range callSize(c) {
					id := recordID(w, c, r)
					recs = append(recs, &meterd.MeteringRecord{ID: id, Region: "us-east-1", ProductCode: "p", DedupeKey: id})
				}
				if _, err := db.RecordUsage(context.Background(), recs); err != nil {
					fmt.Fprintln(os.Stderr, "child:", err)
					os.Exit(2)
				}
				stdout.Lock()
				fmt.Printf("ACK %d %d\n", w, c)
				stdout.Unlock()
			}
		})
	}
	wg.Wait()
	must(t, db.Close())
}
