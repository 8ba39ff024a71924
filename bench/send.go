package bench

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"io"
	"net"
	"net/http"
	"strconv"
	"strings"
	"syscall"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	v4 "github.com/aws/aws-sdk-go-v2/aws/signer/v4"
	"github.com/fxamacker/cbor/v2"
)

// signingName is the SigV4 service of both Marketplace services.
const signingName = "aws-marketplace"

// sender signs and sends calls over pooled connections.
type sender struct {
	base   string
	region string
	http   *http.Client
	signer *v4.Signer
}

func newSender(cfg Config) *sender {
	// One idle connection per worker, so that every request after the
	// first reuses one: the load measures the server, not TCP handshakes.
	t := &http.Transport{
		DialContext:         (&net.Dialer{Timeout: 5 * time.Second, KeepAlive: 30 * time.Second}).DialContext,
		MaxIdleConns:        cfg.Concurrency,
		MaxIdleConnsPerHost: cfg.Concurrency,
		IdleConnTimeout:     90 * time.Second,
		DisableCompression:  true,
	}
	return &sender{
		base:   strings.TrimRight(cfg.URL, "/"),
		region: cfg.Region,
		http:   &http.Client{Transport: t, Timeout: 30 * time.Second},
		signer: v4.NewSigner(),
	}
}

func (s *sender) close() { s.http.CloseIdleConnections() }

// result is what one request measured.
type result struct {
	latency  time.Duration
	errType  string // "" on success
	records  int    // records the answer accounts for
	statuses map[string]int
}

// send signs c afresh (a new date and signature per request, as SDKs do;
// like theirs, the signer caches the key it derives from a secret per key
// id and day) and sends it. Latency runs from the first byte sent to the
// last read.
func (s *sender) send(ctx context.Context, c call) result {
	req, err := s.request(ctx, c)
	if err != nil {
		return result{errType: "client: " + err.Error()}
	}
	start := time.Now()
	resp, err := s.http.Do(req)
	if err != nil {
		return result{latency: time.Since(start), errType: transportError(err)}
	}
	body, err := io.ReadAll(resp.Body)
	resp.Body.Close()
	latency := time.Since(start)
	if err != nil {
		return result{latency: latency, errType: transportError(err)}
	}
	res := classify(resp, body, c)
	res.latency = latency
	return res
}

func (s *sender) request(ctx context.Context, c call) (*http.Request, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, s.base+c.path, bytes.NewReader(c.body))
	if err != nil {
		return nil, err
	}
	if c.target != "" {
		req.Header.Set("Content-Type", jsonContentType)
		req.Header.Set("X-Amz-Target", c.target)
	} else {
		req.Header.Set("Content-Type", cborContentType)
		req.Header.Set("Accept", cborContentType)
		req.Header.Set("Smithy-Protocol", "rpc-v2-cbor")
	}
	sum := sha256.Sum256(c.body)
	creds := aws.Credentials{AccessKeyID: c.key.ID, SecretAccessKey: c.key.Secret}
	err = s.signer.SignHTTP(ctx, creds, req, hex.EncodeToString(sum[:]), signingName, s.region, time.Now())
	return req, err
}

// classify reads an answer: an AWS error by its type, or a success with
// the records it accounts for.
func classify(resp *http.Response, body []byte, c call) result {
	if resp.StatusCode != http.StatusOK {
		return result{errType: errorType(resp, body)}
	}
	if c.records <= 1 {
		return result{records: c.records}
	}
	// BatchMeterUsage: count the records by status, and those AWS left
	// unprocessed.
	var out struct {
		Results            []struct{ Status string }
		UnprocessedRecords []json.RawMessage
	}
	if err := json.Unmarshal(body, &out); err != nil {
		return result{errType: "client: unreadable answer"}
	}
	statuses := map[string]int{}
	for _, r := range out.Results {
		statuses[r.Status]++
	}
	if n := len(out.UnprocessedRecords); n > 0 {
		statuses["Unprocessed"] = n
	}
	return result{records: len(out.Results), statuses: statuses}
}

// errorType is the AWS error code of an error answer: X-Amzn-ErrorType
// (AWS JSON), else the body's __type (either protocol), without the
// namespace or URL that some services add; else the HTTP status.
func errorType(resp *http.Response, body []byte) string {
	code := resp.Header.Get("X-Amzn-ErrorType")
	if code == "" {
		code = bodyType(resp.Header.Get("Content-Type"), body)
	}
	code, _, _ = strings.Cut(code, ":")
	if i := strings.LastIndexByte(code, '#'); i >= 0 {
		code = code[i+1:]
	}
	if code == "" {
		return "HTTP " + strconv.Itoa(resp.StatusCode)
	}
	return code
}

func bodyType(contentType string, body []byte) string {
	var v struct {
		Type string `json:"__type" cbor:"__type"`
	}
	if strings.HasPrefix(contentType, cborContentType) {
		_ = cbor.Unmarshal(body, &v)
	} else {
		_ = json.Unmarshal(body, &v)
	}
	return v.Type
}

// transportError names a failure below HTTP by its kind, so that the
// report groups them: the message itself carries ports and addresses.
func transportError(err error) string {
	var netErr net.Error
	switch {
	case errors.Is(err, syscall.ECONNREFUSED):
		return "transport: connection refused"
	case errors.Is(err, syscall.ECONNRESET), errors.Is(err, syscall.EPIPE):
		return "transport: connection reset"
	case errors.Is(err, io.EOF), errors.Is(err, io.ErrUnexpectedEOF):
		return "transport: connection closed"
	case errors.As(err, &netErr) && netErr.Timeout():
		return "transport: timeout"
	}
	return "transport: other"
}
