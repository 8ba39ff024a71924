package sigv4

import (
	"net/url"
	"strings"
)

// Algorithm is the only signing algorithm AWS JSON services accept.
const Algorithm = "AWS4-HMAC-SHA256"

// Query-string (presigned) authentication parameters.
const (
	queryAlgorithm     = "X-Amz-Algorithm"
	queryCredential    = "X-Amz-Credential"
	querySignature     = "X-Amz-Signature"
	querySignedHeaders = "X-Amz-SignedHeaders"
	queryDate          = "X-Amz-Date"
)

// Authorization is the parsed content of a SigV4 Authorization header (or of
// the equivalent X-Amz-* query parameters of a presigned request).
type Authorization struct {
	AccessKeyID string
	// Date is the YYYYMMDD element of the credential scope.
	Date    string
	Region  string
	Service string
	// Terminator is the last element of the credential scope; Verify
	// requires "aws4_request". ParseAuthorization only checks that the
	// scope has five elements, so that Verify can report every scope
	// problem in one message, as AWS does.
	Terminator    string
	SignedHeaders []string
	Signature     string
}

// authParams is what a request claims before the credential is split: AWS
// checks the clock between the two steps, so they are kept apart.
type authParams struct {
	credential    string
	signedHeaders []string
	signature     string
	// date is X-Amz-Date, from the header or the query string.
	date string
}

// ParseAuthorization parses an "AWS4-HMAC-SHA256 Credential=...,
// SignedHeaders=..., Signature=..." header. Every error is a *meterd.Error
// with code IncompleteSignatureException and AWS's message.
func ParseAuthorization(h string) (Authorization, error) {
	p, missing, err := parseHeader(h)
	if err != nil {
		return Authorization{}, err
	}
	if len(missing) > 0 {
		return Authorization{}, errMissingHeaderParts(missing)
	}
	return p.authorization()
}

// parseHeader splits the header into its parameters. It returns the AWS
// messages of the parameters that are absent rather than an error, because
// Verify adds the missing date to the same message.
func parseHeader(h string) (p authParams, missing []string, err error) {
	h = trimASCIISpace(h)
	alg, rest, _ := strings.Cut(h, " ")
	if alg != Algorithm {
		return p, nil, errUnsupportedAlgorithm(alg)
	}
	var haveCredential, haveSignature, haveSignedHeaders bool
	for part := range strings.SplitSeq(rest, ",") {
		part = trimASCIISpace(part)
		if part == "" {
			continue
		}
		key, value, ok := strings.Cut(part, "=")
		if !ok {
			return p, nil, errNotKeyValue(part, h)
		}
		// As AWS does, the last occurrence of a parameter wins and unknown
		// parameters are ignored.
		switch key {
		case "Credential":
			p.credential, haveCredential = value, true
		case "Signature":
			p.signature, haveSignature = value, true
		case "SignedHeaders":
			p.signedHeaders, haveSignedHeaders = strings.Split(value, ";"), true
		}
	}
	if !haveCredential {
		missing = append(missing, msgNeedCredential)
	}
	if !haveSignature {
		missing = append(missing, msgNeedSignature)
	}
	if !haveSignedHeaders {
		missing = append(missing, msgNeedSignedHeaders)
	}
	return p, missing, nil
}

// parseQuery reads the parameters of a presigned request. The caller has
// checked that X-Amz-Algorithm is present.
func parseQuery(q url.Values) (authParams, error) {
	if n := len(q[queryAlgorithm]); n > 1 {
		return authParams{}, errDuplicate("query-string parameter", queryAlgorithm, n)
	}
	if q.Get(queryAlgorithm) != Algorithm {
		// AWS treats a foreign algorithm as no authentication at all.
		return authParams{}, errMissingToken()
	}
	var missing []string
	var duplicate error
	need := func(name string) string {
		v, ok := q[name]
		if !ok {
			missing = append(missing, "AWS query-string parameters must include '"+name+"'.")
			return ""
		}
		if len(v) > 1 && duplicate == nil {
			duplicate = errDuplicate("query-string parameter", name, len(v))
		}
		return v[0]
	}
	p := authParams{
		credential: need(queryCredential),
		signature:  need(querySignature),
	}
	signedHeaders := need(querySignedHeaders)
	p.date = need(queryDate)
	if len(missing) > 0 {
		return authParams{}, errMissingQueryParts(missing)
	}
	if duplicate != nil {
		return authParams{}, duplicate
	}
	p.signedHeaders = strings.Split(signedHeaders, ";")
	return p, nil
}

// authorization splits the credential into its scope.
func (p authParams) authorization() (Authorization, error) {
	parts := strings.Split(p.credential, "/")
	if len(parts) != 5 {
		return Authorization{}, errCredentialParts(p.credential)
	}
	return Authorization{
		AccessKeyID:   parts[0],
		Date:          parts[1],
		Region:        parts[2],
		Service:       parts[3],
		Terminator:    parts[4],
		SignedHeaders: p.signedHeaders,
		Signature:     p.signature,
	}, nil
}

// trimASCIISpace trims the blanks HTTP allows around header elements; it
// leaves other Unicode spaces alone, as they are not separators.
func trimASCIISpace(s string) string {
	return strings.Trim(s, " \t")
}
