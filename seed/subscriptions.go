package seed

import (
	"fmt"
	"time"

	"go.yaml.in/yaml/v3"

	"github.com/meterd/meterd"
)

func (p *parser) subscription(n *yaml.Node, path string) error {
	o, err := p.object(n, path,
		"product", "customer", "license_arn", "status", "license_start", "license_end", "entitlements")
	if err != nil {
		return err
	}
	product, err := p.subscribedProduct(o)
	if err != nil {
		return err
	}
	customer, customerNode, err := p.requiredText(o, "customer")
	if err != nil {
		return err
	}
	if _, ok := p.customers[customer]; !ok {
		return p.errorf(customerNode, o.field("customer"), "%q is not a declared customer", customer)
	}
	s := &meterd.Subscription{ProductCode: product.Code, CustomerIdentifier: customer}
	if s.LicenseArn, err = p.licenseArn(o); err != nil {
		return err
	}
	if s.Status, err = p.status(o); err != nil {
		return err
	}
	if err := p.licensePeriod(o, s); err != nil {
		return err
	}
	if s.Entitlements, err = p.entitlements(o, product); err != nil {
		return err
	}
	p.catalog.Subscriptions = append(p.catalog.Subscriptions, s)
	return nil
}

func (p *parser) subscribedProduct(o *object) (*meterd.Product, error) {
	code, n, err := p.requiredText(o, "product")
	if err != nil {
		return nil, err
	}
	declared, ok := p.products[code]
	if !ok {
		return nil, p.errorf(n, o.field("product"), "%q is not a declared product", code)
	}
	return declared.product, nil
}

func (p *parser) licenseArn(o *object) (string, error) {
	arn, n, err := p.requiredText(o, "license_arn")
	if err != nil {
		return "", err
	}
	if !validLicenseArn(arn) {
		return "", p.errorf(n, o.field("license_arn"), "%q does not match the LicenseArn pattern %s", arn, modelRules().licenseArnSource)
	}
	if first, dup := p.licenses[arn]; dup {
		return "", p.duplicate(n, o.field("license_arn"), "license ARN", arn, first)
	}
	p.licenses[arn] = n.Line
	return arn, nil
}

func (p *parser) status(o *object) (meterd.SubscriptionStatus, error) {
	s, n, err := p.text(o, "status")
	if err != nil {
		return "", err
	}
	if s == "" {
		return meterd.SubscriptionActive, nil
	}
	status, ok, want := enum(s, statuses)
	if !ok {
		return "", p.errorf(n, o.field("status"), "unknown status %q (want %s)", s, want)
	}
	return status, nil
}

func (p *parser) licensePeriod(o *object, s *meterd.Subscription) error {
	var err error
	if s.LicenseStart, err = p.time(o, "license_start"); err != nil {
		return err
	}
	if s.LicenseEnd, err = p.time(o, "license_end"); err != nil {
		return err
	}
	if !s.LicenseStart.IsZero() && !s.LicenseEnd.IsZero() && !s.LicenseEnd.After(s.LicenseStart) {
		return p.errorf(o.value("license_end"), o.field("license_end"), "must be after license_start")
	}
	return nil
}

// time reads an optional RFC 3339 field; absent gives the zero time.
func (p *parser) time(o *object, key string) (time.Time, error) {
	s, n, err := p.text(o, key)
	if err != nil || s == "" {
		return time.Time{}, err
	}
	t, err := parseTime(s)
	if err != nil {
		return time.Time{}, p.errorf(n, o.field(key), "%v", err)
	}
	return t, nil
}

func (p *parser) entitlements(o *object, product *meterd.Product) ([]meterd.Entitlement, error) {
	items, err := p.list(o, "entitlements")
	if err != nil {
		return nil, err
	}
	var out []meterd.Entitlement
	lines := map[string]int{}
	for i, item := range items {
		path := fmt.Sprintf("%s[%d]", o.field("entitlements"), i)
		e, dimNode, err := p.entitlement(item, path, product)
		if err != nil {
			return nil, err
		}
		if first, dup := lines[e.Dimension]; dup {
			return nil, p.duplicate(dimNode, path+".dimension", "entitlement for dimension", e.Dimension, first)
		}
		lines[e.Dimension] = dimNode.Line
		out = append(out, e)
	}
	return out, nil
}

// entitlement returns the entitlement and the node of its dimension.
func (p *parser) entitlement(n *yaml.Node, path string, product *meterd.Product) (meterd.Entitlement, *yaml.Node, error) {
	o, err := p.object(n, path, "dimension", "integer", "double", "boolean", "string", "expires")
	if err != nil {
		return meterd.Entitlement{}, nil, err
	}
	name, dimNode, err := p.requiredText(o, "dimension")
	if err != nil {
		return meterd.Entitlement{}, nil, err
	}
	dim, ok := product.Dimension(name)
	if !ok {
		return meterd.Entitlement{}, nil, p.errorf(dimNode, o.field("dimension"), "%q is not a dimension of product %q", name, product.Code)
	}
	e := meterd.Entitlement{Dimension: name}
	if e.Value, err = p.entitlementValue(o, dim); err != nil {
		return meterd.Entitlement{}, nil, err
	}
	if e.ExpirationDate, err = p.time(o, "expires"); err != nil {
		return meterd.Entitlement{}, nil, err
	}
	return e, dimNode, nil
}
