package server

import (
	"net/http"

	"github.com/meterd/meterd"
)

const pathReset = "/admin/v1/reset"

// errResetOff is the answer when meterd was started without --allow-reset:
// a reset wipes the ledger, so a meterd holding data someone cares about
// must not be wiped by a stray call, even with the admin token.
var errResetOff = meterd.Errorf(meterd.EConflict,
	"reset is off on this meterd: start it with --allow-reset (METERD_ALLOW_RESET=true) to allow it")

// ResetOutput is the answer of POST /admin/v1/reset: what it deleted.
type ResetOutput struct {
	MeteringRecords    int64 `json:"meteringRecords"`
	ClientTokens       int64 `json:"clientTokens"`
	RegistrationTokens int64 `json:"registrationTokens"`
	TaskRegistrations  int64 `json:"taskRegistrations"`
	LifecycleEvents    int64 `json:"lifecycleEvents"`
	Deliveries         int64 `json:"deliveries"`
	DeliveryAttempts   int64 `json:"deliveryAttempts"`
	AuditEvents        int   `json:"auditEvents"`
}

// reset empties the ledger, then the audit trail. They are two databases,
// so not one transaction: a call between the two is in neither the ledger
// nor the trail, which a test that resets between cases does not make.
// The reset call itself is recorded after it answers, so the trail then
// starts with it.
func (s *Server) reset(r *http.Request) (any, error) {
	if !s.AllowReset || s.Resetter == nil {
		return nil, errResetOff
	}
	ledger, err := s.Resetter.ResetLedger(r.Context())
	if err != nil {
		return nil, err
	}
	out := ResetOutput{MeteringRecords: ledger.MeteringRecords, ClientTokens: ledger.ClientTokens,
		RegistrationTokens: ledger.RegistrationTokens, TaskRegistrations: ledger.TaskRegistrations,
		LifecycleEvents: ledger.LifecycleEvents, Deliveries: ledger.Deliveries, DeliveryAttempts: ledger.DeliveryAttempts}
	if s.Audit != nil {
		if out.AuditEvents, err = s.Audit.Reset(r.Context()); err != nil {
			return nil, err
		}
	}
	return out, nil
}
