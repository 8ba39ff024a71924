package main

import (
	"bufio"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"os"
	"os/exec"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/meterd/meterd"
	"github.com/meterd/meterd/store/postgres/pgtest"
	"github.com/meterd/meterd/store/sqlite"
)

// TestMain lets the test binary act as the meterd command, so that the
// kill test can run a real meterd process without building one.
func TestMain(m *testing.M) {
	if os.Getenv("METERD_TEST_RUN_MAIN") == "1" {
		// Without METERD_TEST_ARGS the arguments are the process's own, as
		// `meterd bench cold-start` passes them to the executable.
		if args := os.Getenv("METERD_TEST_ARGS"); args != "" {
			os.Args = append([]string{"meterd"}, strings.Fields(args)...)
		}
		main()
		os.Exit(0)
	}
	os.Exit(pgtest.Main(m))
}

// killArgs run meterd without quotas and without the month-end rule, so
// that the test's records (up to 20 hours old) are accepted on any day.
const killArgs = "serve --addr 127.0.0.1:0 --throttle=false --month-end-grace=0 --log-level warn "

const (
	killCustomers = 100
	killWorkers   = 4
	// killAfter is how many acknowledged batches to wait for before the
	// SIGKILL; requests are still in flight when it lands.
	killAfter = 120
)

// TestKillUnderLoadLosesNothing runs meterd as a process, sends
// BatchMeterUsage calls from several clients, kills it with SIGKILL in the
// middle, and checks in the ledger that every acknowledged record is there
// and that no batch is half-written.
func TestKillUnderLoadLosesNothing(t *testing.T) {
	if testing.Short() {
		t.Skip("starts a process")
	}
	dir := t.TempDir()
	seedPath := writeSeed(t, killSeed())
	cmd, url := startProcess(t, killArgs+"--data "+dir+" --seed "+seedPath)

	batches := makeKillBatches()
	acked := sendUntilKilled(t, url, batches, cmd)

	store, err := sqlite.Open(context.Background(), dir, slog.New(slog.NewTextHandler(io.Discard, nil)))
	if err != nil {
		t.Fatalf("reopen ledger: %v", err)
	}
	defer store.Close()
	recs, err := store.FindUsage(context.Background(), meterd.UsageFilter{})
	if err != nil {
		t.Fatal(err)
	}
	stored := make(map[string]bool, len(recs))
	for _, r := range recs {
		stored[r.CustomerIdentifier+"|"+r.Dimension+"|"+r.Hour.UTC().Format(time.RFC3339)] = true
	}
	for i, b := range batches {
		present := 0
		for _, k := range b.keys {
			if stored[k] {
				present++
			}
		}
		switch {
		case acked[i] && present != len(b.keys):
			t.Errorf("batch %d acknowledged but only %d of %d records in the ledger", i, present, len(b.keys))
		case present != 0 && present != len(b.keys):
			t.Errorf("batch %d half-written: %d of %d records", i, present, len(b.keys))
		}
	}
	t.Logf("%d batches acknowledged before SIGKILL; %d records in the ledger", countTrue(acked), len(recs))

	// A restart continues from the ledger: an acknowledged record is a duplicate now.
	_ = store.Close()
	_, url = startProcess(t, killArgs+"--data "+dir+" --seed "+seedPath)
	first := firstTrue(acked)
	status, body := postBatch(url, batches[first].body)
	if status != http.StatusOK || strings.Contains(body, "DuplicateRecord") || !strings.Contains(body, "Success") {
		t.Fatalf("resend after restart: %d %s", status, body)
	}
}

type killBatch struct {
	body []byte
	keys []string // customer|dimension|hour of each record
}

// makeKillBatches builds batches of 25 distinct records; no two batches
// share a record.
func makeKillBatches() []killBatch {
	var batches []killBatch
	hour := time.Now().UTC().Truncate(time.Hour)
	var recs []map[string]any
	var keys []string
	for h := 0; h < 20; h++ {
		ts := hour.Add(-time.Duration(h) * time.Hour)
		for c := 0; c < killCustomers; c++ {
			for _, dim := range []string{"users", "api_calls"} {
				cust := fmt.Sprintf("cust-%03d", c)
				recs = append(recs, map[string]any{"CustomerIdentifier": cust, "Dimension": dim, "Quantity": c + h, "Timestamp": ts.Unix()})
				keys = append(keys, cust+"|"+dim+"|"+ts.Format(time.RFC3339))
				if len(recs) == 25 {
					body, _ := json.Marshal(map[string]any{"ProductCode": "demo-saas", "UsageRecords": recs})
					batches = append(batches, killBatch{body: body, keys: keys})
					recs, keys = nil, nil
				}
			}
		}
	}
	return batches
}

// sendUntilKilled runs killWorkers clients over the batches and SIGKILLs
// the process after killAfter acknowledgements. It returns which batches
// were acknowledged (HTTP 200 with every record Success).
func sendUntilKilled(t *testing.T, url string, batches []killBatch, cmd *exec.Cmd) []bool {
	t.Helper()
	acked := make([]bool, len(batches))
	var mu sync.Mutex
	count := 0
	next := make(chan int)
	var wg sync.WaitGroup
	for w := 0; w < killWorkers; w++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range next {
				status, body := postBatch(url, batches[i].body)
				if status != http.StatusOK || strings.Count(body, `"Success"`) != 25 {
					continue // the process died, or the answer was lost with it
				}
				mu.Lock()
				acked[i] = true
				count++
				if count == killAfter {
					_ = cmd.Process.Kill()
				}
				mu.Unlock()
			}
		}()
	}
	for i := range batches {
		next <- i
		if i > killAfter*3 {
			break // bounded: the process is dead well before this
		}
	}
	close(next)
	wg.Wait()
	_ = cmd.Wait()
	if count < killAfter {
		t.Fatalf("only %d batches acknowledged before the kill", count)
	}
	return acked
}

var killClient = &http.Client{Timeout: 10 * time.Second}

// postBatch sends a signed BatchMeterUsage with the demo seller keys.
func postBatch(url string, body []byte) (int, string) {
	req, err := http.NewRequest(http.MethodPost, url+"/", strings.NewReader(string(body)))
	if err != nil {
		return 0, err.Error()
	}
	req.Header.Set("Content-Type", "application/x-amz-json-1.1")
	req.Header.Set("X-Amz-Target", "AWSMPMeteringService.BatchMeterUsage")
	if err := signRequest(req, body, sellerKey, testRegion, time.Now()); err != nil {
		return 0, err.Error()
	}
	resp, err := killClient.Do(req)
	if err != nil {
		return 0, err.Error()
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, string(b)
}

// startProcess runs this test binary as `meterd ARGS` and waits for the
// banner line with its URL.
func startProcess(t *testing.T, args string) (*exec.Cmd, string) {
	t.Helper()
	cmd := exec.Command(os.Args[0], "-test.run=^$")
	cmd.Env = append(os.Environ(), "METERD_TEST_RUN_MAIN=1", "METERD_TEST_ARGS="+args)
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	cmd.Stderr = os.Stderr
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = cmd.Process.Kill(); _ = cmd.Wait() })
	lines := bufio.NewScanner(stdout)
	for lines.Scan() {
		if _, rest, ok := strings.Cut(lines.Text(), " listening on "); ok {
			url, _, _ := strings.Cut(rest, " ")
			go func() { _, _ = io.Copy(io.Discard, stdout) }()
			return cmd, url
		}
	}
	t.Fatal("meterd exited before listening")
	return nil, ""
}

func killSeed() string {
	var b strings.Builder
	b.WriteString(`accounts:
  - {id: "111122223333", name: Seller, access_keys: [{id: test, secret: test}]}
products:
  - {code: demo-saas, seller: "111122223333", type: SaaS, dimensions: [{name: users}, {name: api_calls}]}
customers:
`)
	for c := 0; c < killCustomers; c++ {
		fmt.Fprintf(&b, "  - {identifier: cust-%03d, aws_account_id: \"%012d\"}\n", c, 500000000000+c)
	}
	b.WriteString("subscriptions:\n")
	for c := 0; c < killCustomers; c++ {
		fmt.Fprintf(&b, "  - {product: demo-saas, customer: cust-%03d, license_arn: \"arn:aws:license-manager::%012d:license:l-%03d\"}\n", c, 500000000000+c, c)
	}
	return b.String()
}

func countTrue(bs []bool) int {
	n := 0
	for _, b := range bs {
		if b {
			n++
		}
	}
	return n
}

func firstTrue(bs []bool) int {
	for i, b := range bs {
		if b {
			return i
		}
	}
	return -1
}
