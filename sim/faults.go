package sim

import (
	"context"
	"math"
	"math/rand/v2"
	"slices"
	"sync"
	"time"

	"github.com/meterd/meterd"
)

// Call is what a fault rule is matched against: one API request, after
// authentication and decoding.
type Call struct {
	Operation string
	Product   string // "" for ResolveCustomer, which names none
	Account   string // the caller's account
	Region    string // of the SigV4 credential scope
	Records   int    // BatchMeterUsage: the number of usage records
}

// Plan is what the rules that fired make of one call.
type Plan struct {
	// Rules are the ids of the rules that fired, in order. The request log
	// names them under meterd.LogKeyFaultRules, and the audit trail marks the
	// call as injected when it is not empty.
	Rules   []int64
	Latency time.Duration // waited before the call is served
	// Err is answered instead of calling the service: nothing is stored.
	Err *meterd.Error
	// Unprocessed are the indexes, ascending, of the BatchMeterUsage
	// records handed back as UnprocessedRecords without being stored.
	Unprocessed []int
	// Drop closes the connection after the call has been served and
	// committed, instead of answering.
	Drop bool
}

// Injected reports whether any rule fired.
func (p Plan) Injected() bool { return len(p.Rules) > 0 }

// terminal reports whether a rule has already decided the outcome; then
// the terminal rules after it are skipped (their counts are not used up).
func (p Plan) terminal() bool { return p.Err != nil || p.Unprocessed != nil || p.Drop }

type planKey struct{}

// WithPlan returns ctx carrying p, for the layers below the server (the
// coming audit trail) to tell an injected fault from a real one.
func WithPlan(ctx context.Context, p Plan) context.Context {
	return context.WithValue(ctx, planKey{}, p)
}

// PlanFrom returns the plan WithPlan stored in ctx (the zero Plan if none).
func PlanFrom(ctx context.Context) Plan {
	p, _ := ctx.Value(planKey{}).(Plan)
	return p
}

// Faults is a node's set of fault injection rules. Rules are kept in the
// order they were added and tried in that order. Expiry (ExpiresAt) is
// wall time: a fault is about requests, which run in real time, not about
// business time. A Faults is safe for concurrent use.
type Faults struct {
	wall meterd.Clock

	mu     sync.Mutex
	nextID int64
	rules  []*liveRule
}

// liveRule is a rule with its random source, which only Match uses.
type liveRule struct {
	Rule
	rng *rand.Rand
}

// NewFaults returns an empty rule set whose expiry follows wall
// (meterd.SystemClock when nil).
func NewFaults(wall meterd.Clock) *Faults {
	if wall == nil {
		wall = meterd.SystemClock{}
	}
	return &Faults{wall: wall, nextID: 1}
}

// Add validates r, gives it an id and an expiry (from TTL), and appends it.
func (f *Faults) Add(r Rule) (Rule, error) {
	if err := r.Validate(); err != nil {
		return Rule{}, err
	}
	f.mu.Lock()
	defer f.mu.Unlock()
	r.ID, r.Fired = f.nextID, 0
	f.nextID++
	if r.TTL > 0 {
		r.ExpiresAt = f.wall.Now().Add(time.Duration(r.TTL))
	}
	seed := r.Seed
	if seed == 0 {
		seed = uint64(r.ID)
	}
	f.rules = append(f.rules, &liveRule{Rule: r, rng: rand.New(rand.NewPCG(seed, seed))})
	return r, nil
}

// List returns the rules still in force.
func (f *Faults) List() []Rule {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.expire(f.wall.Now())
	out := make([]Rule, len(f.rules))
	for i, r := range f.rules {
		out[i] = r.Rule
	}
	return out
}

// Delete removes the rule with id; ENotFound when there is none.
func (f *Faults) Delete(id int64) error {
	f.mu.Lock()
	defer f.mu.Unlock()
	i := slices.IndexFunc(f.rules, func(r *liveRule) bool { return r.ID == id })
	if i < 0 {
		return meterd.Errorf(meterd.ENotFound, "no fault rule %d", id)
	}
	f.rules = slices.Delete(f.rules, i, i+1)
	return nil
}

// Clear removes every rule and returns how many there were.
func (f *Faults) Clear() int {
	f.mu.Lock()
	defer f.mu.Unlock()
	n := len(f.rules)
	f.rules = nil
	return n
}

// Match tries every rule in order against c and returns what the ones
// that fired decide. A nil *Faults injects nothing.
func (f *Faults) Match(c Call) Plan {
	var p Plan
	if f == nil {
		return p
	}
	f.mu.Lock()
	defer f.mu.Unlock()
	f.expire(f.wall.Now())
	for _, r := range f.rules {
		if !r.matches(c) || (p.terminal() && r.terminal()) || !r.roll() {
			continue
		}
		r.Fired++
		r.apply(&p, c)
	}
	f.expire(time.Time{})
	return p
}

// expire drops the rules that have fired Count times, and those past
// their expiry when now is not zero.
func (f *Faults) expire(now time.Time) {
	f.rules = slices.DeleteFunc(f.rules, func(r *liveRule) bool {
		return (r.Count > 0 && r.Fired >= r.Count) ||
			(!now.IsZero() && !r.ExpiresAt.IsZero() && !now.Before(r.ExpiresAt))
	})
}

func (r *liveRule) matches(c Call) bool {
	return matchField(r.Operation, c.Operation) && matchField(r.Product, c.Product) &&
		matchField(r.Account, c.Account) && matchField(r.Region, c.Region) &&
		(r.Unprocessed == 0 || c.Records > 0)
}

func matchField(want, got string) bool { return want == "" || want == got }

// roll draws from the rule's own source, so that a rule's sequence of
// decisions depends only on its seed and the calls it matched.
func (r *liveRule) roll() bool {
	p := r.Probability
	return p == 0 || p >= 1 || r.rng.Float64() < p
}

func (r *liveRule) apply(p *Plan, c Call) {
	p.Rules = append(p.Rules, r.ID)
	p.Latency += time.Duration(r.Latency)
	switch {
	case r.Error != "":
		p.Err = &meterd.Error{Code: r.Error, Message: r.message()}
	case r.Unprocessed > 0:
		p.Unprocessed = r.pickUnprocessed(c.Records)
	case r.Drop:
		p.Drop = true
	}
}

// pickUnprocessed chooses round(share × n) of n records, at least one.
func (r *liveRule) pickUnprocessed(n int) []int {
	k := max(1, int(math.Round(r.Unprocessed*float64(n))))
	picked := r.rng.Perm(n)[:min(k, n)]
	slices.Sort(picked)
	return picked
}

// message is the rule's Message, or the text AWS sends for the code.
func (r *Rule) message() string {
	switch {
	case r.Message != "":
		return r.Message
	case r.Error == meterd.EThrottling:
		return "Rate exceeded"
	case r.Error == meterd.EInternalServiceError:
		return meterd.InternalErrorMessage
	}
	return "Injected by meterd fault rule."
}
