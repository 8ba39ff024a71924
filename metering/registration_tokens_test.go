package metering_test

import (
	"encoding/base64"
	"testing"
	"time"

	"github.com/meterd/meterd"
)

func TestCreateRegistrationToken(t *testing.T) {
	lonely := regCatalog()
	lonely.Customers = append(lonely.Customers, &meterd.Customer{Identifier: "cust-lonely", AWSAccountID: "777777777777"})
	// A buyer with an ended agreement next to the current one: the token
	// names the current license.
	lonely.Subscriptions = append(lonely.Subscriptions, &meterd.Subscription{
		ProductCode: regSaaS, CustomerIdentifier: "cust-" + regBuyer,
		// Sorts before the current license in the store's order.
		LicenseArn: regLicenseFmt + "0-old", Status: meterd.SubscriptionUnsubscribed,
	})
	// A renewed agreement: the ended license (metered status, past its
	// end) sorts first; the token names the one active now.
	lonely.Customers = append(lonely.Customers, &meterd.Customer{Identifier: "cust-renewed", AWSAccountID: "888888888888"})
	lonely.Subscriptions = append(lonely.Subscriptions,
		&meterd.Subscription{ProductCode: regSaaS, CustomerIdentifier: "cust-renewed", LicenseArn: regLicenseFmt + "1-ended",
			Status: meterd.SubscriptionActive, LicenseEnd: regEpoch.Add(-time.Hour)},
		&meterd.Subscription{ProductCode: regSaaS, CustomerIdentifier: "cust-renewed", LicenseArn: regLicenseFmt + "2-current",
			Status: meterd.SubscriptionActive, LicenseStart: regEpoch.Add(-time.Hour)},
	)
	env := regNewEnv(t, lonely)

	tests := []struct {
		name        string
		product     string
		customer    string
		wantCode    string
		wantAccount string
		wantLicense string
	}{
		{"OK metered subscription", regSaaS, "cust-" + regBuyer, "", regBuyer, regLicenseFmt + regBuyer + "-b"},
		{"OK unsubscribed customer keeps its license", regSaaS, "cust-222222220002", "", "222222220002", regLicenseFmt + "222222220002-b"},
		{"OK customer without subscription", regSaaS, "cust-lonely", "", "777777777777", ""},
		{"OK renewed agreement names the license active now", regSaaS, "cust-renewed", "", "888888888888", regLicenseFmt + "2-current"},
		{"ErrNotFound product", "no-such-product", "cust-" + regBuyer, meterd.ENotFound, "", ""},
		{"ErrNotFound customer", regSaaS, "cust-nobody", meterd.ENotFound, "", ""},
		{"ErrInvalid container product", regContainer, "cust-" + regBuyer, meterd.EInvalid, "", ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := env.svc.CreateRegistrationToken(t.Context(), tt.product, tt.customer, 0)
			if tt.wantCode != "" {
				regWantCode(t, err, tt.wantCode)
				return
			}
			if err != nil {
				t.Fatalf("CreateRegistrationToken: %v", err)
			}
			if got.ProductCode != tt.product || got.CustomerIdentifier != tt.customer ||
				got.CustomerAWSAccountID != tt.wantAccount || got.LicenseArn != tt.wantLicense {
				t.Fatalf("token = %+v, want account %s license %q", got, tt.wantAccount, tt.wantLicense)
			}
			if !got.IssuedAt.Equal(regEpoch) || !got.ExpiresAt.Equal(regEpoch.Add(4*time.Hour)) {
				t.Fatalf("issued %v expires %v, want %v + 4h", got.IssuedAt, got.ExpiresAt, regEpoch)
			}
			stored, err := env.store.FindRegistrationToken(t.Context(), got.Token)
			if err != nil || stored.LicenseArn != got.LicenseArn {
				t.Fatalf("stored token = %+v, %v", stored, err)
			}
		})
	}
}

func TestRegistrationTokenValue(t *testing.T) {
	env := regNewEnv(t, regCatalog())
	seen := make(map[string]bool)
	for range 20 {
		got, err := env.svc.CreateRegistrationToken(t.Context(), regSaaS, "cust-"+regBuyer, 0)
		if err != nil {
			t.Fatal(err)
		}
		raw, err := base64.RawURLEncoding.DecodeString(got.Token)
		if err != nil || len(raw) < 32 {
			t.Fatalf("token %q is not base64url of >= 32 bytes (%d, %v)", got.Token, len(raw), err)
		}
		if seen[got.Token] {
			t.Fatalf("token %q issued twice", got.Token)
		}
		seen[got.Token] = true
	}
}

func TestRegistrationTokenTTL(t *testing.T) {
	tests := []struct {
		name string
		ttl  time.Duration
		want time.Duration
	}{
		{"zero means the configured 4 hours", 0, 4 * time.Hour},
		{"explicit", 10 * time.Minute, 10 * time.Minute},
		{"negative mints an expired token", -time.Second, -time.Second},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			env := regNewEnv(t, regCatalog())
			got, err := env.svc.CreateRegistrationToken(t.Context(), regSaaS, "cust-"+regBuyer, tt.ttl)
			if err != nil {
				t.Fatal(err)
			}
			if d := got.ExpiresAt.Sub(got.IssuedAt); d != tt.want {
				t.Errorf("lifetime %s, want %s", d, tt.want)
			}
		})
	}
}
