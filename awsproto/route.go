package awsproto

import (
	"net/http"
	"strings"

	"github.com/meterd/meterd"
)

// cborPathPrefix starts every RPC v2 CBOR operation path:
// /service/<ServiceShape>/operation/<Operation>.
const cborPathPrefix = "/service/"

// ProtocolOf tells which protocol a request speaks, by its path.
func ProtocolOf(r *http.Request) Protocol {
	if strings.HasPrefix(r.URL.Path, cborPathPrefix) {
		return CBOR
	}
	return JSON
}

// Route finds the operation of a request: by path for RPC v2 CBOR, by
// X-Amz-Target for AWS JSON 1.1 (which also needs its content type).
// Anything else is UnknownOperationException, as AWS answers it.
func Route(r *http.Request) (*Operation, error) {
	if r.Method != http.MethodPost {
		return nil, meterd.Errorf(meterd.EUnknownOperation, "Method %s is not supported; AWS APIs are called with POST.", r.Method)
	}
	if ProtocolOf(r) == CBOR {
		op, ok := OperationByPath(r.URL.Path)
		if !ok {
			return nil, meterd.Errorf(meterd.EUnknownOperation, "Unknown operation path %q.", r.URL.Path)
		}
		return op, nil
	}
	if ct := r.Header.Get("Content-Type"); !isJSONContentType(ct) {
		return nil, meterd.Errorf(meterd.EUnknownOperation, "Content-Type %q is not supported; use %s.", ct, jsonContentType)
	}
	target := r.Header.Get("X-Amz-Target")
	op, ok := OperationByTarget(target)
	if !ok {
		return nil, meterd.Errorf(meterd.EUnknownOperation, "Unknown operation %q.", target)
	}
	return op, nil
}

// isJSONContentType accepts AWS JSON 1.1, and 1.0, which some hand-written
// clients send.
func isJSONContentType(ct string) bool {
	mediaType, _, _ := strings.Cut(ct, ";")
	mediaType = strings.TrimSpace(strings.ToLower(mediaType))
	return mediaType == jsonContentType || mediaType == "application/x-amz-json-1.0"
}

// WireCode is the exception code a client receives for err (see
// WriteError): InternalServiceErrorException for anything it must not see.
func WireCode(err error) string {
	if err == nil {
		return ""
	}
	code, _ := wireError(err)
	return code
}

// WireMessage is the message a client receives for err with WireCode's
// code ("" for nil): the audit trail records what the caller was told.
func WireMessage(err error) string {
	if err == nil {
		return ""
	}
	_, message := wireError(err)
	return message
}
