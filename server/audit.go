package server

import (
	"bytes"
	"encoding/json"
	"io"
	"net"
	"net/http"
	"net/url"
	"strings"
	"time"

	"github.com/google/uuid"

	"github.com/meterd/meterd"
	"github.com/meterd/meterd/audit"
	"github.com/meterd/meterd/awsproto"
	"github.com/meterd/meterd/awsproto/sigv4"
)

// maxUserAgent bounds the userAgent an event keeps; CloudTrail truncates
// long ones too.
const maxUserAgent = 1024

// newEvent starts an event with what every call has. at is when the
// request arrived, CloudTrail's eventTime.
func (s *Server) newEvent(r *http.Request, at time.Time, requestID, source, name string) *meterd.AuditEvent {
	ua := r.UserAgent()
	if len(ua) > maxUserAgent {
		ua = ua[:maxUserAgent]
	}
	return &meterd.AuditEvent{
		EventVersion: meterd.AuditEventVersion, EventTime: at.UTC(), EventSource: source, EventName: name,
		SourceIPAddress: sourceIP(r), UserAgent: ua, RequestID: requestID, EventID: uuid.NewString(),
		EventType: meterd.AuditEventType, ManagementEvent: true, EventCategory: meterd.AuditCategory,
	}
}

func sourceIP(r *http.Request) string {
	host, _, err := net.SplitHostPort(r.RemoteAddr)
	if err != nil {
		return r.RemoteAddr
	}
	return host
}

// auditAPI records one AWS API call, accepted or not. A call that failed
// authentication is recorded with the access key it claimed, as an
// Unknown identity.
func (s *Server) auditAPI(r *http.Request, at time.Time, requestID string, call apiCall, err error) {
	if s.Audit == nil {
		return
	}
	name := call.op
	if name == "" {
		name = "UnknownOperation"
	}
	e := s.newEvent(r, at, requestID, audit.Source(name), name)
	caller := call.caller
	if !call.authenticated {
		if auth, perr := sigv4.ParseAuthorization(r.Header.Get("Authorization")); perr == nil {
			caller.Region = auth.Region
		}
	}
	e.AWSRegion = caller.Region
	e.ReadOnly = audit.ReadOnly(name)
	e.ErrorCode, e.ErrorMessage = awsproto.WireCode(err), awsproto.WireMessage(err)
	if call.plan.Injected() {
		e.AdditionalEventData, _ = json.Marshal(meterd.AuditInjection{Injected: true,
			FaultRules: call.plan.Rules, Dropped: call.plan.Drop}) // cannot fail
	}
	var out any
	if err == nil {
		out = call.out
	}
	// The JSON work is done by the audit writer: the request is answered
	// and in and out are no longer used by it. The closure takes only what
	// it needs: capturing call moved the whole of it to the heap.
	authenticated, in := call.authenticated, call.in
	s.Audit.Record(e, func(e *meterd.AuditEvent) {
		e.UserIdentity = audit.Identity(caller, authenticated)
		e.RecipientAccountID = e.UserIdentity.AccountID
		audit.Describe(e, caller, in, out)
	})
}

// adminEventNames name the admin calls in the trail, as CloudTrail names
// an API's actions; a route not listed is named "METHOD PATH".
var adminEventNames = map[string]string{
	"POST /admin/v1/registration-tokens": "CreateRegistrationToken",
	"POST /admin/v1/signing-keys":        "RotateSigningKey",
	"GET " + pathAuditEvents:             "LookupEvents",
	"GET " + pathAuditExport:             "ExportEvents",
	"GET " + pathCalls:                   "ListCalls",
	"GET /admin/v1/clock":                "GetClock",
	"POST /admin/v1/clock/set":           "SetClock",
	"POST /admin/v1/clock/advance":       "AdvanceClock",
	"POST /admin/v1/clock/offset":        "OffsetClock",
	"POST /admin/v1/clock/freeze":        "FreezeClock",
	"POST /admin/v1/clock/real":          "RealClock",
	"GET /admin/v1/faults":               "ListFaults",
	"POST /admin/v1/faults":              "AddFault",
	"DELETE /admin/v1/faults":            "ClearFaults",
	"GET /admin/v1/quotas":               "GetQuotas",
	"POST /admin/v1/quotas":              "SetQuota",
	"DELETE /admin/v1/quotas":            "ResetQuota",
	"POST " + pathReset:                  "Reset",
	"GET " + pathUsage:                   "ListUsage",
	"GET " + pathUsageSum:                "SumUsage",
	"GET " + pathUsageExport:             "ExportUsage",
}

// adminEventName names an admin call; a route not listed is "METHOD PATH".
func adminEventName(r *http.Request) string {
	if name, ok := adminEventNames[r.Method+" "+r.URL.Path]; ok {
		return name
	}
	if r.Method == http.MethodDelete && strings.HasPrefix(r.URL.Path, "/admin/v1/faults/") {
		return "DeleteFault"
	}
	return r.Method + " " + r.URL.Path
}

// auditAdmin records every admin call, authorised or not. The admin token
// is never recorded: the identity is the admin role, the parameters are
// the query and the JSON body, and answers are left out (a registration
// token is a secret).
func (s *Server) auditAdmin(next http.Handler) http.Handler {
	if s.Audit == nil {
		return next
	}
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		at := time.Now()
		var body bytes.Buffer
		if r.Body != nil {
			r.Body = struct {
				io.Reader
				io.Closer
			}{io.TeeReader(r.Body, &limitedBuffer{buf: &body, max: maxAdminBody}), r.Body}
		}
		rec := &errorRecorder{ResponseWriter: w, status: http.StatusOK}
		next.ServeHTTP(rec, r)
		s.Audit.Record(s.adminEvent(r, at, body.Bytes(), rec), nil)
	})
}

func (s *Server) adminEvent(r *http.Request, at time.Time, body []byte, rec *errorRecorder) *meterd.AuditEvent {
	e := s.newEvent(r, at, uuid.NewString(), audit.SourceAdmin, adminEventName(r))
	e.UserIdentity = meterd.AuditIdentity{Type: "Unknown", PrincipalID: "meterd-admin", UserName: "meterd-admin"}
	e.ReadOnly = r.Method == http.MethodGet
	e.RequestParameters = adminParams(r.URL.Query(), body)
	if rec.status >= 300 {
		var ae adminError
		if json.Unmarshal(rec.body.Bytes(), &ae) == nil && ae.Code != "" {
			e.ErrorCode, e.ErrorMessage = ae.Code, ae.Error
		} else {
			e.ErrorCode = http.StatusText(rec.status)
		}
	}
	return e
}

// adminParams merges the query (one value per name, as CloudTrail shows a
// GET's parameters) with the members of a JSON object body.
func adminParams(q url.Values, body []byte) json.RawMessage {
	params := map[string]any{}
	_ = json.Unmarshal(body, &params) // a body that is not an object adds nothing
	for k, v := range q {
		params[k] = strings.Join(v, ",")
	}
	if len(params) == 0 {
		return nil
	}
	return audit.Params(params)
}

// limitedBuffer keeps the first max bytes written to it.
type limitedBuffer struct {
	buf *bytes.Buffer
	max int
}

func (b *limitedBuffer) Write(p []byte) (int, error) {
	if room := b.max - b.buf.Len(); room > 0 {
		b.buf.Write(p[:min(len(p), room)])
	}
	return len(p), nil
}

// errorRecorder remembers the status and the start of an error answer,
// whose code the event records.
type errorRecorder struct {
	http.ResponseWriter
	status int
	body   bytes.Buffer
}

// maxErrorBody bounds what errorRecorder keeps of an error answer.
const maxErrorBody = 4096

func (r *errorRecorder) WriteHeader(status int) {
	r.status = status
	r.ResponseWriter.WriteHeader(status)
}

func (r *errorRecorder) Write(p []byte) (int, error) {
	if r.status >= 300 && r.body.Len() < maxErrorBody {
		r.body.Write(p[:min(len(p), maxErrorBody-r.body.Len())])
	}
	return r.ResponseWriter.Write(p)
}

// Unwrap lets http.ResponseController reach the connection (a streamed
// export extends its write deadline).
func (r *errorRecorder) Unwrap() http.ResponseWriter { return r.ResponseWriter }
