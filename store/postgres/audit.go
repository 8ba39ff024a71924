package postgres

import (
	"context"
	"encoding/json"
	"fmt"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/meterd/meterd"
	"github.com/meterd/meterd/store/backend"
)

// AuditDB is the meterd.AuditStore in the same database as the ledger (its
// own table, audit_events, and its own migrations), so that every node of
// a cluster appends to one trail and the admin API of any node reads it
// all. It shares the ledger's pool: open it with DB.Audit.
type AuditDB struct{ db *DB }

var _ meterd.AuditStore = (*AuditDB)(nil)

// Audit returns the audit trail of db; closing db closes it.
func (db *DB) Audit() *AuditDB { return &AuditDB{db: db} }

// Close does nothing: the trail lives as long as its DB.
func (a *AuditDB) Close() error { return nil }

// AppendAudit stores events in one transaction (one round trip: a batch).
func (a *AuditDB) AppendAudit(ctx context.Context, events []*meterd.AuditEvent) error {
	const q = `INSERT INTO audit_events (event_id, time_ns, event_name, access_key, error_code, product_code,
		customers, dimensions, record, request_parameters, response_elements)
		VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11)`
	var b pgx.Batch
	for _, e := range events {
		bare := *e
		bare.RequestParameters, bare.ResponseElements = nil, nil
		record, err := bare.MarshalJSON()
		if err != nil {
			return fmt.Errorf("postgres: append audit: %w", err)
		}
		var customers, dimensions []string
		for _, s := range e.Subjects {
			customers = append(customers, s.Customer)
			dimensions = append(dimensions, s.Dimension)
		}
		b.Queue(q, indexText(e.EventID), e.EventTime.UnixNano(), indexText(e.EventName),
			indexText(e.UserIdentity.AccessKeyID), indexText(e.ErrorCode), indexText(e.ProductCode),
			indexText(backend.JoinKeys(customers)), indexText(backend.JoinKeys(dimensions)), string(record),
			rawJSONColumn(e.RequestParameters), rawJSONColumn(e.ResponseElements))
	}
	err := pgx.BeginFunc(ctx, a.db.pool, func(tx pgx.Tx) error { return tx.SendBatch(ctx, &b).Close() })
	if err != nil {
		return fmt.Errorf("postgres: append audit: %w", err)
	}
	return nil
}

// indexText is s as a filter column can hold it: PostgreSQL text cannot
// hold NUL, which a request's access key id or product code may carry, so
// it becomes U+FFFD there (the record's JSON escapes it and keeps it
// exact). A filter for a value with NUL then finds nothing.
func indexText(s string) string { return strings.ReplaceAll(s, "\x00", "\uFFFD") }

func rawJSONColumn(raw json.RawMessage) *string {
	if len(raw) == 0 || string(raw) == "null" {
		return nil
	}
	s := string(raw)
	return &s
}

// FindAuditEvents returns the events matching f, newest first.
func (a *AuditDB) FindAuditEvents(ctx context.Context, f meterd.AuditFilter) ([]*meterd.AuditEvent, string, error) {
	limit := f.Limit
	if limit <= 0 || limit > backend.MaxAuditPage {
		limit = backend.MaxAuditPage
	}
	w, err := auditWhere(f)
	if err != nil {
		return nil, "", err
	}
	q := "SELECT seq, time_ns, product_code, customers, dimensions, record, request_parameters, response_elements FROM audit_events" +
		w.where() + " ORDER BY time_ns DESC, seq DESC LIMIT " + w.next(limit+1)
	rows, err := a.db.pool.Query(ctx, q, w.args...)
	if err != nil {
		return nil, "", fmt.Errorf("postgres: find audit events: %w", err)
	}
	var pos []backend.AuditCursor
	events, err := pgx.CollectRows(rows, func(r pgx.CollectableRow) (*meterd.AuditEvent, error) {
		var c backend.AuditCursor
		var customers, dimensions, record string
		var params, response *string
		e := new(meterd.AuditEvent)
		if err := r.Scan(&c.Seq, &c.TimeNS, &e.ProductCode, &customers, &dimensions, &record, &params, &response); err != nil {
			return nil, err
		}
		if err := json.Unmarshal([]byte(record), e); err != nil {
			return nil, err
		}
		if params != nil {
			e.RequestParameters = json.RawMessage(*params)
		}
		if response != nil {
			e.ResponseElements = json.RawMessage(*response)
		}
		e.Subjects = backend.SubjectsOf(customers, dimensions)
		e.EventTime = time.Unix(0, c.TimeNS).UTC()
		pos = append(pos, c)
		return e, nil
	})
	if err != nil {
		return nil, "", fmt.Errorf("postgres: find audit events: %w", err)
	}
	if len(events) <= limit {
		return events, "", nil
	}
	return events[:limit], pos[limit-1].Encode(), nil
}

func auditWhere(f meterd.AuditFilter) (*whereBuilder, error) {
	w := &whereBuilder{}
	for _, c := range []struct{ col, v string }{{"event_name", f.EventName}, {"access_key", f.AccessKeyID},
		{"error_code", f.ErrorCode}, {"product_code", f.ProductCode}} {
		if c.v != "" {
			w.add(c.col+" = ?", c.v)
		}
	}
	if f.Customer != "" {
		w.add("strpos(customers, ?) > 0", backend.KeySep+f.Customer+backend.KeySep)
	}
	if f.Dimension != "" {
		w.add("strpos(dimensions, ?) > 0", backend.KeySep+f.Dimension+backend.KeySep)
	}
	if !f.Since.IsZero() {
		w.add("time_ns >= ?", f.Since.UnixNano())
	}
	if !f.Until.IsZero() {
		w.add("time_ns < ?", f.Until.UnixNano())
	}
	if f.Cursor != "" {
		c, err := backend.DecodeAuditCursor(f.Cursor)
		if err != nil {
			return nil, err
		}
		t, t2, s := w.next(c.TimeNS), w.next(c.TimeNS), w.next(c.Seq)
		w.conds = append(w.conds, "(time_ns < "+t+" OR (time_ns = "+t2+" AND seq < "+s+"))")
	}
	return w, nil
}

// DeleteAuditBefore deletes at most limit events older than t, oldest
// first. Every node's retention sweep may run it; they delete disjoint or
// already-deleted rows, which is harmless.
func (a *AuditDB) DeleteAuditBefore(ctx context.Context, t time.Time, limit int) (int, error) {
	tag, err := a.db.pool.Exec(ctx, `DELETE FROM audit_events WHERE seq IN
		(SELECT seq FROM audit_events WHERE time_ns < $1 ORDER BY time_ns LIMIT $2)`, t.UnixNano(), limit)
	if err != nil {
		return 0, fmt.Errorf("postgres: delete audit events: %w", err)
	}
	return int(tag.RowsAffected()), nil
}

// DeleteAllAudit deletes every event.
func (a *AuditDB) DeleteAllAudit(ctx context.Context) (int, error) {
	tag, err := a.db.pool.Exec(ctx, `DELETE FROM audit_events`)
	if err != nil {
		return 0, fmt.Errorf("postgres: delete all audit events: %w", err)
	}
	return int(tag.RowsAffected()), nil
}
