package metering

import (
	"context"
	"fmt"

	"github.com/meterd/meterd"
)

// invalidRegistrationToken is the one answer for every token the caller may
// not resolve, so that a probe cannot tell an unknown token from another
// seller's.
func invalidRegistrationToken() error {
	return meterd.Errorf(meterd.EInvalidToken, "Registration token is invalid.")
}

// ResolveCustomer exchanges a registration token for the customer it was
// issued to. Only the seller of the token's product may resolve it; while
// the token is valid it resolves any number of times to the same answer.
// For a Concurrent Agreements product CustomerIdentifier is left out, as AWS
// does not populate it for new integrations: the seller keeps
// CustomerAWSAccountId and LicenseArn.
func (s *Service) ResolveCustomer(ctx context.Context, caller meterd.Caller, in *meterd.ResolveCustomerRequest) (*meterd.ResolveCustomerResult, error) {
	if err := s.Config.Regions.Check(meterd.OpResolveCustomer, caller.Region); err != nil {
		return nil, err
	}
	token, err := s.Store.FindRegistrationToken(ctx, in.RegistrationToken)
	if meterd.IsNotFound(err) {
		return nil, invalidRegistrationToken()
	}
	if err != nil {
		return nil, fmt.Errorf("find registration token: %w", err)
	}
	product, err := s.tokenProduct(ctx, caller, token)
	if err != nil {
		return nil, err
	}
	// Expiry is checked after ownership: only the seller learns that a
	// token existed.
	if !s.Clock.Now().Before(token.ExpiresAt) {
		return nil, meterd.Errorf(meterd.EExpiredToken, "Registration token has expired.")
	}
	out := &meterd.ResolveCustomerResult{
		CustomerIdentifier:   token.CustomerIdentifier,
		ProductCode:          token.ProductCode,
		CustomerAWSAccountId: token.CustomerAWSAccountID,
		LicenseArn:           token.LicenseArn,
	}
	if product.ConcurrentAgreements() {
		out.CustomerIdentifier = ""
	}
	return out, nil
}

// tokenProduct returns the token's product, rejecting a caller that does
// not sell it.
func (s *Service) tokenProduct(ctx context.Context, caller meterd.Caller, token *meterd.RegistrationToken) (*meterd.Product, error) {
	product, err := s.Store.FindProduct(ctx, token.ProductCode)
	if meterd.IsNotFound(err) {
		// The product left the catalog after the token was minted.
		return nil, invalidRegistrationToken()
	}
	if err != nil {
		return nil, fmt.Errorf("find product: %w", err)
	}
	if product.SellerAccountID != caller.AccountID {
		s.Logger.InfoContext(ctx, "ResolveCustomer by a non-seller",
			meterd.LogKeyProduct, product.Code, meterd.LogKeyCallerAccount, caller.AccountID)
		return nil, invalidRegistrationToken()
	}
	return product, nil
}
