package server

import (
	"context"
	"errors"
	"net"
	"runtime"
	"testing"
	"time"
)

func TestBudget(t *testing.T) {
	tests := []struct {
		name     string
		held     int64 // reserved by others first
		n        int64
		wait     time.Duration
		releases []int64 // released by others once the reserve waits
		want     bool
	}{
		{name: "OK fits", held: 60, n: 40, want: true},
		{name: "ErrFullWithoutWait", held: 61, n: 40},
		{name: "ErrLargerThanTheBudgetFailsAtOnce", n: 101, wait: time.Hour},
		{name: "OK waits for a release", held: 100, n: 40, wait: time.Hour, releases: []int64{40}, want: true},
		{name: "OK small releases add up", held: 100, n: 40, wait: time.Hour, releases: []int64{10, 10, 10, 10}, want: true},
		{name: "ErrWaitEnds", held: 100, n: 40, wait: time.Millisecond},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			b := newBudget(100)
			if !b.reserve(t.Context(), tt.held, 0) {
				t.Fatalf("could not hold %d", tt.held)
			}
			done := make(chan bool)
			go func() { done <- b.reserve(t.Context(), tt.n, tt.wait) }()
			left := tt.held
			for _, r := range tt.releases {
				for b.waiters.Load() == 0 {
					runtime.Gosched()
				}
				b.release(r)
				left -= r
			}
			got := <-done
			if got != tt.want {
				t.Fatalf("reserve(%d) with %d held: %v, want %v", tt.n, tt.held, got, tt.want)
			}
			want := left
			if got {
				want += tt.n
			}
			if used, peak := b.stats(); used != want || peak > 100 {
				t.Fatalf("used %d, peak %d; want %d used", used, peak, want)
			}
		})
	}
}

// TestBudgetRelease: a release replaces the channel waiters watch only
// when a reservation failed since the last release, so that one nobody
// waits for costs no channel.
func TestBudgetRelease(t *testing.T) {
	tests := []struct {
		name        string
		failFirst   bool
		wantReplace bool
	}{
		{name: "OK nobody failed, channel kept"},
		{name: "OK a reservation failed, channel closed and replaced", failFirst: true, wantReplace: true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			b := newBudget(100)
			b.reserve(t.Context(), 100, 0)
			if tt.failFirst && b.reserve(t.Context(), 1, 0) {
				t.Fatal("reserved on a full budget")
			}
			before := b.freed
			b.release(100)
			if replaced := b.freed != before; replaced != tt.wantReplace {
				t.Fatalf("channel replaced %v, want %v", replaced, tt.wantReplace)
			}
			select {
			case <-before:
				if !tt.wantReplace {
					t.Fatal("closed the channel with nobody waiting")
				}
			default:
				if tt.wantReplace {
					t.Fatal("left a waiter's channel open")
				}
			}
		})
	}
}

func TestBudgetContext(t *testing.T) {
	b := newBudget(100)
	b.reserve(t.Context(), 100, 0)
	ctx, cancel := context.WithCancel(t.Context())
	cancel()
	if b.reserve(ctx, 1, time.Hour) {
		t.Fatal("reserved on a full budget after the request ended")
	}
}

// TestGuardedListenerClose: closing the listener ends an Accept that waits
// for a slot, so that http.Server.Shutdown returns.
func TestGuardedListenerClose(t *testing.T) {
	inner, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	l := DefaultLimits()
	l.MaxConns = 1
	ln := NewGuard(l).Listener(inner)
	client, err := net.Dial("tcp", inner.Addr().String())
	if err != nil {
		t.Fatal(err)
	}
	defer client.Close()
	conn, err := ln.Accept()
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	accepted := make(chan error)
	go func() {
		_, err := ln.Accept() // waits: the only slot is taken
		accepted <- err
	}()
	ln.Close()
	if err := <-accepted; !errors.Is(err, net.ErrClosed) {
		t.Fatalf("Accept after Close: %v, want net.ErrClosed", err)
	}
}
