-- 0002: client tokens. Unlike SQLite, where the writer is the only one to
-- insert and checks before each insert, several nodes insert here at once:
-- so every token, a record's own as well as one answered with another
-- call's record (remembered), is a row of this table, and its primary key
-- is what makes a token reach one record however many nodes receive it
-- (INSERT ... ON CONFLICT). No foreign key to metering_records: a token is
-- claimed in the statement that inserts its record (see ledger.go), and
-- distributed engines lack deferrable constraints.
CREATE TABLE client_tokens (
	region            TEXT NOT NULL,
	caller_account_id TEXT NOT NULL,
	client_token      BYTEA NOT NULL,
	record_id         TEXT NOT NULL,
	PRIMARY KEY (region, caller_account_id, client_token)
);
