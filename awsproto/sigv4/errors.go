package sigv4

import (
	"fmt"
	"strings"
	"time"

	"github.com/meterd/meterd"
)

// The messages below are the texts AWS's JSON ("coral") services send for
// the same faults, so that clients and people grepping logs see what AWS
// would have said. None of them contains a secret: the Authorization header
// only carries the access key id and the signature.
const (
	msgMissingToken      = "Request is missing Authentication Token"
	msgNeedCredential    = "Authorization header requires 'Credential' parameter."
	msgNeedSignature     = "Authorization header requires 'Signature' parameter."
	msgNeedSignedHeaders = "Authorization header requires 'SignedHeaders' parameter."
	msgNeedDate          = "Authorization header requires existence of either a 'X-Amz-Date' or a 'Date' header."
	msgHostNotSigned     = "'Host' or ':authority' must be a 'SignedHeader' in the AWS Authorization."
	msgMismatch          = "The request signature we calculated does not match the signature you provided. " +
		"Check your AWS Secret Access Key and signing method. Consult the service documentation for details."
	msgUnknownKey      = "The security token included in the request is invalid."
	msgContentSHA256   = "The provided 'x-amz-content-sha256' header does not match what was computed."
	msgReexamineQuery  = "Re-examine the query-string parameters."
	amzDateLayout      = "20060102T150405Z"
	credentialDateForm = "20060102"
)

func errMissingToken() error {
	return &meterd.Error{Code: meterd.EMissingAuthenticationToken, Message: msgMissingToken}
}

func errUnsupportedAlgorithm(alg string) error {
	return meterd.Errorf(meterd.EIncompleteSignature, "Unsupported AWS 'algorithm': '%s'.", alg)
}

func errNotKeyValue(part, header string) error {
	return meterd.Errorf(meterd.EIncompleteSignature,
		"'%s' not a valid key=value pair (missing equal-sign) in Authorization header: '%s'", part, header)
}

// errMissingHeaderParts lists every absent part in one message, ending with
// the algorithm (AWS does not echo the rest of the header here).
func errMissingHeaderParts(missing []string) error {
	return &meterd.Error{
		Code:    meterd.EIncompleteSignature,
		Message: strings.Join(missing, " ") + " Authorization=" + Algorithm,
	}
}

func errMissingQueryParts(missing []string) error {
	return &meterd.Error{
		Code:    meterd.EIncompleteSignature,
		Message: strings.Join(missing, " ") + " " + msgReexamineQuery,
	}
}

func errCredentialParts(credential string) error {
	return meterd.Errorf(meterd.EIncompleteSignature,
		"Credential must have exactly 5 slash-delimited elements, e.g. keyid/date/region/service/term, got '%s'",
		credential)
}

func errBadDate(date string) error {
	return meterd.Errorf(meterd.EIncompleteSignature,
		"Date must be in ISO-8601 'basic format'. Got '%s'. See http://en.wikipedia.org/wiki/ISO_8601", date)
}

func errNotInRequest(header string) error {
	return meterd.Errorf(meterd.EIncompleteSignature,
		"'%s' is named as a SignedHeader, but it does not exist in the HTTP request.", header)
}

// errDuplicate refuses a request that carries an authentication header or
// query parameter several times: taking the first would let a proxy and
// meterd read different credentials from one request. AWS's text is not
// known; this one follows the style of its other messages.
func errDuplicate(kind, name string, n int) error {
	return meterd.Errorf(meterd.EIncompleteSignature, "Only one '%s' %s is allowed in the request, found %d.",
		name, kind, n)
}

func errInvalidSignature(msg string) error {
	return &meterd.Error{Code: meterd.EInvalidSignature, Message: msg}
}

func errUnknownKey() error {
	return &meterd.Error{Code: meterd.EUnrecognizedClient, Message: msgUnknownKey}
}

func errExpired(signedAt, now time.Time, skew time.Duration) error {
	return meterd.Errorf(meterd.EInvalidSignature, "Signature expired: %s is now earlier than %s (%s - %s.)",
		signedAt.Format(amzDateLayout), now.Add(-skew).Format(amzDateLayout), now.Format(amzDateLayout),
		skewText(skew))
}

func errNotYetCurrent(signedAt, now time.Time, skew time.Duration) error {
	return meterd.Errorf(meterd.EInvalidSignature, "Signature not yet current: %s is still later than %s (%s + %s.)",
		signedAt.Format(amzDateLayout), now.Add(skew).Format(amzDateLayout), now.Format(amzDateLayout),
		skewText(skew))
}

// skewText writes the tolerance the way AWS does: "15 min", or seconds when
// it is not a whole number of minutes.
func skewText(d time.Duration) string {
	if d%time.Minute == 0 {
		return fmt.Sprintf("%d min", d/time.Minute)
	}
	return fmt.Sprintf("%d sec", d/time.Second)
}
