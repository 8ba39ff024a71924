package server

import (
	"cmp"
	"slices"
	"time"

	"github.com/meterd/meterd"
	"github.com/meterd/meterd/sim"
)

// quotaKey names an override: an operation for one account, or for every
// account when account is "".
type quotaKey struct{ op, account string }

// quota is the quota of account's calls to op: its own override, else the
// override for every account, else the default. l.mu is held.
func (l *Limiter) quota(account, op string) (Quota, bool) {
	if q, ok := l.overrides[quotaKey{op, account}]; ok {
		return q, true
	}
	if q, ok := l.overrides[quotaKey{op, ""}]; ok {
		return q, true
	}
	q, ok := l.quotas[op]
	return q, ok
}

// SetQuota overrides a quota. The buckets it governs start over full at the
// new burst, so that a test sees the new numbers from its next call.
func (l *Limiter) SetQuota(q sim.Quota) error {
	if l == nil {
		return errThrottleOff
	}
	if err := q.Validate(); err != nil {
		return err
	}
	l.mu.Lock()
	defer l.mu.Unlock()
	l.overrides[quotaKey{q.Operation, q.Account}] = Quota{Rate: q.Rate, Burst: q.BurstOrRate()}
	l.dropBuckets(q.Operation, q.Account)
	return nil
}

// ResetQuota removes an override; ENotFound when there is none.
func (l *Limiter) ResetQuota(op, account string) error {
	if l == nil {
		return errThrottleOff
	}
	l.mu.Lock()
	defer l.mu.Unlock()
	k := quotaKey{op, account}
	if _, ok := l.overrides[k]; !ok {
		return meterd.Errorf(meterd.ENotFound, "no quota override for %s%s", op, accountSuffix(account))
	}
	delete(l.overrides, k)
	l.dropBuckets(op, account)
	return nil
}

// errThrottleOff answers a quota change on a meterd that does not throttle.
var errThrottleOff = meterd.Errorf(meterd.EInvalid, "throttling is off (--throttle=false): there are no quotas to tune")

func accountSuffix(account string) string {
	if account == "" {
		return ""
	}
	return "@" + account
}

// dropBuckets forgets the buckets of op (of account only, unless "").
func (l *Limiter) dropBuckets(op, account string) {
	for k := range l.buckets {
		if k.op == op && (account == "" || k.account == account) {
			delete(l.buckets, k)
		}
	}
}

// QuotaState is one quota in force, and whether it is AWS's default.
type QuotaState struct {
	sim.Quota
	Default bool `json:"default"`
}

// BucketState is the state of one token bucket: the tokens left now.
type BucketState struct {
	Operation string    `json:"operation"`
	Account   string    `json:"account"`
	Region    string    `json:"region"`
	Tokens    float64   `json:"tokens"`
	Rate      float64   `json:"rate"`
	Burst     float64   `json:"burst"`
	At        time.Time `json:"at"` // wall time of the reading
}

// State returns the quotas in force (defaults, then overrides) and every
// bucket kept, refilled to now. A bucket not listed is full.
func (l *Limiter) State() ([]QuotaState, []BucketState) {
	if l == nil {
		return nil, nil
	}
	now := l.clock.Now()
	l.mu.Lock()
	defer l.mu.Unlock()
	var quotas []QuotaState
	for op, q := range l.quotas {
		quotas = append(quotas, QuotaState{Quota: sim.Quota{Operation: op, Rate: q.Rate, Burst: q.Burst}, Default: true})
	}
	for k, q := range l.overrides {
		quotas = append(quotas, QuotaState{Quota: sim.Quota{Operation: k.op, Account: k.account, Rate: q.Rate, Burst: q.Burst}})
	}
	slices.SortFunc(quotas, func(a, b QuotaState) int {
		return cmp.Or(cmp.Compare(a.Operation, b.Operation), compareBool(!a.Default, !b.Default), cmp.Compare(a.Account, b.Account))
	})
	return quotas, l.bucketStates(now)
}

func (l *Limiter) bucketStates(now time.Time) []BucketState {
	var out []BucketState
	for k, b := range l.buckets {
		q, _ := l.quota(k.account, k.op)
		b.refill(q, now)
		out = append(out, BucketState{Operation: k.op, Account: k.account, Region: k.region,
			Tokens: b.tokens, Rate: q.Rate, Burst: q.Burst, At: now})
	}
	slices.SortFunc(out, func(a, b BucketState) int {
		return cmp.Or(cmp.Compare(a.Operation, b.Operation), cmp.Compare(a.Account, b.Account), cmp.Compare(a.Region, b.Region))
	})
	return out
}

// compareBool orders false before true.
func compareBool(a, b bool) int {
	switch {
	case a == b:
		return 0
	case !a:
		return -1
	}
	return 1
}
