package entitlement

import (
	"bytes"
	"cmp"
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"

	"github.com/meterd/meterd"
)

// A NextToken is base64url(version | nonce | position | mac):
//   - version: one byte, tokenFormat;
//   - nonce: tokenNonceBytes random bytes, so that no two tokens are ever
//     equal (the Go SDK paginator stops when a token repeats, and a replayed
//     request must still get a token it can page on with);
//   - position: JSON of the sort key of the last entitlement returned, so
//     that the next page starts after it even if entitlements were added or
//     removed in between (an offset would skip or repeat entries);
//   - mac: HMAC-SHA256 under Service.TokenKey of everything before it plus
//     the request binding (product code and filter), so that a token can be
//     neither forged nor reused for another product or filter.
//
// The position is not encrypted: it names only an entitlement the caller
// has already been given.
const (
	tokenFormat     byte = 1
	tokenNonceBytes      = 16
	tokenHeaderLen       = 1 + tokenNonceBytes
)

// tokenMACContext separates this MAC from any other use of the key.
const tokenMACContext = "meterd GetEntitlements NextToken\x00"

// entitlementKey orders entitlements within a product and is the pagination
// position.
type entitlementKey struct {
	CustomerIdentifier string `json:"c"`
	LicenseArn         string `json:"l"`
	Dimension          string `json:"d"`
	// Ordinal tells apart entitlements equal in the fields above (a
	// catalog listing one dimension twice in a subscription).
	Ordinal int `json:"o"`
}

func (k entitlementKey) compare(o entitlementKey) int {
	return cmp.Or(
		cmp.Compare(k.CustomerIdentifier, o.CustomerIdentifier),
		cmp.Compare(k.LicenseArn, o.LicenseArn),
		cmp.Compare(k.Dimension, o.Dimension),
		cmp.Compare(k.Ordinal, o.Ordinal),
	)
}

// invalidNextToken is the one answer for a token that is garbled, forged or
// bound to another request: telling them apart would help a forger.
func invalidNextToken() error {
	return meterd.Errorf(meterd.EInvalidParameter, "The NextToken is invalid.")
}

// encodeNextToken returns a fresh token for the page after pos.
func (s *Service) encodeNextToken(binding []byte, pos entitlementKey) (string, error) {
	if len(s.TokenKey) == 0 {
		return "", errors.New("entitlement: TokenKey is not set")
	}
	position, err := json.Marshal(pos)
	if err != nil {
		return "", fmt.Errorf("encode NextToken: %w", err)
	}
	body := make([]byte, tokenHeaderLen, tokenHeaderLen+len(position)+sha256.Size)
	body[0] = tokenFormat
	if _, err := rand.Read(body[1:tokenHeaderLen]); err != nil {
		return "", fmt.Errorf("NextToken nonce: %w", err)
	}
	body = append(body, position...)
	body = append(body, s.tokenMAC(binding, body)...)
	return base64.RawURLEncoding.EncodeToString(body), nil
}

// decodeNextToken returns the position in token, or InvalidParameterException
// when token was not issued by this service for the same binding.
func (s *Service) decodeNextToken(token string, binding []byte) (entitlementKey, error) {
	if len(s.TokenKey) == 0 {
		return entitlementKey{}, errors.New("entitlement: TokenKey is not set")
	}
	raw, err := base64.RawURLEncoding.DecodeString(token)
	if err != nil || len(raw) < tokenHeaderLen+sha256.Size || raw[0] != tokenFormat {
		return entitlementKey{}, invalidNextToken()
	}
	body, mac := raw[:len(raw)-sha256.Size], raw[len(raw)-sha256.Size:]
	if !hmac.Equal(mac, s.tokenMAC(binding, body)) {
		return entitlementKey{}, invalidNextToken()
	}
	var pos entitlementKey
	dec := json.NewDecoder(bytes.NewReader(body[tokenHeaderLen:]))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&pos); err != nil {
		// Authentic but unreadable: a token of an incompatible build.
		return entitlementKey{}, invalidNextToken()
	}
	return pos, nil
}

// tokenMAC authenticates body for binding, a fixed-length digest of the
// request (so that binding and body cannot be shifted into each other).
func (s *Service) tokenMAC(binding, body []byte) []byte {
	m := hmac.New(sha256.New, s.TokenKey)
	m.Write([]byte(tokenMACContext))
	m.Write(binding)
	m.Write(body)
	return m.Sum(nil)
}
