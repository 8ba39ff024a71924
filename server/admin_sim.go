package server

import (
	"encoding/json"
	"net/http"
	"strconv"
	"time"

	"github.com/meterd/meterd"
	"github.com/meterd/meterd/sim"
)

// ClockOutput is the answer of every /admin/v1/clock route: the business
// clock after the change.
type ClockOutput struct {
	Now    time.Time    `json:"now"`
	Frozen bool         `json:"frozen"`
	Offset sim.Duration `json:"offset"` // now minus wall time
	Real   bool         `json:"real"`   // the wall clock, unchanged
}

// SetClockInput is the body of POST /admin/v1/clock/set.
type SetClockInput struct {
	Time time.Time `json:"time"`
	// Freeze stops the clock at Time exactly (freezing after a separate
	// set would stop it a moment later).
	Freeze bool `json:"freeze,omitempty"`
}

// ClockDurationInput is the body of POST /admin/v1/clock/advance (a
// negative duration moves the clock back) and /admin/v1/clock/offset.
type ClockDurationInput struct {
	Duration sim.Duration `json:"duration"`
}

func clockOutput(st sim.ClockState) ClockOutput {
	return ClockOutput{Now: st.Now, Frozen: st.Frozen, Offset: sim.Duration(st.Offset), Real: st.Real()}
}

// clockChange runs change on the clock and logs the move, which explains
// any later TimestampOutOfBounds.
func (s *Server) clockChange(change func(c *sim.Clock) sim.ClockState) (any, error) {
	if s.Clock == nil {
		return nil, meterd.Errorf(meterd.EInvalid, "this meterd has no simulated clock")
	}
	st := change(s.Clock)
	s.log().Info("clock changed", meterd.LogKeyClock, st.Now, meterd.LogKeyClockOffset, st.Offset)
	return clockOutput(st), nil
}

func (s *Server) showClock(r *http.Request) (any, error) {
	if s.Clock == nil {
		return nil, meterd.Errorf(meterd.EInvalid, "this meterd has no simulated clock")
	}
	return clockOutput(s.Clock.State()), nil
}

func (s *Server) setClock(r *http.Request) (any, error) {
	var in SetClockInput
	if err := decodeStrictJSON(r, &in); err != nil {
		return nil, err
	}
	if in.Time.IsZero() {
		return nil, meterd.Errorf(meterd.EInvalid, "time is required (RFC 3339)")
	}
	return s.clockChange(func(c *sim.Clock) sim.ClockState {
		if in.Freeze {
			c.Freeze()
		}
		return c.Set(in.Time)
	})
}

func (s *Server) advanceClock(r *http.Request) (any, error) {
	var in ClockDurationInput
	if err := decodeStrictJSON(r, &in); err != nil {
		return nil, err
	}
	return s.clockChange(func(c *sim.Clock) sim.ClockState { return c.Advance(time.Duration(in.Duration)) })
}

func (s *Server) offsetClock(r *http.Request) (any, error) {
	var in ClockDurationInput
	if err := decodeStrictJSON(r, &in); err != nil {
		return nil, err
	}
	return s.clockChange(func(c *sim.Clock) sim.ClockState { return c.Offset(time.Duration(in.Duration)) })
}

func (s *Server) freezeClock(r *http.Request) (any, error) {
	return s.clockChange((*sim.Clock).Freeze)
}

func (s *Server) realClock(r *http.Request) (any, error) {
	return s.clockChange((*sim.Clock).Real)
}

// FaultsOutput lists the fault rules in force.
type FaultsOutput struct {
	Rules []sim.Rule `json:"rules"`
}

// DeletedOutput says how many entries a DELETE removed.
type DeletedOutput struct {
	Deleted int `json:"deleted"`
}

// faults is s.Faults, or an error when this server has none.
func (s *Server) faults() (*sim.Faults, error) {
	if s.Faults == nil {
		return nil, meterd.Errorf(meterd.EInvalid, "this meterd has no fault injection")
	}
	return s.Faults, nil
}

func (s *Server) listFaults(r *http.Request) (any, error) {
	f, err := s.faults()
	if err != nil {
		return nil, err
	}
	rules := f.List()
	if rules == nil {
		rules = []sim.Rule{}
	}
	return FaultsOutput{Rules: rules}, nil
}

func (s *Server) addFault(r *http.Request) (any, error) {
	f, err := s.faults()
	if err != nil {
		return nil, err
	}
	var in sim.Rule
	if err := decodeStrictJSON(r, &in); err != nil {
		return nil, err
	}
	return f.Add(in)
}

func (s *Server) clearFaults(r *http.Request) (any, error) {
	f, err := s.faults()
	if err != nil {
		return nil, err
	}
	return DeletedOutput{Deleted: f.Clear()}, nil
}

func (s *Server) deleteFault(r *http.Request) (any, error) {
	f, err := s.faults()
	if err != nil {
		return nil, err
	}
	id, err := strconv.ParseInt(r.PathValue("id"), 10, 64)
	if err != nil {
		return nil, meterd.Errorf(meterd.EInvalid, "fault rule id %q is not a number", r.PathValue("id"))
	}
	if err := f.Delete(id); err != nil {
		return nil, err
	}
	return DeletedOutput{Deleted: 1}, nil
}

// QuotasOutput is the quota configuration and the state of the buckets.
type QuotasOutput struct {
	// Throttle is false when the meterd enforces no quota at all.
	Throttle bool          `json:"throttle"`
	Quotas   []QuotaState  `json:"quotas"`
	Buckets  []BucketState `json:"buckets"` // a bucket not listed is full
}

func (s *Server) showQuotas(r *http.Request) (any, error) {
	quotas, buckets := s.Limiter.State()
	return QuotasOutput{Throttle: s.Limiter != nil, Quotas: nonNil(quotas), Buckets: nonNil(buckets)}, nil
}

func (s *Server) setQuota(r *http.Request) (any, error) {
	var in sim.Quota
	if err := decodeStrictJSON(r, &in); err != nil {
		return nil, err
	}
	if err := s.Limiter.SetQuota(in); err != nil {
		return nil, err
	}
	return s.showQuotas(r)
}

// resetQuota drops the override named by the query (operation, account).
func (s *Server) resetQuota(r *http.Request) (any, error) {
	q := r.URL.Query()
	if err := s.Limiter.ResetQuota(q.Get("operation"), q.Get("account")); err != nil {
		return nil, err
	}
	return s.showQuotas(r)
}

// decodeStrictJSON is decodeAdminJSON that also refuses unknown fields: a
// misspelt "probabilty" must not leave a rule that fires every time.
func decodeStrictJSON(r *http.Request, v any) error {
	dec := json.NewDecoder(r.Body)
	dec.DisallowUnknownFields()
	if err := dec.Decode(v); err != nil {
		return meterd.Errorf(meterd.EInvalid, "body must be JSON with known fields: %v", err)
	}
	return nil
}

// nonNil makes an empty list [] in JSON rather than null.
func nonNil[T any](s []T) []T {
	if s == nil {
		return []T{}
	}
	return s
}
