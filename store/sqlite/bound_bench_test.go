package sqlite_test

import (
	"context"
	"database/sql"
	"fmt"
	"math/rand/v2"
	"path/filepath"
	"strings"
	"testing"
)

// BenchmarkLedgerBound measures what SQLite itself (modernc, as meterd
// runs it: WAL, synchronous=FULL, a 4 MiB page cache) costs per record for
// ledgers far simpler than meterd's, written the way meterd's writer
// writes a BatchMeterUsage load: 25-row INSERTs, 16 of them a transaction,
// from one goroutine, on top of benchPrefill rows. It is the bound behind
// issue 9's BatchMeterUsage target (docs/architecture.md, "What bounds
// it"): no SQLite ledger can cost its writer less than these, and every
// record must also be checked for duplicates, which needs an index of its
// dedupe key.
//
//	go test -run='^$' -bench=LedgerBound -benchtime=40000x ./store/sqlite
//
// append: one row per record, a 200-byte line (what the fsync floor
// appends to a file), no index. dedupe-index: the same plus an index on a
// random 64-bit dedupe hash. dedupe-key: the line in a WITHOUT ROWID table
// keyed by that hash, so the record is the index entry.
func BenchmarkLedgerBound(b *testing.B) {
	ledgers := []struct{ name, schema, insert string }{
		{"append", `CREATE TABLE r (seq INTEGER PRIMARY KEY, hash INTEGER NOT NULL, line TEXT NOT NULL)`,
			`INSERT INTO r (hash, line) VALUES `},
		{"dedupe-index", `CREATE TABLE r (seq INTEGER PRIMARY KEY, hash INTEGER NOT NULL, line TEXT NOT NULL);
			CREATE INDEX r_hash ON r (hash)`,
			`INSERT INTO r (hash, line) VALUES `},
		{"dedupe-key", `CREATE TABLE r (hash INTEGER PRIMARY KEY, line TEXT NOT NULL) WITHOUT ROWID`,
			`INSERT INTO r (hash, line) VALUES `},
	}
	for _, l := range ledgers {
		b.Run(l.name, func(b *testing.B) { benchmarkLedgerBound(b, l.schema, l.insert) })
	}
}

const (
	boundRowsPerInsert = 25
	boundInsertsPerTx  = 16
)

func benchmarkLedgerBound(b *testing.B, schema, insert string) {
	ctx := context.Background()
	dsn := "file:" + filepath.Join(b.TempDir(), "bound.db") +
		"?_pragma=journal_mode(WAL)&_pragma=synchronous(FULL)&_pragma=cache_size(-4096)&_pragma=wal_autocheckpoint(16384)"
	db, err := sql.Open("sqlite", dsn)
	if err != nil {
		b.Fatal(err)
	}
	defer db.Close()
	db.SetMaxOpenConns(1)
	if _, err := db.ExecContext(ctx, schema); err != nil {
		b.Fatal(err)
	}
	stmt, err := db.PrepareContext(ctx, insert+strings.TrimSuffix(strings.Repeat("(?, ?), ", boundRowsPerInsert), ", "))
	if err != nil {
		b.Fatal(err)
	}
	defer stmt.Close()
	args := make([]any, 2*boundRowsPerInsert)
	writeTx := func(rows int) {
		tx, err := db.BeginTx(ctx, nil)
		if err != nil {
			b.Fatal(err)
		}
		for done := 0; done < rows; done += boundRowsPerInsert {
			for i := 0; i < len(args); i += 2 {
				args[i], args[i+1] = int64(rand.Uint64()), boundLine()
			}
			if _, err := tx.StmtContext(ctx, stmt).ExecContext(ctx, args...); err != nil {
				b.Fatal(err)
			}
		}
		if err := tx.Commit(); err != nil {
			b.Fatal(err)
		}
	}
	const txRows = boundRowsPerInsert * boundInsertsPerTx
	for range benchPrefill / txRows {
		writeTx(txRows)
	}
	cpu, written := cpuTime(), writtenBytes()
	b.ResetTimer()
	for done := 0; done < b.N; done += txRows {
		writeTx(txRows)
	}
	b.StopTimer()
	b.ReportMetric(float64((cpuTime()-cpu).Microseconds())/float64(b.N), "cpu-µs/record")
	b.ReportMetric(float64(writtenBytes()-written)/float64(b.N), "written-B/record")
}

// boundLine is a record as the fsync floor appends it: about 200 bytes of
// ids, keys, names and numbers, different every time.
func boundLine() string {
	return fmt.Sprintf("%016x%016x\tus-east-1\tBatchMeterUsage\tprod-%d\tcust-%04d\t111111111111\tdim-%d\t%d\t2025-03-04T10:00:00Z\t%016x%016x%016x%016x",
		rand.Uint64(), rand.Uint64(), rand.IntN(4), rand.IntN(2000), rand.IntN(8), rand.IntN(1000),
		rand.Uint64(), rand.Uint64(), rand.Uint64(), rand.Uint64())
}
