package server

import (
	"net/http"

	"github.com/meterd/meterd"
	"github.com/meterd/meterd/lifecycle"
)

// DimensionJSON is a product dimension in the admin API. The unit price is
// not here yet: it comes with meterd.Dimension.UnitPrice.
type DimensionJSON struct {
	Name string `json:"name"`
	// Type is the entitlement value type: Integer (default), Double,
	// Boolean or String.
	Type string `json:"type,omitempty"`
}

// TargetJSON is a notification target (meterd.NotificationTarget).
type TargetJSON struct {
	Kind     string `json:"kind"`
	Endpoint string `json:"endpoint"`
	Region   string `json:"region,omitempty"`
	EventBus string `json:"eventBus,omitempty"`
}

// ProductJSON is a product in the admin API, and the body that creates one.
type ProductJSON struct {
	Code                string          `json:"code"`
	SellerAccountID     string          `json:"sellerAccountId"`
	Type                string          `json:"type"`
	Integration         string          `json:"integration,omitempty"`
	Dimensions          []DimensionJSON `json:"dimensions"`
	FulfillmentURL      string          `json:"fulfillmentUrl,omitempty"`
	NotificationTargets []TargetJSON    `json:"notificationTargets"`
	Origin              string          `json:"origin,omitempty"`
}

// UpdateProductInput is the body of PATCH /admin/v1/products/{code}: the
// fields sent replace the stored ones.
type UpdateProductInput struct {
	FulfillmentURL      *string       `json:"fulfillmentUrl,omitempty"`
	NotificationTargets *[]TargetJSON `json:"notificationTargets,omitempty"`
}

func productJSON(p *meterd.Product) ProductJSON {
	out := ProductJSON{Code: p.Code, SellerAccountID: p.SellerAccountID, Type: string(p.Type),
		Integration: string(p.Integration), FulfillmentURL: p.FulfillmentURL, Origin: string(p.Origin),
		Dimensions: []DimensionJSON{}, NotificationTargets: targetsJSON(p.NotificationTargets)}
	for _, d := range p.Dimensions {
		out.Dimensions = append(out.Dimensions, DimensionJSON{Name: d.Name, Type: string(d.Type)})
	}
	return out
}

func targetsJSON(ts []meterd.NotificationTarget) []TargetJSON {
	out := []TargetJSON{}
	for _, t := range ts {
		out = append(out, TargetJSON{Kind: string(t.Kind), Endpoint: t.Endpoint, Region: t.Region, EventBus: t.EventBus})
	}
	return out
}

func targetsFromJSON(ts []TargetJSON) []meterd.NotificationTarget {
	var out []meterd.NotificationTarget
	for _, t := range ts {
		out = append(out, meterd.NotificationTarget{Kind: meterd.TargetKind(t.Kind), Endpoint: t.Endpoint,
			Region: t.Region, EventBus: t.EventBus})
	}
	return out
}

func (in ProductJSON) product() *meterd.Product {
	p := &meterd.Product{Code: in.Code, SellerAccountID: in.SellerAccountID, Type: meterd.ProductType(in.Type),
		Integration: meterd.ProductIntegration(in.Integration), FulfillmentURL: in.FulfillmentURL,
		NotificationTargets: targetsFromJSON(in.NotificationTargets)}
	for _, d := range in.Dimensions {
		p.Dimensions = append(p.Dimensions, meterd.Dimension{Name: d.Name, Type: meterd.ValueType(d.Type)})
	}
	return p
}

func (s *Server) listProducts(r *http.Request) (any, error) {
	c, err := s.listCatalog(r)
	if err != nil {
		return nil, err
	}
	out := []ProductJSON{}
	for _, p := range c.Products {
		out = append(out, productJSON(p))
	}
	return out, nil
}

func (s *Server) createProduct(r *http.Request) (any, error) {
	store, err := s.catalog()
	if err != nil {
		return nil, err
	}
	var in ProductJSON
	if err := decodeStrict(r, &in); err != nil {
		return nil, err
	}
	if in.Origin != "" {
		return nil, meterd.Errorf(meterd.EInvalid, "origin: set by meterd, not by the request")
	}
	p := in.product()
	if err := lifecycle.CheckProduct(p); err != nil {
		return nil, err
	}
	if err := store.CreateEntries(r.Context(), &meterd.Catalog{Products: []*meterd.Product{p}}); err != nil {
		return nil, adminWriteError(err)
	}
	p.Origin = meterd.OriginAdmin
	return productJSON(p), nil
}

func (s *Server) showProduct(r *http.Request) (any, error) {
	store, err := s.catalog()
	if err != nil {
		return nil, err
	}
	code := r.PathValue("code")
	p, err := store.FindProduct(r.Context(), code)
	if meterd.IsNotFound(err) {
		return nil, meterd.Errorf(meterd.ENotFound, "product %q does not exist", code)
	}
	if err != nil {
		return nil, err
	}
	return productJSON(p), nil
}

func (s *Server) updateProduct(r *http.Request) (any, error) {
	store, err := s.catalog()
	if err != nil {
		return nil, err
	}
	var in UpdateProductInput
	if err := decodeStrict(r, &in); err != nil {
		return nil, err
	}
	p, err := store.UpdateProduct(r.Context(), r.PathValue("code"), func(p *meterd.Product) error {
		if in.FulfillmentURL != nil {
			p.FulfillmentURL = *in.FulfillmentURL
		}
		if in.NotificationTargets != nil {
			p.NotificationTargets = targetsFromJSON(*in.NotificationTargets)
		}
		return lifecycle.CheckProduct(p)
	})
	if err != nil {
		return nil, err
	}
	return productJSON(p), nil
}
