package server

import (
	"net/http"
	"strconv"
	"strings"

	"github.com/meterd/meterd/metering"
)

// handleJWKS serves the RegisterUsage public keys as a JSON Web Key Set so
// that a seller's container verifies meterd's signatures the way it
// verifies AWS's.
func (s *Server) handleJWKS(w http.ResponseWriter, r *http.Request) {
	keys, err := s.Metering.PublicKeys(r.Context())
	if err != nil {
		s.writeAdminError(w, err)
		return
	}
	doc, err := metering.JWKS(keys)
	if err != nil {
		s.writeAdminError(w, err)
		return
	}
	w.Header().Set("Content-Type", "application/json")
	_, _ = w.Write(doc)
}

// handlePublicKeyPEM serves /meterd/keys/<version>.pem.
func (s *Server) handlePublicKeyPEM(w http.ResponseWriter, r *http.Request) {
	name, ok := strings.CutSuffix(r.PathValue("version"), ".pem")
	version, err := strconv.ParseInt(name, 10, 32)
	if !ok || err != nil {
		http.NotFound(w, r)
		return
	}
	keys, err := s.Metering.PublicKeys(r.Context())
	if err != nil {
		s.writeAdminError(w, err)
		return
	}
	for _, k := range keys {
		if int64(k.Version) == version {
			w.Header().Set("Content-Type", "application/x-pem-file")
			_, _ = w.Write(k.PEM)
			return
		}
	}
	http.NotFound(w, r)
}
