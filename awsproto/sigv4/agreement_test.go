package sigv4

import (
	"context"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"testing"

	v4 "github.com/aws/aws-sdk-go-v2/aws/signer/v4"
)

// FuzzVerifySDKAgreement checks that Verify accepts every request
// aws-sdk-go-v2's signer signs (random method, path, query, headers and
// body, header or presigned form), so that the SDK stays the oracle of the
// canonical request code. Seeds are in testdata/fuzz/FuzzVerifySDKAgreement.
func FuzzVerifySDKAgreement(f *testing.F) {
	f.Add("POST", "/", "", "", "X-Amz-Target", "AWSMPMeteringService.MeterUsage", "", jsonBody, false)
	f.Add("POST", "/service/AWSMPEntitlementService/operation/GetEntitlements", "", "", "Smithy-Protocol",
		"rpc-v2-cbor", "", cborBody, false)
	f.Add("GET", "/a b/%2F/ü", "k ey", "v+al/ue", "X-Amz-Meta-Tag", "a   b", "c\td", "", true)
	f.Add("PUT", "", "Action", "", "Content-Type", "", "", "{}", true)
	f.Fuzz(func(t *testing.T, method, path, queryKey, queryValue, header, value1, value2, body string, presigned bool) {
		r := sdkSignable(t, method, path, queryKey, queryValue, header, value1, value2)
		if presigned {
			r = sdkPresigned(t, r, body)
		} else {
			signHeader(t, r, body, signing{})
		}
		if _, err := newVerifier(testNow).Verify(context.Background(), r, []byte(body)); err != nil {
			t.Fatalf("Verify refused what the SDK signed: %v\nrequest: %s %q ? %q\nheaders: %q",
				err, r.Method, r.URL.EscapedPath(), r.URL.RawQuery, r.Header)
		}
	})
}

// sdkSignable builds the request to sign, skipping inputs that cannot
// reach a server (invalid header names or values) or that the SDK signs in
// a way documented as differing from the SigV4 specification.
func sdkSignable(t *testing.T, method, path, queryKey, queryValue, header, value1, value2 string) *http.Request {
	if !validToken(method) || !validToken(header) || !validValue(value1) || !validValue(value2) {
		t.Skip("not a valid HTTP request")
	}
	switch http.CanonicalHeaderKey(header) {
	case "Authorization", "X-Amz-Date", "Host", "Content-Length", "X-Amz-Content-Sha256":
		t.Skip("header set by the signer or the transport")
	}
	if queryKey == queryAlgorithm {
		t.Skip("presigned parameter in a header-signed request")
	}
	r := &http.Request{Method: method, URL: &url.URL{Path: path}, Host: testHost, Header: http.Header{}}
	if queryKey != "" || queryValue != "" {
		q := url.Values{queryKey: {queryValue}, "z": {"1"}}
		if !sameQueryOrder(q) {
			t.Skip("the Go SDK sorts raw names, the specification encoded ones (docs/differences.md)")
		}
		r.URL.RawQuery = q.Encode()
	}
	r.Header.Add(header, value1)
	if value2 != "" {
		r.Header.Add(header, value2)
	}
	return r
}

// sameQueryOrder reports whether sorting q's names raw (the Go SDK) and
// encoded (the specification) give the same order.
func sameQueryOrder(q url.Values) bool {
	raw := slices.Sorted(func(yield func(string) bool) {
		for k := range q {
			if !yield(k) {
				return
			}
		}
	})
	return slices.IsSortedFunc(raw, func(a, b string) int {
		return strings.Compare(string(appendEscaped(nil, a, false)), string(appendEscaped(nil, b, false)))
	})
}

// sdkPresigned presigns r without hoisting and returns the request a client
// sends with the URL (signed headers kept).
func sdkPresigned(t *testing.T, r *http.Request, body string) *http.Request {
	s := signing{}.withDefaults()
	signedURL, _, err := v4.NewSigner().PresignHTTP(context.Background(), s.credentials(), r,
		sha256Hex([]byte(body)), s.service, s.region, s.at, func(o *v4.SignerOptions) { o.DisableHeaderHoisting = true })
	if err != nil {
		t.Fatalf("PresignHTTP: %v", err)
	}
	_, rawQuery, _ := strings.Cut(signedURL, "?")
	out := r.Clone(context.Background())
	out.URL.RawQuery = rawQuery
	return out
}

// validToken is RFC 9110's token, the only header names and methods a
// server receives.
func validToken(s string) bool {
	if s == "" {
		return false
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		if !unreserved(c) && !strings.ContainsRune("!#$%&'*+^`|", rune(c)) {
			return false
		}
	}
	return true
}

// validValue is a header value as Go's server delivers it: no control
// characters but tab, and no blanks around it (the server trims them).
func validValue(s string) bool {
	for i := 0; i < len(s); i++ {
		if c := s[i]; c < ' ' && c != '\t' || c == 0x7f {
			return false
		}
	}
	return s == strings.Trim(s, " \t")
}
