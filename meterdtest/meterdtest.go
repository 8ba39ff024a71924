// Package meterdtest runs a real meterd for a Go test: the same node that
// `meterd serve` runs, on a free port of 127.0.0.1, with a data directory
// in t.TempDir(), stopped when the test ends.
//
//	s := meterdtest.Start(t)
//	client := marketplacemetering.New(marketplacemetering.Options{
//		BaseEndpoint: aws.String(s.URL), Region: "us-east-1",
//		Credentials: credentials.NewStaticCredentialsProvider(s.Buyer.AccessKeyID, s.Buyer.SecretAccessKey, ""),
//	})
package meterdtest

import (
	"context"
	"log/slog"
	"os"
	"slices"
	"sync"
	"testing"

	"github.com/meterd/meterd"
	"github.com/meterd/meterd/node"
	"github.com/meterd/meterd/store/postgres/pgtest"
)

// Credentials is an access key of the catalog, with the account it signs as.
type Credentials struct {
	AccessKeyID     string
	SecretAccessKey string
	AccountID       string
}

// Server is a running meterd.
type Server struct {
	URL        string // base URL, e.g. http://127.0.0.1:40123
	DataDir    string
	AdminToken string
	// Seller is the first access key of an account that sells a product;
	// Buyer the first of an account that is a customer. Either is zero when
	// the catalog has none. With the demo data they are test/test and
	// buyer/buyer.
	Seller, Buyer Credentials
	Node          *node.Node

	stop     context.CancelFunc
	done     chan error // Run's result
	closing  sync.Once
	closeErr error
}

// Option changes how Start configures the node.
type Option func(*options)

type options struct {
	seedFile  string
	configure []func(*node.Config)
	logger    *slog.Logger
	sqlite    bool
}

// EnvStore chooses the ledger of the nodes Start opens: "postgres" puts
// each data directory's ledger in a PostgreSQL database of its own (see
// store/postgres/pgtest for where the server comes from); empty or
// "sqlite" keeps SQLite. CI runs the API tests once with each.
const EnvStore = "METERD_TEST_STORE"

// OnSQLite keeps the node on the SQLite ledger whatever EnvStore says, for
// tests of the SQLite files themselves.
func OnSQLite() Option { return func(o *options) { o.sqlite = true } }

// WithSeedFile starts from the seed file at path instead of the demo data.
func WithSeedFile(path string) Option { return func(o *options) { o.seedFile = path } }

// WithConfig lets f change the configuration after Start has filled in the
// address, data directory and seed file; f may override them too.
func WithConfig(f func(*node.Config)) Option {
	return func(o *options) { o.configure = append(o.configure, f) }
}

// WithLogger sends the node's log to logger; by default it is discarded.
func WithLogger(logger *slog.Logger) Option { return func(o *options) { o.logger = logger } }

// Start opens and runs a meterd and stops it with t.Cleanup, failing the
// test if it does not start or does not shut down cleanly.
func Start(t testing.TB, opts ...Option) *Server {
	t.Helper()
	opts = append(opts, withTestStore(t))
	s, err := Run(t.TempDir(), opts...)
	if err != nil {
		t.Fatalf("meterdtest: %v", err)
	}
	t.Cleanup(func() {
		if err := s.Close(); err != nil {
			t.Errorf("meterdtest: shutdown: %v", err)
		}
	})
	return s
}

// withTestStore applies EnvStore, last, once the data directory is known:
// a node restarted on the same data directory finds the same database.
func withTestStore(t testing.TB) Option {
	return func(o *options) {
		switch os.Getenv(EnvStore) {
		case "", "sqlite":
			return
		case "postgres":
		default:
			t.Fatalf("meterdtest: %s=%q: want sqlite or postgres", EnvStore, os.Getenv(EnvStore))
		}
		o.configure = append(o.configure, func(c *node.Config) {
			if !o.sqlite && c.Store == "" {
				c.Store = pgtest.URLFor(t, c.DataDir)
			}
		})
	}
}

// Run opens and runs a meterd with its data directory in dir, for code
// that has no testing.TB: a TestMain that shares one meterd among a
// package's tests, or an example. Stop it with Close.
func Run(dir string, opts ...Option) (*Server, error) {
	var o options
	for _, opt := range opts {
		opt(&o)
	}
	cfg := node.DefaultConfig()
	cfg.Addr = "127.0.0.1:0"
	cfg.DataDir = dir
	cfg.SeedFile = o.seedFile
	for _, f := range o.configure {
		f(&cfg)
	}
	n, err := node.Open(context.Background(), cfg, o.logger)
	if err != nil {
		return nil, err
	}
	ctx, cancel := context.WithCancel(context.Background())
	s := &Server{URL: n.URL(), DataDir: cfg.DataDir, AdminToken: n.AdminToken(), Node: n,
		stop: cancel, done: make(chan error, 1)}
	s.Seller, s.Buyer = roles(n.Catalog())
	go func() { s.done <- n.Run(ctx) }()
	return s, nil
}

// Close stops the server and waits until it has shut down, e.g. to
// restart on the same data directory before the test ends; later calls
// return the first one's result.
func (s *Server) Close() error {
	s.closing.Do(func() {
		s.stop()
		s.closeErr = <-s.done
	})
	return s.closeErr
}

// roles picks a seller's and a buyer's access key from c.
func roles(c *meterd.Catalog) (seller, buyer Credentials) {
	var sellers, buyers []string
	for _, p := range c.Products {
		sellers = append(sellers, p.SellerAccountID)
	}
	for _, cu := range c.Customers {
		buyers = append(buyers, cu.AWSAccountID)
	}
	for _, k := range c.AccessKeys {
		creds := Credentials{AccessKeyID: k.ID, SecretAccessKey: k.Secret, AccountID: k.AccountID}
		if seller.AccessKeyID == "" && slices.Contains(sellers, k.AccountID) {
			seller = creds
		}
		if buyer.AccessKeyID == "" && slices.Contains(buyers, k.AccountID) {
			buyer = creds
		}
	}
	return seller, buyer
}
