package server

import (
	"net/http"
	"time"

	"github.com/meterd/meterd"
)

// CreateRegistrationTokenInput is the body of POST /admin/v1/registration-tokens.
type CreateRegistrationTokenInput struct {
	ProductCode        string `json:"productCode"`
	CustomerIdentifier string `json:"customerIdentifier"`
	// TTLSeconds overrides the 4-hour validity; negative mints an expired
	// token. At most a year either way.
	TTLSeconds int64 `json:"ttlSeconds,omitempty"`
}

// maxTokenTTL bounds TTLSeconds so that the expiry is a sane date.
const maxTokenTTL = 366 * 24 * time.Hour

// RegistrationTokenOutput is its answer.
type RegistrationTokenOutput struct {
	Token     string    `json:"token"`
	ExpiresAt time.Time `json:"expiresAt"`
}

func (s *Server) createRegistrationToken(r *http.Request) (any, error) {
	var in CreateRegistrationTokenInput
	if err := decodeAdminJSON(r, &in); err != nil {
		return nil, err
	}
	// Bounded before it becomes a Duration, which could overflow.
	if limit := int64(maxTokenTTL / time.Second); in.TTLSeconds > limit || in.TTLSeconds < -limit {
		return nil, meterd.Errorf(meterd.EInvalid, "ttlSeconds must be within a year either way")
	}
	ttl := time.Duration(in.TTLSeconds) * time.Second
	tok, err := s.Metering.CreateRegistrationToken(r.Context(), in.ProductCode, in.CustomerIdentifier, ttl)
	if err != nil {
		return nil, err
	}
	return RegistrationTokenOutput{Token: tok.Token, ExpiresAt: tok.ExpiresAt}, nil
}

// SigningKeyOutput describes a RegisterUsage signing key (public part only).
type SigningKeyOutput struct {
	Version   int32     `json:"version"`
	CreatedAt time.Time `json:"createdAt"`
}

func (s *Server) rotateSigningKey(r *http.Request) (any, error) {
	key, err := s.Metering.RotateSigningKey(r.Context())
	if err != nil {
		return nil, err
	}
	return SigningKeyOutput{Version: key.Version, CreatedAt: key.CreatedAt}, nil
}
