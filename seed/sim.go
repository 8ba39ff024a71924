package seed

import (
	"fmt"
	"io"
	"math"
	"strconv"
	"time"

	"go.yaml.in/yaml/v3"

	"github.com/meterd/meterd"
	"github.com/meterd/meterd/sim"
)

// File is everything a seed file declares: the catalog and the simulation
// settings (business clock, fault rules, quotas).
type File struct {
	Catalog *meterd.Catalog
	Sim     sim.Settings
}

// ParseFile reads a seed file as Parse does, with its simulation sections.
func ParseFile(name string, r io.Reader) (*File, error) {
	root, err := readDocument(name, r)
	if err != nil {
		return nil, err
	}
	p := newParser(name)
	if err := p.parse(root); err != nil {
		return nil, err
	}
	return &File{Catalog: p.catalog, Sim: p.sim}, nil
}

// simSections are read after the catalog; none refers to another.
var simSections = []string{"clock", "faults", "quotas"}

func (p *parser) simSections(o *object) error {
	if err := p.clock(o); err != nil {
		return err
	}
	lists := []struct {
		name  string
		parse func(p *parser, n *yaml.Node, path string) error
	}{{"faults", (*parser).fault}, {"quotas", (*parser).quota}}
	for _, l := range lists {
		items, err := p.list(o, l.name)
		if err != nil {
			return err
		}
		for i, n := range items {
			if err := l.parse(p, n, fmt.Sprintf("%s[%d]", l.name, i)); err != nil {
				return err
			}
		}
	}
	return nil
}

// clock reads `clock:`, written as --clock's value.
func (p *parser) clock(o *object) error {
	s, n, err := p.text(o, "clock")
	if err != nil || s == "" {
		return err
	}
	spec, err := sim.ParseClockSpec(s)
	if err != nil {
		return p.errorf(n, "clock", "%v", err)
	}
	p.sim.Clock = &spec
	return nil
}

var faultFields = []string{"operation", "product", "account", "region", "error", "message", "unprocessed",
	"drop", "latency", "probability", "seed", "count", "ttl"}

func (p *parser) fault(n *yaml.Node, path string) error {
	o, err := p.object(n, path, faultFields...)
	if err != nil {
		return err
	}
	var r sim.Rule
	texts := []struct {
		key string
		dst *string
	}{{"operation", &r.Operation}, {"product", &r.Product}, {"account", &r.Account},
		{"region", &r.Region}, {"error", &r.Error}, {"message", &r.Message}}
	for _, t := range texts {
		if *t.dst, _, err = p.text(o, t.key); err != nil {
			return err
		}
	}
	if err := p.faultNumbers(o, &r); err != nil {
		return err
	}
	if err := r.Validate(); err != nil {
		return p.errorf(o.node, path, "%s", meterd.ErrorMessage(err))
	}
	p.sim.Faults = append(p.sim.Faults, r)
	return nil
}

func (p *parser) faultNumbers(o *object, r *sim.Rule) error {
	var err error
	if r.Unprocessed, err = p.number(o, "unprocessed"); err != nil {
		return err
	}
	if r.Probability, err = p.number(o, "probability"); err != nil {
		return err
	}
	if r.Drop, err = p.flag(o, "drop"); err != nil {
		return err
	}
	if r.Latency, err = p.duration(o, "latency"); err != nil {
		return err
	}
	if r.TTL, err = p.duration(o, "ttl"); err != nil {
		return err
	}
	count, err := p.number(o, "count")
	if err != nil {
		return err
	}
	if count != math.Trunc(count) || count < 0 || count > math.MaxInt32 {
		return p.errorf(o.value("count"), o.field("count"), "want a whole number of calls")
	}
	r.Count = int(count)
	seed, n, err := p.text(o, "seed")
	if err == nil && seed != "" {
		if r.Seed, err = strconv.ParseUint(seed, 10, 64); err != nil {
			return p.errorf(n, o.field("seed"), "%q is not an unsigned integer", seed)
		}
	}
	return err
}

func (p *parser) quota(n *yaml.Node, path string) error {
	o, err := p.object(n, path, "operation", "account", "rate", "burst")
	if err != nil {
		return err
	}
	var q sim.Quota
	if q.Operation, _, err = p.requiredText(o, "operation"); err != nil {
		return err
	}
	if q.Account, _, err = p.text(o, "account"); err != nil {
		return err
	}
	if q.Rate, err = p.number(o, "rate"); err != nil {
		return err
	}
	if q.Burst, err = p.number(o, "burst"); err != nil {
		return err
	}
	if err := q.Validate(); err != nil {
		return p.errorf(o.node, path, "%s", meterd.ErrorMessage(err))
	}
	p.sim.Quotas = append(p.sim.Quotas, q)
	return nil
}

// number reads an optional finite number (0 when absent).
func (p *parser) number(o *object, key string) (float64, error) {
	n := o.value(key)
	if n == nil {
		return 0, nil
	}
	return p.doubleValue(n, o.field(key))
}

// flag reads an optional boolean (false when absent).
func (p *parser) flag(o *object, key string) (bool, error) {
	n := o.value(key)
	if n == nil {
		return false, nil
	}
	return p.booleanValue(n, o.field(key))
}

// duration reads an optional Go duration ("1.5s", "10m").
func (p *parser) duration(o *object, key string) (sim.Duration, error) {
	s, n, err := p.text(o, key)
	if err != nil || s == "" {
		return 0, err
	}
	d, perr := time.ParseDuration(s)
	if perr != nil {
		return 0, p.errorf(n, o.field(key), "%q is not a duration (e.g. 1.5s, 10m)", s)
	}
	return sim.Duration(d), nil
}
