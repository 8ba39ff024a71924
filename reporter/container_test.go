package reporter

import (
	"errors"
	"testing"

	"github.com/golang-jwt/jwt/v5"
)

func TestRegistrationClaimsMustMatchTheRequest(t *testing.T) {
	signed := jwt.MapClaims{"productCode": "prod", "publicKeyVersion": float64(1), "nonce": "n1"}
	tests := []struct {
		name    string
		product string
		version int32
		nonce   string
		ok      bool
	}{
		{"all match", "prod", 1, "n1", true},
		{"no nonce sent", "prod", 1, "", true},
		{"other product", "other", 1, "n1", false},
		{"other key version", "prod", 2, "n1", false},
		{"replayed for another nonce", "prod", 1, "n2", false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := checkRegistrationClaims(signed, tt.product, tt.version, tt.nonce)
			if got := err == nil; got != tt.ok {
				t.Errorf("checkRegistrationClaims = %v, want ok=%v", err, tt.ok)
			}
			if err != nil && !errors.Is(err, ErrBadRegistration) {
				t.Errorf("error %v is not ErrBadRegistration", err)
			}
		})
	}
}
