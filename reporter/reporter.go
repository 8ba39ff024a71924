// Package reporter meters usage for an AWS Marketplace product reliably:
// it aggregates usage per customer, dimension and hour in a durable local
// spool, sends each closed hour once with BatchMeterUsage (SaaS) or
// MeterUsage (AMI and container products), and keeps every answer.
//
// It talks to any endpoint through aws-sdk-go-v2's marketplacemetering
// client: AWS by default, or meterd when the client's BaseEndpoint points
// at it. It imports nothing from meterd's server.
//
// The guarantees:
//
//   - Record returns only once the usage is on disk (fsync), so a crash
//     loses nothing Record returned for. Concurrent Records share one
//     commit.
//   - An hour is sealed before it is sent: the exact request is written to
//     the spool first and resent unchanged until AWS answers, so retries
//     after a crash, a timeout or a throttle get the original
//     MeteringRecordIds and never bill twice.
//   - Usage recorded for an hour that is already sealed moves to the first
//     hour that is not (AWS keeps the first quantity of an hour and ignores
//     later ones, so this is the only way it gets billed).
//   - Hours that can no longer be sent (AWS's time window, the month-end
//     cut-off) are kept, marked expired, and reported by Status.
package reporter

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"math"
	"sync"
	"sync/atomic"
	"time"

	"github.com/aws/aws-sdk-go-v2/service/marketplacemetering"
)

// API is the part of the marketplacemetering client the reporter calls;
// *marketplacemetering.Client implements it.
type API interface {
	BatchMeterUsage(ctx context.Context, in *marketplacemetering.BatchMeterUsageInput,
		opts ...func(*marketplacemetering.Options)) (*marketplacemetering.BatchMeterUsageOutput, error)
	MeterUsage(ctx context.Context, in *marketplacemetering.MeterUsageInput,
		opts ...func(*marketplacemetering.Options)) (*marketplacemetering.MeterUsageOutput, error)
}

// Kind says how a product is metered.
type Kind int

const (
	// SaaS products send BatchMeterUsage with a customer per record.
	SaaS Kind = iota
	// Container (and AMI) products send one MeterUsage per dimension and
	// hour for the running task, pod or instance; Customer is ignored.
	Container
)

// Customer names the buyer of a SaaS record: either the CustomerIdentifier
// that ResolveCustomer returned or the buyer's AWS account id.
type Customer struct {
	Identifier   string
	AWSAccountID string
}

// CustomerID is a customer known by its CustomerIdentifier.
func CustomerID(id string) Customer { return Customer{Identifier: id} }

// AccountID is a customer known by its AWS account id.
func AccountID(id string) Customer { return Customer{AWSAccountID: id} }

func (c Customer) String() string {
	if c.AWSAccountID != "" {
		return "account:" + c.AWSAccountID
	}
	return c.Identifier
}

// Tag is an allocation tag: usage recorded with tags is sent as a
// UsageAllocation of its record.
type Tag struct{ Key, Value string }

// Config configures a Reporter.
type Config struct {
	// Client sends the usage (required).
	Client API
	// ProductCode is the product's code (required).
	ProductCode string
	// Kind is SaaS (default) or Container.
	Kind Kind
	// Spool is the path of the spool file (required); it is created if
	// missing, with its directory left as it is.
	Spool string

	// FlushInterval is how often closed hours are sealed and sent
	// (default one minute).
	FlushInterval time.Duration
	// SendOpenHour also seals and sends the current hour at each flush.
	// Usage recorded later in that hour is then billed in the next hour.
	SendOpenHour bool
	// Window is how old an hour may be when it is sent, counted from the
	// hour's start (default 6 hours: AWS's MeterUsage window and the
	// older BatchMeterUsage one; BatchMeterUsage now accepts 24 hours).
	Window time.Duration
	// MonthEndGrace is how long after a month ends its usage may still be
	// sent (default 6 hours; AWS closes a month at 06:00 UTC on the 1st).
	MonthEndGrace time.Duration
	// RequestsPerSecond caps calls to the client; AWS's quota is 10 per
	// second per account (default 8). The rate halves on each
	// ThrottlingException and recovers as calls succeed.
	RequestsPerSecond float64
	// Heartbeats are customer and dimension pairs that get a record every
	// hour, zero when nothing was used, as AWS asks of SaaS sellers.
	Heartbeats []Heartbeat
	// Now is the clock (default time.Now).
	Now func() time.Time
	// Logger receives warnings (expired hours, failed sends); nil
	// discards.
	Logger *slog.Logger
}

// Heartbeat is a customer and dimension to meter every hour.
type Heartbeat struct {
	Customer  Customer
	Dimension string
}

// DefaultFlushInterval and the other defaults of Config.
const (
	DefaultFlushInterval     = time.Minute
	DefaultWindow            = 6 * time.Hour
	DefaultMonthEndGrace     = 6 * time.Hour
	DefaultRequestsPerSecond = 8
)

// maxQuantity is the largest UsageQuantity AWS accepts.
const maxQuantity = math.MaxInt32

// batchSize is BatchMeterUsage's record limit.
const batchSize = 25

// Errors returned by Record.
var (
	ErrClosed           = errors.New("reporter: closed")
	ErrInvalidUsage     = errors.New("reporter: invalid usage")
	ErrQuantityOverflow = errors.New("reporter: an hour's quantity would exceed 2147483647")
)

// Reporter records and sends usage. Its methods are safe for concurrent
// use.
type Reporter struct {
	cfg     Config
	spool   *spool
	writer  *writer
	limiter *limiter
	logger  *slog.Logger

	flushMu sync.Mutex // one flush at a time
	started atomic.Bool
	stop    chan struct{}
	done    chan struct{}
	closing sync.Once
}

// Open opens (or creates) the spool and returns a Reporter. Call Start to
// send in the background, or Flush to send on demand.
func Open(ctx context.Context, cfg Config) (*Reporter, error) {
	cfg, err := cfg.withDefaults()
	if err != nil {
		return nil, err
	}
	sp, err := openSpool(ctx, cfg.Spool)
	if err != nil {
		return nil, err
	}
	r := &Reporter{
		cfg:     cfg,
		spool:   sp,
		limiter: newLimiter(cfg.RequestsPerSecond),
		logger:  cfg.Logger,
		stop:    make(chan struct{}),
		done:    make(chan struct{}),
	}
	r.writer = newWriter(sp)
	return r, nil
}

func (c Config) withDefaults() (Config, error) {
	switch {
	case c.Client == nil:
		return c, errors.New("reporter: Config.Client is required")
	case c.ProductCode == "":
		return c, errors.New("reporter: Config.ProductCode is required")
	case c.Spool == "":
		return c, errors.New("reporter: Config.Spool is required")
	}
	if c.FlushInterval <= 0 {
		c.FlushInterval = DefaultFlushInterval
	}
	if c.Window <= 0 {
		c.Window = DefaultWindow
	}
	if c.MonthEndGrace <= 0 {
		c.MonthEndGrace = DefaultMonthEndGrace
	}
	if c.RequestsPerSecond <= 0 {
		c.RequestsPerSecond = DefaultRequestsPerSecond
	}
	if c.Now == nil {
		c.Now = time.Now
	}
	if c.Logger == nil {
		c.Logger = slog.New(slog.NewTextHandler(io.Discard, nil))
	}
	return c, nil
}

// Record adds quantity of dimension, used by customer at the given time,
// and returns once it is durable. Usage of one customer, dimension, hour
// and tag set adds up. For Container products customer is ignored.
func (r *Reporter) Record(ctx context.Context, customer Customer, dimension string, quantity int64, at time.Time, tags ...Tag) error {
	u, err := r.usage(customer, dimension, quantity, at, tags)
	if err != nil {
		return err
	}
	return r.writer.add(ctx, u)
}

func (r *Reporter) usage(customer Customer, dimension string, quantity int64, at time.Time, tags []Tag) (usage, error) {
	if r.cfg.Kind == Container {
		customer = Customer{}
	} else if (customer.Identifier == "") == (customer.AWSAccountID == "") {
		return usage{}, fmt.Errorf("%w: a SaaS record needs exactly one of Identifier and AWSAccountID", ErrInvalidUsage)
	}
	switch {
	case dimension == "":
		return usage{}, fmt.Errorf("%w: empty dimension", ErrInvalidUsage)
	case quantity < 0 || quantity > maxQuantity:
		return usage{}, fmt.Errorf("%w: quantity %d is outside 0..%d", ErrInvalidUsage, quantity, maxQuantity)
	}
	key, err := encodeTags(tags)
	if err != nil {
		return usage{}, err
	}
	return usage{
		customer:  customer,
		dimension: dimension,
		hour:      at.UTC().Truncate(time.Hour),
		tags:      key,
		quantity:  quantity,
	}, nil
}

// Start sends in the background every FlushInterval until Close.
func (r *Reporter) Start() {
	if r.started.CompareAndSwap(false, true) {
		go r.loop()
	}
}

func (r *Reporter) loop() {
	defer close(r.done)
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	go func() {
		<-r.stop
		cancel()
	}()
	tick := time.NewTicker(r.cfg.FlushInterval)
	defer tick.Stop()
	for {
		if err := r.Flush(ctx); err != nil && ctx.Err() == nil {
			r.logger.Warn("reporter: flush failed", "error", err)
		}
		select {
		case <-ctx.Done():
			return
		case <-tick.C:
		}
	}
}

// Close stops the background flusher (an unanswered send stays in the
// spool and is resent by the next Reporter) and closes the spool.
func (r *Reporter) Close() error {
	var err error
	r.closing.Do(func() {
		close(r.stop)
		if r.started.Load() {
			<-r.done
		}
		r.writer.close()
		err = r.spool.close()
	})
	return err
}
