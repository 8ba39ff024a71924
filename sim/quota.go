package sim

import (
	"fmt"
	"math"
	"strconv"
	"strings"

	"github.com/meterd/meterd"
)

// Quota sets the token bucket of one operation, for one account or (with
// Account "") for every account without its own. Rate is requests per
// second; Burst the bucket size, Rate when 0. The server keeps AWS's
// published numbers for what no Quota names.
type Quota struct {
	Operation string  `json:"operation"`
	Account   string  `json:"account,omitempty"`
	Rate      float64 `json:"rate"`
	Burst     float64 `json:"burst,omitempty"`
}

// MaxQuotaRate bounds Rate and Burst so that token arithmetic stays exact.
const MaxQuotaRate = 1e9

// Validate returns an EInvalid error naming the bad field.
func (q Quota) Validate() error {
	switch {
	case operation(q.Operation) == nil:
		return meterd.Errorf(meterd.EInvalid, "quota operation %q: want one of %s", q.Operation, strings.Join(operationNames(), ", "))
	case !(q.Rate > 0 && q.Rate <= MaxQuotaRate):
		return meterd.Errorf(meterd.EInvalid, "quota rate %v: want above 0, at most %g", q.Rate, float64(MaxQuotaRate))
	case !(q.Burst >= 0 && q.Burst <= MaxQuotaRate) || (q.Burst > 0 && q.Burst < 1):
		return meterd.Errorf(meterd.EInvalid, "quota burst %v: want 0 (the rate) or 1 to %g", q.Burst, float64(MaxQuotaRate))
	}
	return nil
}

// BurstOrRate is the bucket size: Burst, or Rate (at least 1) when 0.
func (q Quota) BurstOrRate() float64 {
	if q.Burst > 0 {
		return q.Burst
	}
	return math.Max(1, q.Rate)
}

// ParseQuotas reads a --quota value: comma-separated
// OPERATION[@ACCOUNT]=RATE[/BURST] items, e.g.
// "MeterUsage=2/4,BatchMeterUsage@111122223333=0.5".
func ParseQuotas(s string) ([]Quota, error) {
	var out []Quota
	for _, item := range strings.Split(s, ",") {
		if item = strings.TrimSpace(item); item == "" {
			continue
		}
		q, err := parseQuota(item)
		if err != nil {
			return nil, err
		}
		out = append(out, q)
	}
	return out, nil
}

func parseQuota(item string) (Quota, error) {
	target, numbers, ok := strings.Cut(item, "=")
	if !ok {
		return Quota{}, fmt.Errorf("quota %q: want OPERATION[@ACCOUNT]=RATE[/BURST]", item)
	}
	var q Quota
	q.Operation, q.Account, _ = strings.Cut(target, "@")
	rate, burst, hasBurst := strings.Cut(numbers, "/")
	var err error
	if q.Rate, err = strconv.ParseFloat(rate, 64); err != nil {
		return Quota{}, fmt.Errorf("quota %q: rate %q is not a number", item, rate)
	}
	if hasBurst {
		if q.Burst, err = strconv.ParseFloat(burst, 64); err != nil {
			return Quota{}, fmt.Errorf("quota %q: burst %q is not a number", item, burst)
		}
	}
	if err := q.Validate(); err != nil {
		return Quota{}, fmt.Errorf("quota %q: %s", item, meterd.ErrorMessage(err))
	}
	return q, nil
}

// FormatQuotas is the inverse of ParseQuotas.
func FormatQuotas(qs []Quota) string {
	items := make([]string, len(qs))
	for i, q := range qs {
		target := q.Operation
		if q.Account != "" {
			target += "@" + q.Account
		}
		items[i] = target + "=" + strconv.FormatFloat(q.Rate, 'g', -1, 64)
		if q.Burst > 0 {
			items[i] += "/" + strconv.FormatFloat(q.Burst, 'g', -1, 64)
		}
	}
	return strings.Join(items, ",")
}

// Settings are the simulation sections of a seed file.
type Settings struct {
	Clock  *ClockSpec // nil: the wall clock
	Faults []Rule
	Quotas []Quota
}
