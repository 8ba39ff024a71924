package server_test

import (
	"fmt"
	"net"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/meterd/meterd"
	"github.com/meterd/meterd/server"
)

func TestLimitsValidate(t *testing.T) {
	tests := []struct {
		name   string
		change func(*server.Limits)
		want   string // substring of the error; "" for valid
	}{
		{"OK defaults", func(*server.Limits) {}, ""},
		{"OK no connection cap", func(l *server.Limits) { l.MaxConns = 0 }, ""},
		{"OK no wait for buffer room", func(l *server.Limits) { l.BufferWait = 0 }, ""},
		{"ErrNegativeMaxConns", func(l *server.Limits) { l.MaxConns = -1 }, "max conns"},
		{"ErrBufferBelowOneRequest", func(l *server.Limits) { l.MaxBufferedBytes = 1 << 20 }, "max buffered bytes"},
		{"ErrNegativeBufferWait", func(l *server.Limits) { l.BufferWait = -time.Second }, "buffer wait"},
		{"ErrNoBodyReadTimeout", func(l *server.Limits) { l.BodyReadTimeout = 0 }, "body read timeout"},
		{"ErrNoReadHeaderTimeout", func(l *server.Limits) { l.ReadHeaderTimeout = 0 }, "read header timeout"},
		{"ErrNoMaxHeaderBytes", func(l *server.Limits) { l.MaxHeaderBytes = 0 }, "max header bytes"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			l := server.DefaultLimits()
			tt.change(&l)
			err := l.Validate()
			switch {
			case tt.want == "" && err != nil:
				t.Fatalf("got %v, want valid", err)
			case tt.want != "" && (err == nil || !strings.Contains(err.Error(), tt.want)):
				t.Fatalf("got %v, want an error about %q", err, tt.want)
			}
		})
	}
}

// TestGuardBuffer: stalled clients over real TCP hold no more body bytes
// than the budget, those beyond it get AWS's error at once, and a signed
// request from a real SDK is served meanwhile. The bound is checked by
// counting reserved bytes, never by timing.
func TestGuardBuffer(t *testing.T) {
	const justUnder = 1<<20 - 1
	budget := int64(4<<20 + 64<<10) // four bodies just under 1 MiB, and room for small requests
	tests := []struct {
		name         string
		clients      int
		shape        bodyShape
		wantBuffered int64 // held by the stalled clients once all are in
		wantRefused  int
		wantStatus   int
		wantCode     string
		wantMessage  string
	}{
		{name: "OK bodies beyond the budget are throttled", clients: 10,
			shape:        bodyShape{contentLength: justUnder, send: justUnder - 1},
			wantBuffered: 4 * justUnder, wantRefused: 6,
			wantStatus: http.StatusBadRequest, wantCode: meterd.EThrottling, wantMessage: "Rate exceeded"},
		{name: "OK chunked bodies reserve a chunk at a time", clients: 6,
			shape:        bodyShape{contentLength: -1, send: 512 << 10},
			wantBuffered: 6 * (512<<10 + 64<<10)},
		{name: "ErrContentLengthOverLimitIsRefusedUnread", clients: 10,
			shape:       bodyShape{contentLength: 1<<20 + 1},
			wantRefused: 10, wantStatus: http.StatusBadRequest, wantCode: meterd.EValidation,
			wantMessage: "1 validation error detected: Request payload size exceeds the limit of 1048576 bytes"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			l := server.DefaultLimits()
			l.MaxBufferedBytes = budget
			l.BufferWait = 0              // refuse at once, so the outcome does not depend on timing
			l.BodyReadTimeout = time.Hour // the stalled clients stay stalled
			ts, g := startGuarded(t, l)
			clients := make([]*stalledClient, tt.clients)
			for i := range clients {
				clients[i] = stall(t, ts.Listener.Addr().String(), tt.shape)
			}
			var answers []awsAnswer
			waitFor(t, func() bool {
				answers = append(answers, received(clients)...)
				return len(answers) == tt.wantRefused && g.Stats().Buffered == tt.wantBuffered
			}, func() string { return fmt.Sprintf("%d answers %v, %+v", len(answers), answers, g.Stats()) })
			for _, a := range answers {
				if a.status != tt.wantStatus || a.code != tt.wantCode || a.message != tt.wantMessage {
					t.Errorf("answer %+v, want %d %s %q", a, tt.wantStatus, tt.wantCode, tt.wantMessage)
				}
			}
			if err := meterAMI(t, meteringClient(ts.URL, buyerCreds)); err != nil {
				t.Errorf("signed MeterUsage while clients stall: %v", err)
			}
			if st := g.Stats(); st.PeakBuffered > budget {
				t.Errorf("peak %d bytes buffered, budget %d", st.PeakBuffered, budget)
			}
			for _, c := range clients {
				c.conn.Close()
			}
			waitFor(t, func() bool { return g.Stats().Buffered == 0 },
				func() string { return fmt.Sprintf("not released: %+v", g.Stats()) })
		})
	}
}

// TestGuardBodyReadTimeout: a client that stalls mid-body is cut off by
// BodyReadTimeout and gives its bytes back.
func TestGuardBodyReadTimeout(t *testing.T) {
	l := server.DefaultLimits()
	l.BodyReadTimeout = 50 * time.Millisecond
	ts, g := startGuarded(t, l)
	c := stall(t, ts.Listener.Addr().String(), bodyShape{contentLength: 1000, send: 10})
	a := <-c.answer
	if a.status != http.StatusBadRequest || a.code != meterd.ESerialization || a.message != "Could not read the request body." {
		t.Errorf("got %+v, want 400 SerializationException", a)
	}
	waitFor(t, func() bool { return g.Stats().Buffered == 0 },
		func() string { return fmt.Sprintf("not released: %+v", g.Stats()) })
	if st := g.Stats(); st.PeakBuffered != 1000 {
		t.Errorf("peak %d bytes buffered, want the 1000 announced", st.PeakBuffered)
	}
}

// TestGuardConnections: with MaxConns connections stalled in their headers,
// a signed request waits for a slot instead of opening one more connection,
// and is served once ReadHeaderTimeout frees one.
func TestGuardConnections(t *testing.T) {
	l := server.DefaultLimits()
	l.MaxConns = 3
	l.ReadHeaderTimeout = 100 * time.Millisecond
	ts, g := startGuarded(t, l)
	for range l.MaxConns {
		conn, err := net.Dial("tcp", ts.Listener.Addr().String())
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { conn.Close() })
		if _, err := conn.Write([]byte("POST / HTTP/1.1\r\nHost: meterd.test\r\n")); err != nil {
			t.Fatal(err)
		}
	}
	waitFor(t, func() bool { return g.Stats().Conns == int64(l.MaxConns) },
		func() string { return fmt.Sprintf("%+v", g.Stats()) })
	if err := meterAMI(t, meteringClient(ts.URL, buyerCreds)); err != nil {
		t.Fatalf("signed MeterUsage: %v", err)
	}
	if st := g.Stats(); st.PeakConns > int64(l.MaxConns) {
		t.Errorf("peak %d connections, cap %d", st.PeakConns, l.MaxConns)
	}
}
