package server_test

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/marketplacemetering"

	"github.com/meterd/meterd"
	"github.com/meterd/meterd/awsproto/sigv4"
	"github.com/meterd/meterd/entitlement"
	"github.com/meterd/meterd/lifecycle"
	"github.com/meterd/meterd/metering"
	"github.com/meterd/meterd/regions"
	"github.com/meterd/meterd/seed"
	"github.com/meterd/meterd/server"
	"github.com/meterd/meterd/sim"
	"github.com/meterd/meterd/store/sqlite"
	"github.com/meterd/meterd/store/sqlite/sqlitetest"
)

// adminToken guards the admin API of every test server.
const adminToken = "test-admin-token"

// Demo keys (seed.Demo): the seller and the buyer.
var (
	sellerCreds = aws.Credentials{AccessKeyID: "test", SecretAccessKey: "test"}
	buyerCreds  = aws.Credentials{AccessKeyID: "buyer", SecretAccessKey: "buyer"}
)

// newServer returns a Server with signatures checked, over a throwaway store
// holding the demo catalog. wrap, when not nil, stands between the metering
// service and the store, to fake a failure a real store cannot be made to
// produce on demand.
func newServer(tb testing.TB, wrap func(metering.Store) metering.Store) *server.Server {
	tb.Helper()
	store := sqlitetest.Open(tb, seed.Demo())
	clock := meterd.SystemClock{}
	logger := slog.New(slog.DiscardHandler)
	// The key is created over the real store, whatever wrap fakes later.
	if err := metering.New(store, clock, metering.DefaultConfig(), logger).EnsureSigningKey(tb.Context()); err != nil {
		tb.Fatal(err)
	}
	var ms metering.Store = store
	if wrap != nil {
		ms = wrap(store)
	}
	es, err := entitlement.New(store, clock, regions.Default(), bytes.Repeat([]byte{7}, 32), logger)
	if err != nil {
		tb.Fatal(err)
	}
	return &server.Server{
		Metering:     metering.New(ms, clock, metering.DefaultConfig(), logger),
		Entitlement:  es,
		Store:        store,
		Verifier:     &sigv4.Verifier{Lookup: store.FindAccessKey, Clock: clock},
		AdminToken:   adminToken,
		MaxBodyBytes: 1 << 20,
		Logger:       logger,
	}
}

// newCatalogServer is newServer with the catalog and buyer-action routes,
// on a settable business clock.
func newCatalogServer(tb testing.TB) (*server.Server, *sim.Clock) {
	tb.Helper()
	s := newServer(tb, nil)
	store := s.Store.(*sqlite.DB)
	clock := sim.NewClock(meterd.SystemClock{})
	s.Clock, s.Catalog, s.Registrations = clock, store, store
	s.Lifecycle = lifecycle.New(store, clock, lifecycle.DefaultConfig(), nil)
	return s, clock
}

// serve runs s's handler over HTTP until the test ends and returns its URL.
func serve(tb testing.TB, s *server.Server) string {
	tb.Helper()
	hs := httptest.NewServer(s.Handler())
	tb.Cleanup(hs.Close)
	return hs.URL
}

// meteringClient is an aws-sdk-go-v2 client of url that does not retry, so
// that a throttled call shows as one.
func meteringClient(url string, creds aws.Credentials) *marketplacemetering.Client {
	return marketplacemetering.New(marketplacemetering.Options{
		Region:           "us-east-1",
		BaseEndpoint:     aws.String(url),
		Credentials:      staticCreds(creds),
		RetryMaxAttempts: 1,
	})
}

// errDisk is a store failure whose text a client must never see.
var errDisk = errors.New("sqlite: disk I/O error at /var/lib/meterd/meterd.db")

// brokenStore fails the reads of the admin operations with errDisk.
type brokenStore struct{ metering.Store }

func (brokenStore) FindProduct(context.Context, string) (*meterd.Product, error) { return nil, errDisk }
func (brokenStore) SigningKeys(context.Context) ([]*meterd.SigningKey, error)    { return nil, errDisk }

// racedStore loses every signing key creation to a concurrent rotation, as
// the real store answers when another process took the version first.
type racedStore struct{ metering.Store }

func (racedStore) CreateSigningKey(_ context.Context, k *meterd.SigningKey) error {
	return meterd.Errorf(meterd.EConflict, "signing key version %d already exists", k.Version)
}

func broken(s metering.Store) metering.Store { return brokenStore{s} }
func raced(s metering.Store) metering.Store  { return racedStore{s} }

// downStore is a store whose Ping fails, as a full disk or a lost volume
// would make it.
type downStore struct{ server.Store }

func (downStore) Ping(context.Context) error { return errDisk }

func staticCreds(c aws.Credentials) aws.CredentialsProvider {
	return credentials.StaticCredentialsProvider{Value: c}
}

// send sends one request and returns the status and body.
func send(t *testing.T, method, url, auth, body string) (int, []byte) {
	t.Helper()
	req, err := http.NewRequestWithContext(t.Context(), method, url, strings.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	if auth != "" {
		req.Header.Set("Authorization", auth)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	return resp.StatusCode, b
}

// newSimServer is newServer with a simulated business clock (shared by
// the metering service), fault rules and AWS's default quotas.
func newSimServer(tb testing.TB) *server.Server {
	tb.Helper()
	s := newServer(tb, nil)
	s.Clock = sim.NewClock(nil)
	s.Metering.Clock = s.Clock
	s.Faults = sim.NewFaults(nil)
	s.Limiter = server.NewLimiter(server.DefaultQuotas(), meterd.SystemClock{})
	return s
}

// startGuarded serves the API (signatures checked) over real TCP behind a
// Guard with limits l, wired as node wires it.
func startGuarded(tb testing.TB, l server.Limits) (*httptest.Server, *server.Guard) {
	tb.Helper()
	if err := l.Validate(); err != nil {
		tb.Fatal(err)
	}
	g := server.NewGuard(l)
	ts := httptest.NewUnstartedServer(g.Handler(newServer(tb, nil).Handler()))
	ts.Listener = g.Listener(ts.Listener)
	l.Apply(ts.Config)
	ts.Start()
	tb.Cleanup(ts.Close)
	return ts, g
}

// stalledClient is a raw connection that sent a request head and part of
// its body, and then stopped.
type stalledClient struct {
	conn net.Conn
	// answer receives the response, if the server sends one before the
	// connection closes.
	answer chan awsAnswer
}

// awsAnswer is an AWS JSON response, decoded for assertions.
type awsAnswer struct {
	status        int
	code, message string
}

// bodyShape says how a stalled client announces its body.
type bodyShape struct {
	contentLength int64 // -1: chunked
	send          int   // body bytes sent before stalling
}

// stall connects to addr and sends an unsigned MeterUsage head and
// shape.send bytes of body, then waits.
func stall(tb testing.TB, addr string, shape bodyShape) *stalledClient {
	tb.Helper()
	conn, err := net.Dial("tcp", addr)
	if err != nil {
		tb.Fatal(err)
	}
	tb.Cleanup(func() { conn.Close() })
	c := &stalledClient{conn: conn, answer: make(chan awsAnswer, 1)}
	go c.write(shape)
	go c.read()
	return c
}

// write sends the head and body; errors mean the server closed the
// connection, which read reports.
func (c *stalledClient) write(shape bodyShape) {
	head := "POST / HTTP/1.1\r\nHost: meterd.test\r\nX-Amz-Target: AWSMPMeteringService.MeterUsage\r\n" +
		"Content-Type: application/x-amz-json-1.1\r\n"
	if shape.contentLength < 0 {
		head += "Transfer-Encoding: chunked\r\n\r\n" + fmt.Sprintf("%x\r\n", shape.send)
	} else {
		head += fmt.Sprintf("Content-Length: %d\r\n\r\n", shape.contentLength)
	}
	if _, err := c.conn.Write([]byte(head)); err != nil {
		return
	}
	for left := shape.send; left > 0; left -= len(spaces) {
		if _, err := c.conn.Write(spaces[:min(left, len(spaces))]); err != nil {
			return
		}
	}
}

// spaces is body filler, shared so that many clients cost no memory.
var spaces = bytes.Repeat([]byte{' '}, 64<<10)

func (c *stalledClient) read() {
	resp, err := http.ReadResponse(bufio.NewReader(c.conn), nil)
	if err != nil {
		return
	}
	defer resp.Body.Close()
	var e struct {
		Type    string `json:"__type"`
		Message string `json:"message"`
	}
	_ = json.NewDecoder(resp.Body).Decode(&e) // a body that is not an AWS error leaves code empty
	c.answer <- awsAnswer{status: resp.StatusCode, code: e.Type, message: e.Message}
}

// received drains the answers that have arrived.
func received(clients []*stalledClient) []awsAnswer {
	var got []awsAnswer
	for _, c := range clients {
		select {
		case a := <-c.answer:
			got = append(got, a)
		default:
		}
	}
	return got
}

// waitFor polls cond until it holds, and fails tb with what describe says
// if it does not within a generous bound (the bound only turns a hang into
// a failure; no result depends on it).
func waitFor(tb testing.TB, cond func() bool, describe func() string) {
	tb.Helper()
	for deadline := time.Now().Add(20 * time.Second); !cond(); time.Sleep(5 * time.Millisecond) {
		if time.Now().After(deadline) {
			tb.Fatalf("gave up waiting: %s", describe())
		}
	}
}
