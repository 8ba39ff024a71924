package node

import (
	"context"
	"net"
	"testing"
	"time"
)

// A MeterUsage sent as soon as the port accepts connections, while the
// node is still starting (ledger, seed, audit trail), waits and is
// answered as a started node answers it: the port is bound early, but
// nothing is read from it before the node is ready.
func TestRequestDuringStartUpIsAnswered(t *testing.T) {
	cfg := testConfig(t)
	free, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	cfg.Addr = free.Addr().String()
	free.Close()
	ctx, cancel := context.WithCancel(context.Background())
	ran := make(chan error, 1)
	go func() {
		n, err := Open(ctx, cfg, nil)
		if err != nil {
			ran <- err
			return
		}
		ran <- n.Run(ctx)
	}()
	defer func() {
		cancel()
		if err := <-ran; err != nil {
			t.Errorf("node: %v", err)
		}
	}()
	for deadline := time.Now().Add(30 * time.Second); ; time.Sleep(time.Millisecond) {
		conn, err := net.Dial("tcp", cfg.Addr)
		if err == nil {
			conn.Close()
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("the port never accepted: %v", err)
		}
	}
	if err := meterUsage("http://" + cfg.Addr); err != nil {
		t.Fatalf("MeterUsage during start-up: %v", err)
	}
}
