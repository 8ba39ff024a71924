-- 0004: one row that Ping (/readyz) rewrites to learn whether writes work.
-- It holds no data.
CREATE TABLE write_probe (
	id INTEGER PRIMARY KEY CHECK (id = 1),
	n  BIGINT NOT NULL
);
