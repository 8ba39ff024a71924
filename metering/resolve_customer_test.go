package metering_test

import (
	"testing"
	"time"

	"github.com/meterd/meterd"
)

// regSaaSCA is a SaaS product with the Concurrent Agreements integration.
const regSaaSCA = "saas-ca-prod"

// resolveCatalog is regCatalog plus regSaaSCA, to which regBuyer subscribed.
func resolveCatalog() *meterd.Catalog {
	c := regCatalog()
	c.Products = append(c.Products, &meterd.Product{Code: regSaaSCA, SellerAccountID: regSeller,
		Type: meterd.ProductSaaS, Integration: meterd.IntegrationConcurrentAgreements})
	c.Subscriptions = append(c.Subscriptions, &meterd.Subscription{ProductCode: regSaaSCA,
		CustomerIdentifier: "cust-" + regBuyer, LicenseArn: regLicenseFmt + regBuyer + "-ca", Status: meterd.SubscriptionActive})
	return c
}

func TestResolveCustomer(t *testing.T) {
	env := regNewEnv(t, resolveCatalog())
	token, err := env.svc.CreateRegistrationToken(t.Context(), regSaaS, "cust-"+regBuyer, 0)
	if err != nil {
		t.Fatal(err)
	}
	caToken, err := env.svc.CreateRegistrationToken(t.Context(), regSaaSCA, "cust-"+regBuyer, 0)
	if err != nil {
		t.Fatal(err)
	}
	// The answer each token resolves to.
	wants := map[string]*meterd.ResolveCustomerResult{
		token.Token: {
			CustomerIdentifier:   "cust-" + regBuyer,
			ProductCode:          regSaaS,
			CustomerAWSAccountId: regBuyer,
			LicenseArn:           regLicenseFmt + regBuyer + "-b",
		},
		// AWS does not populate CustomerIdentifier for new integrations.
		caToken.Token: {
			ProductCode:          regSaaSCA,
			CustomerAWSAccountId: regBuyer,
			LicenseArn:           regLicenseFmt + regBuyer + "-ca",
		},
	}
	seller := regCaller(regSeller, "AKIDSELLER", regRegion, "", "")
	expiry := token.ExpiresAt

	tests := []struct {
		name     string
		caller   meterd.Caller
		token    string
		now      time.Time
		wantCode string
	}{
		{"OK seller", seller, token.Token, regEpoch, ""},
		{"OK again with the same answer", seller, token.Token, regEpoch.Add(time.Hour), ""},
		{"OK just before expiry", seller, token.Token, expiry.Add(-time.Nanosecond), ""},
		{"OK another region", regCaller(regSeller, "AKIDSELLER", "eu-central-1", "", ""), token.Token, regEpoch, ""},
		{"OK concurrent agreements without CustomerIdentifier", seller, caToken.Token, regEpoch, ""},
		{"ErrInvalidToken concurrent agreements other seller", regCaller(regOtherSeller, "AKIDOTHER", regRegion, "", ""), caToken.Token, regEpoch, meterd.EInvalidToken},
		{"ErrDisabledApi region", regCaller(regSeller, "AKIDSELLER", "us-gov-east-1", "", ""), token.Token, regEpoch, meterd.EDisabledAPI},
		{"ErrInvalidToken unknown", seller, "bm90LWEtdG9rZW4", regEpoch, meterd.EInvalidToken},
		{"ErrInvalidToken malformed", seller, "not a token!", regEpoch, meterd.EInvalidToken},
		{"ErrInvalidToken other seller", regCaller(regOtherSeller, "AKIDOTHER", regRegion, "", ""), token.Token, regEpoch, meterd.EInvalidToken},
		{"ErrInvalidToken buyer", regCaller(regBuyer, "AKIDBUYER", regRegion, "", ""), token.Token, regEpoch, meterd.EInvalidToken},
		{"ErrInvalidToken other seller after expiry", regCaller(regOtherSeller, "AKIDOTHER", regRegion, "", ""), token.Token, expiry, meterd.EInvalidToken},
		{"ErrExpiredToken at expiry", seller, token.Token, expiry, meterd.EExpiredToken},
		{"ErrExpiredToken after expiry", seller, token.Token, expiry.Add(time.Hour), meterd.EExpiredToken},
	}
	var unknownMessage string
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			env.clock.now = tt.now
			got, err := env.svc.ResolveCustomer(t.Context(), tt.caller, &meterd.ResolveCustomerRequest{RegistrationToken: tt.token})
			if tt.wantCode != "" {
				regWantCode(t, err, tt.wantCode)
				if tt.wantCode != meterd.EInvalidToken {
					return
				}
				// Every rejected token gets the same words, so a foreign
				// seller learns nothing.
				if unknownMessage == "" {
					unknownMessage = meterd.ErrorMessage(err)
				}
				if msg := meterd.ErrorMessage(err); msg != unknownMessage {
					t.Fatalf("message = %q, want %q like every invalid token", msg, unknownMessage)
				}
				return
			}
			if err != nil {
				t.Fatalf("ResolveCustomer: %v", err)
			}
			if want := wants[tt.token]; *got != *want {
				t.Fatalf("got %+v, want %+v", got, want)
			}
		})
	}
}

func TestResolveCustomerProductRemoved(t *testing.T) {
	env := regNewEnv(t, regCatalog())
	// A token whose product is not in the catalog (as after a catalog
	// rewrite) resolves for no one.
	err := env.store.CreateRegistrationToken(t.Context(), &meterd.RegistrationToken{
		Token: "orphan-token", ProductCode: "gone-product", CustomerIdentifier: "cust-" + regBuyer,
		CustomerAWSAccountID: regBuyer, IssuedAt: regEpoch, ExpiresAt: regEpoch.Add(time.Hour),
	})
	if err != nil {
		t.Fatal(err)
	}
	_, err = env.svc.ResolveCustomer(t.Context(), regCaller(regSeller, "AKIDSELLER", regRegion, "", ""),
		&meterd.ResolveCustomerRequest{RegistrationToken: "orphan-token"})
	regWantCode(t, err, meterd.EInvalidToken)
}
