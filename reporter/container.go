package reporter

import (
	"context"
	"crypto/rsa"
	"crypto/x509"
	"encoding/pem"
	"errors"
	"fmt"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/marketplacemetering"
	"github.com/golang-jwt/jwt/v5"
)

// RegisterAPI is the part of the marketplacemetering client Register
// calls.
type RegisterAPI interface {
	RegisterUsage(ctx context.Context, in *marketplacemetering.RegisterUsageInput,
		opts ...func(*marketplacemetering.Options)) (*marketplacemetering.RegisterUsageOutput, error)
}

// Registration is a verified RegisterUsage answer.
type Registration struct {
	// Signature is the JWT AWS returned.
	Signature string
	// RotatedAt is PublicKeyRotationTimestamp, if AWS sent one.
	RotatedAt time.Time
	// IssuedAt is the JWT's iat claim.
	IssuedAt time.Time
}

// ErrBadRegistration means RegisterUsage answered, but its signature is not
// AWS's (or meterd's) for this product, key version and nonce.
var ErrBadRegistration = errors.New("reporter: RegisterUsage signature does not verify")

// Register calls RegisterUsage, as a paid container product must when a
// task or pod starts, and verifies the returned JWT with the public key of
// publicKeyVersion (AWS gives it to the seller; meterd serves its keys at
// /.well-known/jwks.json): the signature must be PS256 by that key, and its
// product code, key version and nonce must be the ones sent. A nonce makes
// an answer replayed from another start fail.
func Register(ctx context.Context, client RegisterAPI, productCode string, publicKeyVersion int32,
	nonce string, key *rsa.PublicKey) (*Registration, error) {
	in := &marketplacemetering.RegisterUsageInput{
		ProductCode:      aws.String(productCode),
		PublicKeyVersion: aws.Int32(publicKeyVersion),
	}
	if nonce != "" {
		in.Nonce = aws.String(nonce)
	}
	out, err := client.RegisterUsage(ctx, in)
	if err != nil {
		return nil, err
	}
	reg := &Registration{Signature: aws.ToString(out.Signature), RotatedAt: aws.ToTime(out.PublicKeyRotationTimestamp)}
	claims, err := verifyRegistration(reg.Signature, key)
	if err != nil {
		return nil, err
	}
	if err := checkRegistrationClaims(claims, productCode, publicKeyVersion, nonce); err != nil {
		return nil, err
	}
	if iat, err := claims.GetIssuedAt(); err == nil && iat != nil {
		reg.IssuedAt = iat.Time
	}
	return reg, nil
}

func verifyRegistration(signature string, key *rsa.PublicKey) (jwt.MapClaims, error) {
	claims := jwt.MapClaims{}
	_, err := jwt.ParseWithClaims(signature, claims, func(*jwt.Token) (any, error) { return key, nil },
		jwt.WithValidMethods([]string{jwt.SigningMethodPS256.Alg()}))
	if err != nil {
		return nil, fmt.Errorf("%w: %v", ErrBadRegistration, err)
	}
	return claims, nil
}

// checkRegistrationClaims compares the signed claims with the request.
// AWS's documentation names them productCode, publicKeyVersion and nonce.
func checkRegistrationClaims(claims jwt.MapClaims, productCode string, version int32, nonce string) error {
	if got, _ := claims["productCode"].(string); got != productCode {
		return fmt.Errorf("%w: productCode %q, want %q", ErrBadRegistration, got, productCode)
	}
	if got, _ := claims["publicKeyVersion"].(float64); int32(got) != version {
		return fmt.Errorf("%w: publicKeyVersion %v, want %d", ErrBadRegistration, claims["publicKeyVersion"], version)
	}
	if nonce != "" {
		if got, _ := claims["nonce"].(string); got != nonce {
			return fmt.Errorf("%w: nonce %q, want %q", ErrBadRegistration, got, nonce)
		}
	}
	return nil
}

// ParsePublicKeyPEM reads the RSA public key AWS gives a seller for
// RegisterUsage (meterd serves its own at /meterd/keys/<version>.pem).
func ParsePublicKeyPEM(b []byte) (*rsa.PublicKey, error) {
	block, _ := pem.Decode(b)
	if block == nil {
		return nil, errors.New("reporter: no PEM block in public key")
	}
	key, err := x509.ParsePKIXPublicKey(block.Bytes)
	if err != nil {
		return nil, fmt.Errorf("reporter: public key: %w", err)
	}
	rsaKey, ok := key.(*rsa.PublicKey)
	if !ok {
		return nil, fmt.Errorf("reporter: public key is %T, want RSA", key)
	}
	return rsaKey, nil
}

// CheckEntitled asks MeterUsage with DryRun whether the product may meter
// dimension now: nil means a real call would succeed; otherwise the error
// is the one it would get (CustomerNotEntitledException,
// InvalidUsageDimensionException, ...). Nothing is recorded.
func CheckEntitled(ctx context.Context, client API, productCode, dimension string) error {
	_, err := client.MeterUsage(ctx, &marketplacemetering.MeterUsageInput{
		ProductCode:    aws.String(productCode),
		Timestamp:      aws.Time(time.Now().UTC()),
		UsageDimension: aws.String(dimension),
		UsageQuantity:  aws.Int32(0),
		DryRun:         aws.Bool(true),
	})
	return err
}
