package server

import (
	"crypto/subtle"
	"encoding/json"
	"net/http"
	"slices"
	"strings"

	"github.com/meterd/meterd"
)

// adminStatus is the one table from error code to HTTP status for the admin
// API (and the console). A code not listed here is a bug where it reaches
// the admin API: it answers 500, like an error without a code.
var adminStatus = map[string]int{
	meterd.EInvalid:          http.StatusBadRequest,
	meterd.EUnauthorized:     http.StatusUnauthorized,
	meterd.ENotFound:         http.StatusNotFound,
	meterd.EMethodNotAllowed: http.StatusMethodNotAllowed,
	meterd.EConflict:         http.StatusConflict,
}

// adminError is the body of every admin error answer. Code is a
// meterd.Error code, which AdminClient turns back into the error.
type adminError struct {
	Error string `json:"error"`
	Code  string `json:"code"`
}

// adminRoute is one admin endpoint. handle returns the body of a
// successful answer, sent with status ok, or an error for writeAdminError.
type adminRoute struct {
	method, path string
	ok           int
	handle       func(r *http.Request) (any, error)
}

func (s *Server) adminRoutes() []adminRoute {
	return append([]adminRoute{
		{http.MethodPost, "/admin/v1/registration-tokens", http.StatusCreated, s.createRegistrationToken},
		{http.MethodPost, "/admin/v1/signing-keys", http.StatusCreated, s.rotateSigningKey},
		{http.MethodGet, "/admin/v1/clock", http.StatusOK, s.showClock},
		{http.MethodPost, "/admin/v1/clock/set", http.StatusOK, s.setClock},
		{http.MethodPost, "/admin/v1/clock/advance", http.StatusOK, s.advanceClock},
		{http.MethodPost, "/admin/v1/clock/offset", http.StatusOK, s.offsetClock},
		{http.MethodPost, "/admin/v1/clock/freeze", http.StatusOK, s.freezeClock},
		{http.MethodPost, "/admin/v1/clock/real", http.StatusOK, s.realClock},
		{http.MethodGet, "/admin/v1/faults", http.StatusOK, s.listFaults},
		{http.MethodPost, "/admin/v1/faults", http.StatusCreated, s.addFault},
		{http.MethodDelete, "/admin/v1/faults", http.StatusOK, s.clearFaults},
		{http.MethodDelete, "/admin/v1/faults/{id}", http.StatusOK, s.deleteFault},
		{http.MethodGet, "/admin/v1/quotas", http.StatusOK, s.showQuotas},
		{http.MethodPost, "/admin/v1/quotas", http.StatusOK, s.setQuota},
		{http.MethodDelete, "/admin/v1/quotas", http.StatusOK, s.resetQuota},
		{http.MethodPost, pathReset, http.StatusOK, s.reset},
		{http.MethodGet, pathNotifications, http.StatusOK, s.listNotifications},
	}, append(append(append(s.auditRoutes(), s.insightRoutes()...), s.catalogRoutes()...), s.usageRoutes()...)...)
}

// adminHandler routes the admin API. The patterns carry no method, so that
// a wrong method and an unknown path get coded JSON answers rather than
// ServeMux's plain-text ones.
func (s *Server) adminHandler() http.Handler {
	mux := http.NewServeMux()
	byPath := map[string][]adminRoute{}
	for _, rt := range s.adminRoutes() {
		byPath[rt.path] = append(byPath[rt.path], rt)
	}
	for path, routes := range byPath {
		mux.Handle(path, s.adminEndpoint(path, routes))
	}
	mux.HandleFunc("/admin/", func(w http.ResponseWriter, r *http.Request) {
		s.writeAdminError(w, meterd.Errorf(meterd.ENotFound, "no admin route %s", r.URL.Path))
	})
	return s.auditAdmin(s.requireAdmin(mux))
}

// adminEndpoint serves the routes of one path, one per method.
func (s *Server) adminEndpoint(path string, routes []adminRoute) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		i := slices.IndexFunc(routes, func(rt adminRoute) bool { return rt.method == r.Method })
		if i < 0 {
			allow := strings.Join(adminMethods(routes), ", ")
			w.Header().Set("Allow", allow)
			s.writeAdminError(w, meterd.Errorf(meterd.EMethodNotAllowed, "%s %s: use %s", r.Method, path, allow))
			return
		}
		rt := routes[i]
		r.Body = http.MaxBytesReader(w, r.Body, maxAdminBody)
		out, err := rt.handle(r)
		if err != nil {
			s.writeAdminError(w, err)
			return
		}
		if st, ok := out.(streamer); ok {
			st.stream(w, rt.ok)
			return
		}
		writeJSON(w, rt.ok, out)
	})
}

func adminMethods(routes []adminRoute) []string {
	methods := make([]string, len(routes))
	for i, rt := range routes {
		methods[i] = rt.method
	}
	return methods
}

// requireAdmin lets a request through only with "Authorization: Bearer
// <AdminToken>", and logs every admin call (never the token).
func (s *Server) requireAdmin(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		rec := &statusRecorder{ResponseWriter: w, status: http.StatusOK}
		defer func() {
			s.log().Info("admin request", meterd.LogKeyMethod, r.Method, meterd.LogKeyPath, r.URL.Path,
				meterd.LogKeyStatus, rec.status)
		}()
		if err := s.checkAdminToken(r); err != nil {
			s.writeAdminError(rec, err)
			return
		}
		next.ServeHTTP(rec, r)
	})
}

// checkAdminToken compares in constant time, so that the answer's timing
// does not tell how much of a guess was right. An empty AdminToken (a
// wiring mistake) lets nobody in.
func (s *Server) checkAdminToken(r *http.Request) error {
	token, ok := strings.CutPrefix(r.Header.Get("Authorization"), "Bearer ")
	if !ok {
		return meterd.Errorf(meterd.EUnauthorized, "admin token required: send Authorization: Bearer <token>")
	}
	if s.AdminToken == "" || subtle.ConstantTimeCompare([]byte(token), []byte(s.AdminToken)) != 1 {
		return meterd.Errorf(meterd.EUnauthorized, "admin token does not match this meterd's")
	}
	return nil
}

// statusRecorder remembers the status a handler wrote, for the log.
type statusRecorder struct {
	http.ResponseWriter
	status int
}

// Unwrap lets http.ResponseController reach the connection (a streamed
// export extends its write deadline).
func (r *statusRecorder) Unwrap() http.ResponseWriter { return r.ResponseWriter }

func (r *statusRecorder) WriteHeader(status int) {
	r.status = status
	r.ResponseWriter.WriteHeader(status)
}

// writeAdminError answers with the status adminStatus gives err's code.
// Anything else is unexpected: the client gets 500 with a generic message,
// and the detail goes only to the log.
func (s *Server) writeAdminError(w http.ResponseWriter, err error) {
	code := meterd.ErrorCode(err)
	status, ok := adminStatus[code]
	if !ok {
		s.log().Error("admin request failed", meterd.LogKeyCode, code, meterd.LogKeyError, err)
		writeJSON(w, http.StatusInternalServerError,
			adminError{Error: meterd.InternalErrorMessage, Code: meterd.EInternalServiceError})
		return
	}
	writeJSON(w, status, adminError{Error: meterd.ErrorMessage(err), Code: code})
}

// maxAdminBody bounds an admin request body; the largest is a few fields.
const maxAdminBody = 1 << 16

// decodeAdminJSON reads the JSON body of r into v; any failure is EInvalid.
func decodeAdminJSON(r *http.Request, v any) error {
	if err := json.NewDecoder(r.Body).Decode(v); err != nil {
		return meterd.Errorf(meterd.EInvalid, "body must be JSON: %v", err)
	}
	return nil
}

func writeJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(v) // the client went away; nothing to do
}

// AdminStatusOf is the HTTP status the admin API answers err with, from
// adminStatus; 500 for an error without a listed code. The console uses it
// so that its pages answer a failed change as the admin API would.
func AdminStatusOf(err error) int {
	if status, ok := adminStatus[meterd.ErrorCode(err)]; ok {
		return status
	}
	return http.StatusInternalServerError
}
