// Package sigv4 verifies AWS Signature Version 4 on the server side, with
// the checks, their order and the error messages of AWS's JSON services.
//
// The canonical request is rebuilt from exactly the headers the client
// listed in SignedHeaders, whatever they are: SDKs disagree on which headers
// to sign (the .NET, Java v1 and Ruby SDKs sign User-Agent, which the Go SDK
// never does), so a verifier that chooses for them refuses someone.
package sigv4

import (
	"context"
	"crypto/sha256"
	"crypto/subtle"
	"encoding/hex"
	"fmt"
	"net/http"
	"regexp"
	"slices"
	"strings"
	"time"

	"github.com/meterd/meterd"
)

// SigningName is the SigV4 service name of both Marketplace services.
const SigningName = "aws-marketplace"

// DefaultMaxSkew is how far X-Amz-Date may be from the server's clock, as
// on AWS.
const DefaultMaxSkew = 15 * time.Minute

const (
	headerAuthorization = "Authorization"
	headerAmzDate       = "X-Amz-Date"
	headerContentSHA256 = "X-Amz-Content-Sha256"
	unsignedPayload     = "UNSIGNED-PAYLOAD"
	scopeTerminator     = "aws4_request"
)

// KeyLookup finds the secret of an access key id. An unknown key is an
// error with code meterd.ENotFound (as the store returns it) or (nil, nil).
// The Verifier only reads the key it returns (the Caller gets a copy), so
// a lookup may hand out a shared one (meterd.SharedCatalogReader).
type KeyLookup func(ctx context.Context, accessKeyID string) (*meterd.AccessKey, error)

// Verifier authenticates requests signed with SigV4. It is safe for
// concurrent use.
type Verifier struct {
	Lookup  KeyLookup
	Clock   meterd.Clock  // meterd.SystemClock when nil
	MaxSkew time.Duration // DefaultMaxSkew when zero

	keys signingKeys // derived signing keys, shared by all requests
}

// Verify checks r (whose body has already been read into body) and returns
// the caller identity, or a *meterd.Error with AWS's code and message. Other
// errors come from Lookup and are internal failures.
//
// Both the Authorization header and presigned query strings
// (X-Amz-Algorithm, X-Amz-Credential, ...) are accepted.
func (v *Verifier) Verify(ctx context.Context, r *http.Request, body []byte) (meterd.Caller, error) {
	c, err := v.readSignedClaim(r)
	if err != nil {
		return meterd.Caller{}, err
	}
	key, err := v.findKey(ctx, c.auth.AccessKeyID)
	if err != nil {
		return meterd.Caller{}, err
	}
	payloadHash, err := payloadHash(r, body)
	if err != nil {
		return meterd.Caller{}, err
	}
	want := v.expectedSignature(signingInput{
		request: r, auth: c.auth, secret: key.Secret, payloadHash: payloadHash,
		bodyLength: len(body), amzDate: c.amzDate, presigned: c.presigned,
	})
	if subtle.ConstantTimeCompare([]byte(want), []byte(c.auth.Signature)) != 1 {
		return meterd.Caller{}, errInvalidSignature(msgMismatch)
	}
	return meterd.Caller{AccessKeyID: key.ID, AccountID: key.AccountID, Region: c.auth.Region, Key: *key}, nil
}

// signedClaim is what a request says about its signature, once checked.
type signedClaim struct {
	auth      Authorization
	amzDate   string
	presigned bool
}

// readSignedClaim runs the checks that need no key, in AWS's order, so that
// a request with several faults gets the error AWS would send.
func (v *Verifier) readSignedClaim(r *http.Request) (signedClaim, error) {
	p, presigned, err := readClaim(r)
	if err != nil {
		return signedClaim{}, err
	}
	if !slices.Contains(p.signedHeaders, "host") {
		return signedClaim{}, errInvalidSignature(msgHostNotSigned)
	}
	signedAt, err := parseAmzDate(p.date)
	if err != nil {
		return signedClaim{}, err
	}
	if err := v.checkClock(signedAt); err != nil {
		return signedClaim{}, err
	}
	auth, err := p.authorization()
	if err != nil {
		return signedClaim{}, err
	}
	if err := checkScope(auth, signedAt); err != nil {
		return signedClaim{}, err
	}
	if hasDuplicate(auth.SignedHeaders) {
		// No signer lists a header twice, and each repetition would copy the
		// header's value into the canonical request again: a few kilobytes
		// of SignedHeaders could make it gigabytes.
		return signedClaim{}, errInvalidSignature(msgMismatch)
	}
	if err := checkSignedHeadersPresent(r, auth.SignedHeaders); err != nil {
		return signedClaim{}, err
	}
	return signedClaim{auth: auth, amzDate: p.date, presigned: presigned}, nil
}

// readClaim finds the authentication parameters in the Authorization header
// or, for a presigned request, in the query string.
func readClaim(r *http.Request) (p authParams, presigned bool, err error) {
	header := r.Header.Values(headerAuthorization)
	hasHeader := len(header) > 0
	query := r.URL.Query()
	_, hasQuery := query[queryAlgorithm]
	switch {
	case hasHeader && hasQuery:
		// AWS refuses to choose between two sets of credentials.
		return p, false, errInvalidSignature(msgMismatch)
	case hasQuery:
		p, err = parseQuery(query)
		return p, true, err
	case !hasHeader:
		return p, false, errMissingToken()
	case len(header) > 1:
		return p, false, errDuplicate("header", headerAuthorization, len(header))
	}
	p, missing, err := parseHeader(header[0])
	if err != nil {
		return p, false, err
	}
	// Only X-Amz-Date is read, not Date: every AWS SDK sends X-Amz-Date, and
	// AWS's JSON services are documented with it alone.
	switch date := r.Header.Values(headerAmzDate); len(date) {
	case 0:
		missing = append(missing, msgNeedDate)
	case 1:
		p.date = date[0]
	default:
		return p, false, errDuplicate("header", headerAmzDate, len(date))
	}
	if len(missing) > 0 {
		return p, false, errMissingHeaderParts(missing)
	}
	return p, false, nil
}

// parseAmzDate accepts exactly the ISO 8601 basic format SigV4 uses; the
// round trip rejects the variants time.Parse tolerates (one-digit hours).
func parseAmzDate(s string) (time.Time, error) {
	t, err := time.Parse(amzDateLayout, s)
	if err != nil || t.Format(amzDateLayout) != s {
		return time.Time{}, errBadDate(s)
	}
	return t, nil
}

// checkClock rejects signatures older or newer than the tolerance, which
// bounds how long a captured request can be replayed.
func (v *Verifier) checkClock(signedAt time.Time) error {
	skew := v.MaxSkew
	if skew <= 0 {
		skew = DefaultMaxSkew
	}
	var clock meterd.Clock = meterd.SystemClock{}
	if v.Clock != nil {
		clock = v.Clock
	}
	now := clock.Now().UTC().Truncate(time.Second)
	switch {
	case signedAt.Before(now.Add(-skew)):
		return errExpired(signedAt, now, skew)
	case signedAt.After(now.Add(skew)):
		return errNotYetCurrent(signedAt, now, skew)
	}
	return nil
}

// regionPattern is what a region name looks like. The region is only
// checked for shape: meterd answers for every region, and the metering
// rules decide which regions offer which operation.
var regionPattern = regexp.MustCompile(`^[a-z0-9-]{1,32}$`)

// checkScope reports every problem of the credential scope in one
// InvalidSignatureException, each sentence followed by a space as on AWS.
func checkScope(a Authorization, signedAt time.Time) error {
	var msg strings.Builder
	if !regionPattern.MatchString(a.Region) {
		fmt.Fprintf(&msg, "Credential should be scoped to a valid region, not '%s'. ", a.Region)
	}
	if a.Service != SigningName {
		fmt.Fprintf(&msg, "Credential should be scoped to correct service: '%s'. ", SigningName)
	}
	if a.Terminator != scopeTerminator {
		fmt.Fprintf(&msg, "Credential should be scoped with a valid terminator: '%s', not '%s'. ",
			scopeTerminator, a.Terminator)
	}
	if day := signedAt.Format(credentialDateForm); a.Date != day {
		fmt.Fprintf(&msg, "Date in Credential scope does not match YYYYMMDD from ISO-8601 version of date "+
			"from HTTP: '%s' != '%s', from '%s'. ", a.Date, day, signedAt.Format(amzDateLayout))
	}
	if msg.Len() > 0 {
		return errInvalidSignature(msg.String())
	}
	return nil
}

// checkSignedHeadersPresent refuses a signature over a header the request
// does not carry. Host and Content-Length are never in r.Header: the server
// moves them to r.Host and r.ContentLength.
func checkSignedHeadersPresent(r *http.Request, signed []string) error {
	for _, name := range signed {
		if name == "host" || name == "content-length" {
			continue
		}
		if len(r.Header.Values(name)) == 0 {
			return errNotInRequest(name)
		}
	}
	return nil
}

// hasDuplicate reports whether a name occurs twice in names. Signers sort
// SignedHeaders, so the usual case needs no copy.
func hasDuplicate(names []string) bool {
	if !slices.IsSorted(names) {
		names = slices.Sorted(slices.Values(names))
	}
	for i := 1; i < len(names); i++ {
		if names[i] == names[i-1] {
			return true
		}
	}
	return false
}

// payloadHash is the last line of the canonical request: the body's hash,
// spelled as the client declared it in X-Amz-Content-Sha256 if it did. A
// declared hash must be the body's. UNSIGNED-PAYLOAD is S3's opt-out; other
// AWS services hash the body anyway, and so does meterd.
func payloadHash(r *http.Request, body []byte) (string, error) {
	computed := sha256Hex(body)
	declared := r.Header.Get(headerContentSHA256)
	switch {
	case declared == "" || declared == unsignedPayload:
		return computed, nil
	case strings.EqualFold(declared, computed):
		return declared, nil
	}
	return "", errInvalidSignature(msgContentSHA256)
}

// MaxAccessKeyIDLength is AWS's longest access key id. A longer one is
// unknown without a lookup, so that made-up megabyte ids cost nothing.
const MaxAccessKeyIDLength = 128

// findKey looks the access key up; an unknown key, or one without a secret,
// is an unrecognized client.
func (v *Verifier) findKey(ctx context.Context, id string) (*meterd.AccessKey, error) {
	if v.Lookup == nil {
		return nil, fmt.Errorf("sigv4: Verifier.Lookup is not set")
	}
	if len(id) > MaxAccessKeyIDLength {
		return nil, errUnknownKey()
	}
	key, err := v.Lookup(ctx, id)
	if err != nil && !meterd.IsNotFound(err) {
		return nil, fmt.Errorf("sigv4: find access key: %w", err)
	}
	// A disabled key is refused as AWS refuses a deactivated one: as unknown.
	if err != nil || key == nil || key.Secret == "" || key.Disabled {
		return nil, errUnknownKey()
	}
	return key, nil
}

func sha256Hex(b []byte) string {
	sum := sha256.Sum256(b)
	return hex.EncodeToString(sum[:])
}
