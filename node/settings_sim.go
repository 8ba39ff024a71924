package node

import (
	"flag"

	"github.com/meterd/meterd/sim"
)

// quotasValue is a --quota list (sim.ParseQuotas). A flag given twice
// keeps both lists, so that quotas can be given one per flag.
type quotasValue struct{ p *[]sim.Quota }

func quotasField(field func(*Config) *[]sim.Quota) func(*Config) flag.Value {
	return func(c *Config) flag.Value { return quotasValue{field(c)} }
}

func (v quotasValue) Set(s string) error {
	qs, err := sim.ParseQuotas(s)
	if err != nil {
		return err
	}
	*v.p = append(*v.p, qs...)
	return nil
}

func (v quotasValue) String() string {
	if v.p == nil {
		return ""
	}
	return sim.FormatQuotas(*v.p)
}

// clockValue is a --clock setting (sim.ParseClockSpec).
type clockValue struct{ p **sim.ClockSpec }

func clockField(field func(*Config) **sim.ClockSpec) func(*Config) flag.Value {
	return func(c *Config) flag.Value { return clockValue{field(c)} }
}

func (v clockValue) Set(s string) error {
	spec, err := sim.ParseClockSpec(s)
	if err != nil {
		return err
	}
	*v.p = &spec
	return nil
}

func (v clockValue) String() string {
	if v.p == nil || *v.p == nil {
		return ""
	}
	return (*v.p).String()
}
