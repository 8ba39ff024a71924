package metering_test

import (
	"bytes"
	"context"
	"crypto/rsa"
	"crypto/x509"
	"encoding/base64"
	"encoding/json"
	"encoding/pem"
	"log/slog"
	"math/big"
	"sync"
	"testing"
	"time"

	"github.com/meterd/meterd"
	"github.com/meterd/meterd/metering"
	"github.com/meterd/meterd/store/sqlite"
	"github.com/meterd/meterd/store/sqlite/sqlitetest"
)

// Helpers shared by the registration tests (ResolveCustomer, RegisterUsage,
// signing keys) carry a "reg" prefix to keep clear of other test files of
// the package.

// regEpoch is the fixed start of every registration test clock.
var regEpoch = time.Date(2026, 3, 14, 15, 9, 26, 0, time.UTC)

// regClock is a settable test clock; tests run it from one goroutine.
type regClock struct{ now time.Time }

func (c *regClock) clock() meterd.Clock { return meterd.ClockFunc(func() time.Time { return c.now }) }

// regEnv is a Service on a fresh SQLite store.
type regEnv struct {
	svc   *metering.Service
	store *sqlite.DB
	clock *regClock
}

// regOpenStore opens a SQLite store in a temp dir, closed with the test.
func regOpenStore(t *testing.T) *sqlite.DB {
	t.Helper()
	return sqlitetest.Open(t, nil)
}

// regNewEnv returns a service whose store holds catalog and the shared
// version-1 signing key.
func regNewEnv(t *testing.T, catalog *meterd.Catalog) *regEnv {
	t.Helper()
	db := regOpenStore(t)
	if catalog != nil {
		if err := db.ApplyCatalog(t.Context(), catalog); err != nil {
			t.Fatalf("apply catalog: %v", err)
		}
	}
	key := regSharedKey(t)
	if err := db.CreateSigningKey(t.Context(), &meterd.SigningKey{
		Version: key.Version, PrivateKeyPEM: key.PrivateKeyPEM, CreatedAt: key.CreatedAt,
	}); err != nil {
		t.Fatalf("seed signing key: %v", err)
	}
	clock := &regClock{now: regEpoch}
	svc := metering.New(db, clock.clock(), metering.DefaultConfig(), slog.New(slog.DiscardHandler))
	return &regEnv{svc: svc, store: db, clock: clock}
}

var (
	regSharedKeyOnce sync.Once
	regSharedKeyVal  *meterd.SigningKey
	regSharedKeyErr  error
)

// regSharedKey generates the version-1 signing key once per test binary
// (through EnsureSigningKey on a throwaway store): a 2048-bit RSA key takes
// too long to make for every test.
func regSharedKey(t *testing.T) *meterd.SigningKey {
	t.Helper()
	regSharedKeyOnce.Do(func() {
		ctx := context.Background()
		db, err := sqlite.Open(ctx, t.TempDir(), slog.New(slog.DiscardHandler))
		if err != nil {
			regSharedKeyErr = err
			return
		}
		defer db.Close()
		svc := metering.New(db, meterd.ClockFunc(func() time.Time { return regEpoch }),
			metering.DefaultConfig(), slog.New(slog.DiscardHandler))
		if regSharedKeyErr = svc.EnsureSigningKey(ctx); regSharedKeyErr != nil {
			return
		}
		keys, err := db.SigningKeys(ctx)
		if err != nil || len(keys) != 1 {
			regSharedKeyErr = err
			return
		}
		regSharedKeyVal = keys[0]
	})
	if regSharedKeyErr != nil || regSharedKeyVal == nil {
		t.Fatalf("shared signing key: %v", regSharedKeyErr)
	}
	return regSharedKeyVal
}

// regPublicKey returns the RSA public key of version from PublicKeys.
func regPublicKey(t *testing.T, svc *metering.Service, version int32) *rsa.PublicKey {
	t.Helper()
	keys, err := svc.PublicKeys(t.Context())
	if err != nil {
		t.Fatalf("PublicKeys: %v", err)
	}
	for _, k := range keys {
		if k.Version != version {
			continue
		}
		block, _ := pem.Decode(k.PEM)
		if block == nil || block.Type != "PUBLIC KEY" {
			t.Fatalf("public key %d: not a PUBLIC KEY PEM block: %q", version, k.PEM)
		}
		pub, err := x509.ParsePKIXPublicKey(block.Bytes)
		if err != nil {
			t.Fatalf("public key %d: %v", version, err)
		}
		return pub.(*rsa.PublicKey)
	}
	t.Fatalf("no public key version %d among %d", version, len(keys))
	return nil
}

// regWantCode fails unless err carries code.
func regWantCode(t *testing.T, err error, code string) {
	t.Helper()
	if got := meterd.ErrorCode(err); got != code {
		t.Fatalf("error code = %q (%v), want %q", got, err, code)
	}
}

func TestEnsureSigningKey(t *testing.T) {
	t.Run("OK creates version 1 once", func(t *testing.T) {
		env := regNewEnv(t, nil)
		// The env already holds the key EnsureSigningKey made on another
		// store; a second call must keep it.
		if err := env.svc.EnsureSigningKey(t.Context()); err != nil {
			t.Fatalf("EnsureSigningKey: %v", err)
		}
		keys, err := env.store.SigningKeys(t.Context())
		if err != nil {
			t.Fatal(err)
		}
		if len(keys) != 1 || !bytes.Equal(keys[0].PrivateKeyPEM, regSharedKey(t).PrivateKeyPEM) {
			t.Fatalf("keys = %d, want the one existing key unchanged", len(keys))
		}
	})
	t.Run("OK key is RSA 2048 PKCS#8", func(t *testing.T) {
		k := regSharedKey(t)
		if k.Version != 1 || !k.CreatedAt.Equal(regEpoch) || !k.RotatedAt.IsZero() {
			t.Fatalf("key = v%d created %v rotated %v", k.Version, k.CreatedAt, k.RotatedAt)
		}
		block, _ := pem.Decode(k.PrivateKeyPEM)
		if block == nil || block.Type != "PRIVATE KEY" {
			t.Fatalf("not a PKCS#8 PEM block")
		}
		priv, err := x509.ParsePKCS8PrivateKey(block.Bytes)
		if err != nil {
			t.Fatal(err)
		}
		if bits := priv.(*rsa.PrivateKey).N.BitLen(); bits != 2048 {
			t.Fatalf("key size = %d, want 2048", bits)
		}
	})
	t.Run("OK concurrent creator wins", func(t *testing.T) {
		env := regNewEnv(t, nil)
		// The store reports no key at first, as if another process created
		// version 1 between the read and the insert.
		racy := &regRacyKeys{Store: env.store}
		svc := metering.New(racy, env.clock.clock(), metering.DefaultConfig(), slog.New(slog.DiscardHandler))
		if err := svc.EnsureSigningKey(t.Context()); err != nil {
			t.Fatalf("EnsureSigningKey after losing the race: %v", err)
		}
		keys, err := env.store.SigningKeys(t.Context())
		if err != nil {
			t.Fatal(err)
		}
		if len(keys) != 1 || !bytes.Equal(keys[0].PrivateKeyPEM, regSharedKey(t).PrivateKeyPEM) {
			t.Fatalf("the winner's key was replaced")
		}
	})
}

// regRacyKeys hides the signing keys from the first SigningKeys call.
type regRacyKeys struct {
	metering.Store
	calls int
}

func (r *regRacyKeys) SigningKeys(ctx context.Context) ([]*meterd.SigningKey, error) {
	r.calls++
	if r.calls == 1 {
		return nil, nil
	}
	return r.Store.SigningKeys(ctx)
}

func TestRotateSigningKey(t *testing.T) {
	env := regNewEnv(t, nil)
	env.clock.now = regEpoch.Add(90*time.Minute + 1500*time.Millisecond)
	next, err := env.svc.RotateSigningKey(t.Context())
	if err != nil {
		t.Fatalf("RotateSigningKey: %v", err)
	}
	if next.Version != 2 || !next.RotatedAt.IsZero() || !next.CreatedAt.Equal(env.clock.now) {
		t.Fatalf("new key = v%d created %v rotated %v", next.Version, next.CreatedAt, next.RotatedAt)
	}
	pub, err := env.svc.PublicKeys(t.Context())
	if err != nil {
		t.Fatal(err)
	}
	if len(pub) != 2 || pub[0].Version != 1 || pub[1].Version != 2 {
		t.Fatalf("public keys = %+v, want versions 1 and 2", pub)
	}
	wantRotated := env.clock.now.Truncate(time.Second)
	if !pub[0].RotatedAt.Equal(wantRotated) || !pub[1].RotatedAt.IsZero() {
		t.Fatalf("rotated at = %v, %v; want %v, zero", pub[0].RotatedAt, pub[1].RotatedAt, wantRotated)
	}
	if bytes.Equal(pub[0].PEM, pub[1].PEM) {
		t.Fatal("version 2 reuses the key of version 1")
	}

	// A second rotation expires version 2 and keeps version 1's date.
	env.clock.now = env.clock.now.Add(time.Hour)
	if _, err := env.svc.RotateSigningKey(t.Context()); err != nil {
		t.Fatalf("second RotateSigningKey: %v", err)
	}
	pub, err = env.svc.PublicKeys(t.Context())
	if err != nil {
		t.Fatal(err)
	}
	if len(pub) != 3 || !pub[0].RotatedAt.Equal(wantRotated) ||
		!pub[1].RotatedAt.Equal(env.clock.now.Truncate(time.Second)) || !pub[2].RotatedAt.IsZero() {
		t.Fatalf("after two rotations: %+v", pub)
	}
}

func TestJWKS(t *testing.T) {
	env := regNewEnv(t, nil)
	keys, err := env.svc.PublicKeys(t.Context())
	if err != nil {
		t.Fatal(err)
	}
	raw, err := metering.JWKS(keys)
	if err != nil {
		t.Fatalf("JWKS: %v", err)
	}
	var set struct {
		Keys []map[string]string `json:"keys"`
	}
	if err := json.Unmarshal(raw, &set); err != nil {
		t.Fatalf("JWKS is not JSON: %v\n%s", err, raw)
	}
	if len(set.Keys) != 1 {
		t.Fatalf("keys = %d, want 1", len(set.Keys))
	}
	k := set.Keys[0]
	for field, want := range map[string]string{"kty": "RSA", "kid": "1", "alg": "PS256", "use": "sig", "e": "AQAB"} {
		if k[field] != want {
			t.Errorf("%s = %q, want %q", field, k[field], want)
		}
	}
	n, err := base64.RawURLEncoding.DecodeString(k["n"])
	if err != nil {
		t.Fatalf("n: %v", err)
	}
	if want := regPublicKey(t, env.svc, 1).N; new(big.Int).SetBytes(n).Cmp(want) != 0 {
		t.Fatal("n does not match the public key")
	}
}

func TestJWKSRejectsBadPEM(t *testing.T) {
	_, err := metering.JWKS([]metering.PublicKey{{Version: 1, PEM: []byte("not pem")}})
	if err == nil {
		t.Fatal("JWKS accepted a key that is not PEM")
	}
}

// TestSigningKeyMadeOnFirstUse: a fresh store has no key until the first
// caller needs one; concurrent first callers all get the one key made.
func TestSigningKeyMadeOnFirstUse(t *testing.T) {
	db := sqlitetest.Open(t, nil)
	svc := metering.New(db, meterd.ClockFunc(func() time.Time { return regEpoch }), metering.DefaultConfig(), nil)
	if keys, err := db.SigningKeys(t.Context()); err != nil || len(keys) != 0 {
		t.Fatalf("fresh store: %d keys, %v", len(keys), err)
	}
	const callers = 8
	got := make([][]metering.PublicKey, callers)
	errs := make([]error, callers)
	var wg sync.WaitGroup
	for i := range callers {
		wg.Go(func() { got[i], errs[i] = svc.PublicKeys(t.Context()) })
	}
	wg.Wait()
	for i := range callers {
		if errs[i] != nil {
			t.Fatalf("caller %d: %v", i, errs[i])
		}
		if len(got[i]) != 1 || got[i][0].Version != 1 || !bytes.Equal(got[i][0].PEM, got[0][0].PEM) {
			t.Fatalf("caller %d got %d keys, not caller 0's version 1", i, len(got[i]))
		}
	}
	keys, err := db.SigningKeys(t.Context())
	if err != nil || len(keys) != 1 {
		t.Fatalf("stored: %d keys, %v; want 1", len(keys), err)
	}
}
