package sigv4

import (
	"context"
	"fmt"
	"net/http"
	"net/textproto"
	"net/url"
	"strings"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	v4 "github.com/aws/aws-sdk-go-v2/aws/signer/v4"
)

// signingInput is what the expected signature depends on.
type signingInput struct {
	request     *http.Request
	auth        Authorization
	secret      string
	payloadHash string
	bodyLength  int
	signedAt    time.Time
	presigned   bool
}

// expectedSignature signs a copy of the request the way the client must
// have, and returns the hex signature.
func expectedSignature(ctx context.Context, in signingInput) (string, error) {
	req := signableCopy(in)
	creds := aws.Credentials{AccessKeyID: in.auth.AccessKeyID, SecretAccessKey: in.secret}
	// A fresh signer per request: the SDK's derived-key cache is keyed by
	// region and access key id only, so a shared one would keep using a
	// key's old secret after a re-seed, and would grow with every region a
	// client makes up.
	signer := v4.NewSigner()
	if in.presigned {
		return presignedSignature(ctx, signer, creds, req, in)
	}
	err := signer.SignHTTP(ctx, creds, req, in.payloadHash, in.auth.Service, in.auth.Region, in.signedAt)
	if err != nil {
		return "", fmt.Errorf("sigv4: sign: %w", err)
	}
	_, sig, _ := strings.Cut(req.Header.Get(headerAuthorization), "Signature=")
	return sig, nil
}

// presignedSignature signs the copy into a URL and reads X-Amz-Signature
// back. Header hoisting is off: the client's hoisted headers are already in
// the query string.
func presignedSignature(ctx context.Context, signer *v4.Signer, creds aws.Credentials, req *http.Request,
	in signingInput) (string, error) {
	signed, _, err := signer.PresignHTTP(ctx, creds, req, in.payloadHash, in.auth.Service, in.auth.Region,
		in.signedAt, func(o *v4.SignerOptions) { o.DisableHeaderHoisting = true })
	if err != nil {
		return "", fmt.Errorf("sigv4: presign: %w", err)
	}
	// Only the query is read back: a path the client sent unescaped (a
	// fuzzer found "// ") can make the whole URL unparsable, and then the
	// signatures simply do not match.
	_, rawQuery, _ := strings.Cut(signed, "?")
	query, err := url.ParseQuery(rawQuery)
	if err != nil {
		return "", errInvalidSignature(msgMismatch)
	}
	return query.Get(querySignature), nil
}

// signableCopy rebuilds the request with only the headers the client
// signed, because the signer signs every header it is given. Host comes from
// r.Host verbatim (the URL has no scheme, so the signer strips no port), and
// Content-Length is signed only when the client signed it: botocore, for
// one, does not.
func signableCopy(in signingInput) *http.Request {
	r := in.request
	u := &url.URL{Path: r.URL.Path, RawPath: r.URL.RawPath, RawQuery: r.URL.RawQuery}
	if in.presigned {
		q := r.URL.Query()
		q.Del(querySignature)
		u.RawQuery = q.Encode()
	}
	out := &http.Request{Method: r.Method, URL: u, Host: r.Host, Header: make(http.Header, len(in.auth.SignedHeaders))}
	for _, name := range in.auth.SignedHeaders {
		switch name {
		case "host":
		case "content-length":
			out.ContentLength = int64(in.bodyLength)
		default:
			out.Header[textproto.CanonicalMIMEHeaderKey(name)] = r.Header.Values(name)
		}
	}
	return out
}
