package sigv4

import (
	"bytes"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"io"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/meterd/meterd"
)

// specSign signs r the way the .NET and Java v1 SDKs do: over every header
// named in signed, from the client's side, following the SigV4 documentation
// step by step. It is written independently of the verifier's code on
// purpose (and only handles path "/" without a query, which is all the
// JSON protocol sends).
func specSign(r *http.Request, body []byte, signed []string, at time.Time) {
	amzDate := at.UTC().Format("20060102T150405Z")
	r.Header.Set("X-Amz-Date", amzDate)
	signed = slices.Sorted(slices.Values(signed))
	var canonical strings.Builder
	canonical.WriteString(r.Method + "\n/\n\n")
	for _, name := range signed {
		var values []string
		switch name {
		case "host":
			values = []string{r.URL.Host}
		case "content-length":
			values = []string{r.Header.Get("Content-Length")}
		default:
			values = r.Header.Values(name)
		}
		for i, v := range values {
			values[i] = strings.Join(strings.Fields(v), " ")
		}
		canonical.WriteString(name + ":" + strings.Join(values, ",") + "\n")
	}
	bodyHash := sha256.Sum256(body)
	canonical.WriteString("\n" + strings.Join(signed, ";") + "\n" + hex.EncodeToString(bodyHash[:]))
	scope := amzDate[:8] + "/us-east-1/" + SigningName + "/aws4_request"
	requestHash := sha256.Sum256([]byte(canonical.String()))
	toSign := Algorithm + "\n" + amzDate + "\n" + scope + "\n" + hex.EncodeToString(requestHash[:])
	key := []byte("AWS4" + testSecret)
	for _, part := range []string{amzDate[:8], "us-east-1", SigningName, "aws4_request", toSign} {
		m := hmac.New(sha256.New, key)
		m.Write([]byte(part))
		key = m.Sum(nil)
	}
	r.Header.Set("Authorization", Algorithm+" Credential="+testKeyID+"/"+scope+", SignedHeaders="+
		strings.Join(signed, ";")+", Signature="+hex.EncodeToString(key))
}

// dotnetSigned is what the AWS SDK for .NET signs: every header but
// x-amzn-trace-id, transfer-encoding, amz-sdk-invocation-id and
// amz-sdk-request (AWS4Signer's ignored headers).
var dotnetSigned = []string{"content-length", "content-type", "expect", "host", "user-agent", "x-amz-date", "x-amz-target"}

// javaV1Signed is what the AWS SDK for Java v1 signs: every header but
// connection and x-amzn-trace-id (AWS4Signer.listOfHeadersToIgnoreInLowerCase).
var javaV1Signed = []string{"amz-sdk-invocation-id", "amz-sdk-retry", "content-length", "content-type", "host",
	"user-agent", "x-amz-date", "x-amz-target"}

// TestVerifyHandSigned sends requests signed as the .NET and Java v1 SDKs
// sign them (User-Agent, Content-Length, Expect included) over HTTP, and
// tampered copies of them.
func TestVerifyHandSigned(t *testing.T) {
	cases := []struct {
		name   string
		signed []string
		// header adds client headers before signing.
		header func(h http.Header)
		// tamper changes the request after signing and returns the body sent.
		tamper    func(r *http.Request, body []byte) []byte
		code, msg string
	}{
		{name: "OK/.NET SDK", signed: dotnetSigned},
		{name: "OK/Java v1 SDK", signed: javaV1Signed},
		{name: "OK/.NET SDK, user-agent with runs of spaces", signed: dotnetSigned, header: func(h http.Header) {
			h.Set("User-Agent", "aws-sdk-dotnet-coreclr/3.7.400   ua/2.0  os/linux")
		}},
		{name: "OK/repeated header joined with commas", signed: append([]string{"x-amz-meta-tag"}, dotnetSigned...),
			header: func(h http.Header) { h["X-Amz-Meta-Tag"] = []string{"a", "b   c"} }},
		{name: "ErrInvalidSignature/user-agent changed", signed: dotnetSigned,
			tamper: func(r *http.Request, body []byte) []byte { r.Header.Set("User-Agent", "curl/8.0"); return body },
			code:   meterd.EInvalidSignature, msg: mismatch},
		{name: "ErrIncompleteSignature/signed user-agent removed", signed: javaV1Signed,
			tamper: func(r *http.Request, body []byte) []byte {
				r.Header["User-Agent"] = []string{""} // the Go client then sends none
				return body
			},
			code: meterd.EIncompleteSignature,
			msg:  "'user-agent' is named as a SignedHeader, but it does not exist in the HTTP request."},
		{name: "ErrIncompleteSignature/signed expect removed", signed: dotnetSigned,
			tamper: func(r *http.Request, body []byte) []byte { r.Header.Del("Expect"); return body },
			code:   meterd.EIncompleteSignature,
			msg:    "'expect' is named as a SignedHeader, but it does not exist in the HTTP request."},
		{name: "ErrInvalidSignature/body changed, same length", signed: dotnetSigned,
			tamper: func(_ *http.Request, body []byte) []byte { return bytes.Replace(body, []byte(":3}"), []byte(":9}"), 1) },
			code:   meterd.EInvalidSignature, msg: mismatch},
		{name: "ErrInvalidSignature/body changed, signed content-length", signed: javaV1Signed,
			tamper: func(_ *http.Request, body []byte) []byte { return append(body, ' ') },
			code:   meterd.EInvalidSignature, msg: mismatch},
		// Refused although correctly signed: repeating a name would repeat
		// the header's value in the canonical request (memory).
		{name: "ErrInvalidSignature/header listed twice in SignedHeaders", signed: append([]string{"user-agent"}, dotnetSigned...),
			code: meterd.EInvalidSignature, msg: mismatch},
		{name: "ErrInvalidSignature/one of repeated values dropped", signed: append([]string{"x-amz-meta-tag"}, dotnetSigned...),
			header: func(h http.Header) { h["X-Amz-Meta-Tag"] = []string{"a", "b"} },
			tamper: func(r *http.Request, body []byte) []byte { r.Header["X-Amz-Meta-Tag"] = []string{"a"}; return body },
			code:   meterd.EInvalidSignature, msg: mismatch},
	}
	srv := newAnsweringServer(t, systemVerifier(), `{"MeteringRecordId":"r-1"}`)
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			body := []byte(jsonBody)
			r, _ := http.NewRequest(http.MethodPost, srv.URL+"/", nil)
			r.Header.Set("Content-Type", "application/x-amz-json-1.1")
			r.Header.Set("X-Amz-Target", "AWSMPMeteringService.MeterUsage")
			r.Header.Set("User-Agent", "aws-sdk-dotnet-coreclr/3.7.400.1 ua/2.0 os/linux md/MarketplaceMetering")
			r.Header.Set("Expect", "100-continue")
			r.Header.Set("Amz-Sdk-Invocation-Id", "0b5f3c3e-0f8e-4c1a-9d7e-2f0c6a1b2c3d")
			r.Header.Set("Amz-Sdk-Retry", "0/0/500")
			r.Header.Set("Amz-Sdk-Request", "attempt=1; max=5")
			r.Header.Set("X-Amzn-Trace-Id", "Root=1-5759e988-bd862e3fe1be46a994272793")
			if c.header != nil {
				c.header(r.Header)
			}
			r.Header.Set("Content-Length", strconv.Itoa(len(body)))
			specSign(r, body, c.signed, time.Now())
			if c.tamper != nil {
				body = c.tamper(r, body)
			}
			r.Header.Del("Content-Length") // the transport writes it from ContentLength
			r.ContentLength = int64(len(body))
			r.Body = io.NopCloser(bytes.NewReader(body))
			resp, err := srv.Client().Do(r)
			if err != nil {
				t.Fatal(err)
			}
			defer resp.Body.Close()
			var e struct {
				Type    string `json:"__type"`
				Message string `json:"message"`
			}
			json.NewDecoder(resp.Body).Decode(&e)
			if e.Type != c.code || e.Message != c.msg {
				t.Errorf("got %d %s %q, want %s %q", resp.StatusCode, e.Type, e.Message, c.code, c.msg)
			}
		})
	}
}
