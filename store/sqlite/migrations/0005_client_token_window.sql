-- 0005: client tokens are kept for meterd.ClientTokenWindow after their
-- first use, then forgotten: a reused token is then a new one.
--
-- A record's own token stays in metering_records.client_token (what the
-- call sent), but is no longer unique: after the window the same token may
-- lead to a new record. Lookups take the newest one still in the window.
DROP INDEX metering_records_client_token;
CREATE INDEX metering_records_client_token
	ON metering_records (region, caller_account_id, client_token, received_at)
	WHERE client_token IS NOT NULL;

-- Tokens answered with another call's record expire used_at + the window
-- and are deleted a few at a time by later writes of the table, so the
-- table holds about one window's worth of rows.
ALTER TABLE client_tokens ADD COLUMN used_at TEXT;
UPDATE client_tokens SET used_at = (
	SELECT received_at FROM metering_records WHERE metering_records.id = client_tokens.record_id);
CREATE INDEX client_tokens_used_at ON client_tokens (used_at);
