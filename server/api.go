package server

import (
	"context"
	"errors"
	"io"
	"log/slog"
	"net/http"
	"time"

	"github.com/google/uuid"

	"github.com/meterd/meterd"
	"github.com/meterd/meterd/awsproto"
	"github.com/meterd/meterd/awsproto/sigv4"
	"github.com/meterd/meterd/sim"
)

const readyTimeout = 2 * time.Second

// handleAPI serves every AWS operation: POST / with X-Amz-Target (JSON) and
// POST /service/<Service>/operation/<Op> (RPC v2 CBOR).
func (s *Server) handleAPI(w http.ResponseWriter, r *http.Request) {
	requestID := uuid.NewString()
	proto := awsproto.ProtocolOf(r)
	start := time.Now()
	var call apiCall
	err := s.serveAPI(w, r, proto, requestID, &call)
	if err != nil {
		awsproto.WriteError(w, proto, requestID, err)
	}
	elapsed := time.Since(start)
	s.logRequest(requestID, call, err, elapsed)
	s.Metrics.observeRequest(call.op, proto, err, elapsed)
	s.auditAPI(r, start, requestID, call, err)
}

// apiCall is what is known of a request, for the log and the audit trail.
type apiCall struct {
	op            string
	caller        meterd.Caller
	authenticated bool
	in, out       any
	plan          sim.Plan // the faults injected into it
}

// serveAPI runs one request: authenticate, route, decode, call, encode. It
// writes the success answer itself and returns errors for the caller to
// write; it fills call as it learns the caller and the operation.
func (s *Server) serveAPI(w http.ResponseWriter, r *http.Request, proto awsproto.Protocol, requestID string, call *apiCall) error {
	body, err := s.readBody(w, r)
	if err != nil {
		return err
	}
	// The operation is looked up first only to name it in the log: like
	// AWS, a request that fails authentication gets the auth error.
	op, routeErr := awsproto.Route(r)
	if op != nil {
		call.op = op.Name
	}
	if call.caller, err = s.authenticate(r, body); err != nil {
		call.caller.AccessKeyID = claimedAccessKey(r)
		return err
	}
	call.authenticated = true
	if routeErr != nil {
		return routeErr
	}
	if err := s.Limiter.Allow(call.caller.AccountID, call.caller.Region, op.Name); err != nil {
		return err
	}
	in := op.NewInput()
	if err := awsproto.Decode(proto, op, body, in); err != nil {
		return err
	}
	call.in = in
	out, err := s.callInjecting(r.Context(), op.Name, call, in)
	if err != nil {
		return err
	}
	call.out = out
	if call.plan.Drop {
		return dropConnection(w)
	}
	awsproto.WriteResult(w, proto, requestID, out)
	return nil
}

// claimedAccessKey is the key id a request says it is signed with, for the
// log of a request that failed authentication ("" when unreadable).
func claimedAccessKey(r *http.Request) string {
	auth, err := sigv4.ParseAuthorization(r.Header.Get("Authorization"))
	if err != nil {
		return ""
	}
	if len(auth.AccessKeyID) > sigv4.MaxAccessKeyIDLength {
		return auth.AccessKeyID[:sigv4.MaxAccessKeyIDLength] + "..." // the log stays small
	}
	return auth.AccessKeyID
}

// readBody reads at most MaxBodyBytes. A larger body is a
// ValidationException, like AWS's 1 MB request limit; a Content-Length
// over the limit is refused before a byte is read. A coded read error is
// the Guard's ThrottlingException and is sent as such.
func (s *Server) readBody(w http.ResponseWriter, r *http.Request) ([]byte, error) {
	if r.ContentLength > s.MaxBodyBytes {
		return nil, s.errBodyTooLarge()
	}
	body, err := readAll(http.MaxBytesReader(w, r.Body, s.MaxBodyBytes), r.ContentLength)
	var tooLarge *http.MaxBytesError
	var coded *meterd.Error
	switch {
	case errors.As(err, &tooLarge):
		return nil, s.errBodyTooLarge()
	case errors.As(err, &coded):
		return nil, err
	case err != nil:
		return nil, meterd.Errorf(meterd.ESerialization, "Could not read the request body.")
	}
	return body, nil
}

// maxPresized bounds readAll's first buffer: four times a 25-record batch.
const maxPresized = 32 << 10

// readAll is io.ReadAll into a buffer of the declared length: io.ReadAll
// starts at 512 bytes and doubles, which for a 25-record batch (about 6 KB)
// made five buffers and copies a request. An unknown (-1) or wrong length
// only costs the growth io.ReadAll would have paid. The buffer made before
// a byte has arrived is at most maxPresized, so that a client declaring a
// large body it never sends holds no more than that.
func readAll(r io.Reader, contentLength int64) ([]byte, error) {
	if contentLength <= 0 {
		return io.ReadAll(r)
	}
	// One byte more than declared, so that the read that finds EOF does
	// not grow it (bytes.Buffer.ReadFrom would: it wants 512 free bytes).
	buf := make([]byte, 0, min(contentLength, maxPresized)+1)
	for {
		if len(buf) == cap(buf) {
			buf = append(buf, 0)[:len(buf)]
		}
		n, err := r.Read(buf[len(buf):cap(buf)])
		buf = buf[:len(buf)+n]
		if err == io.EOF {
			return buf, nil
		}
		if err != nil {
			return buf, err
		}
	}
}

func (s *Server) errBodyTooLarge() error {
	return meterd.Errorf(meterd.EValidation,
		"1 validation error detected: Request payload size exceeds the limit of %d bytes", s.MaxBodyBytes)
}

// call dispatches a decoded input to its service. The operation table in
// awsproto and this switch name the same five operations.
func (s *Server) call(ctx context.Context, caller meterd.Caller, in any) (any, error) {
	switch in := in.(type) {
	case *meterd.MeterUsageRequest:
		return s.Metering.MeterUsage(ctx, caller, in)
	case *meterd.BatchMeterUsageRequest:
		return s.Metering.BatchMeterUsage(ctx, caller, in)
	case *meterd.ResolveCustomerRequest:
		return s.Metering.ResolveCustomer(ctx, caller, in)
	case *meterd.RegisterUsageRequest:
		return s.Metering.RegisterUsage(ctx, caller, in)
	case *meterd.GetEntitlementsRequest:
		return s.Entitlement.GetEntitlements(ctx, caller, in)
	}
	return nil, meterd.Errorf(meterd.EUnknownOperation, "Unknown operation input %T.", in)
}

// logRequest logs one API call (never a secret: the access key id is not
// one). Internal errors are logged with their detail here because the
// client only sees a generic message.
func (s *Server) logRequest(requestID string, call apiCall, err error, elapsed time.Duration) {
	// A plain success is logged at Debug, which production leaves off:
	// asking first spares boxing its attributes on every call. Accepted
	// usage gets its Info line instead.
	if err == nil && !call.plan.Injected() {
		if s.logUsage(requestID, call, elapsed) || !s.log().Enabled(context.Background(), slog.LevelDebug) {
			return
		}
	}
	attrs := []any{meterd.LogKeyRequestID, requestID, meterd.LogKeyOperation, call.op,
		meterd.LogKeyAccessKeyID, call.caller.AccessKeyID, meterd.LogKeyRegion, call.caller.Region,
		meterd.LogKeyDuration, elapsed}
	code := awsproto.WireCode(err)
	switch {
	case call.plan.Injected():
		attrs = append(attrs, meterd.LogKeyFaultRules, call.plan.Rules, meterd.LogKeyFaultDrop, call.plan.Drop)
		if err != nil {
			attrs = append(attrs, meterd.LogKeyCode, code)
		}
		s.log().Info("fault injected", attrs...)
	case err == nil:
		s.log().Debug("request", attrs...)
	case code == meterd.EInternalServiceError:
		s.log().Error("request failed", append(attrs, meterd.LogKeyError, err)...)
	default:
		s.log().Info("request rejected", append(attrs, meterd.LogKeyCode, code)...)
	}
}
