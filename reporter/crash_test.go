package reporter_test

import (
	"bufio"
	"context"
	"fmt"
	"math/rand/v2"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/marketplacemetering"

	"github.com/meterd/meterd/meterdtest"
	"github.com/meterd/meterd/reporter"
)

const (
	crashChildEnv = "REPORTER_CRASH_CHILD"
	crashURLEnv   = "REPORTER_CRASH_URL"
	crashSpoolEnv = "REPORTER_CRASH_SPOOL"
	// crashWriters is how many goroutines of the child call Record at once:
	// at most that many Records are in flight (maybe committed, not yet
	// acknowledged) when the child is killed.
	crashWriters = 4
	crashRuns    = 5
)

var crashCustomers = []string{"cust-a", "cust-b", "cust-c", "cust-d"}

// saasSeed is a catalog with one SaaS product, crash-saas, sold by the
// account of the access key "seller", and the given subscribed customers;
// those also listed in unsubscribed have ended their subscription.
func saasSeed(t *testing.T, customers []string, unsubscribed ...string) string {
	var b strings.Builder
	b.WriteString(`accounts:
  - id: "111122223333"
    name: Seller
    access_keys:
      - id: seller
        secret: seller-secret
products:
  - code: crash-saas
    seller: "111122223333"
    type: SaaS
    dimensions:
      - name: units
customers:
`)
	for i, c := range customers {
		fmt.Fprintf(&b, "  - identifier: %s\n    aws_account_id: \"%012d\"\n", c, 900000000000+i)
	}
	b.WriteString("subscriptions:\n")
	for i, c := range customers {
		fmt.Fprintf(&b, "  - product: crash-saas\n    customer: %s\n    license_arn: arn:aws:license-manager::%012d:license:l-%032d\n",
			c, 900000000000+i, i)
		if slices.Contains(unsubscribed, c) {
			b.WriteString("    status: unsubscribed\n")
		}
	}
	path := filepath.Join(t.TempDir(), "seed.yaml")
	if err := os.WriteFile(path, []byte(b.String()), 0o600); err != nil {
		t.Fatal(err)
	}
	return path
}

func crashClient(url string) *marketplacemetering.Client {
	return marketplacemetering.New(marketplacemetering.Options{
		BaseEndpoint: aws.String(url),
		Region:       "us-east-1",
		Credentials:  credentials.NewStaticCredentialsProvider("seller", "seller-secret", ""),
	})
}

// TestCrashLosesNothingAndBillsNothingTwice kills a reporter process with
// SIGKILL while it records and flushes, several times over one spool, then
// drains the spool and checks meterd's ledger: every acknowledged Record
// is billed, each customer, dimension and hour once.
func TestCrashLosesNothingAndBillsNothingTwice(t *testing.T) {
	if testing.Short() {
		t.Skip("starts and kills processes")
	}
	s := meterdtest.Start(t, meterdtest.WithSeedFile(saasSeed(t, crashCustomers)))
	spool := filepath.Join(t.TempDir(), "spool.db")
	acked := 0
	for run := range crashRuns {
		acked += runAndKill(t, s.URL, spool, time.Duration(100+rand.IntN(300))*time.Millisecond)
		t.Logf("run %d: %d Records acknowledged so far", run, acked)
	}
	if acked == 0 {
		t.Fatal("no Record was acknowledged before the kills; the test proves nothing")
	}

	// Drain: a reporter whose clock is an hour ahead treats the current hour
	// as closed, so usage moved there is sent too.
	r := openReporter(t, reporter.Config{
		Client:      crashClient(s.URL),
		ProductCode: "crash-saas",
		Spool:       spool,
		Now:         func() time.Time { return time.Now().Add(time.Hour) },
	})
	ctx := context.Background()
	if err := r.Flush(ctx); err != nil {
		t.Fatal(err)
	}
	st, err := r.Status(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if st.OpenRecords != 0 || st.PendingBatches != 0 || len(st.Results) != 1 {
		t.Fatalf("after the drain: %+v, want everything answered Success", st)
	}
	got := ledger(t, s, "crash-saas")
	var billed int64
	for _, q := range got {
		billed += q
	}
	if st.Results[reporter.StatusSuccess] != len(got) {
		t.Errorf("spool has %d successes, meterd %d records", st.Results[reporter.StatusSuccess], len(got))
	}
	maxInFlight := int64(crashRuns * crashWriters)
	if billed < int64(acked) || billed > int64(acked)+maxInFlight {
		t.Errorf("meterd billed %d units for %d acknowledged Records (at most %d more may have been in flight)",
			billed, acked, maxInFlight)
	}
}

// runAndKill starts the child reporter, kills it d after its first
// acknowledged Record (so that a slow start on a loaded machine still
// gives it time to work) and returns how many Records it acknowledged.
func runAndKill(t *testing.T, url, spool string, d time.Duration) int {
	t.Helper()
	cmd := exec.Command(os.Args[0], "-test.run=^$")
	cmd.Env = append(os.Environ(), crashChildEnv+"=1", crashURLEnv+"="+url, crashSpoolEnv+"="+spool)
	cmd.Stderr = os.Stderr
	out, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	acks := 0
	first := make(chan struct{})
	lines := make(chan struct{})
	go func() {
		defer close(lines)
		sc := bufio.NewScanner(out)
		for sc.Scan() {
			if sc.Text() == "ack" {
				if acks++; acks == 1 {
					close(first)
				}
			}
		}
	}()
	select {
	case <-first:
		time.Sleep(d)
	case <-lines:
		// the child ended before acknowledging anything: its stderr says why
	case <-time.After(time.Minute):
		t.Error("the child acknowledged no Record within a minute")
	}
	if err := cmd.Process.Kill(); err != nil {
		t.Fatal(err)
	}
	<-lines
	cmd.Wait() // killed: its error says so
	return acks
}

// runCrashChild records quantity 1 at random closed hours for random
// customers from crashWriters goroutines, printing "ack" after each
// Record returns, and flushes every 10 ms, until it is killed.
func runCrashChild() int {
	r, err := reporter.Open(context.Background(), reporter.Config{
		Client:            crashClient(os.Getenv(crashURLEnv)),
		ProductCode:       "crash-saas",
		Spool:             os.Getenv(crashSpoolEnv),
		FlushInterval:     10 * time.Millisecond,
		RequestsPerSecond: 1000,
	})
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 1
	}
	r.Start()
	var mu sync.Mutex
	var wg sync.WaitGroup
	for range crashWriters {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for {
				hour := time.Now().UTC().Truncate(time.Hour).Add(-time.Duration(1+rand.IntN(3)) * time.Hour)
				c := crashCustomers[rand.IntN(len(crashCustomers))]
				if err := r.Record(context.Background(), reporter.CustomerID(c), "units", 1, hour); err != nil {
					fmt.Fprintln(os.Stderr, err)
					return
				}
				mu.Lock()
				fmt.Println("ack")
				mu.Unlock()
			}
		}()
	}
	wg.Wait()
	return 1
}
