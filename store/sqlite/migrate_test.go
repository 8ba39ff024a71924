package sqlite_test

import (
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/meterd/meterd"
	"github.com/meterd/meterd/store/sqlite"
)

// oldLedgerSQL fills a version 6 ledger: 1,000 records, the even ones with
// a client token, and a token remembered for record 7.
const oldLedgerSQL = `WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < 1000)
	INSERT INTO metering_records (id, region, operation, product_code, customer_identifier,
		customer_aws_account_id, license_arn, caller_account_id, resource_id, dimension, timestamp, hour,
		quantity, dedupe_key, client_token, request_hash, test, received_at)
	SELECT 'id-' || i, 'us-east-1', 'MeterUsage', 'prod', '', '', '', '222222222222', 'AKID', 'hours',
		'2025-03-04T10:00:00.000000000Z', '2025-03-04T10:00:00.000000000Z', i, 'dk-' || i,
		CASE WHEN i % 2 = 0 THEN 'tok-' || i END, 'h-' || i, 0, '2025-03-04T10:00:00.000000000Z'
	FROM n;
	INSERT INTO client_tokens VALUES ('us-east-1', '222222222222', 'remembered', 'id-7',
		'2025-03-04T10:00:00.000000000Z')`

// Migration 7 hashes the keys of a ledger written by version 6: every
// record is still there in ledger order, and its dedupe key and client
// tokens still collide with new records.
func TestHashedKeysMigrated(t *testing.T) {
	dir := t.TempDir()
	must(t, mustOpen(t, dir, sqlite.WithSchemaVersion(6)).Close())
	execSQL(t, dir, oldLedgerSQL)
	db := mustOpen(t, dir)

	recs, err := db.FindUsage(t.Context(), meterd.UsageFilter{})
	must(t, err)
	if len(recs) != 1000 {
		t.Fatalf("%d records after migration, want 1000", len(recs))
	}
	for i, r := range recs {
		if want := fmt.Sprint("id-", i+1); r.ID != want || r.Quantity != int64(i+1) {
			t.Fatalf("record %d = %s (quantity %d), want %s (quantity %d)", i, r.ID, r.Quantity, want, i+1)
		}
	}
	cases := []struct {
		name     string
		key, tok string
		want     meterd.ConflictKind
		existing string
	}{
		{"OK new keys", "dk-new", "tok-new", meterd.NoConflict, ""},
		{"ErrDedupeKey", "dk-501", "", meterd.DedupeKeyConflict, "id-501"},
		{"ErrOwnToken", "dk-other", "tok-2", meterd.ClientTokenConflict, "id-2"},
		{"ErrRememberedToken", "dk-other", "remembered", meterd.ClientTokenConflict, "id-7"},
		{"OK token of a record without one", "dk-other-too", "tok-3", meterd.NoConflict, ""},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			got := recordOne(t, db, c.key, c.tok)
			if got.Inserted != (c.want == meterd.NoConflict) || got.Conflict != c.want ||
				(c.existing != "" && (got.Existing == nil || got.Existing.ID != c.existing)) {
				t.Fatalf("outcome %+v, want conflict %v with %q", got, c.want, c.existing)
			}
		})
	}
}

// recordOne records a MeterUsage record like oldLedgerSQL's with the given
// dedupe key and client token, received within their token window.
func recordOne(t *testing.T, db *sqlite.DB, key, token string) meterd.RecordOutcome {
	t.Helper()
	at := time.Date(2025, time.March, 4, 10, 30, 0, 0, time.UTC)
	out, err := db.RecordUsage(t.Context(), []*meterd.MeteringRecord{{
		ID: "new-" + key + "-" + token, Region: "us-east-1", Operation: meterd.OpMeterUsage, ProductCode: "prod",
		CallerAccountID: "222222222222", ResourceID: "AKID", Dimension: "hours", Timestamp: at,
		Hour: at.Truncate(time.Hour), Quantity: 1, DedupeKey: key, ClientToken: token, RequestHash: "h-new",
		ReceivedAt: at,
	}})
	must(t, err)
	return out[0]
}

// The ledger's lookups use the hashed-key indexes, never a scan of the
// ledger.
func TestLedgerLookupsUseIndexes(t *testing.T) {
	dir := t.TempDir()
	must(t, mustOpen(t, dir).Close())
	cases := []struct {
		name, query string
		args        []any
		want        []string // in the plan
	}{
		{"DedupeKey", sqlite.FindByDedupeKeySQL, []any{1, "r", "k"},
			[]string{"USING INDEX metering_records_dedupe (dedupe_hash=?)"}},
		{"ClientToken", sqlite.FindByTokenSQL, []any{"r", "a", "t", nil, 1},
			[]string{"USING PRIMARY KEY (region=? AND caller_account_id=? AND client_token=?)",
				"USING INDEX metering_records_client_token (token_hash=?)", "USING INDEX sqlite_autoindex_metering_records_1 (id=?)"}},
		{"Insert", sqlite.InsertUsageSQL, insertArgs(), []string{
			"USING INDEX metering_records_dedupe (dedupe_hash=?)",
			"USING INDEX metering_records_client_token (token_hash=?)",
			"USING PRIMARY KEY (region=? AND caller_account_id=? AND client_token=?)"}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			plan := queryPlan(t, dir, c.query, c.args...)
			if strings.Contains(plan, "SCAN metering_records") {
				t.Errorf("plan scans the ledger:\n%s", plan)
			}
			for _, w := range c.want {
				if !strings.Contains(plan, w) {
					t.Errorf("plan lacks %q:\n%s", w, plan)
				}
			}
		})
	}
}

// insertArgs are InsertUsageSQL's 22 parameters, with a client token.
func insertArgs() []any {
	args := make([]any, 22)
	for i := range args {
		args[i] = "x"
	}
	args[19], args[20] = 1, 2
	return args
}

// queryPlan returns the details of EXPLAIN QUERY PLAN for q, one a line.
func queryPlan(t *testing.T, dir, q string, args ...any) string {
	t.Helper()
	rows, err := rawDB(t, dir).Query("EXPLAIN QUERY PLAN "+q, args...)
	must(t, err)
	defer rows.Close()
	var b strings.Builder
	for rows.Next() {
		var id, parent, unused int
		var detail string
		must(t, rows.Scan(&id, &parent, &unused, &detail))
		b.WriteString(detail + "\n")
	}
	must(t, rows.Err())
	return b.String()
}

// A new ledger gets every migration in one transaction; one upgraded a
// version at a time (as successive builds left it) must end with exactly
// the same schema and the same record of versions.
func TestMigratedInOneGoAsStepByStep(t *testing.T) {
	oneGo := t.TempDir()
	must(t, mustOpen(t, oneGo, sqlite.WithoutTemplate()).Close())
	stepped := t.TempDir()
	versions := strings.Count(migrationFiles(t), ",") + 1
	for v := 1; v <= versions; v++ {
		must(t, mustOpen(t, stepped, sqlite.WithSchemaVersion(v)).Close())
		if got := query(t, stepped, "SELECT max(version) FROM schema_migrations"); got != fmt.Sprint(v) {
			t.Fatalf("after the open up to %d: schema version %s", v, got)
		}
	}
	const schema = `SELECT group_concat(type || ' ' || name || ' ON ' || tbl_name || ': ' || coalesce(sql, ''), char(10))
		FROM (SELECT * FROM sqlite_schema ORDER BY type, name)`
	if a, b := query(t, oneGo, schema), query(t, stepped, schema); a != b {
		t.Errorf("schema migrated in one go:\n%s\n\nstep by step:\n%s", a, b)
	}
	const record = "SELECT group_concat(version || ':' || name) FROM schema_migrations"
	if a, b := query(t, oneGo, record), query(t, stepped, record); a != b {
		t.Errorf("schema_migrations in one go %s, step by step %s", a, b)
	}
}
