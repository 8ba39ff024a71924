package node

import (
	"net"
	"strings"

	"github.com/meterd/meterd"
	"github.com/meterd/meterd/notify"
	"github.com/meterd/meterd/server"
)

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

// Notifier is the node's notifier, nil when the ledger keeps no Outbox.
func (n *Node) Notifier() *notify.Notifier { return n.notifier }
