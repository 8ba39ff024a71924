-- 0004: one row that Ping (/readyz) rewrites after a failed write, to learn
-- whether writes work again. It holds no data.
CREATE TABLE write_probe (
	id INTEGER PRIMARY KEY CHECK (id = 1),
	n  INTEGER NOT NULL
) STRICT;
