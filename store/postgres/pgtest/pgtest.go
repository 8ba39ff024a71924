// Package pgtest gives tests a PostgreSQL database of their own (test
// helper).
//
// With METERD_TEST_POSTGRES set to a URL, tests use that server. Otherwise,
// when Debian's PostgreSQL 15 server binaries are installed, the first test
// that asks starts a throwaway server in a temporary directory (as the
// postgres user when the tests run as root, since initdb refuses root),
// shared by the whole test binary. Without either, tests skip, unless
// METERD_REQUIRE_POSTGRES=1 (CI), where they fail.
//
// Each test gets a new database. A package that uses pgtest calls Main from
// its TestMain so that the servers it started stop when the binary ends:
//
//	func TestMain(m *testing.M) { os.Exit(pgtest.Main(m)) }
//
// The server is also told to stop should the test process die first.
package pgtest

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/url"
	"os"
	"os/exec"
	"os/user"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
)

// Environment variables.
const (
	// EnvURL names a server to use instead of starting one: a URL of a
	// role allowed to create databases.
	EnvURL = "METERD_TEST_POSTGRES"
	// EnvRequire=1 turns a skip for want of PostgreSQL into a failure.
	EnvRequire = "METERD_REQUIRE_POSTGRES"
)

// BinDir holds the server binaries of Debian's postgresql-15 package.
const BinDir = "/usr/lib/postgresql/15/bin"

var (
	sharedOnce sync.Once
	shared     *Server
	sharedURL  string
	sharedErr  error

	mu      sync.Mutex
	started []*Server // every server this binary started, for Main

	dbSeq atomic.Int64
)

// Main runs the tests and stops every server they started.
func Main(m *testing.M) int {
	code := m.Run()
	mu.Lock()
	defer mu.Unlock()
	for _, s := range started {
		if err := s.Stop(); err != nil {
			fmt.Fprintln(os.Stderr, "pgtest:", err)
		}
		os.RemoveAll(s.dir)
	}
	return code
}

// URL returns the URL of a new, empty database for tb, dropped when tb ends
// on an external server (a throwaway server is deleted whole).
func URL(tb testing.TB) string {
	tb.Helper()
	base := serverURL(tb)
	name := fmt.Sprintf("meterd_test_%d_%d", os.Getpid(), dbSeq.Add(1))
	if err := adminExec(tb.Context(), base, "CREATE DATABASE "+name); err != nil {
		tb.Fatalf("pgtest: create database: %v", err)
	}
	if shared == nil { // an external server: leave it as it was
		tb.Cleanup(func() {
			ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
			defer cancel()
			if err := adminExec(ctx, base, "DROP DATABASE IF EXISTS "+name+" WITH (FORCE)"); err != nil {
				tb.Logf("pgtest: drop database %s: %v", name, err)
			}
		})
	}
	return withDatabase(base, name)
}

var (
	keyedMu sync.Mutex
	keyed   = map[string]string{} // key → database URL
)

// URLFor returns the URL of the database of key (a data directory), made
// empty on first use: a node reopened on the same data directory finds
// its ledger again.
func URLFor(tb testing.TB, key string) string {
	tb.Helper()
	keyedMu.Lock()
	defer keyedMu.Unlock()
	if u, ok := keyed[key]; ok {
		return u
	}
	u := URL(tb)
	keyed[key] = u
	return u
}

// serverURL is the URL of the shared server's maintenance database,
// starting the server on first use, or skips tb.
func serverURL(tb testing.TB) string {
	tb.Helper()
	if u := os.Getenv(EnvURL); u != "" {
		return u
	}
	if _, err := os.Stat(filepath.Join(BinDir, "postgres")); err != nil {
		skip(tb, fmt.Sprintf("no PostgreSQL: set %s to a server URL, or install postgresql-15 (%s)", EnvURL, BinDir))
	}
	sharedOnce.Do(func() {
		shared, sharedErr = start(false)
		if sharedErr == nil {
			sharedURL = shared.URL()
		}
	})
	if sharedErr != nil {
		tb.Fatalf("pgtest: start PostgreSQL: %v", sharedErr)
	}
	return sharedURL
}

// skip skips tb, or fails it when PostgreSQL is required.
func skip(tb testing.TB, why string) {
	tb.Helper()
	if os.Getenv(EnvRequire) == "1" {
		tb.Fatalf("pgtest: %s (%s=1)", why, EnvRequire)
	}
	tb.Skip("pgtest: " + why)
}

// NewServer starts a server of tb's own, which tb may stop and start again
// (fault tests); it is stopped and deleted when tb ends. It needs the
// server binaries: an external server cannot be restarted by a test.
func NewServer(tb testing.TB) *Server {
	tb.Helper()
	if _, err := os.Stat(filepath.Join(BinDir, "postgres")); err != nil {
		skip(tb, "a test that restarts PostgreSQL needs postgresql-15 installed ("+BinDir+")")
	}
	s, err := start(true)
	if err != nil {
		tb.Fatalf("pgtest: start PostgreSQL: %v", err)
	}
	tb.Cleanup(func() {
		if err := s.Stop(); err != nil {
			tb.Error(err)
		}
		os.RemoveAll(s.dir)
	})
	return s
}

// Server is a throwaway PostgreSQL in a temporary directory.
type Server struct {
	dir     string // data/, sock/, log
	port    int
	durable bool
	cred    *syscall.Credential // nil unless the tests run as root

	mu  sync.Mutex
	cmd *exec.Cmd // nil while stopped
	ran chan struct{}
}

// URL is the server's maintenance database ("postgres") as the superuser.
func (s *Server) URL() string {
	return fmt.Sprintf("postgres://postgres@127.0.0.1:%d/postgres?sslmode=disable", s.port)
}

// Database creates a new database on s and returns its URL.
func (s *Server) Database(tb testing.TB) string {
	tb.Helper()
	name := fmt.Sprintf("meterd_test_%d", dbSeq.Add(1))
	if err := adminExec(tb.Context(), s.URL(), "CREATE DATABASE "+name); err != nil {
		tb.Fatalf("pgtest: create database: %v", err)
	}
	return withDatabase(s.URL(), name)
}

// start initialises a cluster and starts it. durable keeps fsync on (for
// servers that tests stop and start, and benchmarks); the shared test
// server runs without it, since nothing outlives the binary.
func start(durable bool) (*Server, error) {
	removeStale()
	s := &Server{durable: durable}
	var err error
	if s.dir, err = os.MkdirTemp("", "meterd-pgtest-"); err != nil {
		return nil, err
	}
	if err := s.initdb(); err != nil {
		os.RemoveAll(s.dir)
		return nil, err
	}
	if s.port, err = freePort(); err != nil {
		os.RemoveAll(s.dir)
		return nil, err
	}
	if err := s.Start(); err != nil {
		os.RemoveAll(s.dir)
		return nil, err
	}
	mu.Lock()
	started = append(started, s)
	mu.Unlock()
	return s, nil
}

// removeStale deletes the directories of servers that a test binary killed
// before Main ran left behind (their postmaster stopped with it): those an
// hour old whose postmaster.pid names no live process.
func removeStale() {
	dirs, _ := filepath.Glob(filepath.Join(os.TempDir(), "meterd-pgtest-*"))
	for _, dir := range dirs {
		info, err := os.Stat(dir)
		if err != nil || time.Since(info.ModTime()) < time.Hour {
			continue
		}
		pidFile, err := os.ReadFile(filepath.Join(dir, "data", "postmaster.pid"))
		if err == nil {
			line, _, _ := strings.Cut(string(pidFile), "\n")
			if pid, err := strconv.Atoi(line); err == nil && syscall.Kill(pid, 0) == nil {
				continue // still running
			}
		}
		os.RemoveAll(dir)
	}
}

// initdb makes the cluster, owned by the postgres user when running as root.
func (s *Server) initdb() error {
	for _, d := range []string{"data", "sock"} {
		if err := os.Mkdir(filepath.Join(s.dir, d), 0o700); err != nil {
			return err
		}
	}
	if os.Geteuid() == 0 {
		u, err := user.Lookup("postgres")
		if err != nil {
			return fmt.Errorf("running as root, initdb needs the postgres user: %w", err)
		}
		uid, _ := strconv.Atoi(u.Uid)
		gid, _ := strconv.Atoi(u.Gid)
		s.cred = &syscall.Credential{Uid: uint32(uid), Gid: uint32(gid)}
		for _, p := range []string{s.dir, filepath.Join(s.dir, "data"), filepath.Join(s.dir, "sock")} {
			if err := os.Chown(p, uid, gid); err != nil {
				return err
			}
		}
	}
	cmd := s.command("initdb", "-D", filepath.Join(s.dir, "data"), "-A", "trust", "-U", "postgres", "-E", "UTF8",
		"--no-sync", "--locale=C")
	if out, err := cmd.CombinedOutput(); err != nil {
		return fmt.Errorf("initdb: %w: %s", err, out)
	}
	return nil
}

func (s *Server) command(name string, args ...string) *exec.Cmd {
	cmd := exec.Command(filepath.Join(BinDir, name), args...)
	cmd.Dir = s.dir
	cmd.SysProcAttr = &syscall.SysProcAttr{Credential: s.cred}
	return cmd
}

// Start starts the server (again) and waits until it accepts connections.
// The postmaster is a child of this process, told to shut down (SIGINT, a
// fast shutdown) if this process dies without stopping it.
func (s *Server) Start() error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.cmd != nil {
		return errors.New("pgtest: server already running")
	}
	logFile, err := os.OpenFile(filepath.Join(s.dir, "log"), os.O_CREATE|os.O_APPEND|os.O_WRONLY, 0o644)
	if err != nil {
		return err
	}
	defer logFile.Close()
	args := []string{"-D", filepath.Join(s.dir, "data"), "-p", strconv.Itoa(s.port),
		"-k", filepath.Join(s.dir, "sock"), "-c", "listen_addresses=127.0.0.1", "-c", "max_connections=300"}
	if !s.durable {
		args = append(args, "-c", "fsync=off", "-c", "synchronous_commit=off", "-c", "full_page_writes=off")
	}
	cmd := s.command("postgres", args...)
	cmd.Stdout, cmd.Stderr = logFile, logFile
	cmd.SysProcAttr.Pdeathsig = syscall.SIGINT
	if err := cmd.Start(); err != nil {
		return fmt.Errorf("start postgres: %w", err)
	}
	ran := make(chan struct{})
	go func() { cmd.Wait(); close(ran) }()
	if err := waitReady(s.URL(), ran); err != nil {
		cmd.Process.Kill()
		<-ran
		log, _ := os.ReadFile(filepath.Join(s.dir, "log"))
		return fmt.Errorf("%w; server log:\n%s", err, log)
	}
	s.cmd, s.ran = cmd, ran
	return nil
}

// Stop shuts the server down (fast: open transactions are rolled back and
// connections closed) and waits for it to exit. Stopping a stopped server
// does nothing.
func (s *Server) Stop() error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.cmd == nil {
		return nil
	}
	if err := s.cmd.Process.Signal(syscall.SIGINT); err != nil && !errors.Is(err, os.ErrProcessDone) {
		return fmt.Errorf("pgtest: stop: %w", err)
	}
	select {
	case <-s.ran:
	case <-time.After(60 * time.Second):
		s.cmd.Process.Kill()
		<-s.ran
	}
	s.cmd = nil
	return nil
}

// waitReady polls until the server answers a query, or it exits.
func waitReady(u string, ran <-chan struct{}) error {
	deadline := time.Now().Add(60 * time.Second)
	for {
		ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
		err := adminExec(ctx, u, "SELECT 1")
		cancel()
		if err == nil {
			return nil
		}
		select {
		case <-ran:
			return errors.New("postgres exited before accepting connections")
		case <-time.After(50 * time.Millisecond):
		}
		if time.Now().After(deadline) {
			return fmt.Errorf("postgres not ready: %w", err)
		}
	}
}

func adminExec(ctx context.Context, u, sql string) error {
	conn, err := pgx.Connect(ctx, u)
	if err != nil {
		return err
	}
	defer conn.Close(context.Background())
	_, err = conn.Exec(ctx, sql)
	return err
}

// withDatabase replaces the database of URL u.
func withDatabase(u, name string) string {
	p, err := url.Parse(u)
	if err != nil || !strings.HasPrefix(p.Scheme, "postgres") {
		return u // a key=value string: left to the caller's server default
	}
	p.Path = "/" + name
	return p.String()
}

func freePort() (int, error) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return 0, err
	}
	defer l.Close()
	return l.Addr().(*net.TCPAddr).Port, nil
}
