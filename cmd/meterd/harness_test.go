package main

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"io"
	"log/slog"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	v4 "github.com/aws/aws-sdk-go-v2/aws/signer/v4"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/marketplacemetering"
	awsv1 "github.com/aws/aws-sdk-go/aws"
	credsv1 "github.com/aws/aws-sdk-go/aws/credentials"
	"github.com/aws/aws-sdk-go/aws/session"
	"github.com/aws/aws-sdk-go/service/marketplaceentitlementservice"

	"github.com/meterd/meterd/meterdtest"
	"github.com/meterd/meterd/node"
)

// Demo credentials (seed.Demo).
var (
	sellerKey = aws.Credentials{AccessKeyID: "test", SecretAccessKey: "test"}
	buyerKey  = aws.Credentials{AccessKeyID: "buyer", SecretAccessKey: "buyer"}
)

const testRegion = "us-east-1"

// must fails t on err.
func must(t testing.TB, err error) {
	t.Helper()
	if err != nil {
		t.Fatal(err)
	}
}

// lockedBuffer is a log destination safe for the server's goroutines.
type lockedBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (l *lockedBuffer) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.Write(p)
}

func (l *lockedBuffer) String() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.String()
}

// testServer is a meterd started in-process on a free port.
type testServer struct {
	*meterdtest.Server
}

// startServer runs a meterd through meterdtest, with the demo data or the
// given seed file; it stops when the test ends. With -v its log goes to
// stderr.
func startServer(t testing.TB, seedFile string, extra ...func(*node.Config)) *testServer {
	t.Helper()
	return startWith(t, []meterdtest.Option{meterdtest.WithSeedFile(seedFile)}, extra...)
}

// startSQLiteServer is startServer on the SQLite ledger whatever
// meterdtest.EnvStore says, for tests of the ledger's files.
func startSQLiteServer(t testing.TB, seedFile string, extra ...func(*node.Config)) *testServer {
	t.Helper()
	return startWith(t, []meterdtest.Option{meterdtest.WithSeedFile(seedFile), meterdtest.OnSQLite()}, extra...)
}

func startWith(t testing.TB, opts []meterdtest.Option, extra ...func(*node.Config)) *testServer {
	t.Helper()
	for _, f := range extra {
		opts = append(opts, meterdtest.WithConfig(f))
	}
	if testing.Verbose() {
		opts = append(opts, meterdtest.WithLogger(slog.New(slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: slog.LevelDebug}))))
	}
	return &testServer{meterdtest.Start(t, opts...)}
}

// metering returns an aws-sdk-go-v2 metering client with creds in region.
func (s *testServer) metering(creds aws.Credentials, region string) *marketplacemetering.Client {
	return marketplacemetering.New(marketplacemetering.Options{
		Region:           region,
		BaseEndpoint:     aws.String(s.URL),
		Credentials:      credentials.StaticCredentialsProvider{Value: creds},
		RetryMaxAttempts: 1,
	})
}

// entitlement returns an aws-sdk-go v1 entitlement client (AWS JSON 1.1).
func (s *testServer) entitlement(t testing.TB, creds aws.Credentials, region string) *marketplaceentitlementservice.MarketplaceEntitlementService {
	t.Helper()
	sess, err := session.NewSession(&awsv1.Config{
		Region:      awsv1.String(region),
		Endpoint:    awsv1.String(s.URL),
		Credentials: credsv1.NewStaticCredentials(creds.AccessKeyID, creds.SecretAccessKey, ""),
		MaxRetries:  awsv1.Int(0),
	})
	if err != nil {
		t.Fatal(err)
	}
	return marketplaceentitlementservice.New(sess)
}

// rawResponse is an HTTP answer decoded loosely for assertions.
type rawResponse struct {
	Status int
	Header http.Header
	Body   []byte
}

// errorType returns the __type of a JSON error body.
func (r rawResponse) errorType(t testing.TB) (string, string) {
	t.Helper()
	var e struct {
		Type    string `json:"__type"`
		Message string `json:"message"`
	}
	if err := json.Unmarshal(r.Body, &e); err != nil {
		t.Fatalf("error body %q: %v", r.Body, err)
	}
	return e.Type, e.Message
}

// rawRequest describes a hand-built request for cases the SDKs cannot
// express (LicenseArn, CBOR, broken signatures, out-of-range values).
type rawRequest struct {
	Method, Path string
	Target       string // X-Amz-Target; empty for CBOR
	ContentType  string
	Body         []byte
	Creds        *aws.Credentials // nil: unsigned
	Region       string
	SignTime     time.Time
	Tamper       func(*http.Request)
}

// do sends req signed with SigV4 (aws-sdk-go-v2's signer) unless Creds is
// nil, and fails t when it cannot be sent.
func (s *testServer) do(t testing.TB, req rawRequest) rawResponse {
	t.Helper()
	r, err := s.send(req)
	if err != nil {
		t.Fatal(err)
	}
	return r
}

// send is do for goroutines other than the test's: it returns its error.
func (s *testServer) send(req rawRequest) (rawResponse, error) { return sendTo(s.URL, req) }

// sendTo sends req to the meterd at baseURL.
func sendTo(baseURL string, req rawRequest) (rawResponse, error) {
	req = req.withDefaults()
	hreq, err := http.NewRequest(req.Method, baseURL+req.Path, bytes.NewReader(req.Body))
	if err != nil {
		return rawResponse{}, err
	}
	hreq.Header.Set("Content-Type", req.ContentType)
	if req.Target != "" {
		hreq.Header.Set("X-Amz-Target", req.Target)
	}
	if req.Creds != nil {
		if err := signRequest(hreq, req.Body, *req.Creds, req.Region, req.SignTime); err != nil {
			return rawResponse{}, err
		}
	}
	if req.Tamper != nil {
		req.Tamper(hreq)
	}
	resp, err := http.DefaultClient.Do(hreq)
	if err != nil {
		return rawResponse{}, err
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body)
	return rawResponse{Status: resp.StatusCode, Header: resp.Header, Body: body}, err
}

func (req rawRequest) withDefaults() rawRequest {
	if req.Method == "" {
		req.Method = http.MethodPost
	}
	if req.Path == "" {
		req.Path = "/"
	}
	if req.ContentType == "" {
		req.ContentType = "application/x-amz-json-1.1"
	}
	if req.Region == "" {
		req.Region = testRegion
	}
	if req.SignTime.IsZero() {
		req.SignTime = time.Now()
	}
	return req
}

// jsonCall sends a signed AWS JSON 1.1 request for a metering or
// entitlement operation.
func (s *testServer) jsonCall(t testing.TB, creds aws.Credentials, region, target string, body any) rawResponse {
	t.Helper()
	return s.do(t, jsonRequest(creds, region, target, body))
}

// jsonRequest is a signed AWS JSON 1.1 request with body marshalled.
func jsonRequest(creds aws.Credentials, region, target string, body any) rawRequest {
	b, err := json.Marshal(body)
	if err != nil {
		panic(err) // test bodies are maps of plain values
	}
	return rawRequest{Target: target, Body: b, Creds: &creds, Region: region}
}

// writeSeed writes a seed file into the test's temp dir.
func writeSeed(t testing.TB, yaml string) string {
	t.Helper()
	path := filepath.Join(t.TempDir(), "seed.yaml")
	if err := os.WriteFile(path, []byte(strings.TrimLeft(yaml, "\n")), 0o600); err != nil {
		t.Fatal(err)
	}
	return path
}

// thisHour is the start of the current UTC hour.
func thisHour() time.Time { return time.Now().UTC().Truncate(time.Hour) }

// mintToken creates a registration token through the admin API; a negative
// ttl mints one that has already expired.
func (s *testServer) mintToken(t testing.TB, product, customer string, ttl time.Duration) string {
	t.Helper()
	body, _ := json.Marshal(map[string]any{"productCode": product, "customerIdentifier": customer,
		"ttlSeconds": ttl.Seconds()})
	req, err := http.NewRequest(http.MethodPost, s.URL+"/admin/v1/registration-tokens", bytes.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Authorization", "Bearer "+s.AdminToken)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var out struct{ Token string }
	if err := json.NewDecoder(resp.Body).Decode(&out); err != nil || resp.StatusCode != http.StatusCreated || out.Token == "" {
		t.Fatalf("mint token: %d %v", resp.StatusCode, err)
	}
	return out.Token
}

// signRequest signs req with SigV4 as an AWS SDK would.
func signRequest(req *http.Request, body []byte, creds aws.Credentials, region string, at time.Time) error {
	sum := sha256.Sum256(body)
	return v4.NewSigner().SignHTTP(context.Background(), creds, req, hex.EncodeToString(sum[:]),
		"aws-marketplace", region, at)
}
