package sqlite_test

import (
	"fmt"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/meterd/meterd"
	"github.com/meterd/meterd/store/sqlite"
)

// retry is MeterUsage's record for the same usage as the n-th call with a
// fresh ClientToken, received at at: the SDKs fill a new token per call.
func retry(n int, at time.Time) *meterd.MeteringRecord {
	return &meterd.MeteringRecord{
		ID: fmt.Sprintf("r-%d-%d", at.Unix(), n), Region: "us-east-1", Operation: "MeterUsage",
		ProductCode: "ami", CallerAccountID: "222222222222", Dimension: "hours",
		DedupeKey: fmt.Sprintf("dk-%d", at.Unix()), RequestHash: "h", ReceivedAt: at,
		ClientToken: fmt.Sprintf("tok-%d-%d", at.Unix(), n),
	}
}

// Tokens remembered for retries are deleted once expired, by later writes,
// so the table holds about one window's worth of rows, not every retry
// ever made.
func TestClientTokensExpire(t *testing.T) {
	dir := t.TempDir()
	db := mustOpen(t, dir)
	record := func(at time.Time, calls int) {
		for n := range calls {
			_, err := db.RecordUsage(t.Context(), []*meterd.MeteringRecord{retry(n, at)})
			must(t, err)
		}
	}
	t0 := time.Date(2025, time.March, 4, 10, 0, 0, 0, time.UTC)
	record(t0, 11) // one record, ten remembered tokens
	if got := query(t, dir, "SELECT count(*) FROM client_tokens"); got != "10" {
		t.Fatalf("client_tokens rows = %s, want 10", got)
	}
	record(t0.Add(meterd.ClientTokenWindow+time.Second), 11)
	if got := query(t, dir, "SELECT count(*) FROM client_tokens"); got != "10" {
		t.Errorf("client_tokens rows = %s after a window, want 10 (the expired ten deleted)", got)
	}
}

// Migration 5 gives tokens remembered before it the time of the record
// they lead to, so they expire like the rest.
func TestClientTokensMigrated(t *testing.T) {
	dir := t.TempDir()
	must(t, mustOpen(t, dir).Close())
	execSQL(t, dir, `DROP INDEX client_tokens_used_at;
		ALTER TABLE client_tokens DROP COLUMN used_at;
		DROP INDEX metering_records_client_token;
		CREATE UNIQUE INDEX metering_records_client_token ON metering_records (region, caller_account_id, client_token)
			WHERE client_token IS NOT NULL;
		DELETE FROM schema_migrations WHERE version = 5;
		INSERT INTO metering_records (id, region, operation, product_code, customer_identifier,
			customer_aws_account_id, license_arn, caller_account_id, resource_id, dimension, quantity,
			dedupe_key, client_token, request_hash, test, received_at)
		VALUES ('r1', 'us-east-1', 'MeterUsage', 'ami', '', '', '', '222222222222', 'AKID', 'hours', 1,
			'dk', 't1', 'h', 0, '2025-03-04T10:00:00.000000000Z');
		INSERT INTO client_tokens VALUES ('us-east-1', '222222222222', 't2', 'r1')`)
	must(t, mustOpen(t, dir).Close())
	if got := query(t, dir, "SELECT used_at FROM client_tokens WHERE client_token = 't2'"); got != "2025-03-04T10:00:00.000000000Z" {
		t.Errorf("used_at after migration 5 = %q, want the record's received_at", got)
	}
}

// A retry with a token already known (what the SDKs' own retries send)
// appends nothing to the WAL, so it costs no fsync.
func TestKnownTokenWritesNothing(t *testing.T) {
	dir := t.TempDir()
	db := mustOpen(t, dir)
	at := time.Date(2025, time.March, 4, 10, 0, 0, 0, time.UTC)
	for n := range 2 { // a record and a remembered token
		_, err := db.RecordUsage(t.Context(), []*meterd.MeteringRecord{retry(n, at)})
		must(t, err)
	}
	wal := filepath.Join(dir, sqlite.FileName+"-wal")
	before, err := os.Stat(wal)
	must(t, err)
	for n := range 2 {
		rec := retry(n, at.Add(time.Minute))
		rec.DedupeKey = retry(n, at).DedupeKey
		rec.ClientToken = retry(n, at).ClientToken
		out, err := db.RecordUsage(t.Context(), []*meterd.MeteringRecord{rec})
		must(t, err)
		if out[0].Conflict != meterd.ClientTokenConflict {
			t.Fatalf("retry %d: outcome %+v, want a client token conflict", n, out[0])
		}
	}
	after, err := os.Stat(wal)
	must(t, err)
	if after.Size() != before.Size() {
		t.Errorf("WAL grew from %d to %d bytes on retries with known tokens", before.Size(), after.Size())
	}
}
