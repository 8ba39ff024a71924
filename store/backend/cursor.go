package backend

import (
	"encoding/base64"
	"strconv"

	"github.com/meterd/meterd"
)

// EncodeUsageCursor is the NextToken of a usage page ending at seq; both
// stores issue the same form, so a token means the same on either.
func EncodeUsageCursor(seq int64) string {
	return base64.RawURLEncoding.EncodeToString([]byte("u" + strconv.FormatInt(seq, 10)))
}

// DecodeUsageCursor reads EncodeUsageCursor's token back, or fails with
// EInvalid.
func DecodeUsageCursor(s string) (int64, error) {
	b, err := base64.RawURLEncoding.DecodeString(s)
	if err == nil && len(b) > 1 && b[0] == 'u' {
		if seq, err := strconv.ParseInt(string(b[1:]), 10, 64); err == nil && seq >= 0 {
			return seq, nil
		}
	}
	return 0, meterd.Errorf(meterd.EInvalid, "nextToken is not one this meterd issued")
}
