package sim

import (
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/meterd/meterd"
	"github.com/meterd/meterd/awsproto"
)

// Rule is one fault injection rule: which calls it matches, what it does
// to them and when it stops. Its JSON form is the admin API's and `meterd
// faults --json`'s.
type Rule struct {
	ID int64 `json:"id"` // given by Faults.Add

	// Matching: an empty field matches every call.
	Operation string `json:"operation,omitempty"`
	Product   string `json:"product,omitempty"`
	Account   string `json:"account,omitempty"`
	Region    string `json:"region,omitempty"`

	// Action: Latency, and at most one of Error, Unprocessed and Drop.
	// Error answers that code instead of serving the call; Unprocessed hands
	// back that share of BatchMeterUsage records; Drop closes the
	// connection after the ledger commit.
	Error       string   `json:"error,omitempty"`
	Message     string   `json:"message,omitempty"`
	Unprocessed float64  `json:"unprocessed,omitempty"`
	Drop        bool     `json:"drop,omitempty"`
	Latency     Duration `json:"latency,omitempty"`

	// Firing: with Probability (0 stands for 1), drawn from a source
	// seeded with Seed (0 stands for the rule's id), at most Count times
	// (0: no limit), until TTL after it was added (0: no limit).
	Probability float64   `json:"probability,omitempty"`
	Seed        uint64    `json:"seed,omitempty"`
	Count       int       `json:"count,omitempty"`
	TTL         Duration  `json:"ttl,omitempty"`
	ExpiresAt   time.Time `json:"expiresAt,omitzero"` // set by Add from TTL
	Fired       int       `json:"fired"`              // how often it has fired
}

// Limits of a rule's values.
const (
	// MaxLatency stays below the server's 30 s write timeout, which would
	// turn an injected delay into a dropped answer.
	MaxLatency = 20 * time.Second
	// MaxMessage bounds an error message; AWS's are one sentence.
	MaxMessage = 1024
)

// terminal reports whether the rule decides the call's outcome.
func (r *Rule) terminal() bool { return r.Error != "" || r.Unprocessed > 0 || r.Drop }

// Validate returns an EInvalid error naming the first bad field.
func (r *Rule) Validate() error {
	checks := []func() error{r.checkOperation, r.checkAction, r.checkError, r.checkUnprocessed, r.checkFiring}
	for _, check := range checks {
		if err := check(); err != nil {
			return err
		}
	}
	return nil
}

func (r *Rule) checkOperation() error {
	if r.Operation != "" && operation(r.Operation) == nil {
		return meterd.Errorf(meterd.EInvalid, "operation %q: want one of %s", r.Operation, strings.Join(operationNames(), ", "))
	}
	return nil
}

func (r *Rule) checkAction() error {
	actions := 0
	for _, set := range []bool{r.Error != "", r.Unprocessed != 0, r.Drop} {
		if set {
			actions++
		}
	}
	switch {
	case actions > 1:
		return meterd.Errorf(meterd.EInvalid, "a rule has at most one of error, unprocessed and drop")
	case actions == 0 && r.Latency == 0:
		return meterd.Errorf(meterd.EInvalid, "a rule needs an action: error, unprocessed, drop or latency")
	case r.Latency < 0 || time.Duration(r.Latency) > MaxLatency:
		return meterd.Errorf(meterd.EInvalid, "latency %s: want 0 to %s", time.Duration(r.Latency), MaxLatency)
	case len(r.Message) > MaxMessage || (r.Message != "" && r.Error == ""):
		return meterd.Errorf(meterd.EInvalid, "message: at most %d bytes, and only with error", MaxMessage)
	}
	return nil
}

// checkError accepts an error the model lets the operation answer, or,
// for a rule on every operation, one that every operation may answer.
func (r *Rule) checkError() error {
	if r.Error == "" {
		return nil
	}
	allowed := modeledErrors(r.Operation)
	if !slices.Contains(allowed, r.Error) {
		what := "every operation"
		if r.Operation != "" {
			what = r.Operation
		}
		return meterd.Errorf(meterd.EInvalid, "error %q is not modeled for %s: want one of %s",
			r.Error, what, strings.Join(allowed, ", "))
	}
	return nil
}

func (r *Rule) checkUnprocessed() error {
	switch {
	case r.Unprocessed == 0:
		return nil
	case r.Operation != meterd.OpBatchMeterUsage:
		return meterd.Errorf(meterd.EInvalid, "unprocessed needs operation %s", meterd.OpBatchMeterUsage)
	case !(r.Unprocessed > 0 && r.Unprocessed <= 1):
		return meterd.Errorf(meterd.EInvalid, "unprocessed %v: want a share above 0, at most 1", r.Unprocessed)
	}
	return nil
}

func (r *Rule) checkFiring() error {
	switch {
	case !(r.Probability >= 0 && r.Probability <= 1):
		return meterd.Errorf(meterd.EInvalid, "probability %v: want 0 to 1", r.Probability)
	case r.Count < 0:
		return meterd.Errorf(meterd.EInvalid, "count %d: must not be negative", r.Count)
	case r.TTL < 0:
		return meterd.Errorf(meterd.EInvalid, "ttl %s: must not be negative", time.Duration(r.TTL))
	}
	return nil
}

func operation(name string) *awsproto.Operation {
	for _, op := range awsproto.Operations() {
		if op.Name == name {
			return op
		}
	}
	return nil
}

func operationNames() []string {
	var names []string
	for _, op := range awsproto.Operations() {
		names = append(names, op.Name)
	}
	return names
}

// modeledErrors are the errors of the operation named, or those common to
// every operation when name is "".
func modeledErrors(name string) []string {
	if op := operation(name); op != nil {
		return op.Errors
	}
	var common []string
	for i, op := range awsproto.Operations() {
		if i == 0 {
			common = slices.Clone(op.Errors)
			continue
		}
		common = slices.DeleteFunc(common, func(e string) bool { return !slices.Contains(op.Errors, e) })
	}
	return common
}

// Duration is a time.Duration written as text ("1.5s") in JSON.
type Duration time.Duration

// MarshalText writes d as time.Duration.String does.
func (d Duration) MarshalText() ([]byte, error) { return []byte(time.Duration(d).String()), nil }

// UnmarshalText reads what time.ParseDuration reads.
func (d *Duration) UnmarshalText(b []byte) error {
	v, err := time.ParseDuration(string(b))
	if err != nil {
		return fmt.Errorf("invalid duration %q", b)
	}
	*d = Duration(v)
	return nil
}
