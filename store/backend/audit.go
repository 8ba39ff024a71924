package backend

import (
	"encoding/base64"
	"encoding/json"
	"strings"

	"github.com/meterd/meterd"
)

// MaxAuditPage caps a page of FindAuditEvents.
const MaxAuditPage = 1000

// KeySep separates the values of an audit event's customers or dimensions
// column; it cannot appear in a customer identifier or dimension name.
const KeySep = "\x1f"

// JoinKeys is the column value of values: each between two KeySep, so that
// a search for KeySep+value+KeySep matches whole values only.
func JoinKeys(values []string) string { return KeySep + strings.Join(values, KeySep) + KeySep }

// SubjectsOf pairs the values of the customers and dimensions columns
// again; nil when the event is about no record.
func SubjectsOf(customers, dimensions string) []meterd.AuditSubject {
	if customers == KeySep+KeySep && dimensions == KeySep+KeySep {
		return nil
	}
	cs := strings.Split(customers[len(KeySep):len(customers)-len(KeySep)], KeySep)
	ds := strings.Split(dimensions[len(KeySep):len(dimensions)-len(KeySep)], KeySep)
	if len(cs) != len(ds) {
		return nil
	}
	subjects := make([]meterd.AuditSubject, len(cs))
	for i := range cs {
		subjects[i] = meterd.AuditSubject{Customer: cs[i], Dimension: ds[i]}
	}
	return subjects
}

// AuditCursor is the position of an event in the newest-first order.
type AuditCursor struct {
	TimeNS int64 `json:"t"`
	Seq    int64 `json:"s"`
}

// Encode is the cursor as a NextToken.
func (c AuditCursor) Encode() string {
	b, _ := json.Marshal(c) // two integers cannot fail
	return base64.RawURLEncoding.EncodeToString(b)
}

// DecodeAuditCursor reads a NextToken; EInvalid if it is not one.
func DecodeAuditCursor(s string) (AuditCursor, error) {
	var c AuditCursor
	b, err := base64.RawURLEncoding.DecodeString(s)
	if err != nil || json.Unmarshal(b, &c) != nil || c.Seq <= 0 {
		return c, meterd.Errorf(meterd.EInvalid, "nextToken is not one this meterd issued")
	}
	return c, nil
}
