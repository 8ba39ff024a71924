package node

import (
	"context"
	"net"
	"strings"
	"sync"

	"github.com/meterd/meterd"
	"github.com/meterd/meterd/notify"
	"github.com/meterd/meterd/server"
)

// notifierRun is the notifier's worker: started by Run, stopped by
// shutdown before the ledger closes.
type notifierRun struct {
	mu      sync.Mutex
	stopped bool
	cancel  context.CancelFunc
	done    chan struct{}
}

// newNotifier builds the notifier of outbox (the ledger, when it keeps
// one). The SNS signing key is made on first use, not here.
func (n *Node) newNotifier(outbox meterd.Outbox, clock meterd.Clock) *notify.Notifier {
	base := n.publicURL()
	cfg := notify.DefaultConfig()
	cfg.CertURL = base + server.PathSNSCertificate
	cfg.ConfirmURL = base + server.PathSNSConfirm
	cfg.UnsubscribeURL = base + server.PathSNSUnsubscribe
	cfg.DataDir = n.cfg.DataDir
	cfg.RetryBase = n.cfg.NotifyRetry
	return notify.New(outbox, clock, n.store, cfg, n.logger)
}

// publicURL is Config.PublicURL, or the listen address with 127.0.0.1
// for an unspecified host (":4599" listens on every interface).
func (n *Node) publicURL() string {
	if n.cfg.PublicURL != "" {
		return strings.TrimRight(n.cfg.PublicURL, "/")
	}
	host, port, err := net.SplitHostPort(n.listener.Addr().String())
	if err != nil {
		return n.URL()
	}
	if ip := net.ParseIP(host); ip == nil || ip.IsUnspecified() {
		host = "127.0.0.1"
	}
	return "http://" + net.JoinHostPort(host, port)
}

// startNotifier runs the notifier, unless there is none or shutdown came
// first.
func (n *Node) startNotifier() {
	if n.notifier == nil {
		return
	}
	w := &n.notifierRun
	w.mu.Lock()
	defer w.mu.Unlock()
	if w.stopped {
		return
	}
	ctx, cancel := context.WithCancel(context.Background())
	w.cancel, w.done = cancel, make(chan struct{})
	go func() {
		defer close(w.done)
		if err := n.notifier.Run(ctx); err != nil {
			n.logger.Error("notifier stopped", meterd.LogKeyError, err)
		}
	}()
}

// stopNotifier stops the worker and waits for it: deliveries in flight
// are abandoned unrecorded and stay due for the next start.
func (n *Node) stopNotifier() {
	w := &n.notifierRun
	w.mu.Lock()
	w.stopped = true
	cancel, done := w.cancel, w.done
	w.mu.Unlock()
	if cancel != nil {
		cancel()
		<-done
	}
}

// Notifier is the node's notifier, nil when the ledger keeps no Outbox.
func (n *Node) Notifier() *notify.Notifier { return n.notifier }
