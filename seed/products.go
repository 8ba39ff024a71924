package seed

import (
	"fmt"

	"go.yaml.in/yaml/v3"

	"github.com/meterd/meterd"
)

func (p *parser) product(n *yaml.Node, path string) error {
	o, err := p.object(n, path, "code", "seller", "type", "integration", "dimensions", "fulfillment_url", "notification_targets")
	if err != nil {
		return err
	}
	code, codeNode, err := p.productCode(o)
	if err != nil {
		return err
	}
	seller, sellerNode, err := p.requiredText(o, "seller")
	if err != nil {
		return err
	}
	if _, ok := p.accounts[seller]; !ok {
		return p.errorf(sellerNode, o.field("seller"), "%q is not a declared account", seller)
	}
	typ, err := p.productType(o)
	if err != nil {
		return err
	}
	integration, err := p.productIntegration(o, typ)
	if err != nil {
		return err
	}
	product := &meterd.Product{Code: code, SellerAccountID: seller, Type: typ, Integration: integration}
	if err := p.dimensions(o, product); err != nil {
		return err
	}
	if err := p.fulfillment(o, product); err != nil {
		return err
	}
	p.products[code] = declaredProduct{product: product, line: codeNode.Line}
	p.catalog.Products = append(p.catalog.Products, product)
	return nil
}

func (p *parser) productCode(o *object) (string, *yaml.Node, error) {
	code, n, err := p.requiredText(o, "code")
	if err != nil {
		return "", nil, err
	}
	if err := checkLength(code, maxTextLength); err != nil {
		return "", nil, p.errorf(n, o.field("code"), "%v", err)
	}
	if !modelRules().productCode.MatchString(code) {
		return "", nil, p.errorf(n, o.field("code"), "%q does not match %s", code, modelRules().productCodeSource)
	}
	if first, dup := p.products[code]; dup {
		return "", nil, p.duplicate(n, o.field("code"), "product", code, first.line)
	}
	return code, n, nil
}

func (p *parser) productType(o *object) (meterd.ProductType, error) {
	s, n, err := p.requiredText(o, "type")
	if err != nil {
		return "", err
	}
	typ, ok, want := enum(s, productTypes)
	if !ok {
		return "", p.errorf(n, o.field("type"), "unknown product type %q (want %s)", s, want)
	}
	return typ, nil
}

// productIntegration reads the optional integration of a SaaS product;
// absent, it stays "" (legacy). Other products have no Marketplace
// integration to choose, so the field is an error there rather than
// silently ignored.
func (p *parser) productIntegration(o *object, typ meterd.ProductType) (meterd.ProductIntegration, error) {
	s, n, err := p.text(o, "integration")
	if err != nil || s == "" {
		return "", err
	}
	if typ != meterd.ProductSaaS {
		return "", p.errorf(n, o.field("integration"), "only SaaS products have an integration (type is %s)", typ)
	}
	integration, ok, want := enum(s, integrations)
	if !ok {
		return "", p.errorf(n, o.field("integration"), "unknown integration %q (want %s)", s, want)
	}
	return integration, nil
}

func (p *parser) dimensions(o *object, product *meterd.Product) error {
	items, err := p.list(o, "dimensions")
	if err != nil {
		return err
	}
	lines := map[string]int{}
	for i, item := range items {
		path := fmt.Sprintf("%s[%d]", o.field("dimensions"), i)
		d, nameNode, err := p.dimension(item, path)
		if err != nil {
			return err
		}
		if first, dup := lines[d.Name]; dup {
			return p.duplicate(nameNode, path+".name", "dimension", d.Name, first)
		}
		lines[d.Name] = nameNode.Line
		product.Dimensions = append(product.Dimensions, d)
	}
	return nil
}

// dimension returns the dimension and the node of its name.
func (p *parser) dimension(n *yaml.Node, path string) (meterd.Dimension, *yaml.Node, error) {
	o, err := p.object(n, path, "name", "type", "unit_price")
	if err != nil {
		return meterd.Dimension{}, nil, err
	}
	name, nameNode, err := p.requiredText(o, "name")
	if err != nil {
		return meterd.Dimension{}, nil, err
	}
	if err := checkLength(name, maxTextLength); err != nil {
		return meterd.Dimension{}, nil, p.errorf(nameNode, o.field("name"), "%v", err)
	}
	s, typeNode, err := p.text(o, "type")
	if err != nil {
		return meterd.Dimension{}, nil, err
	}
	typ := meterd.IntegerValue
	if s != "" {
		var ok bool
		var want string
		if typ, ok, want = enum(s, valueTypes); !ok {
			return meterd.Dimension{}, nil, p.errorf(typeNode, o.field("type"), "unknown value type %q (want %s)", s, want)
		}
	}
	price, err := p.unitPrice(o)
	if err != nil {
		return meterd.Dimension{}, nil, err
	}
	return meterd.Dimension{Name: name, Type: typ, UnitPrice: price}, nameNode, nil
}

// unitPrice reads a dimension's optional price. The scalar's text is
// parsed as written, so an unquoted 0.1 is exactly a tenth of a dollar,
// never the float YAML would make of it.
func (p *parser) unitPrice(o *object) (*meterd.Price, error) {
	n := o.value("unit_price")
	if n == nil {
		return nil, nil
	}
	if n.Kind != yaml.ScalarNode {
		return nil, p.errorf(n, o.field("unit_price"), "want a decimal number of US dollars, got %s", describe(n))
	}
	price, err := meterd.ParsePrice(n.Value)
	if err != nil {
		return nil, p.errorf(n, o.field("unit_price"), "%v", err)
	}
	return &price, nil
}
