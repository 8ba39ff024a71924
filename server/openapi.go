package server

import (
	_ "embed"
	"encoding/json"
	"net/http"
)

// openAPI is the OpenAPI 3 description of the admin API, hand-written;
// TestOpenAPICoversRoutes checks that it lists every route and no other.
//
//go:embed openapi.json
var openAPI []byte

const pathOpenAPI = "/admin/v1/openapi.json"

// openAPIDoc is served as stored.
type openAPIDoc json.RawMessage

func (d openAPIDoc) stream(w http.ResponseWriter, status int) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	_, _ = w.Write(d) // the client went away; nothing to do
}

func (s *Server) showOpenAPI(*http.Request) (any, error) { return openAPIDoc(openAPI), nil }
