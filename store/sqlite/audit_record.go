package sqlite

import (
	"encoding/json"
	"errors"
	"unicode/utf8"

	"github.com/meterd/meterd"
)

// appendRecord appends the record column of e: its CloudTrail JSON less
// what readRecord takes from elsewhere. That is the members other columns
// hold (eventTime, eventName, eventID, errorCode, the access key id), the
// parameters and response (columns of their own), and the members that
// hold CloudTrail's constant values or readOnly's false. A MeterUsage row
// is then about 800 bytes rather than 1,110, so a 4 KiB page holds four
// or five rows, not three: a quarter less and more written to the WAL,
// and again at the checkpoint.
//
// It writes the JSON itself, with no reflection: json.Marshal of the
// record was the audit writer's largest cost after SQLite's own. Members
// come in AuditEvent's order, but for userIdentity, first so that every
// other member follows a comma; TestAuditRecord checks that every field
// survives the round trip, so a new field cannot be left out silently.
func appendRecord(b []byte, e *meterd.AuditEvent) ([]byte, error) {
	b = appendIdentity(append(b, `{"userIdentity":`...), e.UserIdentity)
	if e.EventVersion != meterd.AuditEventVersion {
		b = appendMember(b, "eventVersion", e.EventVersion)
	}
	b = appendMember(b, "eventSource", e.EventSource)
	b = appendMember(b, "awsRegion", e.AWSRegion)
	b = appendMember(b, "sourceIPAddress", e.SourceIPAddress)
	b = appendMember(b, "userAgent", e.UserAgent)
	if e.ErrorMessage != "" {
		b = appendMember(b, "errorMessage", e.ErrorMessage)
	}
	b = appendMember(b, "requestID", e.RequestID)
	if e.ReadOnly { // false, most calls, is what a record without it decodes to
		b = append(b, `,"readOnly":true`...)
	}
	if e.EventType != meterd.AuditEventType {
		b = appendMember(b, "eventType", e.EventType)
	}
	if !e.ManagementEvent {
		b = append(b, `,"managementEvent":false`...)
	}
	if e.RecipientAccountID != "" {
		b = appendMember(b, "recipientAccountId", e.RecipientAccountID)
	}
	if len(e.AdditionalEventData) > 0 {
		if !json.Valid(e.AdditionalEventData) {
			return nil, errors.New("additionalEventData is not JSON")
		}
		b = append(append(b, `,"additionalEventData":`...), e.AdditionalEventData...)
	}
	if e.EventCategory != meterd.AuditCategory {
		b = appendMember(b, "eventCategory", e.EventCategory)
	}
	return append(b, '}'), nil
}

// appendIdentity appends userIdentity without the access key id, which
// the access_key column holds. type comes first, so every other member
// follows a comma.
func appendIdentity(b []byte, id meterd.AuditIdentity) []byte {
	b = appendString(append(b, `{"type":`...), id.Type)
	for _, m := range []struct{ name, value string }{{"principalId", id.PrincipalID}, {"arn", id.ARN},
		{"accountId", id.AccountID}, {"userName", id.UserName}} {
		if m.value != "" {
			b = appendMember(b, m.name, m.value)
		}
	}
	return append(b, '}')
}

// appendMember appends ,"name":value.
func appendMember(b []byte, name, value string) []byte {
	b = append(append(append(b, `,"`...), name...), `":`...)
	return appendString(b, value)
}

const hexDigits = "0123456789abcdef"

// appendString appends s as a JSON string. As json.Marshal does, it
// escapes control characters, quotes and backslashes, and writes invalid
// UTF-8 as U+FFFD, so that the record decodes to what json.Marshal's
// would have.
func appendString(b []byte, s string) []byte {
	b = append(b, '"')
	start := 0
	for i := 0; i < len(s); {
		c := s[i]
		if c >= utf8.RuneSelf {
			r, size := utf8.DecodeRuneInString(s[i:])
			if r == utf8.RuneError && size == 1 {
				b = append(append(b, s[start:i]...), `\ufffd`...)
				start = i + 1
			}
			i += size
			continue
		}
		if c >= 0x20 && c != '"' && c != '\\' {
			i++
			continue
		}
		b = append(b, s[start:i]...)
		if c == '"' || c == '\\' {
			b = append(b, '\\', c)
		} else {
			b = append(b, '\\', 'u', '0', '0', hexDigits[c>>4], hexDigits[c&0xf])
		}
		i++
		start = i
	}
	return append(append(b, s[start:]...), '"')
}

// readRecord decodes a row into e: the record column, then the members
// appendRecord left to other columns. CloudTrail's constant values are set
// first, so that a record that leaves them out gets them back; records
// written before appendRecord hold every member, which agree with the
// columns.
func readRecord(e *meterd.AuditEvent, record string, c eventColumns) error {
	e.EventVersion, e.EventType, e.EventCategory = meterd.AuditEventVersion, meterd.AuditEventType, meterd.AuditCategory
	e.ManagementEvent = true
	if err := json.Unmarshal([]byte(record), e); err != nil {
		return err
	}
	e.EventName, e.EventID, e.ErrorCode, e.UserIdentity.AccessKeyID = c.name, c.id, c.errorCode, c.accessKey
	// A NULL column was a JSON null in the record, which decodes so.
	e.RequestParameters, e.ResponseElements = rawJSONOf(c.params), rawJSONOf(c.response)
	return nil
}

// eventColumns are the columns of an event that readRecord puts back.
type eventColumns struct {
	name, id, errorCode, accessKey string
	params, response               *string
}

// rawJSONOf is a JSON column's value as a RawMessage; NULL is JSON null.
func rawJSONOf(column *string) json.RawMessage {
	if column == nil {
		return json.RawMessage("null")
	}
	return json.RawMessage(*column)
}
