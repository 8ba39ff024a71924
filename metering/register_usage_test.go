package metering_test

import (
	"crypto"
	"crypto/rsa"
	"crypto/sha256"
	"encoding/base64"
	"strings"
	"testing"
	"time"

	"github.com/golang-jwt/jwt/v5"

	"github.com/meterd/meterd"
)

const (
	regSeller      = "111111111111"
	regOtherSeller = "444444444444"
	regBuyer       = "222222222222"
	regStranger    = "999999999999" // no customer record

	regContainer  = "cont-prod"
	regSaaS       = "saas-prod"
	regOtherProd  = "other-saas"
	regRegion     = "us-east-1"
	regLicenseFmt = "arn:aws:license-manager::294406891311:license:l-"
)

// regCatalog sells one Container and one SaaS product (regSeller) and
// another SaaS product (regOtherSeller). Each buyer account has its own
// customer in the state its name says, subscribed to both of regSeller's
// products.
func regCatalog() *meterd.Catalog {
	c := &meterd.Catalog{
		Accounts: []*meterd.Account{{ID: regSeller, Name: "seller"}, {ID: regOtherSeller, Name: "other seller"}},
		Products: []*meterd.Product{
			{Code: regContainer, SellerAccountID: regSeller, Type: meterd.ProductContainer},
			{Code: regSaaS, SellerAccountID: regSeller, Type: meterd.ProductSaaS},
			{Code: regOtherProd, SellerAccountID: regOtherSeller, Type: meterd.ProductSaaS},
		},
	}
	for i, cust := range []struct {
		account string
		status  meterd.SubscriptionStatus
		end     time.Time
	}{
		{regBuyer, meterd.SubscriptionActive, time.Time{}},
		{"222222220001", meterd.SubscriptionUnsubscribePending, time.Time{}},
		{"222222220002", meterd.SubscriptionUnsubscribed, time.Time{}},
		{"222222220003", meterd.SubscriptionPending, time.Time{}},
		{"222222220004", meterd.SubscriptionFailed, time.Time{}},
		{"222222220005", meterd.SubscriptionActive, regEpoch}, // license ended
		{"222222220006", meterd.SubscriptionActive, time.Time{}},
	} {
		id := "cust-" + cust.account
		c.Customers = append(c.Customers, &meterd.Customer{Identifier: id, AWSAccountID: cust.account})
		for j, product := range []string{regContainer, regSaaS} {
			if i == 6 && product == regContainer {
				continue // a customer of the SaaS product only
			}
			c.Subscriptions = append(c.Subscriptions, &meterd.Subscription{
				ProductCode:        product,
				CustomerIdentifier: id,
				LicenseArn:         regLicenseFmt + cust.account + "-" + string(rune('a'+j)),
				Status:             cust.status,
				LicenseEnd:         cust.end,
			})
		}
	}
	return c
}

// regCaller is a task of account in region, signed with key id.
func regCaller(account, id, region, platform, home string) meterd.Caller {
	return meterd.Caller{
		AccessKeyID: id,
		AccountID:   account,
		Region:      region,
		Key:         meterd.AccessKey{ID: id, AccountID: account, Platform: meterd.Platform(platform), HomeRegion: home},
	}
}

func TestRegisterUsageRules(t *testing.T) {
	req := func(product string, version int32) *meterd.RegisterUsageRequest {
		return &meterd.RegisterUsageRequest{ProductCode: product, PublicKeyVersion: version, Nonce: "n-1"}
	}
	tests := []struct {
		name     string
		caller   meterd.Caller
		req      *meterd.RegisterUsageRequest
		wantCode string
		wantTest bool
	}{
		{"OK buyer on ECS", regCaller(regBuyer, "AKIDTASK1", regRegion, "ecs", regRegion), req(regContainer, 1), "", false},
		{"OK buyer on EKS", regCaller(regBuyer, "AKIDTASK2", regRegion, "eks", ""), req(regContainer, 1), "", false},
		{"OK buyer on Fargate", regCaller(regBuyer, "AKIDTASK3", "eu-west-1", "fargate", "eu-west-1"), req(regContainer, 1), "", false},
		{"OK key without platform", regCaller(regBuyer, "AKIDTASK4", regRegion, "", ""), req(regContainer, 1), "", false},
		{"OK unsubscribe pending", regCaller("222222220001", "AKIDTASK5", regRegion, "ecs", ""), req(regContainer, 1), "", false},
		{"OK seller preview without subscription", regCaller(regSeller, "AKIDTASK6", regRegion, "ecs", ""), req(regContainer, 1), "", true},
		{"ErrDisabledApi region without RegisterUsage", regCaller(regBuyer, "AKIDTASK7", "us-gov-west-1", "ecs", ""), req(regContainer, 1), meterd.EDisabledAPI, false},
		{"ErrInvalidProductCode unknown", regCaller(regBuyer, "AKIDTASK8", regRegion, "ecs", ""), req("no-such-product", 1), meterd.EInvalidProductCode, false},
		{"ErrInvalidProductCode not Container", regCaller(regBuyer, "AKIDTASK9", regRegion, "ecs", ""), req(regSaaS, 1), meterd.EInvalidProductCode, false},
		{"ErrInvalidPublicKeyVersion", regCaller(regBuyer, "AKIDTASK10", regRegion, "ecs", ""), req(regContainer, 2), meterd.EInvalidPublicKeyVersion, false},
		{"ErrInvalidRegion task elsewhere", regCaller(regBuyer, "AKIDTASK11", regRegion, "ecs", "eu-west-1"), req(regContainer, 1), meterd.EInvalidRegion, false},
		{"ErrPlatformNotSupported EC2", regCaller(regBuyer, "AKIDTASK12", regRegion, "ec2", ""), req(regContainer, 1), meterd.EPlatformNotSupported, false},
		{"ErrPlatformNotSupported also in preview", regCaller(regSeller, "AKIDTASK13", regRegion, "ec2", ""), req(regContainer, 1), meterd.EPlatformNotSupported, false},
		{"ErrCustomerNotEntitled no customer", regCaller(regStranger, "AKIDTASK14", regRegion, "ecs", ""), req(regContainer, 1), meterd.ECustomerNotEntitled, false},
		{"ErrCustomerNotEntitled unsubscribed", regCaller("222222220002", "AKIDTASK15", regRegion, "ecs", ""), req(regContainer, 1), meterd.ECustomerNotEntitled, false},
		{"ErrCustomerNotEntitled pending", regCaller("222222220003", "AKIDTASK16", regRegion, "ecs", ""), req(regContainer, 1), meterd.ECustomerNotEntitled, false},
		{"ErrCustomerNotEntitled failed", regCaller("222222220004", "AKIDTASK17", regRegion, "ecs", ""), req(regContainer, 1), meterd.ECustomerNotEntitled, false},
		{"ErrCustomerNotEntitled license ended", regCaller("222222220005", "AKIDTASK18", regRegion, "ecs", ""), req(regContainer, 1), meterd.ECustomerNotEntitled, false},
		{"ErrCustomerNotEntitled other product only", regCaller("222222220006", "AKIDTASK19", regRegion, "ecs", ""), req(regContainer, 1), meterd.ECustomerNotEntitled, false},
		{"ErrCustomerNotEntitled other seller's product", regCaller(regOtherSeller, "AKIDTASK20", regRegion, "ecs", ""), req(regContainer, 1), meterd.ECustomerNotEntitled, false},
	}
	env := regNewEnv(t, regCatalog())
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := env.svc.RegisterUsage(t.Context(), tt.caller, tt.req)
			c := tt.caller
			reg, findErr := env.store.FindTaskRegistration(t.Context(), c.Region, tt.req.ProductCode, c.AccountID, c.AccessKeyID)
			if tt.wantCode != "" {
				regWantCode(t, err, tt.wantCode)
				if findErr == nil {
					t.Fatalf("a rejected call registered the task: %+v", reg)
				}
				return
			}
			if err != nil {
				t.Fatalf("RegisterUsage: %v", err)
			}
			if got.Signature == "" || got.PublicKeyRotationTimestamp != nil {
				t.Fatalf("result = %+v, want a signature and no rotation timestamp", got)
			}
			if findErr != nil {
				t.Fatalf("task not registered: %v", findErr)
			}
			if reg.Test != tt.wantTest || !reg.RegisteredAt.Equal(regEpoch) {
				t.Fatalf("registration = %+v, want Test=%v at %v", reg, tt.wantTest, regEpoch)
			}
		})
	}
}

// regSplitJWT returns the decoded header and payload and the signature
// input of a compact JWT.
func regSplitJWT(t *testing.T, token string) (header, payload, signed, sig []byte) {
	t.Helper()
	parts := strings.Split(token, ".")
	if len(parts) != 3 {
		t.Fatalf("JWT has %d parts, want 3: %q", len(parts), token)
	}
	var err error
	if header, err = base64.RawURLEncoding.DecodeString(parts[0]); err != nil {
		t.Fatalf("header: %v", err)
	}
	if payload, err = base64.RawURLEncoding.DecodeString(parts[1]); err != nil {
		t.Fatalf("payload: %v", err)
	}
	if sig, err = base64.RawURLEncoding.DecodeString(parts[2]); err != nil {
		t.Fatalf("signature: %v", err)
	}
	return header, payload, []byte(parts[0] + "." + parts[1]), sig
}

// regVerifyJWT checks token with golang-jwt, allowing only PS256, and
// returns its claims.
func regVerifyJWT(t *testing.T, token string, pub *rsa.PublicKey) jwt.MapClaims {
	t.Helper()
	claims := jwt.MapClaims{}
	_, err := jwt.ParseWithClaims(token, claims, func(*jwt.Token) (any, error) { return pub, nil },
		jwt.WithValidMethods([]string{"PS256"}))
	if err != nil {
		t.Fatalf("verify JWT: %v", err)
	}
	return claims
}

// regVerifyPSS checks token with crypto/rsa alone, with the salt length of
// RFC 7518 (and Java's SHA256withRSA/PSS default): the hash size.
func regVerifyPSS(t *testing.T, token string, pub *rsa.PublicKey) {
	t.Helper()
	_, _, signed, sig := regSplitJWT(t, token)
	digest := sha256.Sum256(signed)
	err := rsa.VerifyPSS(pub, crypto.SHA256, digest[:], sig, &rsa.PSSOptions{SaltLength: rsa.PSSSaltLengthEqualsHash})
	if err != nil {
		t.Fatalf("VerifyPSS: %v", err)
	}
}

func TestRegisterUsageSignature(t *testing.T) {
	for name, nonce := range map[string]string{"OK with nonce": "3e5a7c0d-nonce", "OK empty nonce": ""} {
		t.Run(name, func(t *testing.T) {
			env := regNewEnv(t, regCatalog())
			caller := regCaller(regBuyer, "AKIDSIG", regRegion, "ecs", "")
			got, err := env.svc.RegisterUsage(t.Context(), caller,
				&meterd.RegisterUsageRequest{ProductCode: regContainer, PublicKeyVersion: 1, Nonce: nonce})
			if err != nil {
				t.Fatalf("RegisterUsage: %v", err)
			}
			header, _, _, _ := regSplitJWT(t, got.Signature)
			if string(header) != `{"alg":"PS256","typ":"JWT"}` {
				t.Fatalf("header = %s", header)
			}
			pub := regPublicKey(t, env.svc, 1)
			regVerifyPSS(t, got.Signature, pub)
			claims := regVerifyJWT(t, got.Signature, pub)
			want := map[string]any{
				"ProductCode": regContainer, "productCode": regContainer,
				"PublicKeyVersion": float64(1), "publicKeyVersion": float64(1),
				"Nonce": nonce, "nonce": nonce,
				"iat": float64(regEpoch.Unix()),
			}
			for k, v := range want {
				if claims[k] != v {
					t.Errorf("claim %s = %#v, want %#v", k, claims[k], v)
				}
			}
			if len(claims) != len(want) {
				t.Errorf("claims = %v, want exactly %v", claims, want)
			}
		})
	}
}

func TestRegisterUsageRotation(t *testing.T) {
	env := regNewEnv(t, regCatalog())
	env.clock.now = regEpoch.Add(time.Hour + 250*time.Millisecond)
	if _, err := env.svc.RotateSigningKey(t.Context()); err != nil {
		t.Fatalf("RotateSigningKey: %v", err)
	}
	rotatedAt := env.clock.now.Truncate(time.Second)
	env.clock.now = env.clock.now.Add(time.Minute)
	caller := regCaller(regBuyer, "AKIDROT", regRegion, "ecs", "")
	call := func(version int32) (*meterd.RegisterUsageResult, error) {
		return env.svc.RegisterUsage(t.Context(), caller,
			&meterd.RegisterUsageRequest{ProductCode: regContainer, PublicKeyVersion: version, Nonce: "n"})
	}

	t.Run("OK rotated version", func(t *testing.T) {
		got, err := call(1)
		if err != nil {
			t.Fatalf("RegisterUsage: %v", err)
		}
		if got.PublicKeyRotationTimestamp == nil || !got.PublicKeyRotationTimestamp.Equal(rotatedAt) {
			t.Fatalf("PublicKeyRotationTimestamp = %v, want %v", got.PublicKeyRotationTimestamp, rotatedAt)
		}
		pub := regPublicKey(t, env.svc, 1)
		regVerifyPSS(t, got.Signature, pub)
		claims := regVerifyJWT(t, got.Signature, pub)
		if claims["PublicKeyRotationTimestamp"] != float64(rotatedAt.Unix()) {
			t.Fatalf("PublicKeyRotationTimestamp claim = %v, want %d", claims["PublicKeyRotationTimestamp"], rotatedAt.Unix())
		}
	})
	t.Run("OK current version", func(t *testing.T) {
		got, err := call(2)
		if err != nil {
			t.Fatalf("RegisterUsage: %v", err)
		}
		if got.PublicKeyRotationTimestamp != nil {
			t.Fatalf("PublicKeyRotationTimestamp = %v, want none", got.PublicKeyRotationTimestamp)
		}
		pub := regPublicKey(t, env.svc, 2)
		regVerifyPSS(t, got.Signature, pub)
		claims := regVerifyJWT(t, got.Signature, pub)
		if _, ok := claims["PublicKeyRotationTimestamp"]; ok || claims["PublicKeyVersion"] != float64(2) {
			t.Fatalf("claims = %v, want version 2 and no rotation timestamp", claims)
		}
		// Signed with version 2, so version 1's key must not verify it.
		_, err = jwt.Parse(got.Signature, func(*jwt.Token) (any, error) { return regPublicKey(t, env.svc, 1), nil })
		if err == nil {
			t.Fatal("version 1's key verified a version 2 signature")
		}
	})
	t.Run("ErrInvalidPublicKeyVersion unknown version", func(t *testing.T) {
		_, err := call(3)
		regWantCode(t, err, meterd.EInvalidPublicKeyVersion)
	})
}

func TestRegisterUsageFirstCallRule(t *testing.T) {
	env := regNewEnv(t, regCatalog())
	ctx := t.Context()
	req := &meterd.RegisterUsageRequest{ProductCode: regContainer, PublicKeyVersion: 1}
	task := regCaller(regBuyer, "AKIDFIRST", regRegion, "ecs", "")
	if _, err := env.svc.RegisterUsage(ctx, task, req); err != nil {
		t.Fatalf("first call: %v", err)
	}
	// The buyer unsubscribes, and the key now claims an unsupported
	// platform: neither is checked again for the registered task.
	unsubscribed := regCatalog()
	for _, s := range unsubscribed.Subscriptions {
		s.Status = meterd.SubscriptionUnsubscribed
	}
	if err := env.store.ApplyCatalog(ctx, unsubscribed); err != nil {
		t.Fatal(err)
	}
	env.clock.now = regEpoch.Add(48 * time.Hour)

	tests := []struct {
		name     string
		caller   meterd.Caller
		wantCode string
	}{
		{"OK registered task after unsubscribe", task, ""},
		{"OK registered task on unsupported platform", regCaller(regBuyer, "AKIDFIRST", regRegion, "ec2", ""), ""},
		{"ErrCustomerNotEntitled new task after unsubscribe", regCaller(regBuyer, "AKIDSECOND", regRegion, "ecs", ""), meterd.ECustomerNotEntitled},
		{"ErrCustomerNotEntitled same task in another region", regCaller(regBuyer, "AKIDFIRST", "us-west-2", "ecs", ""), meterd.ECustomerNotEntitled},
		{"ErrInvalidRegion still checked for registered task", regCaller(regBuyer, "AKIDFIRST", regRegion, "ecs", "us-west-2"), meterd.EInvalidRegion},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := env.svc.RegisterUsage(ctx, tt.caller, req)
			if tt.wantCode != "" {
				regWantCode(t, err, tt.wantCode)
				return
			}
			if err != nil {
				t.Fatalf("RegisterUsage: %v", err)
			}
			claims := regVerifyJWT(t, got.Signature, regPublicKey(t, env.svc, 1))
			if claims["iat"] != float64(env.clock.now.Unix()) {
				t.Fatalf("iat = %v, want the time of this call", claims["iat"])
			}
		})
	}
	reg, err := env.store.FindTaskRegistration(ctx, regRegion, regContainer, regBuyer, "AKIDFIRST")
	if err != nil || !reg.RegisteredAt.Equal(regEpoch) {
		t.Fatalf("registration = %+v, %v; want the first call's, at %v", reg, err, regEpoch)
	}
}
