// Package regions says where AWS offers each Marketplace operation. The
// lists are data (regions.json) so that a new region is a one-line change.
package regions

import (
	_ "embed"
	"encoding/json"
	"fmt"

	"github.com/meterd/meterd"
)

// regionsJSON lists, per operation, the regions where AWS offers it, in
// every partition: commercial ("Supported AWS Regions for the AWS
// Marketplace Metering API" and the Entitlement Service's page), China,
// GovCloud and the European Sovereign Cloud; its "_comment" gives the
// sources. It is data so that a new region is a one-line change.
//
//go:embed regions.json
var regionsJSON []byte

// Table maps an operation name to the set of regions that serve it.
type Table map[string]map[string]bool

// Default parses the embedded table.
func Default() Table {
	var raw map[string]any
	if err := json.Unmarshal(regionsJSON, &raw); err != nil {
		panic(fmt.Sprintf("regions: regions.json: %v", err)) // embedded, checked by tests
	}
	r := make(Table, len(raw))
	for op, v := range raw {
		list, ok := v.([]any)
		if !ok {
			continue // "_comment"
		}
		r[op] = make(map[string]bool, len(list))
		for _, region := range list {
			r[op][region.(string)] = true
		}
	}
	return r
}

// Check returns DisabledApiException when op is not offered in region.
func (r Table) Check(op, region string) error {
	if r[op][region] {
		return nil
	}
	return meterd.Errorf(meterd.EDisabledAPI, "%s is not available in region %s.", op, region)
}

// CheckMeterUsage narrows the MeterUsage list by what is metered: GovCloud
// meters AMI products only, and fewer regions meter from EKS pods.
func (r Table) CheckMeterUsage(p *meterd.Product, platform meterd.Platform, region string) error {
	if p.Type != meterd.ProductContainer {
		return nil
	}
	list, what := "MeterUsage:Container", "container products"
	if platform == meterd.PlatformEKS {
		list, what = "MeterUsage:EKS", "EKS pods"
	}
	if r[list][region] {
		return nil
	}
	return meterd.Errorf(meterd.EDisabledAPI, "MeterUsage for %s is not available in region %s.", what, region)
}
