-- 0008: hourly rollups of the ledger for usage sums (see usage.go). They
-- are not written by RecordUsage: a roll on the writer folds the records
-- after a watermark (usage_rollup_mark.seq) into usage_rollup a chunk at a
-- time, and a sum reads the rollup plus the records after the watermark
-- in one read transaction, so it is exact whatever has been rolled.
--
-- One row per period (the same sums per hour, per day and per month: one
-- record a customer and dimension an hour makes as many hourly rows as
-- records, and a month's sum reads the monthly ones), product, period
-- start, customer, license, dimension and test flag; tag_key '' holds
-- whole records, and a row per allocation tag (key and value) holds what
-- allocations gave that tag. The key starts with the period, product and
-- tag so that a product's month is one range of the table.
CREATE TABLE usage_rollup (
	period              TEXT NOT NULL, -- 'hour', 'day' or 'month'
	product_code        TEXT NOT NULL,
	tag_key             TEXT NOT NULL,
	tag_value           TEXT NOT NULL,
	hour                TEXT NOT NULL, -- the period's start
	customer_identifier TEXT NOT NULL,
	customer_account    TEXT NOT NULL, -- the customer's AWS account; MeterUsage's caller
	license_arn         TEXT NOT NULL,
	dimension           TEXT NOT NULL,
	test                INTEGER NOT NULL,
	quantity            INTEGER NOT NULL,
	records             INTEGER NOT NULL,
	PRIMARY KEY (period, product_code, tag_key, tag_value, hour, customer_identifier, customer_account,
		license_arn, dimension, test)
) STRICT, WITHOUT ROWID;

-- The same sums without customer and license, for the sums that neither
-- filter nor group by them: a product's month per day is a few rows per
-- dimension here, where usage_rollup has one per customer too.
CREATE TABLE usage_totals (
	period       TEXT NOT NULL,
	product_code TEXT NOT NULL,
	tag_key      TEXT NOT NULL,
	tag_value    TEXT NOT NULL,
	hour         TEXT NOT NULL,
	dimension    TEXT NOT NULL,
	test         INTEGER NOT NULL,
	quantity     INTEGER NOT NULL,
	records      INTEGER NOT NULL,
	PRIMARY KEY (period, product_code, tag_key, tag_value, hour, dimension, test)
) STRICT, WITHOUT ROWID;

CREATE TABLE usage_rollup_mark (
	id  INTEGER PRIMARY KEY CHECK (id = 1),
	seq INTEGER NOT NULL -- metering_records.seq of the last record rolled up
) STRICT;
INSERT INTO usage_rollup_mark (id, seq) VALUES (1, 0);
