package awsproto

import (
	"errors"
	"net/http"
	"slices"

	"github.com/meterd/meterd"
)

// unmodeledStatus is the HTTP status of the errors every AWS JSON service
// may send although no model lists them.
var unmodeledStatus = map[string]int{
	meterd.EValidation:                 http.StatusBadRequest,
	meterd.ESerialization:              http.StatusBadRequest,
	meterd.EUnknownOperation:           http.StatusBadRequest,
	meterd.EMissingAuthenticationToken: http.StatusForbidden,
	meterd.EIncompleteSignature:        http.StatusBadRequest,
	meterd.EInvalidSignature:           http.StatusBadRequest,
	meterd.EUnrecognizedClient:         http.StatusBadRequest,
	meterd.EAccessDenied:               http.StatusBadRequest,
}

// HTTPStatus is the HTTP status AWS answers an error code with: a modeled
// error's httpError trait, else 400 for client and 500 for server faults;
// the table above for unmodeled protocol and authentication errors; 500 for
// any other code, which WriteError never sends as such.
func HTTPStatus(code string) int {
	if s, ok := models().errorStatus[code]; ok {
		return s
	}
	if s, ok := unmodeledStatus[code]; ok {
		return s
	}
	return http.StatusInternalServerError
}

// errorStatusOf derives the status of an error shape.
func errorStatusOf(s *shape) int {
	switch {
	case s.httpStatus != 0:
		return s.httpStatus
	case s.fault == "server":
		return http.StatusInternalServerError
	}
	return http.StatusBadRequest
}

// ModeledErrors returns the sorted names of the error shapes the model of
// service (e.g. "AWSMPMeteringService") declares on the service or any of
// its operations; nil for an unknown service.
func ModeledErrors(service string) []string {
	return slices.Clone(models().modeledErrors[service])
}

func errorNames(svc *service) []string {
	var names []string
	add := func(errs []*shape) {
		for _, e := range errs {
			if !slices.Contains(names, e.name) {
				names = append(names, e.name)
			}
		}
	}
	add(svc.errors)
	for _, op := range svc.operations {
		add(op.errors)
	}
	slices.Sort(names)
	return names
}

// wireError returns the code and message to send for err. Only codes a
// client can know are sent: the modeled errors and the unmodeled protocol
// errors. Anything else, including store codes that escaped the domain and
// errors that are not *meterd.Error, becomes InternalServiceErrorException
// with a generic message; the caller logs the detail.
func wireError(err error) (code, message string) {
	var e *meterd.Error
	if errors.As(err, &e) {
		if _, modeled := models().errorStatus[e.Code]; modeled {
			return e.Code, e.Message
		}
		if _, known := unmodeledStatus[e.Code]; known {
			return e.Code, e.Message
		}
	}
	return meterd.EInternalServiceError, meterd.ErrorMessage(errHidden)
}

// errHidden stands for an error whose detail must not reach the client;
// meterd.ErrorMessage gives the generic text for it.
var errHidden = errors.New("hidden")

// WriteError writes err as an AWS error response: the status of its code,
// the x-amzn-RequestId header, and a body {"__type": code, "message": msg}
// in the protocol's encoding. JSON responses also carry X-Amzn-ErrorType,
// which JSON clients read first; RPC v2 CBOR clients read only the body,
// so CBOR responses omit it.
func WriteError(w http.ResponseWriter, p Protocol, requestID string, err error) {
	code, message := wireError(err)
	if p == JSON {
		w.Header().Set("X-Amzn-ErrorType", code)
	}
	body := object{{"__type", code}, {"message", message}}
	writeResponse(w, p, requestID, HTTPStatus(code), body)
}

// serializationError is the error of a body that is not well-formed or
// whose values have the wrong types.
func serializationError(format string, args ...any) *meterd.Error {
	return meterd.Errorf(meterd.ESerialization, format, args...)
}
