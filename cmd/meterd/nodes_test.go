package main

import (
	"fmt"
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/marketplacemetering"
	"github.com/aws/aws-sdk-go-v2/service/marketplacemetering/types"
	awsv1 "github.com/aws/aws-sdk-go/aws"
	"github.com/aws/aws-sdk-go/service/marketplaceentitlementservice"

	"github.com/meterd/meterd"
	"github.com/meterd/meterd/node"
	"github.com/meterd/meterd/store/postgres/pgtest"
)

// startNodes starts n meterd nodes on the PostgreSQL database url, each
// with its own data directory, as a cluster behind a load balancer runs.
func startNodes(t *testing.T, n int, url string) []*testServer {
	t.Helper()
	nodes := make([]*testServer, n)
	for i := range nodes {
		nodes[i] = startServer(t, "", func(c *node.Config) {
			c.Store = url
			c.Throttle = false
			c.MonthEndGrace = 0
		})
	}
	return nodes
}

// usageKey names one usage: customer, dimension and hour.
type usageKey struct {
	dimension string
	hour      time.Time
}

// TestSeveralNodesOneTruth runs 3 nodes on one database and has real SDK
// clients send the same usage to all of them at once: BatchMeterUsage of
// the same customer, dimension and hour (some with another quantity), and
// MeterUsage with the same ClientToken. The ledger holds each usage once,
// every client is answered with the id of the record kept, and Success
// means the record kept bills what that client sent.
func TestSeveralNodesOneTruth(t *testing.T) {
	nodes := startNodes(t, 3, pgtest.URL(t))
	const clientsPerNode = 3
	now := time.Now().UTC()
	hours := []time.Time{now.Add(-time.Hour), now.Add(-2 * time.Hour)}

	type answer struct {
		quantity int32
		status   types.UsageRecordResultStatus
		id       string
	}
	var (
		mu        sync.Mutex
		batches   = map[usageKey][]answer{}
		meterIDs  = map[string][]string{} // client token → ids answered
		callErrs  []error
		wg        sync.WaitGroup
		dimension = []string{"users", "api_calls"}
	)
	for ni, s := range nodes {
		for c := range clientsPerNode {
			client := s.metering(sellerKey, testRegion)
			amiClient := s.metering(buyerKey, testRegion)
			quantity := int32(1 + (ni*clientsPerNode+c)%2) // two quantities: Success or DuplicateRecord
			wg.Go(func() {
				var recs []types.UsageRecord
				for _, h := range hours {
					for _, d := range dimension {
						recs = append(recs, types.UsageRecord{CustomerIdentifier: aws.String("demo-customer"),
							Dimension: aws.String(d), Timestamp: aws.Time(h), Quantity: aws.Int32(quantity)})
					}
				}
				out, err := client.BatchMeterUsage(t.Context(), &marketplacemetering.BatchMeterUsageInput{
					ProductCode: aws.String("demo-saas"), UsageRecords: recs})
				mu.Lock()
				defer mu.Unlock()
				if err != nil {
					callErrs = append(callErrs, err)
					return
				}
				for _, r := range out.Results {
					k := usageKey{aws.ToString(r.UsageRecord.Dimension), r.UsageRecord.Timestamp.Truncate(time.Hour)}
					batches[k] = append(batches[k], answer{quantity, r.Status, aws.ToString(r.MeteringRecordId)})
				}
			})
			wg.Go(func() {
				for i, h := range hours {
					token := fmt.Sprint("node-test-token-", i)
					out, err := amiClient.MeterUsage(t.Context(), &marketplacemetering.MeterUsageInput{
						ProductCode: aws.String("demo-ami"), UsageDimension: aws.String("vcpu_hours"),
						UsageQuantity: aws.Int32(int32(i + 1)), Timestamp: aws.Time(h), ClientToken: aws.String(token)})
					mu.Lock()
					if err != nil {
						callErrs = append(callErrs, err)
					} else {
						meterIDs[token] = append(meterIDs[token], aws.ToString(out.MeteringRecordId))
					}
					mu.Unlock()
				}
			})
		}
	}
	wg.Wait()
	for _, err := range callErrs {
		t.Errorf("call failed: %v", err)
	}

	ledger, err := nodes[0].Node.Store().FindUsage(t.Context(), meterd.UsageFilter{})
	if err != nil {
		t.Fatal(err)
	}
	stored := map[usageKey]*meterd.MeteringRecord{}
	byID := map[string]*meterd.MeteringRecord{}
	for _, r := range ledger {
		byID[r.ID] = r
		if r.ProductCode != "demo-saas" {
			continue
		}
		k := usageKey{r.Dimension, r.Hour}
		if prev := stored[k]; prev != nil {
			t.Errorf("usage %v stored twice: %s and %s", k, prev.ID, r.ID)
		}
		stored[k] = r
	}
	if want := len(hours)*len(dimension) + len(hours); len(ledger) != want {
		t.Errorf("ledger holds %d records, want %d", len(ledger), want)
	}
	for k, answers := range batches {
		rec := stored[k]
		if rec == nil {
			t.Errorf("usage %v answered but not in the ledger", k)
			continue
		}
		if len(answers) != len(nodes)*clientsPerNode {
			t.Errorf("usage %v: %d answers, want %d", k, len(answers), len(nodes)*clientsPerNode)
		}
		for _, a := range answers {
			wantStatus := types.UsageRecordResultStatusDuplicateRecord
			if int64(a.quantity) == rec.Quantity {
				wantStatus = types.UsageRecordResultStatusSuccess
			}
			if a.id != rec.ID || a.status != wantStatus {
				t.Errorf("usage %v, quantity %d: answered %s %s, want %s %s (ledger quantity %d)",
					k, a.quantity, a.status, a.id, wantStatus, rec.ID, rec.Quantity)
			}
		}
	}
	for token, ids := range meterIDs {
		rec := byID[ids[0]]
		if rec == nil || rec.ClientToken != token {
			t.Errorf("token %s: answered id %s is not a ledger record of the token", token, ids[0])
		}
		for _, id := range ids {
			if id != ids[0] {
				t.Errorf("token %s: answered %s and %s", token, ids[0], id)
			}
		}
		if len(ids) != len(nodes)*clientsPerNode {
			t.Errorf("token %s: %d answers, want %d", token, len(ids), len(nodes)*clientsPerNode)
		}
	}
}

// TestDatabaseRestartLosesNothing stops the real PostgreSQL under two
// nodes while clients send BatchMeterUsage, then starts it again: every
// batch answered Success is in the ledger whole, no batch is half-written,
// calls that fail get InternalServiceErrorException, /readyz says not ready
// while the database is down and ready again after, and the nodes then
// take the batches that failed without a restart of their own.
func TestDatabaseRestartLosesNothing(t *testing.T) {
	if testing.Short() {
		t.Skip("restarts a database")
	}
	pg := pgtest.NewServer(t)
	seedPath := writeSeed(t, killSeed())
	url := pg.Database(t)
	nodes := make([]*testServer, 2)
	for i := range nodes {
		nodes[i] = startServer(t, seedPath, func(c *node.Config) {
			c.Store = url
			c.Throttle = false
			c.MonthEndGrace = 0
			c.WriteTimeout = 5 * time.Second
		})
	}
	batches := makeKillBatches()[:60]
	acked := make([]bool, len(batches))
	send := func(i int) (status int, body string) {
		status, body = postBatch(nodes[i%len(nodes)].URL, batches[i].body)
		if status == http.StatusOK && strings.Count(body, `"Success"`) == 25 {
			acked[i] = true
		}
		return status, body
	}

	// Up: the first batches go through.
	for i := range 10 {
		if status, body := send(i); !acked[i] {
			t.Fatalf("batch %d before the restart: %d %s", i, status, body)
		}
	}
	// Down, with clients sending: stop the server while the next batches
	// are in flight.
	var wg sync.WaitGroup
	var failMu sync.Mutex
	var failures []string
	next := make(chan int)
	for range killWorkers {
		wg.Go(func() {
			for i := range next {
				status, body := send(i)
				if !acked[i] && (status != http.StatusInternalServerError || !strings.Contains(body, "InternalServiceErrorException")) {
					failMu.Lock()
					failures = append(failures, fmt.Sprintf("batch %d: %d %s", i, status, body))
					failMu.Unlock()
				}
			}
		})
	}
	for i := 10; i < len(batches); i++ {
		if i == 20 {
			if err := pg.Stop(); err != nil {
				t.Fatal(err)
			}
		}
		next <- i
	}
	close(next)
	wg.Wait()
	for _, f := range failures {
		t.Errorf("a failed call must be InternalServiceErrorException: %s", f)
	}
	for _, s := range nodes {
		waitReady(t, s, http.StatusServiceUnavailable)
	}
	if err := pg.Start(); err != nil {
		t.Fatal(err)
	}
	for _, s := range nodes {
		waitReady(t, s, http.StatusOK)
	}
	// Nothing acknowledged was lost, and no batch is half-written.
	stored := ledgerKeys(t, nodes[1])
	for i, b := range batches {
		present := 0
		for _, k := range b.keys {
			present += stored[k]
		}
		switch {
		case acked[i] && present != len(b.keys):
			t.Errorf("batch %d acknowledged but only %d of %d records in the ledger", i, present, len(b.keys))
		case present != 0 && present != len(b.keys):
			t.Errorf("batch %d half-written: %d of %d records", i, present, len(b.keys))
		}
	}
	// Up again: every batch not acknowledged goes through now (a batch
	// that committed unacknowledged is an idempotent resend: Success).
	var resent int
	for i := range batches {
		if !acked[i] {
			resent++
			if status, body := send(i); !acked[i] {
				t.Errorf("batch %d after the restart: %d %s", i, status, body)
			}
		}
	}
	if resent == 0 {
		t.Error("no batch failed while the database was down")
	}
	checkBatchesStored(t, nodes[0], batches)
}

// waitReady polls /readyz until it answers status.
func waitReady(t *testing.T, s *testServer, status int) {
	t.Helper()
	deadline := time.Now().Add(60 * time.Second)
	for {
		resp, err := http.Get(s.URL + "/readyz")
		if err == nil {
			resp.Body.Close()
			if resp.StatusCode == status {
				return
			}
		}
		if time.Now().After(deadline) {
			t.Fatalf("/readyz of %s never answered %d (last: %v %v)", s.URL, status, resp, err)
		}
		time.Sleep(100 * time.Millisecond)
	}
}

// checkBatchesStored checks that the ledger holds every record of batches,
// once, and nothing else.
func checkBatchesStored(t *testing.T, s *testServer, batches []killBatch) {
	t.Helper()
	stored := ledgerKeys(t, s)
	total := 0
	for _, n := range stored {
		total += n
	}
	for i, b := range batches {
		for _, k := range b.keys {
			if stored[k] != 1 {
				t.Errorf("batch %d: record %s stored %d times, want 1", i, k, stored[k])
			}
		}
	}
	if total != 25*len(batches) {
		t.Errorf("ledger holds %d records, want %d", total, 25*len(batches))
	}
}

// ledgerKeys counts the ledger's records by customer|dimension|hour.
func ledgerKeys(t *testing.T, s *testServer) map[string]int {
	t.Helper()
	recs, err := s.Node.Store().FindUsage(t.Context(), meterd.UsageFilter{})
	if err != nil {
		t.Fatal(err)
	}
	stored := make(map[string]int, len(recs))
	for _, r := range recs {
		stored[r.CustomerIdentifier+"|"+r.Dimension+"|"+r.Hour.UTC().Format(time.RFC3339)]++
	}
	return stored
}

// nextTokenSeed is one subscription with two entitlements: a page of one
// has a NextToken.
const nextTokenSeed = `accounts:
  - {id: "111122223333", name: Seller, access_keys: [{id: test, secret: test}]}
products:
  - {code: seats, seller: "111122223333", type: SaaS, dimensions: [{name: seats}, {name: admins}]}
customers:
  - {identifier: c00, aws_account_id: "300000000000"}
subscriptions:
  - {product: seats, customer: c00, license_arn: "arn:aws:license-manager::300000000000:license:l-00",
     entitlements: [{dimension: seats, integer: 5}, {dimension: admins, integer: 1}]}
`

// A GetEntitlements NextToken is good after a restart (its key is kept in
// the ledger) and on another node of the same PostgreSQL ledger.
func TestNextTokenOutlivesNode(t *testing.T) {
	seedPath := writeSeed(t, nextTokenSeed)
	firstPage := func(s *testServer) string {
		out, err := s.entitlement(t, sellerKey, testRegion).GetEntitlements(&marketplaceentitlementservice.GetEntitlementsInput{
			ProductCode: awsv1.String("seats"), MaxResults: awsv1.Int64(1)})
		if err != nil || out.NextToken == nil || len(out.Entitlements) != 1 {
			t.Fatalf("first page: %v %v", out, err)
		}
		return *out.NextToken
	}
	secondPage := func(s *testServer, token string) {
		t.Helper()
		out, err := s.entitlement(t, sellerKey, testRegion).GetEntitlements(&marketplaceentitlementservice.GetEntitlementsInput{
			ProductCode: awsv1.String("seats"), MaxResults: awsv1.Int64(1), NextToken: awsv1.String(token)})
		if err != nil || len(out.Entitlements) != 1 || awsv1.StringValue(out.Entitlements[0].Dimension) != "seats" {
			t.Fatalf("second page: %v %v", out, err)
		}
	}
	t.Run("OK after a restart", func(t *testing.T) {
		dir := t.TempDir()
		first := startServer(t, seedPath, func(c *node.Config) { c.DataDir = dir })
		token := firstPage(first)
		if err := first.Close(); err != nil {
			t.Fatal(err)
		}
		secondPage(startServer(t, seedPath, func(c *node.Config) { c.DataDir = dir }), token)
	})
	t.Run("OK on another node", func(t *testing.T) {
		url := pgtest.URL(t)
		a := startServer(t, seedPath, func(c *node.Config) { c.Store = url })
		b := startServer(t, seedPath, func(c *node.Config) { c.Store = url })
		secondPage(b, firstPage(a))
	})
}
