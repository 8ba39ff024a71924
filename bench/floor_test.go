package bench

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"sync"
	"testing"
	"time"
)

// TestFloorAnswers: the floor does the unavoidable work for real, so bad
// requests get meterd's exact AWS errors.
func TestFloorAnswers(t *testing.T) {
	f := NewFixture(testBuyers)
	url := startFloor(t, f, false)
	s := newSender(Config{URL: url, Concurrency: 1, Region: "us-east-1"})
	defer s.close()
	ts := time.Now().UTC().Truncate(time.Hour)
	good := meterUsageCall(f.Buyers[0].Key, ProductAMI, "dim00", ts, 1)
	tests := []struct {
		name string
		call call
		want string // error type, "" for success
	}{
		{"OK MeterUsage", good, ""},
		{"OK GetEntitlements in CBOR", call{path: cborEntitlements, body: []byte("\xa1\x6bProductCode\x61p"), key: f.Seller}, ""},
		{"ErrUnknownKey", withKey(good, Key{ID: "NOBODY", Secret: "x"}), "UnrecognizedClientException"},
		// Another key than good's: the signer caches the key it derives
		// from a secret by key id.
		{"ErrWrongSecret", withKey(good, Key{ID: f.Buyers[1].Key.ID, Secret: "wrong"}), "InvalidSignatureException"},
		{"ErrNotJSON", withBody(good, "{"), "SerializationException"},
		{"ErrMissingProductCode", withBody(good, `{"UsageDimension":"d","Timestamp":1}`), "ValidationException"},
		{"ErrUnknownOperation", call{target: meteringTarget + "Nope", path: "/", body: []byte("{}"), key: f.Seller}, "UnknownOperationException"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := s.send(context.Background(), tt.call).errType; got != tt.want {
				t.Fatalf("error %q, want %q", got, tt.want)
			}
		})
	}
}

func withKey(c call, k Key) call { c.key = k; return c }

func withBody(c call, body string) call { c.body = []byte(body); return c }

// TestFloorAppends: the durable floor has written every record it answered
// before it answered.
func TestFloorAppends(t *testing.T) {
	f := NewFixture(testBuyers)
	dir := t.TempDir()
	fl, err := NewFloor(FloorConfig{Fixture: f, AppendFile: filepath.Join(dir, "records.tsv")})
	if err != nil {
		t.Fatal(err)
	}
	defer fl.Close()
	s := newSender(Config{URL: "http://floor", Concurrency: 1, Region: "us-east-1"})
	g := &generator{fixture: f, batchHours: batchHoursAt(time.Now()), slots: newSlots(1000, newWorker(0).rng)}
	for n := range uint64(3) {
		c := buildBatch(g, nil, n)
		req, err := s.request(context.Background(), c)
		if err != nil {
			t.Fatal(err)
		}
		out, _ := fl.serve(req, 0)
		if out == nil {
			t.Fatalf("batch %d refused", n)
		}
	}
	data, err := os.ReadFile(filepath.Join(dir, "records.tsv"))
	if err != nil || bytes.Count(data, []byte("\n")) != 3*batchSize {
		t.Fatalf("%d lines (%v), want %d", bytes.Count(data, []byte("\n")), err, 3*batchSize)
	}
}

// TestAppender: concurrent appends all land in the file, and an append
// after close fails rather than hangs.
func TestAppender(t *testing.T) {
	path := filepath.Join(t.TempDir(), "a")
	a, err := openAppender(path)
	if err != nil {
		t.Fatal(err)
	}
	var wg sync.WaitGroup
	for range 50 {
		wg.Go(func() {
			if err := a.append(context.Background(), []byte("line\n")); err != nil {
				t.Error(err)
			}
		})
	}
	wg.Wait()
	if err := a.close(); err != nil {
		t.Fatal(err)
	}
	if data, _ := os.ReadFile(path); string(data) != string(bytes.Repeat([]byte("line\n"), 50)) {
		t.Fatalf("file holds %q", data)
	}
	if err := a.append(context.Background(), []byte("late\n")); err != errAppenderClosed {
		t.Fatalf("append after close: %v", err)
	}
}
