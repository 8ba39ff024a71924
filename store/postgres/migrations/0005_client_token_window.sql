-- 0005: client tokens are kept for meterd.ClientTokenWindow after their
-- first use (used_at, the ReceivedAt of the call; NULL never expires), then
-- forgotten: a later insert of the same token replaces the row. remembered
-- marks the tokens answered with another call's record (what ResetLedger
-- counts as client tokens).
ALTER TABLE client_tokens ADD COLUMN used_at BIGINT;
ALTER TABLE client_tokens ADD COLUMN remembered BOOLEAN NOT NULL DEFAULT false;
UPDATE client_tokens SET used_at = (
	SELECT received_at FROM metering_records WHERE metering_records.id = client_tokens.record_id);
CREATE INDEX client_tokens_used_at ON client_tokens (used_at);
