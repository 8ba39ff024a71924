package node

import (
	"fmt"

	"github.com/meterd/meterd"
	"github.com/meterd/meterd/server"
	"github.com/meterd/meterd/sim"
)

// openSim builds the business clock, the fault rules and the limiter from
// the seed file's simulation sections and the flags, which win.
func (n *Node) openSim(wall meterd.Clock) error {
	n.clock = sim.NewClock(wall)
	spec := n.simulation.Clock
	if n.cfg.Clock != nil {
		spec = n.cfg.Clock
	}
	if spec != nil {
		spec.Apply(n.clock)
		n.logger.Info("business clock set", meterd.LogKeyClock, spec.String())
	}
	n.faults = sim.NewFaults(wall)
	for _, r := range n.simulation.Faults {
		if _, err := n.faults.Add(r); err != nil {
			return fmt.Errorf("seed: fault rule: %w", err)
		}
	}
	n.limiter = n.newLimiter(wall)
	quotas := append(append([]sim.Quota(nil), n.simulation.Quotas...), n.cfg.QuotaOverrides...)
	if n.limiter == nil {
		if len(quotas) > 0 {
			n.logger.Warn("quotas are set but --throttle is off: they are not enforced")
		}
		return nil
	}
	for _, q := range quotas {
		if err := n.limiter.SetQuota(q); err != nil {
			return fmt.Errorf("quota: %w", err)
		}
	}
	return nil
}

// Clock is the node's business clock; a test moves it to reach month ends
// and expiries.
func (n *Node) Clock() *sim.Clock { return n.clock }

// Faults are the node's fault injection rules.
func (n *Node) Faults() *sim.Faults { return n.faults }

// Limiter enforces the node's quotas; nil when --throttle is off.
func (n *Node) Limiter() *server.Limiter { return n.limiter }
