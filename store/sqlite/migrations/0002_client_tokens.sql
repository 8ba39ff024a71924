-- 0002: client tokens that were answered with another call's record.
-- A MeterUsage call whose usage was already recorded (same hour, same
-- parameters) gets the stored record's id; its own ClientToken must then
-- lead to that record too, or a later reuse of the token with other
-- parameters would go unnoticed. A record's own token stays in
-- metering_records.client_token.
CREATE TABLE client_tokens (
	region            TEXT NOT NULL,
	caller_account_id TEXT NOT NULL,
	client_token      TEXT NOT NULL,
	record_id         TEXT NOT NULL REFERENCES metering_records (id),
	PRIMARY KEY (region, caller_account_id, client_token)
) STRICT, WITHOUT ROWID;
