package meterd

import "log/slog"

// Log attribute keys: the one vocabulary of meterd's logs. The request log,
// the store, the services and (next) the audit trail use these constants,
// never literals, so that one question ("what did access key X do?") is one
// query over every line, and a key is renamed in one place.
//
// Keys are snake_case. A key names one kind of value everywhere: a second
// kind gets its own key (LogKeyFile, not a second meaning of LogKeyPath).
const (
	// A request, as the request log and the audit trail describe it.
	LogKeyRequestID     = "request_id"
	LogKeyOperation     = "operation"
	LogKeyAccessKeyID   = "access_key_id"
	LogKeyCallerAccount = "caller_account"
	LogKeyRegion        = "region"
	LogKeyCode          = "code" // a meterd.Error code (an AWS exception name or an admin code)
	LogKeyDuration      = "duration"
	LogKeyError         = "error" // the internal detail a client never sees

	// An admin API call.
	LogKeyMethod = "method"
	LogKeyPath   = "path" // URL path; a file is LogKeyFile
	LogKeyStatus = "status"

	// What a call touched.
	LogKeyProduct           = "product"
	LogKeyRecords           = "records"
	LogKeyStored            = "stored"
	LogKeySigningKeyVersion = "signing_key_version"

	// Accepted usage: one record of MeterUsage, or every accepted record
	// of a BatchMeterUsage under LogKeyUsage.
	LogKeyCustomer  = "customer"
	LogKeyDimension = "dimension"
	LogKeyQuantity  = "quantity"
	LogKeyRecordID  = "metering_record_id"
	LogKeyUsage     = "usage" // "customer/dimension/quantity/record id" per record, space-separated

	// Fault injection (sim): the ids of the rules that changed a call. The
	// audit trail marks the same calls as injected.
	LogKeyFaultRules = "fault_rules"
	LogKeyFaultDrop  = "fault_drop" // the connection was closed after the commit

	// The business clock (sim): its reading, and how far it is from the
	// wall clock.
	LogKeyClock       = "clock"
	LogKeyClockOffset = "clock_offset"

	// The audit trail.
	LogKeyDropped = "dropped" // events the audit queue had no room for

	// The store.
	LogKeyFile             = "file"
	LogKeyMigration        = "migration"
	LogKeyMigrationVersion = "migration_version"
	LogKeyOps              = "ops"
	LogKeyFileMode         = "file_mode"     // a file's permissions, as ls shows them
	LogKeyWriteTimeout     = "write_timeout" // the store's bound on one commit
	LogKeyStore            = "store"         // a database URL, password redacted

	// Start-up (cmd/meterd).
	LogKeyAddr    = "addr"
	LogKeyDataDir = "data"
	LogKeyAuth    = "auth"
	// LogKeySubscriptions counts a seed's subscriptions.
	LogKeySubscriptions = "subscriptions"
	// LogKeyEntry names a catalog entry ("product \"p\"").
	LogKeyEntry = "entry"
)

// LoggerOrDiscard returns l, or a logger that discards everything when l is
// nil: every package takes a nil *slog.Logger to mean "do not log" rather
// than panicking on the first line it writes.
func LoggerOrDiscard(l *slog.Logger) *slog.Logger {
	if l == nil {
		return slog.New(slog.DiscardHandler)
	}
	return l
}
