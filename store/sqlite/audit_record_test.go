package sqlite_test

import (
	"database/sql"
	"encoding/json"
	"fmt"
	"path/filepath"
	"reflect"
	"testing"
	"time"

	"github.com/meterd/meterd"
	"github.com/meterd/meterd/store/sqlite"
)

// TestAuditRecord: the record column leaves out what other columns hold and
// CloudTrail's constant values, and an event reads back as it was stored.
func TestAuditRecord(t *testing.T) {
	withError := meterUsageEvent(1)
	withError.ErrorCode, withError.ErrorMessage = "ThrottlingException", `Rate "exceeded"`
	withError.ResponseElements = nil
	tests := []struct {
		name  string
		event *meterd.AuditEvent
	}{
		{"OK CloudTrail's constants", meterUsageEvent(0)},
		{"OK an error", withError},
		{"OK every field set, none to a constant", everyField()},
		{"OK escapes and invalid UTF-8", escapes()},
		{"OK no identity", &meterd.AuditEvent{EventID: "x", EventName: "Unknown", EventTime: time.Unix(1, 0)}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			db := openAudit(t, t.TempDir())
			if err := db.AppendAudit(t.Context(), []*meterd.AuditEvent{tt.event}); err != nil {
				t.Fatal(err)
			}
			wantStored(t, db, tt.event)
		})
	}
}

func TestAuditRecordErrors(t *testing.T) {
	e := meterUsageEvent(0)
	e.AdditionalEventData = json.RawMessage(`{"meterdFaultInjected":`)
	if err := openAudit(t, t.TempDir()).AppendAudit(t.Context(), []*meterd.AuditEvent{e}); err == nil {
		t.Error("ErrAdditionalEventDataNotJSON: stored")
	}
}

// TestAuditRecordWrittenBefore: rows whose record holds every member, as
// meterd wrote them before the record left some to other columns, read
// back as they did.
func TestAuditRecordWrittenBefore(t *testing.T) {
	dir := t.TempDir()
	db := openAudit(t, dir)
	events := []*meterd.AuditEvent{meterUsageEvent(0), everyField(), escapes()}
	raw, err := sql.Open("sqlite", "file:"+filepath.Join(dir, sqlite.AuditFileName))
	if err != nil {
		t.Fatal(err)
	}
	defer raw.Close()
	for _, e := range events {
		e.Subjects = nil
		bare := *e
		bare.RequestParameters, bare.ResponseElements = nil, nil
		record, err := bare.MarshalJSON()
		if err != nil {
			t.Fatal(err)
		}
		if _, err := raw.ExecContext(t.Context(), `INSERT INTO events (event_id, time_ns, event_name, access_key,
			error_code, product_code, customers, dimensions, record, request_parameters, response_elements)
			VALUES (?,?,?,?,?,?,?,?,?,?,?)`, e.EventID, e.EventTime.UnixNano(), e.EventName, e.UserIdentity.AccessKeyID,
			e.ErrorCode, e.ProductCode, "\x1f\x1f", "\x1f\x1f", string(record), nullJSON(e.RequestParameters),
			nullJSON(e.ResponseElements)); err != nil {
			t.Fatal(err)
		}
	}
	got, _, err := db.FindAuditEvents(t.Context(), meterd.AuditFilter{})
	if err != nil || len(got) != len(events) {
		t.Fatalf("find: %d events, %v", len(got), err)
	}
	byID := map[string]*meterd.AuditEvent{}
	for _, e := range got {
		byID[e.EventID] = e
	}
	for _, e := range events {
		wantEvent(t, byID[e.EventID], e)
	}
}

// nullJSON is raw as a column value, NULL when empty.
func nullJSON(raw json.RawMessage) any {
	if len(raw) == 0 {
		return nil
	}
	return string(raw)
}

// wantStored checks that want is the one event of db.
func wantStored(t *testing.T, db *sqlite.AuditDB, want *meterd.AuditEvent) {
	t.Helper()
	got, _, err := db.FindAuditEvents(t.Context(), meterd.AuditFilter{})
	if err != nil || len(got) != 1 {
		t.Fatalf("find: %v %v", got, err)
	}
	wantEvent(t, got[0], want)
}

// wantEvent compares the CloudTrail records of got and want as JSON
// values (invalid UTF-8 is U+FFFD either way, escaped or not), and the
// fields the record does not show.
func wantEvent(t *testing.T, got, want *meterd.AuditEvent) {
	t.Helper()
	if got == nil {
		t.Fatalf("event %q not found", want.EventID)
	}
	if g, w := jsonValue(t, got), jsonValue(t, want); !reflect.DeepEqual(g, w) {
		t.Errorf("record = %v\nwant %v", g, w)
	}
	if !got.EventTime.Equal(want.EventTime) || got.ProductCode != want.ProductCode ||
		!reflect.DeepEqual(got.Subjects, want.Subjects) {
		t.Errorf("columns = %s %q %v, want %s %q %v", got.EventTime, got.ProductCode, got.Subjects,
			want.EventTime, want.ProductCode, want.Subjects)
	}
}

func jsonValue(t *testing.T, e *meterd.AuditEvent) any {
	t.Helper()
	b, err := json.Marshal(e)
	if err != nil {
		t.Fatal(err)
	}
	var v any
	if err := json.Unmarshal(b, &v); err != nil {
		t.Fatal(err)
	}
	return v
}

// everyField is an event whose every field is set, by reflection so that a
// field added to AuditEvent is set too, and none to CloudTrail's constant
// value.
func everyField() *meterd.AuditEvent {
	e := &meterd.AuditEvent{}
	fill(reflect.ValueOf(e).Elem())
	e.ManagementEvent = false
	e.EventTime = time.Date(2026, 3, 1, 12, 0, 0, 1234, time.UTC)
	e.RequestParameters = json.RawMessage(`{"productCode":"p"}`)
	e.ResponseElements = json.RawMessage(`{"meteringRecordId":"r"}`)
	e.AdditionalEventData = json.RawMessage(`{"meterdFaultInjected":true,"meterdFaultRules":[2]}`)
	e.Subjects = []meterd.AuditSubject{{Customer: "c", Dimension: "d"}}
	return e
}

// fill sets each string field of v to its name and each bool to true,
// in nested structs too.
func fill(v reflect.Value) {
	for i := range v.NumField() {
		f := v.Field(i)
		switch f.Kind() {
		case reflect.String:
			f.SetString(v.Type().Field(i).Name)
		case reflect.Bool:
			f.SetBool(true)
		case reflect.Struct:
			fill(f)
		}
	}
}

// escapes is an event whose strings need escaping in JSON, or are not
// UTF-8, in the record and in the columns.
func escapes() *meterd.AuditEvent {
	e := meterUsageEvent(2)
	e.UserAgent = "quote \" backslash \\ tab \t NUL \x00 é \u2028 <&>"
	e.SourceIPAddress = "bad \xff UTF-8"
	e.UserIdentity.AccessKeyID = "AK\x00\"X"
	e.EventName = "GET /admin/v1/\x01"
	e.ManagementEvent = false
	return e
}

// TestAppendAuditSizes: a batch is inserted by statements of power-of-two
// sizes up to 64 rows; every event of any size of batch is stored once.
func TestAppendAuditSizes(t *testing.T) {
	for _, n := range []int{1, 3, 64, 100, 200} {
		t.Run(fmt.Sprintf("OK %d events", n), func(t *testing.T) {
			db := openAudit(t, t.TempDir())
			batch := make([]*meterd.AuditEvent, n)
			for i := range batch {
				batch[i] = meterUsageEvent(i)
			}
			if err := db.AppendAudit(t.Context(), batch); err != nil {
				t.Fatal(err)
			}
			got, _, err := db.FindAuditEvents(t.Context(), meterd.AuditFilter{})
			if err != nil || len(got) != n {
				t.Fatalf("find: %d events, %v", len(got), err)
			}
			ids := map[string]bool{}
			for _, e := range got {
				ids[e.EventID] = true
			}
			for _, e := range batch {
				if !ids[e.EventID] {
					t.Errorf("event %s not stored", e.EventID)
				}
			}
		})
	}
}
