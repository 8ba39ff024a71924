-- The audit trail (meterd.AuditStore), numbered apart from the ledger's
-- migrations as SQLite keeps it in a file apart. Every node appends here,
-- so the trail of a cluster is one.
CREATE TABLE audit_events (
	seq                BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
	event_id           TEXT NOT NULL,
	time_ns            BIGINT NOT NULL,
	event_name         TEXT NOT NULL,
	access_key         TEXT NOT NULL,
	error_code         TEXT NOT NULL,
	product_code       TEXT NOT NULL,
	customers          TEXT NOT NULL, -- each subject's, between two \x1f
	dimensions         TEXT NOT NULL, -- likewise, in the same order
	record             TEXT NOT NULL, -- the CloudTrail JSON but for the two below
	request_parameters TEXT,
	response_elements  TEXT
);
CREATE INDEX audit_events_time ON audit_events (time_ns, seq);
CREATE INDEX audit_events_name_time ON audit_events (event_name, time_ns, seq);
