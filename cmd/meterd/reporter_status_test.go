package main

import (
	"bytes"
	"context"
	"io"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/meterd/meterd/reporter"
)

// TestReporterStatus runs a reporter against meterd, then reads its spool
// with `meterd reporter status`, as text and as JSON.
func TestReporterStatus(t *testing.T) {
	s := startServer(t, "")
	spool := filepath.Join(t.TempDir(), "spool.db")
	r, err := reporter.Open(context.Background(), reporter.Config{
		Client:      s.metering(sellerKey, "us-east-1"),
		ProductCode: "demo-saas",
		Spool:       spool,
	})
	if err != nil {
		t.Fatal(err)
	}
	defer r.Close()
	ctx := context.Background()
	past := time.Now().Add(-2 * time.Hour)
	for _, c := range []string{"demo-customer", "nobody"} {
		if err := r.Record(ctx, reporter.CustomerID(c), "users", 2, past); err != nil {
			t.Fatal(err)
		}
	}
	if err := r.Record(ctx, reporter.CustomerID("demo-customer"), "users", 5, time.Now()); err != nil {
		t.Fatal(err)
	}
	if err := r.Flush(ctx); err != nil {
		t.Fatal(err)
	}

	var text bytes.Buffer
	if err := run(ctx, []string{"reporter", "status", spool}, &text, io.Discard, noEnv); err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{"open: 1 records, quantity 5", "answered: Failed=1 Success=1", "InvalidCustomerIdentifierException"} {
		if !strings.Contains(text.String(), want) {
			t.Errorf("text output lacks %q:\n%s", want, text.String())
		}
	}
	var js bytes.Buffer
	if err := run(ctx, []string{"reporter", "status", "--json", spool}, &js, io.Discard, noEnv); err != nil {
		t.Fatal(err)
	}
	assertJSONLine(t, js.String(), []string{"customers", "openQuantity", "openRecords", "pendingBatches", "pendingRecords", "results"})
}
