package seed

import (
	"fmt"
	"net/url"

	"go.yaml.in/yaml/v3"

	"github.com/meterd/meterd"
)

// targetKinds are the notification target kinds a seed may declare.
var targetKinds = []meterd.TargetKind{meterd.TargetSNSHTTP, meterd.TargetSNSSQS, meterd.TargetEventBridgeHTTP, meterd.TargetEventBridgeAPI}

// fulfillment reads a SaaS product's optional fulfillment_url and
// notification_targets.
func (p *parser) fulfillment(o *object, product *meterd.Product) error {
	s, n, err := p.text(o, "fulfillment_url")
	if err != nil {
		return err
	}
	if s != "" {
		if product.Type != meterd.ProductSaaS {
			return p.errorf(n, o.field("fulfillment_url"), "only SaaS products have a fulfillment URL (type is %s)", product.Type)
		}
		if !webURL(s) {
			return p.errorf(n, o.field("fulfillment_url"), "want an absolute http(s) URL, got %q", s)
		}
		product.FulfillmentURL = s
	}
	items, err := p.list(o, "notification_targets")
	if err != nil {
		return err
	}
	for i, item := range items {
		t, err := p.target(item, fmt.Sprintf("%s[%d]", o.field("notification_targets"), i))
		if err != nil {
			return err
		}
		product.NotificationTargets = append(product.NotificationTargets, t)
	}
	return nil
}

func (p *parser) target(n *yaml.Node, path string) (meterd.NotificationTarget, error) {
	var t meterd.NotificationTarget
	o, err := p.object(n, path, "kind", "endpoint", "region", "event_bus")
	if err != nil {
		return t, err
	}
	s, kindNode, err := p.requiredText(o, "kind")
	if err != nil {
		return t, err
	}
	kind, ok, want := enum(s, targetKinds)
	if !ok {
		return t, p.errorf(kindNode, o.field("kind"), "unknown target kind %q (want %s)", s, want)
	}
	endpoint, endpointNode, err := p.requiredText(o, "endpoint")
	if err != nil {
		return t, err
	}
	if !webURL(endpoint) {
		return t, p.errorf(endpointNode, o.field("endpoint"), "want an absolute http(s) URL (an SQS queue URL for sns-sqs), got %q", endpoint)
	}
	region, regionNode, err := p.text(o, "region")
	if err != nil {
		return t, err
	}
	if region != "" && !regionPattern.MatchString(region) {
		return t, p.errorf(regionNode, o.field("region"), "%q is not a region name", region)
	}
	bus, busNode, err := p.text(o, "event_bus")
	if err != nil {
		return t, err
	}
	if bus != "" && kind != meterd.TargetEventBridgeAPI {
		return t, p.errorf(busNode, o.field("event_bus"), "applies to %s targets only", meterd.TargetEventBridgeAPI)
	}
	return meterd.NotificationTarget{Kind: kind, Endpoint: endpoint, Region: region, EventBus: bus}, nil
}

// webURL reports whether s is an absolute http or https URL with a host.
func webURL(s string) bool {
	u, err := url.Parse(s)
	return err == nil && (u.Scheme == "http" || u.Scheme == "https") && u.Host != ""
}
