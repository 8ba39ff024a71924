package notify

import (
	"context"
	"errors"
	"log/slog"
	"math/rand/v2"
	"net/http"
	"path/filepath"
	"sync"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/google/uuid"
	"github.com/meterd/meterd"
)

// Config tunes the notifier.
type Config struct {
	// CertURL, ConfirmURL and UnsubscribeURL are where subscribers reach
	// meterd's public SNS routes: the envelopes' SigningCertURL, and the
	// bases of SubscribeURL and UnsubscribeURL (their query is added).
	CertURL, ConfirmURL, UnsubscribeURL string
	// DataDir keeps the signing key and the SNS subscriptions; "" keeps
	// them in memory (tests).
	DataDir string
	// RetryBase is the first retry's delay; each failure doubles it, up
	// to RetryCap. The delay actually used is between half of it and all
	// of it (jitter), so that failed deliveries do not retry in step.
	RetryBase, RetryCap time.Duration
	// Timeout bounds one attempt (SNS waits 15 s for an HTTP endpoint).
	Timeout time.Duration
	// Poll is how often the outbox is read when nothing wakes the worker.
	Poll time.Duration
	// Batch is how many due deliveries one poll takes, all delivered at
	// once: their (product, customer, target) are distinct, so order
	// holds.
	Batch int
	// Credentials sign SQS and EventBridge calls; nil uses
	// AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY (and AWS_SESSION_TOKEN)
	// when set, else a dummy key, which local servers accept.
	Credentials aws.CredentialsProvider
}

// DefaultConfig is the notifier's configuration but its URLs and DataDir.
func DefaultConfig() Config {
	return Config{RetryBase: time.Second, RetryCap: 10 * time.Minute, Timeout: 15 * time.Second, Poll: time.Second, Batch: 64}
}

// Notifier delivers the Outbox's due deliveries, records each attempt and
// schedules retries. Run is its worker.
type Notifier struct {
	outbox   meterd.Outbox
	clock    meterd.Clock
	products meterd.CatalogReader // the seller account of EventBridge events; may be nil
	cfg      Config
	log      *slog.Logger
	signer   *Signer
	subs     *subscriptions
	http     *http.Client
	wake     chan struct{}
	// jitter returns a factor in [0.5, 1]; tests fix it.
	jitter func() float64
}

// New returns a notifier of outbox. products, when not nil, gives the
// seller account of EventBridge events. The business clock schedules
// deliveries; a nil logger discards.
func New(outbox meterd.Outbox, clock meterd.Clock, products meterd.CatalogReader, cfg Config, logger *slog.Logger) *Notifier {
	n := &Notifier{
		outbox: outbox, clock: clock, products: products, cfg: cfg, log: meterd.LoggerOrDiscard(logger),
		signer: NewSigner(dataPath(cfg.DataDir, SigningKeyFile)),
		subs:   &subscriptions{path: dataPath(cfg.DataDir, SubscriptionsFile)},
		wake:   make(chan struct{}, 1),
		jitter: func() float64 { return 0.5 + rand.Float64()/2 },
	}
	n.http = &http.Client{
		Timeout:       cfg.Timeout,
		CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse },
	}
	return n
}

func dataPath(dir, name string) string {
	if dir == "" {
		return ""
	}
	return filepath.Join(dir, name)
}

// CertURL is the SigningCertURL of meterd's envelopes.
func (n *Notifier) CertURL() string { return n.cfg.CertURL }

// CertificatePEM is the signing certificate, made on first use.
func (n *Notifier) CertificatePEM() ([]byte, error) { return n.signer.CertificatePEM() }

// ConfirmSubscription confirms the subscription of topic with token, as
// the SubscribeURL does, and wakes the worker so that what waited for it
// goes out at once.
func (n *Notifier) ConfirmSubscription(topic, token string) (string, error) {
	arn, err := n.subs.confirm(topic, token)
	if err == nil {
		n.Wake()
	}
	return arn, err
}

// Unsubscribe forgets the subscription with arn: later deliveries to its
// endpoint wait for a new confirmation (meterd never drops a
// notification).
func (n *Notifier) Unsubscribe(arn string) error { return n.subs.unsubscribe(arn) }

// Wake makes the worker read the outbox now, e.g. after a change that
// wrote deliveries.
func (n *Notifier) Wake() {
	select {
	case n.wake <- struct{}{}:
	default:
	}
}

// Run delivers until ctx is done. Deliveries in flight when ctx ends are
// not recorded: they are due again after a restart (at least once).
func (n *Notifier) Run(ctx context.Context) error {
	timer := time.NewTimer(0)
	defer timer.Stop()
	for {
		select {
		case <-ctx.Done():
			return nil
		case <-timer.C:
		case <-n.wake:
		}
		for {
			got, err := n.Tick(ctx)
			if err != nil && ctx.Err() == nil {
				n.log.Warn("notify: read outbox", meterd.LogKeyError, err)
			}
			if err != nil || got < n.cfg.Batch {
				break
			}
		}
		timer.Reset(n.cfg.Poll)
	}
}

// Tick delivers the deliveries due now, at once, and records every
// attempt. It returns how many were due.
func (n *Notifier) Tick(ctx context.Context) (int, error) {
	due, err := n.outbox.DueDeliveries(ctx, n.clock.Now(), n.cfg.Batch)
	if err != nil {
		return 0, err
	}
	var wg sync.WaitGroup
	for _, d := range due {
		wg.Go(func() { n.attempt(ctx, d) })
	}
	wg.Wait()
	return len(due), ctx.Err()
}

// attempt delivers d once and records the attempt with its next time.
func (n *Notifier) attempt(ctx context.Context, d meterd.Delivery) {
	actx, cancel := context.WithTimeout(ctx, n.cfg.Timeout)
	start := time.Now()
	out := n.deliver(actx, d)
	latency := time.Since(start)
	cancel()
	if ctx.Err() != nil {
		return // shutting down: the delivery stays due
	}
	at := n.clock.Now()
	a := meterd.DeliveryAttempt{DeliveryID: d.ID, At: at, Latency: latency, StatusCode: out.status}
	next := time.Time{}
	if out.err != nil {
		a.Error = attemptError(out.err)
		next = at.Add(n.Backoff(d.Attempts + 1))
		n.log.Info("notify: delivery failed", meterd.LogKeyProduct, d.Event.ProductCode,
			meterd.LogKeyStatus, out.status, meterd.LogKeyError, a.Error)
	}
	if err := n.outbox.RecordAttempt(ctx, a, next); err != nil && ctx.Err() == nil {
		n.log.Error("notify: record attempt", meterd.LogKeyError, err)
	}
}

// attemptError is the text recorded for err; a timeout says so plainly.
func attemptError(err error) string {
	if errors.Is(err, context.DeadlineExceeded) {
		return "timed out: " + err.Error()
	}
	return err.Error()
}

// Backoff is the delay after the attempts-th failed attempt: RetryBase
// doubled attempts-1 times, at most RetryCap, times the jitter.
func (n *Notifier) Backoff(attempts int) time.Duration {
	d := n.cfg.RetryBase
	for i := 1; i < attempts && d < n.cfg.RetryCap; i++ {
		d *= 2
	}
	d = min(d, n.cfg.RetryCap)
	return time.Duration(float64(d) * n.jitter())
}

// seller is the seller account of product, or "" when unknown.
func (n *Notifier) seller(ctx context.Context, product string) string {
	if n.products == nil {
		return ""
	}
	p, err := n.products.FindProduct(ctx, product)
	if err != nil {
		return ""
	}
	return p.SellerAccountID
}

func newID() string { return uuid.NewString() }
