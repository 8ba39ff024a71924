package server_test

import (
	"bytes"
	"context"
	"errors"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/marketplacemetering"

	"github.com/meterd/meterd"
	"github.com/meterd/meterd/awsproto/sigv4"
	"github.com/meterd/meterd/entitlement"
	"github.com/meterd/meterd/metering"
	"github.com/meterd/meterd/regions"
	"github.com/meterd/meterd/seed"
	"github.com/meterd/meterd/server"
	"github.com/meterd/meterd/sim"
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
