package main

import (
	"context"
	"errors"
	"net/http"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/marketplacemetering"
	"github.com/aws/aws-sdk-go-v2/service/marketplacemetering/types"
	"github.com/meterd/meterd/store/sqlite"
)

// TestLedgerDeletedWhileServing deletes the database file and its WAL under
// a running meterd: it must stop acknowledging usage (a success would go
// into the unlinked file, lost at the next start) and report not ready.
func TestLedgerDeletedWhileServing(t *testing.T) {
	s := startSQLiteServer(t, "")
	client := s.metering(buyerKey, testRegion)
	hour := time.Now().Add(-time.Minute)
	meter := func(ts time.Time) error {
		_, err := client.MeterUsage(context.Background(), &marketplacemetering.MeterUsageInput{
			ProductCode: aws.String("demo-ami"), UsageDimension: aws.String("vcpu_hours"),
			UsageQuantity: aws.Int32(3), Timestamp: aws.Time(ts),
		})
		return err
	}
	if err := meter(hour); err != nil {
		t.Fatalf("MeterUsage before the delete: %v", err)
	}
	wantReady(t, s, http.StatusOK)

	path := filepath.Join(s.DataDir, sqlite.FileName)
	for _, p := range []string{path, path + "-wal"} {
		if err := os.Remove(p); err != nil {
			t.Fatal(err)
		}
	}
	var ise *types.InternalServiceErrorException
	if err := meter(hour.Add(-time.Hour)); !errors.As(err, &ise) {
		t.Fatalf("MeterUsage after the delete: %v, want InternalServiceErrorException", err)
	}
	wantReady(t, s, http.StatusServiceUnavailable)
}

func wantReady(t *testing.T, s *testServer, status int) {
	t.Helper()
	resp, err := http.Get(s.URL + "/readyz")
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != status {
		t.Errorf("readyz: %d, want %d", resp.StatusCode, status)
	}
}
