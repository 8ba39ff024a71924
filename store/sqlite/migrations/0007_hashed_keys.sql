-- 0007: the ledger's dedupe key and client token are found through an
-- index on a 64-bit hash of each (see keys.go) instead of an index on their
-- text: random digests and UUIDs of 36-75 bytes made the two largest
-- indexes, each insert dirtying a random page of both. The hashes are not
-- unique; lookups compare the full key as well.
--
-- Only three indexes remain on metering_records: the unique id (parent of
-- client_tokens.record_id; ids are time-ordered from this version, so it
-- grows at its right edge), these two hashes and (product_code, hour) for
-- usage queries by product and hour range. The table keeps its rowid (seq,
-- the ledger order), so records append.
ALTER TABLE metering_records ADD COLUMN dedupe_hash INTEGER NOT NULL DEFAULT 0;
ALTER TABLE metering_records ADD COLUMN token_hash INTEGER; -- NULL without a token
UPDATE metering_records SET
	dedupe_hash = meterd_key_hash(region, dedupe_key),
	token_hash = CASE WHEN client_token IS NOT NULL
		THEN meterd_key_hash(region, caller_account_id, client_token) END;

DROP INDEX metering_records_dedupe;
DROP INDEX metering_records_client_token;
CREATE INDEX metering_records_dedupe ON metering_records (dedupe_hash);
CREATE INDEX metering_records_client_token ON metering_records (token_hash)
	WHERE token_hash IS NOT NULL;
