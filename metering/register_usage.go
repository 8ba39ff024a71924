package metering

import (
	"context"
	"fmt"
	"time"

	"github.com/golang-jwt/jwt/v5"

	"github.com/meterd/meterd"
)

// RegisterUsage is called by a paid container product when its ECS task or
// EKS pod starts. The task is identified by the caller's access key. Only a
// task's first call is checked for platform and entitlement: AWS documents
// that later calls from the same task succeed even after the buyer
// unsubscribed. The result is a PS256 JWT that proves to the container that
// AWS (here meterd) accepted the registration.
func (s *Service) RegisterUsage(ctx context.Context, caller meterd.Caller, in *meterd.RegisterUsageRequest) (*meterd.RegisterUsageResult, error) {
	if err := s.Config.Regions.Check(meterd.OpRegisterUsage, caller.Region); err != nil {
		return nil, err
	}
	product, err := s.containerProduct(ctx, in.ProductCode)
	if err != nil {
		return nil, err
	}
	key, err := s.signingKey(ctx, in.PublicKeyVersion)
	if err != nil {
		return nil, err
	}
	if home := caller.Key.HomeRegion; home != "" && home != caller.Region {
		return nil, meterd.Errorf(meterd.EInvalidRegion,
			"RegisterUsage must be called in the region where the task or pod runs (%s), not %s.", home, caller.Region)
	}
	if err := s.registerTaskOnce(ctx, caller, product); err != nil {
		return nil, err
	}
	signature, err := signRegistration(key, in, s.Clock.Now())
	if err != nil {
		return nil, err
	}
	result := &meterd.RegisterUsageResult{Signature: signature}
	if !key.RotatedAt.IsZero() {
		rotated := key.RotatedAt
		result.PublicKeyRotationTimestamp = &rotated
	}
	return result, nil
}

// containerProduct finds a product RegisterUsage may register: only
// Container products are sold per running task.
func (s *Service) containerProduct(ctx context.Context, code string) (*meterd.Product, error) {
	product, err := s.Store.FindProduct(ctx, code)
	if meterd.IsNotFound(err) || (err == nil && product.Type != meterd.ProductContainer) {
		return nil, meterd.Errorf(meterd.EInvalidProductCode, "Product code %s is invalid.", code)
	}
	if err != nil {
		return nil, fmt.Errorf("find product: %w", err)
	}
	return product, nil
}

// registerTaskOnce records the caller's task on its first call, after the
// platform and entitlement checks; an already registered task passes.
func (s *Service) registerTaskOnce(ctx context.Context, caller meterd.Caller, product *meterd.Product) error {
	_, err := s.Store.FindTaskRegistration(ctx, caller.Region, product.Code, caller.AccountID, caller.AccessKeyID)
	if err == nil {
		return nil
	}
	if !meterd.IsNotFound(err) {
		return fmt.Errorf("find task registration: %w", err)
	}
	if !caller.Key.Platform.RunsContainers() {
		return meterd.Errorf(meterd.EPlatformNotSupported,
			"RegisterUsage is supported only on Amazon ECS, Amazon EKS and AWS Fargate.")
	}
	now := s.Clock.Now()
	// Preview mode: the seller may run its own product before publishing
	// it, without a subscription.
	preview := caller.AccountID == product.SellerAccountID
	if !preview {
		if err := s.checkEntitled(ctx, caller.AccountID, product.Code, now); err != nil {
			return err
		}
	}
	_, _, err = s.Store.RegisterTask(ctx, &meterd.TaskRegistration{
		Region:       caller.Region,
		ProductCode:  product.Code,
		AccountID:    caller.AccountID,
		ResourceID:   caller.AccessKeyID,
		Test:         preview,
		RegisteredAt: now,
	})
	if err != nil {
		return fmt.Errorf("register task: %w", err)
	}
	return nil
}

// registrationClaims is the JWT payload of a RegisterUsage signature.
//
// AWS's documents disagree on the key casing: the API reference example uses
// ProductCode, PublicKeyVersion, Nonce and PublicKeyRotationTimestamp, while
// the seller guide's Java verifier reads productCode, publicKeyVersion and
// nonce. Real AWS tokens are what sellers have code for, and either spelling
// may be in that code, so the payload carries both: a verifier reading one
// spelling ignores the other.
func registrationClaims(in *meterd.RegisterUsageRequest, key *meterd.SigningKey, now time.Time) jwt.MapClaims {
	claims := jwt.MapClaims{
		"ProductCode":      in.ProductCode,
		"PublicKeyVersion": in.PublicKeyVersion,
		"Nonce":            in.Nonce,
		"productCode":      in.ProductCode,
		"publicKeyVersion": in.PublicKeyVersion,
		"nonce":            in.Nonce,
		"iat":              now.Unix(),
	}
	if !key.RotatedAt.IsZero() {
		claims["PublicKeyRotationTimestamp"] = key.RotatedAt.Unix()
	}
	return claims
}

// signRegistration returns the compact JWT with the header AWS documents,
// exactly {"alg":"PS256","typ":"JWT"}: no "kid", since the client names the
// key by the PublicKeyVersion it sent.
func signRegistration(key *meterd.SigningKey, in *meterd.RegisterUsageRequest, now time.Time) (string, error) {
	priv, err := parsePrivateKey(key.PrivateKeyPEM)
	if err != nil {
		return "", fmt.Errorf("signing key %d: %w", key.Version, err)
	}
	token := jwt.NewWithClaims(jwt.SigningMethodPS256, registrationClaims(in, key, now))
	signed, err := token.SignedString(priv)
	if err != nil {
		return "", fmt.Errorf("sign registration: %w", err)
	}
	return signed, nil
}
