package meterd

import (
	"errors"
	"fmt"
)

// Error codes. Each is the exact AWS exception name sent on the wire as
// __type; awsproto maps a code to its HTTP status.
const (
	// Modeled metering errors.
	ECustomerNotEntitled       = "CustomerNotEntitledException"
	EDisabledAPI               = "DisabledApiException"
	EDuplicateRequest          = "DuplicateRequestException"
	EExpiredToken              = "ExpiredTokenException"
	EIdempotencyConflict       = "IdempotencyConflictException"
	EInternalServiceError      = "InternalServiceErrorException"
	EInvalidCustomerIdentifier = "InvalidCustomerIdentifierException"
	EInvalidEndpointRegion     = "InvalidEndpointRegionException"
	EInvalidLicense            = "InvalidLicenseException"
	EInvalidProductCode        = "InvalidProductCodeException"
	EInvalidPublicKeyVersion   = "InvalidPublicKeyVersionException"
	EInvalidRegion             = "InvalidRegionException"
	EInvalidTag                = "InvalidTagException"
	EInvalidToken              = "InvalidTokenException"
	EInvalidUsageAllocations   = "InvalidUsageAllocationsException"
	EInvalidUsageDimension     = "InvalidUsageDimensionException"
	EPlatformNotSupported      = "PlatformNotSupportedException"
	EThrottling                = "ThrottlingException"
	ETimestampOutOfBounds      = "TimestampOutOfBoundsException"

	// Modeled entitlement error (InternalServiceError and Throttling are shared).
	EInvalidParameter = "InvalidParameterException"

	// Protocol and authentication errors every AWS JSON service sends.
	EValidation                 = "ValidationException"
	ESerialization              = "SerializationException"
	EUnknownOperation           = "UnknownOperationException"
	EMissingAuthenticationToken = "MissingAuthenticationTokenException"
	EIncompleteSignature        = "IncompleteSignatureException"
	EInvalidSignature           = "InvalidSignatureException"
	EUnrecognizedClient         = "UnrecognizedClientException"
	EAccessDenied               = "AccessDeniedException"

	// ENotFound and EConflict are store-level codes; the domain turns them
	// into AWS errors before they reach an AWS client. The admin API sends
	// them as they are.
	ENotFound = "NotFound"
	EConflict = "Conflict"

	// Codes of the admin API (and the console), which never reach an AWS
	// client: server/admin.go maps each to its HTTP status, and the admin
	// client turns the answer back into an *Error with the same code.
	EInvalid          = "Invalid"          // a request meterd cannot honour as sent
	EUnauthorized     = "Unauthorized"     // admin token missing or wrong
	EMethodNotAllowed = "MethodNotAllowed" // a route called with the wrong HTTP method
)

// Error is a domain error with an AWS exception code and the message sent to
// the client.
type Error struct {
	Code    string
	Message string
}

func (e *Error) Error() string { return e.Code + ": " + e.Message }

// Is reports whether target is an *Error with the same code, whatever its
// message, so that errors.Is(err, &Error{Code: ENotFound}) finds a coded
// error anywhere in err's chain.
func (e *Error) Is(target error) bool {
	t, ok := target.(*Error)
	return ok && t.Code == e.Code
}

// Errorf returns an *Error with a formatted message.
func Errorf(code, format string, args ...any) *Error {
	return &Error{Code: code, Message: fmt.Sprintf(format, args...)}
}

// ErrorCode returns the code of an *Error in err's chain, or
// EInternalServiceError for anything else (nil gives "").
func ErrorCode(err error) string {
	if err == nil {
		return ""
	}
	var e *Error
	if errors.As(err, &e) {
		return e.Code
	}
	return EInternalServiceError
}

// ErrorMessage returns the client-facing message of err: the message of an
// *Error, or a generic text that hides internal details.
func ErrorMessage(err error) string {
	var e *Error
	if errors.As(err, &e) {
		return e.Message
	}
	return InternalErrorMessage
}

// InternalErrorMessage is what a client is told of an error without a code;
// the detail goes only to the log.
const InternalErrorMessage = "An internal error has occurred. Retry your request."

// IsNotFound reports whether err is a store ENotFound.
func IsNotFound(err error) bool { return ErrorCode(err) == ENotFound }
