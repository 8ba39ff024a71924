package server_test

import (
	"context"
	"net/http"
	"net/http/httptest"
	"testing"

	"github.com/meterd/meterd"
	"github.com/meterd/meterd/audit"
	"github.com/meterd/meterd/seed"
	"github.com/meterd/meterd/store/sqlite/sqlitetest"
)

// FuzzUsageQuery sends arbitrary query strings to the usage routes: a bad
// filter, period, grouping, format or cursor is refused with a 4xx, never a
// 500 or a panic.
//
//	go test -run=^$ -fuzz=FuzzUsageQuery -fuzztime=60s ./server
func FuzzUsageQuery(f *testing.F) {
	paths := []string{"/admin/v1/usage", "/admin/v1/usage/sum", "/admin/v1/usage/export"}
	for _, s := range []struct {
		path  uint8
		query string
	}{
		{0, "productCode=demo-saas&customer=demo-customer&maxResults=2"},
		{0, "outcome=rejected&nextToken=eyJ0IjoxLCJlIjoiZSIsImkiOjB9"},
		{0, "nextToken=dTEw&test=true&usageStart=2026-01-02T15:04:05Z"},
		{1, "per=month&by=customer,dimension,tag&tagKey=team&tagValue=a"},
		{1, "per=day&outcome=duplicate&receivedEnd=2026-01-02T15:04:05.5Z"},
		{2, "format=jsonl&licenseArn=arn:x&dimension=users"},
	} {
		f.Add(s.path, s.query)
	}
	s := newServer(f, nil)
	s.Usage = sqlitetest.Open(f, seed.Demo())
	s.Audit = audit.New(sqlitetest.OpenAudit(f), meterd.SystemClock{}, audit.Config{}, nil)
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- s.Audit.Run(ctx) }()
	f.Cleanup(func() { cancel(); <-done })
	handler := s.Handler()
	f.Fuzz(func(t *testing.T, route uint8, query string) {
		path := paths[int(route)%len(paths)]
		req, err := http.NewRequest(http.MethodGet, "http://meterd.test"+path, http.NoBody)
		if err != nil {
			t.Skip()
		}
		req.URL.RawQuery = query
		req.Header.Set("Authorization", "Bearer "+adminToken)
		rec := httptest.NewRecorder()
		handler.ServeHTTP(rec, req)
		if rec.Code >= 500 {
			t.Fatalf("%s?%s: %d %s", path, query, rec.Code, rec.Body)
		}
	})
}
