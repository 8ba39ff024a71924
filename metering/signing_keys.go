package metering

import (
	"context"
	"crypto/rand"
	"crypto/rsa"
	"crypto/x509"
	"encoding/base64"
	"encoding/json"
	"encoding/pem"
	"errors"
	"fmt"
	"math/big"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/meterd/meterd"
)

// signingKeyBits is the size of RegisterUsage signing keys. AWS does not
// publish its key; RFC 7518 §3.5 requires at least 2048 bits for PS256.
const signingKeyBits = 2048

// PublicKey is the public half of a RegisterUsage signing key, which sellers
// embed in their containers to verify RegisterUsage signatures.
type PublicKey struct {
	Version int32
	// PEM is a "PUBLIC KEY" (PKIX, SubjectPublicKeyInfo) block.
	PEM []byte
	// RotatedAt is when the version expired; zero while it is current.
	RotatedAt time.Time
}

// EnsureSigningKey creates version 1 when no signing key exists yet.
//
// Nothing calls it at start-up: generating an RSA-2048 key takes about
// 100 ms, which would delay the first answer of every fresh meterd, and most
// runs never call RegisterUsage. The first RegisterUsage, public key
// request or rotation calls it instead (see signingKeys). Within a process
// keyMu makes concurrent first requests wait for one key rather than
// generate one each; several processes sharing one store may still race,
// and a version created concurrently by another counts as success, so
// every caller ends up with the one stored key.
func (s *Service) EnsureSigningKey(ctx context.Context) error {
	s.keyMu.Lock()
	defer s.keyMu.Unlock()
	keys, err := s.Store.SigningKeys(ctx)
	if err != nil {
		return fmt.Errorf("signing keys: %w", err)
	}
	if len(keys) > 0 {
		return nil
	}
	k, err := newSigningKey(1, s.Clock.Now())
	if err != nil {
		return err
	}
	err = s.Store.CreateSigningKey(ctx, k)
	if meterd.ErrorCode(err) == meterd.EConflict {
		return s.confirmSigningKeyExists(ctx)
	}
	if err != nil {
		return fmt.Errorf("create signing key: %w", err)
	}
	s.Logger.InfoContext(ctx, "created RegisterUsage signing key", meterd.LogKeySigningKeyVersion, k.Version)
	return nil
}

// signingKeys returns every signing key, creating version 1 first when
// there is none yet.
func (s *Service) signingKeys(ctx context.Context) ([]*meterd.SigningKey, error) {
	keys, err := s.Store.SigningKeys(ctx)
	if err != nil {
		return nil, fmt.Errorf("signing keys: %w", err)
	}
	if len(keys) > 0 {
		return keys, nil
	}
	if err := s.EnsureSigningKey(ctx); err != nil {
		return nil, err
	}
	if keys, err = s.Store.SigningKeys(ctx); err != nil {
		return nil, fmt.Errorf("signing keys: %w", err)
	}
	return keys, nil
}

// confirmSigningKeyExists re-reads the keys after losing a creation race.
func (s *Service) confirmSigningKeyExists(ctx context.Context) error {
	keys, err := s.Store.SigningKeys(ctx)
	if err != nil {
		return fmt.Errorf("signing keys: %w", err)
	}
	if len(keys) == 0 {
		return errors.New("signing keys: version 1 conflicted but no key is stored")
	}
	return nil
}

// RotateSigningKey expires the current signing key and creates the next
// version. RegisterUsage keeps signing with an expired version when a client
// asks for it, but then returns PublicKeyRotationTimestamp so the client
// knows to upgrade.
//
// The new version is created before the old one is marked, so a lost race
// with another rotation changes nothing; every older version still unmarked
// (for instance after a crash between the two steps) is marked as well.
func (s *Service) RotateSigningKey(ctx context.Context) (*meterd.SigningKey, error) {
	// Version 1 first, as if it had been made at start-up: the first
	// rotation of a fresh data directory makes version 2.
	keys, err := s.signingKeys(ctx)
	if err != nil {
		return nil, err
	}
	now := s.Clock.Now()
	next, err := newSigningKey(newestVersion(keys)+1, now)
	if err != nil {
		return nil, err
	}
	if err := s.Store.CreateSigningKey(ctx, next); err != nil {
		return nil, fmt.Errorf("create signing key %d: %w", next.Version, err)
	}
	// Whole seconds: the JWT carries the timestamp in epoch seconds, and the
	// RegisterUsage result must agree with it.
	rotatedAt := now.Truncate(time.Second)
	for _, k := range keys {
		if !k.RotatedAt.IsZero() {
			continue
		}
		k.RotatedAt = rotatedAt
		if err := s.Store.UpdateSigningKey(ctx, k); err != nil {
			return nil, fmt.Errorf("rotate signing key %d: %w", k.Version, err)
		}
	}
	s.Logger.InfoContext(ctx, "rotated RegisterUsage signing key", meterd.LogKeySigningKeyVersion, next.Version)
	return next, nil
}

// PublicKeys returns the public half of every signing key, by version.
func (s *Service) PublicKeys(ctx context.Context) ([]PublicKey, error) {
	keys, err := s.signingKeys(ctx)
	if err != nil {
		return nil, err
	}
	slices.SortFunc(keys, func(a, b *meterd.SigningKey) int { return int(a.Version) - int(b.Version) })
	out := make([]PublicKey, 0, len(keys))
	for _, k := range keys {
		priv, err := parsePrivateKey(k.PrivateKeyPEM)
		if err != nil {
			return nil, fmt.Errorf("signing key %d: %w", k.Version, err)
		}
		der, err := x509.MarshalPKIXPublicKey(&priv.PublicKey)
		if err != nil {
			return nil, fmt.Errorf("signing key %d: %w", k.Version, err)
		}
		out = append(out, PublicKey{
			Version:   k.Version,
			PEM:       pem.EncodeToMemory(&pem.Block{Type: "PUBLIC KEY", Bytes: der}),
			RotatedAt: k.RotatedAt,
		})
	}
	return out, nil
}

// jwk is one RFC 7517 JSON Web Key, in the field order of the RFC examples.
type jwk struct {
	Kty string `json:"kty"`
	Kid string `json:"kid"`
	Alg string `json:"alg"`
	Use string `json:"use"`
	N   string `json:"n"`
	E   string `json:"e"`
}

// JWKS renders keys as an RFC 7517 JSON Web Key Set. The key id is the
// PublicKeyVersion in decimal, which is how a verifier picks the key.
func JWKS(keys []PublicKey) ([]byte, error) {
	set := struct {
		Keys []jwk `json:"keys"`
	}{Keys: make([]jwk, 0, len(keys))}
	for _, k := range keys {
		pub, err := parsePublicKey(k.PEM)
		if err != nil {
			return nil, fmt.Errorf("jwks: key %d: %w", k.Version, err)
		}
		set.Keys = append(set.Keys, jwk{
			Kty: "RSA",
			Kid: strconv.Itoa(int(k.Version)),
			Alg: "PS256",
			Use: "sig",
			N:   base64.RawURLEncoding.EncodeToString(pub.N.Bytes()),
			E:   base64.RawURLEncoding.EncodeToString(big.NewInt(int64(pub.E)).Bytes()),
		})
	}
	return json.Marshal(set)
}

// signingKey returns the key of version, or InvalidPublicKeyVersionException.
func (s *Service) signingKey(ctx context.Context, version int32) (*meterd.SigningKey, error) {
	keys, err := s.signingKeys(ctx)
	if err != nil {
		return nil, err
	}
	for _, k := range keys {
		if k.Version == version {
			return k, nil
		}
	}
	return nil, meterd.Errorf(meterd.EInvalidPublicKeyVersion, "Public key version %d is invalid.", version)
}

func newestVersion(keys []*meterd.SigningKey) int32 {
	var v int32
	for _, k := range keys {
		v = max(v, k.Version)
	}
	return v
}

// newSigningKey generates a fresh RSA key stored as PKCS#8 PEM.
func newSigningKey(version int32, now time.Time) (*meterd.SigningKey, error) {
	priv, err := rsa.GenerateKey(rand.Reader, signingKeyBits)
	if err != nil {
		return nil, fmt.Errorf("generate signing key: %w", err)
	}
	der, err := x509.MarshalPKCS8PrivateKey(priv)
	if err != nil {
		return nil, fmt.Errorf("marshal signing key: %w", err)
	}
	return &meterd.SigningKey{
		Version:       version,
		PrivateKeyPEM: pem.EncodeToMemory(&pem.Block{Type: "PRIVATE KEY", Bytes: der}),
		CreatedAt:     now,
	}, nil
}

func parsePrivateKey(pemBytes []byte) (*rsa.PrivateKey, error) {
	return parseRSAPEM[*rsa.PrivateKey](pemBytes, "PRIVATE KEY", x509.ParsePKCS8PrivateKey)
}

func parsePublicKey(pemBytes []byte) (*rsa.PublicKey, error) {
	return parseRSAPEM[*rsa.PublicKey](pemBytes, "PUBLIC KEY", x509.ParsePKIXPublicKey)
}

// parseRSAPEM decodes one PEM block of blockType with parse and requires
// an RSA key of type K.
func parseRSAPEM[K any](pemBytes []byte, blockType string, parse func([]byte) (any, error)) (K, error) {
	var zero K
	block, _ := pem.Decode(pemBytes)
	if block == nil || block.Type != blockType {
		return zero, fmt.Errorf("not a %s PEM block", blockType)
	}
	key, err := parse(block.Bytes)
	if err != nil {
		return zero, fmt.Errorf("parse %s: %w", strings.ToLower(blockType), err)
	}
	rsaKey, ok := key.(K)
	if !ok {
		return zero, fmt.Errorf("%s is %T, not RSA", strings.ToLower(blockType), key)
	}
	return rsaKey, nil
}
