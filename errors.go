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

	// DryRunOperation answers a MeterUsage DryRun that would have succeeded
	// (not modeled; see docs/differences.md).
	EDryRunOperation = "DryRunOperation"

	// ENotFound and EConflict are store-level codes; the domain turns them
	// into AWS errors before they reach a client.
	ENotFound = "NotFound"
	EConflict = "Conflict"
)

// Error is a domain error with an AWS exception code and the message sent to
// the client.
type Error struct {
	Code    string
	Message string
}

func (e *Error) Error() string { return e.Code + ": " + e.Message }

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
	return "An internal error has occurred. Retry your request."
}

// IsNotFound reports whether err is a store ENotFound.
func IsNotFound(err error) bool { return ErrorCode(err) == ENotFound }
