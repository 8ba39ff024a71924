package sqlite

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"time"
	"unsafe"

	"github.com/meterd/meterd"
	"github.com/meterd/meterd/store/backend"
)

// AuditFileName is the audit trail's database inside the data directory.
const AuditFileName = "audit.db"

// auditPragmas: the audit trail is a record of calls, not the ledger, so
// it trades the last moments before a power cut for speed: with
// synchronous=NORMAL in WAL mode a commit does not fsync (a checkpoint
// does), and a crash of the process alone loses nothing committed. Events
// append, so the writer's working set is the right edge of the table and
// its two indexes, and readers scan: 1 MiB of page cache a connection,
// not the default 2 MiB (each cached page costs 8 KiB of RSS, see
// writerPragmas in sqlite.go).
const auditPragmas = "_pragma=busy_timeout(5000)&_pragma=journal_mode(WAL)&_pragma=synchronous(NORMAL)" +
	"&_pragma=cache_size(-1024)"

// auditMigrations are the audit database's schema versions, 1, 2, ...,
// tracked in PRAGMA user_version: a file of its own, numbered apart from
// the ledger's migrations.
var auditMigrations = []string{
	1: `CREATE TABLE events (
		seq          INTEGER PRIMARY KEY,
		event_id     TEXT NOT NULL, -- a UUID: not indexed, nothing looks it up
		time_ns      INTEGER NOT NULL,
		event_name   TEXT NOT NULL,
		access_key   TEXT NOT NULL,
		error_code   TEXT NOT NULL,
		product_code TEXT NOT NULL,
		customers    TEXT NOT NULL, -- each subject's, between two \x1f, for instr()
		dimensions   TEXT NOT NULL, -- likewise, in the same order
		record       TEXT NOT NULL, -- the CloudTrail JSON but for the two below
		request_parameters TEXT,    -- JSON, kept apart so that no encoder
		response_elements  TEXT     -- re-validates kilobytes per event
	) STRICT;
	CREATE INDEX events_time ON events (time_ns, seq);
	CREATE INDEX events_name_time ON events (event_name, time_ns, seq);`,
}

// AuditDB is the meterd.AuditStore on its own SQLite file. One goroutine
// (audit.Log's writer) appends; any number read.
type AuditDB struct {
	path   string
	write  *sql.DB // one connection
	read   *sql.DB
	logger *slog.Logger

	mu      sync.Mutex
	inserts map[int]*sql.Stmt // by rows, prepared on write by insertStmt
}

var _ meterd.AuditStore = (*AuditDB)(nil)

// OpenAudit opens (creating and migrating) the audit database in dir, which
// must exist (Open creates it).
func OpenAudit(ctx context.Context, dir string, logger *slog.Logger) (*AuditDB, error) {
	return openAudit(ctx, dir, logger, freshAudit)
}

// openAudit is OpenAudit making a new file from template (see freshAudit),
// or by migrating an empty one when template is nil.
func openAudit(ctx context.Context, dir string, logger *slog.Logger, template []byte) (*AuditDB, error) {
	path, err := filepath.Abs(filepath.Join(dir, AuditFileName))
	if err != nil {
		return nil, fmt.Errorf("sqlite: audit: %w", err)
	}
	logger = meterd.LoggerOrDiscard(logger)
	if template != nil {
		if err := createFromTemplate(path, template); err != nil {
			return nil, err
		}
	}
	if err := createDBFile(path, logger); err != nil {
		return nil, err
	}
	db := &AuditDB{path: path, logger: logger}
	if err := db.open(ctx); err != nil {
		return nil, errors.Join(err, db.Close())
	}
	return db, nil
}

func (db *AuditDB) open(ctx context.Context) error {
	dsn := "file:" + strings.NewReplacer("%", "%25", "?", "%3f", "#", "%23").Replace(db.path) + "?" + auditPragmas
	var err error
	if db.write, err = sql.Open("sqlite", dsn); err != nil {
		return fmt.Errorf("sqlite: audit: %w", err)
	}
	db.write.SetMaxOpenConns(1)
	if err := db.migrate(ctx); err != nil {
		return fmt.Errorf("sqlite: audit %s: %w", db.path, err)
	}
	if db.read, err = sql.Open("sqlite", dsn+"&_pragma=query_only(1)"); err != nil {
		return fmt.Errorf("sqlite: audit: %w", err)
	}
	db.read.SetMaxOpenConns(4)
	return restrictSidecars(db.path, db.logger)
}

// migrate applies the versions after user_version, each in a transaction
// with its new user_version.
func (db *AuditDB) migrate(ctx context.Context) error {
	var version int
	if err := db.write.QueryRowContext(ctx, "PRAGMA user_version").Scan(&version); err != nil {
		return err
	}
	latest := len(auditMigrations) - 1
	if version > latest {
		return fmt.Errorf("schema version %d is newer than this build's %d", version, latest)
	}
	for v := version + 1; v <= latest; v++ {
		if err := db.tx(ctx, func(tx *sql.Tx) error {
			if _, err := tx.ExecContext(ctx, auditMigrations[v]); err != nil {
				return err
			}
			_, err := tx.ExecContext(ctx, "PRAGMA user_version = "+strconv.Itoa(v))
			return err
		}); err != nil {
			return fmt.Errorf("migration %d: %w", v, err)
		}
		db.logger.Info("sqlite audit migration applied", meterd.LogKeyMigrationVersion, v)
	}
	return nil
}

func (db *AuditDB) tx(ctx context.Context, f func(*sql.Tx) error) error {
	tx, err := db.write.BeginTx(ctx, nil)
	if err != nil {
		return err
	}
	if err := f(tx); err != nil {
		return errors.Join(err, tx.Rollback())
	}
	return tx.Commit()
}

// Close closes the database; it is safe on a half-opened one.
func (db *AuditDB) Close() error {
	var errs []error
	for _, s := range db.inserts {
		errs = append(errs, s.Close())
	}
	for _, d := range []*sql.DB{db.read, db.write} {
		if d != nil {
			errs = append(errs, d.Close())
		}
	}
	return errors.Join(errs...)
}

// AppendAudit stores events in one transaction, with as few statements as
// their power-of-two split allows: a statement's run costs more than the
// rows it inserts (database/sql's locks and copies, SQLite's reset and
// bindings).
func (db *AuditDB) AppendAudit(ctx context.Context, events []*meterd.AuditEvent) error {
	// Prepared before the transaction takes the one write connection.
	stmts, err := db.insertStmts(ctx, len(events))
	if err != nil {
		return fmt.Errorf("sqlite: append audit: %w", err)
	}
	err = db.tx(ctx, func(tx *sql.Tx) error {
		for _, stmt := range stmts {
			if err := insertEvents(ctx, tx, stmt, events[:stmt.rows]); err != nil {
				return err
			}
			events = events[stmt.rows:]
		}
		return nil
	})
	if err != nil {
		return fmt.Errorf("sqlite: append audit: %w", err)
	}
	return nil
}

// insertStmt is a prepared INSERT of rows events.
type insertStmt struct {
	*sql.Stmt
	rows int
}

// insertStmts returns the statements that insert n events, largest first,
// preparing each size once.
func (db *AuditDB) insertStmts(ctx context.Context, n int) ([]insertStmt, error) {
	db.mu.Lock()
	defer db.mu.Unlock()
	var stmts []insertStmt
	for n > 0 {
		rows := statementRows(n)
		s, ok := db.inserts[rows]
		if !ok {
			var err error
			if s, err = db.write.PrepareContext(ctx, insertEventsSQL.rows(rows)); err != nil {
				return nil, err
			}
			if db.inserts == nil {
				db.inserts = map[int]*sql.Stmt{}
			}
			db.inserts[rows] = s
		}
		stmts = append(stmts, insertStmt{s, rows})
		n -= rows
	}
	return stmts, nil
}

// insertEvents inserts events with stmt, which inserts that many.
func insertEvents(ctx context.Context, tx *sql.Tx, stmt insertStmt, events []*meterd.AuditEvent) error {
	args := make([]any, 0, len(events)*eventInsertColumns)
	for _, e := range events {
		var err error
		if args, err = appendEventArgs(args, e); err != nil {
			return err
		}
	}
	// The statement was prepared on the one write connection, which the
	// transaction holds: StmtContext reuses it rather than prepare again.
	_, err := tx.StmtContext(ctx, stmt.Stmt).ExecContext(ctx, args...)
	return err
}

// eventInsertColumns is the number of columns insertEventsSQL writes a row.
const eventInsertColumns = 11

// insertEventsSQL[k] inserts 2^k events.
var insertEventsSQL = bySize(func(n int) string {
	row := "(?" + strings.Repeat(",?", eventInsertColumns-1) + ")"
	return `INSERT INTO events (event_id, time_ns, event_name, access_key, error_code, product_code,
		customers, dimensions, record, request_parameters, response_elements) VALUES ` + row + strings.Repeat(","+row, n-1)
})

// appendEventArgs appends the column values of e, in insertEventsSQL's
// order.
func appendEventArgs(args []any, e *meterd.AuditEvent) ([]any, error) {
	record, err := appendRecord(nil, e)
	if err != nil {
		return nil, fmt.Errorf("event %q: %w", e.EventID, err)
	}
	var customers, dimensions []string
	for _, s := range e.Subjects {
		customers = append(customers, s.Customer)
		dimensions = append(dimensions, s.Dimension)
	}
	return append(args, e.EventID, e.EventTime.UnixNano(), e.EventName, e.UserIdentity.AccessKeyID,
		e.ErrorCode, e.ProductCode, backend.JoinKeys(customers), backend.JoinKeys(dimensions), textOf(record),
		rawJSONColumn(e.RequestParameters), rawJSONColumn(e.ResponseElements)), nil
}

// rawJSONColumn is raw JSON as a column value: NULL for none.
func rawJSONColumn(raw json.RawMessage) any {
	if len(raw) == 0 || string(raw) == "null" {
		return nil
	}
	return textOf(raw)
}

// textOf is b as a string without a copy, for a column value: the columns
// are TEXT (a []byte would be a BLOB, which STRICT refuses), the driver
// copies the value into SQLite, and nothing writes b after the event is
// described. A copy was the audit writer's largest allocation: kilobytes
// of parameters and response a BatchMeterUsage call.
func textOf(b []byte) string { return unsafe.String(unsafe.SliceData(b), len(b)) }

// FindAuditEvents returns the events matching f, newest first.
func (db *AuditDB) FindAuditEvents(ctx context.Context, f meterd.AuditFilter) ([]*meterd.AuditEvent, string, error) {
	limit := f.Limit
	if limit <= 0 || limit > backend.MaxAuditPage {
		limit = backend.MaxAuditPage
	}
	where, args, err := auditWhere(f)
	if err != nil {
		return nil, "", err
	}
	q := "SELECT seq, time_ns, product_code, customers, dimensions, record, request_parameters, response_elements," +
		" event_name, event_id, error_code, access_key FROM events" + where +
		" ORDER BY time_ns DESC, seq DESC LIMIT ?"
	rows, err := db.read.QueryContext(ctx, q, append(args, limit+1)...)
	if err != nil {
		return nil, "", fmt.Errorf("sqlite: find audit events: %w", err)
	}
	defer rows.Close()
	events, last, err := scanEvents(rows)
	if err != nil {
		return nil, "", fmt.Errorf("sqlite: find audit events: %w", err)
	}
	if len(events) <= limit {
		return events, "", nil
	}
	return events[:limit], last[limit-1].Encode(), nil
}

// auditWhere builds the WHERE clause of f; every value is a parameter.
func auditWhere(f meterd.AuditFilter) (string, []any, error) {
	var conds []string
	var args []any
	add := func(cond string, arg any) { conds = append(conds, cond); args = append(args, arg) }
	for _, c := range []struct{ col, v string }{{"event_name", f.EventName}, {"access_key", f.AccessKeyID},
		{"error_code", f.ErrorCode}, {"product_code", f.ProductCode}} {
		if c.v != "" {
			add(c.col+" = ?", c.v)
		}
	}
	if f.Customer != "" {
		add("instr(customers, ?) > 0", backend.KeySep+f.Customer+backend.KeySep)
	}
	if f.Dimension != "" {
		add("instr(dimensions, ?) > 0", backend.KeySep+f.Dimension+backend.KeySep)
	}
	if !f.Since.IsZero() {
		add("time_ns >= ?", f.Since.UnixNano())
	}
	if !f.Until.IsZero() {
		add("time_ns < ?", f.Until.UnixNano())
	}
	if f.Cursor != "" {
		c, err := backend.DecodeAuditCursor(f.Cursor)
		if err != nil {
			return "", nil, err
		}
		conds = append(conds, "(time_ns < ? OR (time_ns = ? AND seq < ?))")
		args = append(args, c.TimeNS, c.TimeNS, c.Seq)
	}
	if len(conds) == 0 {
		return "", nil, nil
	}
	return " WHERE " + strings.Join(conds, " AND "), args, nil
}

func scanEvents(rows *sql.Rows) ([]*meterd.AuditEvent, []backend.AuditCursor, error) {
	var events []*meterd.AuditEvent
	var pos []backend.AuditCursor
	for rows.Next() {
		var c backend.AuditCursor
		var customers, dimensions, record string
		var cols eventColumns
		e := new(meterd.AuditEvent)
		if err := rows.Scan(&c.Seq, &c.TimeNS, &e.ProductCode, &customers, &dimensions, &record,
			&cols.params, &cols.response, &cols.name, &cols.id, &cols.errorCode, &cols.accessKey); err != nil {
			return nil, nil, err
		}
		if err := readRecord(e, record, cols); err != nil {
			return nil, nil, err
		}
		e.Subjects = backend.SubjectsOf(customers, dimensions)
		// The record holds whole seconds, or no time; the column the exact time.
		e.EventTime = time.Unix(0, c.TimeNS).UTC()
		events = append(events, e)
		pos = append(pos, c)
	}
	return events, pos, rows.Err()
}

// DeleteAuditBefore deletes at most limit events older than t, oldest
// first, so that a sweep's work is bounded.
func (db *AuditDB) DeleteAuditBefore(ctx context.Context, t time.Time, limit int) (int, error) {
	res, err := db.write.ExecContext(ctx, `DELETE FROM events WHERE seq IN
		(SELECT seq FROM events WHERE time_ns < ? ORDER BY time_ns LIMIT ?)`, t.UnixNano(), limit)
	if err != nil {
		return 0, fmt.Errorf("sqlite: delete audit events: %w", err)
	}
	n, err := res.RowsAffected()
	return int(n), err
}

// DeleteAllAudit deletes every event in one statement: a reset happens
// between tests, on a trail small enough for one transaction.
func (db *AuditDB) DeleteAllAudit(ctx context.Context) (int, error) {
	res, err := db.write.ExecContext(ctx, `DELETE FROM events`)
	if err != nil {
		return 0, fmt.Errorf("sqlite: delete all audit events: %w", err)
	}
	n, err := res.RowsAffected()
	return int(n), err
}
