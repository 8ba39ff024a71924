package server

import (
	"crypto/subtle"
	"encoding/json"
	"net/http"
	"strings"
	"time"

	"github.com/meterd/meterd"
)

// requireAdmin lets a request through only with "Authorization: Bearer
// <AdminToken>", and logs every admin call (never the token).
func (s *Server) requireAdmin(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		rec := &statusRecorder{ResponseWriter: w, status: http.StatusOK}
		defer func() {
			s.log().Info("admin request", meterd.LogKeyMethod, r.Method, meterd.LogKeyPath, r.URL.Path, meterd.LogKeyStatus, rec.status)
		}()
		token, ok := strings.CutPrefix(r.Header.Get("Authorization"), "Bearer ")
		switch {
		case !ok:
			writeJSON(rec, http.StatusUnauthorized, adminError{Error: "admin token required: send Authorization: Bearer <token>"})
		case s.AdminToken == "" || subtle.ConstantTimeCompare([]byte(token), []byte(s.AdminToken)) != 1:
			writeJSON(rec, http.StatusUnauthorized, adminError{Error: "admin token does not match this meterd's"})
		default:
			next.ServeHTTP(rec, r)
		}
	})
}

// statusRecorder remembers the status a handler wrote, for the log.
type statusRecorder struct {
	http.ResponseWriter
	status int
}

func (r *statusRecorder) WriteHeader(status int) {
	r.status = status
	r.ResponseWriter.WriteHeader(status)
}

func (s *Server) adminRoutes() http.Handler {
	mux := http.NewServeMux()
	mux.HandleFunc("POST /admin/v1/registration-tokens", s.handleCreateRegistrationToken)
	mux.HandleFunc("POST /admin/v1/signing-keys", s.handleRotateSigningKey)
	return mux
}

type adminError struct {
	Error string `json:"error"`
	Code  string `json:"code,omitempty"`
}

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

func (s *Server) handleCreateRegistrationToken(w http.ResponseWriter, r *http.Request) {
	var in CreateRegistrationTokenInput
	if err := json.NewDecoder(http.MaxBytesReader(w, r.Body, 1<<16)).Decode(&in); err != nil {
		writeJSON(w, http.StatusBadRequest, adminError{Error: "body must be JSON: " + err.Error()})
		return
	}
	// Bounded before it becomes a Duration, which could overflow.
	if limit := int64(maxTokenTTL / time.Second); in.TTLSeconds > limit || in.TTLSeconds < -limit {
		writeJSON(w, http.StatusBadRequest, adminError{Error: "ttlSeconds must be within a year either way"})
		return
	}
	ttl := time.Duration(in.TTLSeconds) * time.Second
	tok, err := s.Metering.CreateRegistrationToken(r.Context(), in.ProductCode, in.CustomerIdentifier, ttl)
	if err != nil {
		s.writeAdminError(w, err)
		return
	}
	writeJSON(w, http.StatusCreated, RegistrationTokenOutput{Token: tok.Token, ExpiresAt: tok.ExpiresAt})
}

// SigningKeyOutput describes a RegisterUsage signing key (public part only).
type SigningKeyOutput struct {
	Version   int32     `json:"version"`
	CreatedAt time.Time `json:"createdAt"`
}

func (s *Server) handleRotateSigningKey(w http.ResponseWriter, r *http.Request) {
	key, err := s.Metering.RotateSigningKey(r.Context())
	if err != nil {
		s.writeAdminError(w, err)
		return
	}
	writeJSON(w, http.StatusCreated, SigningKeyOutput{Version: key.Version, CreatedAt: key.CreatedAt})
}

// writeAdminError answers 400 for domain errors and 500 (with the detail
// only in the log) for anything else.
func (s *Server) writeAdminError(w http.ResponseWriter, err error) {
	code := meterd.ErrorCode(err)
	if code == meterd.EInternalServiceError {
		s.log().Error("admin request failed", meterd.LogKeyError, err)
		writeJSON(w, http.StatusInternalServerError, adminError{Error: meterd.ErrorMessage(err), Code: code})
		return
	}
	status := http.StatusBadRequest
	if code == meterd.ENotFound {
		status = http.StatusNotFound
	}
	writeJSON(w, status, adminError{Error: meterd.ErrorMessage(err), Code: code})
}

func writeJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(v) // the client went away; nothing to do
}
