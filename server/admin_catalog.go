package server

import (
	"encoding/json"
	"net/http"
	"time"

	"github.com/meterd/meterd"
	"github.com/meterd/meterd/lifecycle"
)

// CatalogStore is what the catalog and buyer-action routes read and write.
type CatalogStore interface {
	meterd.CatalogEditor
	meterd.CatalogReader
}

// catalogRoutes are the admin routes of accounts, keys, products,
// customers and subscriptions (admin_subscriptions.go).
func (s *Server) catalogRoutes() []adminRoute {
	return []adminRoute{
		{http.MethodGet, pathOpenAPI, http.StatusOK, s.showOpenAPI},
		{http.MethodGet, "/admin/v1/accounts", http.StatusOK, s.listAccounts},
		{http.MethodPost, "/admin/v1/accounts", http.StatusCreated, s.createAccount},
		{http.MethodGet, "/admin/v1/access-keys", http.StatusOK, s.listAccessKeys},
		{http.MethodPost, "/admin/v1/access-keys", http.StatusCreated, s.createAccessKey},
		{http.MethodPost, "/admin/v1/access-keys/{id}/rotate", http.StatusOK, s.rotateAccessKey},
		{http.MethodPost, "/admin/v1/access-keys/{id}/disable", http.StatusOK, s.disableAccessKey},
		{http.MethodPost, "/admin/v1/access-keys/{id}/enable", http.StatusOK, s.enableAccessKey},
		{http.MethodGet, "/admin/v1/products", http.StatusOK, s.listProducts},
		{http.MethodPost, "/admin/v1/products", http.StatusCreated, s.createProduct},
		{http.MethodGet, "/admin/v1/products/{code}", http.StatusOK, s.showProduct},
		{http.MethodPatch, "/admin/v1/products/{code}", http.StatusOK, s.updateProduct},
		{http.MethodGet, "/admin/v1/customers", http.StatusOK, s.listCustomers},
		{http.MethodPost, "/admin/v1/customers", http.StatusCreated, s.createCustomer},
		{http.MethodGet, "/admin/v1/subscriptions", http.StatusOK, s.listSubscriptions},
		{http.MethodPost, "/admin/v1/subscriptions", http.StatusCreated, s.subscribe},
		{http.MethodPost, "/admin/v1/subscriptions/{licenseArn}/unsubscribe", http.StatusOK, s.unsubscribe},
		{http.MethodPost, "/admin/v1/subscriptions/{licenseArn}/entitlements", http.StatusOK, s.setEntitlements},
		{http.MethodPost, "/admin/v1/subscriptions/{licenseArn}/expire", http.StatusOK, s.expireLicense},
	}
}

// decodeStrict reads the JSON body of r into v, refusing unknown fields
// and trailing data; any failure is EInvalid naming what is wrong.
func decodeStrict(r *http.Request, v any) error {
	dec := json.NewDecoder(r.Body)
	dec.DisallowUnknownFields()
	if err := dec.Decode(v); err != nil {
		return meterd.Errorf(meterd.EInvalid, "body: %v", err)
	}
	if dec.More() {
		return meterd.Errorf(meterd.EInvalid, "body: one JSON object expected")
	}
	return nil
}

// catalog returns the catalog store, or EInvalid when this server has none.
func (s *Server) catalog() (CatalogStore, error) {
	if s.Catalog == nil || s.Lifecycle == nil {
		return nil, meterd.Errorf(meterd.EInvalid, "this meterd has no catalog editing")
	}
	return s.Catalog, nil
}

// adminWriteError turns the store's EValidation (an entry refers to one
// that does not exist) into the admin API's EInvalid.
func adminWriteError(err error) error {
	if meterd.ErrorCode(err) == meterd.EValidation {
		return meterd.Errorf(meterd.EInvalid, "%s", meterd.ErrorMessage(err))
	}
	return err
}

// AccountJSON is an account in the admin API.
type AccountJSON struct {
	ID     string `json:"id"`
	Name   string `json:"name"`
	Origin string `json:"origin,omitempty"`
}

func (s *Server) listAccounts(r *http.Request) (any, error) {
	c, err := s.listCatalog(r)
	if err != nil {
		return nil, err
	}
	out := []AccountJSON{}
	for _, a := range c.Accounts {
		out = append(out, AccountJSON{ID: a.ID, Name: a.Name, Origin: string(a.Origin)})
	}
	return out, nil
}

func (s *Server) listCatalog(r *http.Request) (*meterd.Catalog, error) {
	store, err := s.catalog()
	if err != nil {
		return nil, err
	}
	return store.ListCatalog(r.Context())
}

func (s *Server) createAccount(r *http.Request) (any, error) {
	store, err := s.catalog()
	if err != nil {
		return nil, err
	}
	var in AccountJSON
	if err := decodeStrict(r, &in); err != nil {
		return nil, err
	}
	a := &meterd.Account{ID: in.ID, Name: in.Name}
	if err := lifecycle.CheckAccount(a); err != nil {
		return nil, err
	}
	if err := store.CreateEntries(r.Context(), &meterd.Catalog{Accounts: []*meterd.Account{a}}); err != nil {
		return nil, adminWriteError(err)
	}
	return AccountJSON{ID: a.ID, Name: a.Name, Origin: string(meterd.OriginAdmin)}, nil
}

// CustomerJSON is a customer in the admin API.
type CustomerJSON struct {
	Identifier   string `json:"identifier"`
	AWSAccountID string `json:"awsAccountId"`
	Origin       string `json:"origin,omitempty"`
}

func (s *Server) listCustomers(r *http.Request) (any, error) {
	c, err := s.listCatalog(r)
	if err != nil {
		return nil, err
	}
	out := []CustomerJSON{}
	for _, cu := range c.Customers {
		out = append(out, CustomerJSON{Identifier: cu.Identifier, AWSAccountID: cu.AWSAccountID, Origin: string(cu.Origin)})
	}
	return out, nil
}

func (s *Server) createCustomer(r *http.Request) (any, error) {
	store, err := s.catalog()
	if err != nil {
		return nil, err
	}
	var in CustomerJSON
	if err := decodeStrict(r, &in); err != nil {
		return nil, err
	}
	cu := &meterd.Customer{Identifier: in.Identifier, AWSAccountID: in.AWSAccountID}
	if err := lifecycle.CheckCustomer(cu); err != nil {
		return nil, err
	}
	if err := store.CreateEntries(r.Context(), &meterd.Catalog{Customers: []*meterd.Customer{cu}}); err != nil {
		return nil, adminWriteError(err)
	}
	return CustomerJSON{Identifier: cu.Identifier, AWSAccountID: cu.AWSAccountID, Origin: string(meterd.OriginAdmin)}, nil
}

// timeJSON is an optional time of the admin API: nil for the zero time.
func timeJSON(t time.Time) *time.Time {
	if t.IsZero() {
		return nil
	}
	u := t.UTC()
	return &u
}
