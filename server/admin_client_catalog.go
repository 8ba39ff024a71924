package server

import (
	"context"
	"net/http"
	"net/url"
)

// result returns v, or nil with err.
func result[T any](v *T, err error) (*T, error) {
	if err != nil {
		return nil, err
	}
	return v, nil
}

// ListAccounts lists the accounts.
func (c *AdminClient) ListAccounts(ctx context.Context) ([]AccountJSON, error) {
	var out []AccountJSON
	return out, c.do(ctx, http.MethodGet, "/admin/v1/accounts", nil, &out)
}

// CreateAccount creates an admin-made account.
func (c *AdminClient) CreateAccount(ctx context.Context, in AccountJSON) (*AccountJSON, error) {
	var out AccountJSON
	return result(&out, c.post(ctx, "/admin/v1/accounts", in, &out))
}

// ListAccessKeys lists the access keys, without their secrets.
func (c *AdminClient) ListAccessKeys(ctx context.Context) ([]AccessKeyJSON, error) {
	var out []AccessKeyJSON
	return out, c.do(ctx, http.MethodGet, "/admin/v1/access-keys", nil, &out)
}

// CreateAccessKey creates a key; the answer holds its secret.
func (c *AdminClient) CreateAccessKey(ctx context.Context, in CreateAccessKeyInput) (*AccessKeyJSON, error) {
	var out AccessKeyJSON
	return result(&out, c.post(ctx, "/admin/v1/access-keys", in, &out))
}

// ChangeAccessKey runs action (rotate, disable or enable) on key id; a
// rotation's answer holds the new secret.
func (c *AdminClient) ChangeAccessKey(ctx context.Context, id, action string) (*AccessKeyJSON, error) {
	var out AccessKeyJSON
	return result(&out, c.post(ctx, "/admin/v1/access-keys/"+url.PathEscape(id)+"/"+action, struct{}{}, &out))
}

// ListProducts lists the products.
func (c *AdminClient) ListProducts(ctx context.Context) ([]ProductJSON, error) {
	var out []ProductJSON
	return out, c.do(ctx, http.MethodGet, "/admin/v1/products", nil, &out)
}

// CreateProduct creates an admin-made product.
func (c *AdminClient) CreateProduct(ctx context.Context, in ProductJSON) (*ProductJSON, error) {
	var out ProductJSON
	return result(&out, c.post(ctx, "/admin/v1/products", in, &out))
}

// ShowProduct returns the product with code.
func (c *AdminClient) ShowProduct(ctx context.Context, code string) (*ProductJSON, error) {
	var out ProductJSON
	return result(&out, c.do(ctx, http.MethodGet, "/admin/v1/products/"+url.PathEscape(code), nil, &out))
}

// UpdateProduct changes a product's fulfillment URL or targets.
func (c *AdminClient) UpdateProduct(ctx context.Context, code string, in UpdateProductInput) (*ProductJSON, error) {
	var out ProductJSON
	return result(&out, c.do(ctx, http.MethodPatch, "/admin/v1/products/"+url.PathEscape(code), in, &out))
}

// ListCustomers lists the customers.
func (c *AdminClient) ListCustomers(ctx context.Context) ([]CustomerJSON, error) {
	var out []CustomerJSON
	return out, c.do(ctx, http.MethodGet, "/admin/v1/customers", nil, &out)
}

// CreateCustomer creates an admin-made customer.
func (c *AdminClient) CreateCustomer(ctx context.Context, in CustomerJSON) (*CustomerJSON, error) {
	var out CustomerJSON
	return result(&out, c.post(ctx, "/admin/v1/customers", in, &out))
}

// ListSubscriptions lists the subscriptions of a product and/or customer.
func (c *AdminClient) ListSubscriptions(ctx context.Context, productCode, customerIdentifier string) ([]SubscriptionJSON, error) {
	q := url.Values{}
	if productCode != "" {
		q.Set("productCode", productCode)
	}
	if customerIdentifier != "" {
		q.Set("customerIdentifier", customerIdentifier)
	}
	var out []SubscriptionJSON
	return out, c.do(ctx, http.MethodGet, "/admin/v1/subscriptions?"+q.Encode(), nil, &out)
}

// Subscribe subscribes a customer (and POSTs the registration token).
func (c *AdminClient) Subscribe(ctx context.Context, in SubscribeInput) (*SubscriptionActionOutput, error) {
	var out SubscriptionActionOutput
	return result(&out, c.post(ctx, "/admin/v1/subscriptions", in, &out))
}

// Unsubscribe starts the cancellation of a license.
func (c *AdminClient) Unsubscribe(ctx context.Context, licenseArn string) (*SubscriptionActionOutput, error) {
	return c.licenseAction(ctx, licenseArn, "unsubscribe", struct{}{})
}

// SetEntitlements replaces a license's entitlements.
func (c *AdminClient) SetEntitlements(ctx context.Context, licenseArn string, in EntitlementsInput) (*SubscriptionActionOutput, error) {
	return c.licenseAction(ctx, licenseArn, "entitlements", in)
}

// ExpireLicense ends a license now.
func (c *AdminClient) ExpireLicense(ctx context.Context, licenseArn string) (*SubscriptionActionOutput, error) {
	return c.licenseAction(ctx, licenseArn, "expire", struct{}{})
}

func (c *AdminClient) licenseAction(ctx context.Context, licenseArn, action string, in any) (*SubscriptionActionOutput, error) {
	var out SubscriptionActionOutput
	return result(&out, c.post(ctx, "/admin/v1/subscriptions/"+url.PathEscape(licenseArn)+"/"+action, in, &out))
}
