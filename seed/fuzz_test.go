package seed_test

import (
	"bytes"
	"errors"
	"strings"
	"testing"

	"github.com/meterd/meterd"
	"github.com/meterd/meterd/seed"
)

// FuzzParse checks that no input panics, that every failure is a positioned
// *seed.Error, and that every catalog Parse accepts is consistent. The seed
// corpus is in testdata/fuzz/FuzzParse.
func FuzzParse(f *testing.F) {
	f.Fuzz(func(t *testing.T, data []byte) {
		c, err := seed.Parse("fuzz.yaml", bytes.NewReader(data))
		if err != nil {
			var serr *seed.Error
			if !errors.As(err, &serr) || !strings.HasPrefix(err.Error(), "fuzz.yaml") {
				t.Fatalf("error %T %q is not a *seed.Error of fuzz.yaml", err, err)
			}
			if c != nil {
				t.Fatal("Parse returned a catalog with its error")
			}
			return
		}
		checkConsistent(t, c)
	})
}

// checkConsistent checks the references and values of a parsed catalog.
func checkConsistent(t *testing.T, c *meterd.Catalog) {
	t.Helper()
	accounts := map[string]bool{}
	for _, a := range c.Accounts {
		accounts[a.ID] = true
	}
	for _, k := range c.AccessKeys {
		if !accounts[k.AccountID] || k.ID == "" || k.Secret == "" {
			t.Errorf("access key %q of account %q is incomplete", k.ID, k.AccountID)
		}
	}
	products := map[string]*meterd.Product{}
	for _, p := range c.Products {
		if !accounts[p.SellerAccountID] || p.Code == "" {
			t.Errorf("product %q of seller %q is incomplete", p.Code, p.SellerAccountID)
		}
		if p.Integration != "" && p.Type != meterd.ProductSaaS {
			t.Errorf("%s product %q has integration %q", p.Type, p.Code, p.Integration)
		}
		products[p.Code] = p
	}
	customers := map[string]bool{}
	for _, cu := range c.Customers {
		customers[cu.Identifier] = true
	}
	for _, s := range c.Subscriptions {
		p := products[s.ProductCode]
		if p == nil || !customers[s.CustomerIdentifier] || !matchesLicenseArnModel(s.LicenseArn) {
			t.Errorf("subscription %q refers to undeclared product %q or customer %q", s.LicenseArn, s.ProductCode, s.CustomerIdentifier)
			continue
		}
		for _, e := range s.Entitlements {
			checkEntitlement(t, p, e)
		}
	}
}

func checkEntitlement(t *testing.T, p *meterd.Product, e meterd.Entitlement) {
	t.Helper()
	d, ok := p.Dimension(e.Dimension)
	if !ok {
		t.Errorf("entitlement for %q, not a dimension of %q", e.Dimension, p.Code)
		return
	}
	v := e.Value
	set := map[meterd.ValueType]bool{
		meterd.IntegerValue: v.IntegerValue != nil,
		meterd.DoubleValue:  v.DoubleValue != nil,
		meterd.BooleanValue: v.BooleanValue != nil,
		meterd.StringValue:  v.StringValue != nil,
	}
	for typ, isSet := range set {
		if isSet != (typ == d.Type) {
			t.Errorf("entitlement for %s dimension %q has value %s", d.Type, d.Name, dump(v))
		}
	}
}
