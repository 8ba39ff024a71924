-- 0011: usage rollups on PostgreSQL (store/sqlite/migrations/0008 has the
-- same tables; store/backend/rollup.go says what their rows hold), but
-- usage_rollup keeps only months (store/postgres/rollup.go
-- customerPeriods says why; usage_totals keeps all three). Here
-- each node's group commit adds its records to them in the transaction
-- that inserts the records (writer.go), so a sum that reads them sees
-- exactly the committed records, whichever node committed them. SQLite's
-- watermark cannot work across nodes: a record's seq is taken before its
-- transaction commits, so records commit out of seq order.
--
-- shard is the writing node's (chosen at random from a few when it opens):
-- nodes add to rows of their own rather than wait on each other's locks
-- of the hot rows (the current hour of every product and dimension), and a
-- sum adds the shards up. It comes last in the key, so that a product's
-- period is still one range of the primary key. Times are nanoseconds, as
-- in metering_records; hour is the period's start. (No fillfactor: it
-- would keep updates on their page, but not every distributed engine
-- accepts the clause.)
CREATE TABLE usage_rollup (
	period              TEXT NOT NULL, -- 'month'
	product_code        TEXT NOT NULL,
	tag_key             TEXT NOT NULL,
	tag_value           TEXT NOT NULL,
	hour                BIGINT NOT NULL,
	customer_identifier TEXT NOT NULL,
	customer_account    TEXT NOT NULL, -- the customer's AWS account; MeterUsage's caller
	license_arn         TEXT NOT NULL,
	dimension           TEXT NOT NULL,
	test                BOOLEAN NOT NULL,
	shard               SMALLINT NOT NULL,
	quantity            BIGINT NOT NULL,
	records             BIGINT NOT NULL,
	PRIMARY KEY (period, product_code, tag_key, tag_value, hour, customer_identifier, customer_account,
		license_arn, dimension, test, shard)
);

CREATE TABLE usage_totals (
	period       TEXT NOT NULL, -- 'hour', 'day' or 'month'
	product_code TEXT NOT NULL,
	tag_key      TEXT NOT NULL,
	tag_value    TEXT NOT NULL,
	hour         BIGINT NOT NULL,
	dimension    TEXT NOT NULL,
	test         BOOLEAN NOT NULL,
	shard        SMALLINT NOT NULL,
	quantity     BIGINT NOT NULL,
	records      BIGINT NOT NULL,
	PRIMARY KEY (period, product_code, tag_key, tag_value, hour, dimension, test, shard)
);

-- The records already stored, in shard 0: each record whole, and once per
-- tag of its allocations with what they gave the tag (as
-- backend.AllocatedToTags adds it up), per hour, day and month (UTC); the
-- totals are the sums of these rows, and then usage_rollup's hours and
-- days go.
INSERT INTO usage_rollup (period, product_code, tag_key, tag_value, hour, customer_identifier, customer_account,
	license_arn, dimension, test, shard, quantity, records)
WITH rec AS (
	SELECT product_code, hour, customer_identifier,
		CASE WHEN customer_aws_account_id = '' AND operation = 'MeterUsage' THEN caller_account_id
			ELSE customer_aws_account_id END AS customer_account,
		license_arn, dimension, test, quantity, allocations
	FROM metering_records WHERE hour IS NOT NULL
), rows AS (
	SELECT product_code, '' AS tag_key, '' AS tag_value, hour, customer_identifier, customer_account, license_arn,
		dimension, test, quantity
	FROM rec
	UNION ALL
	SELECT r.product_code, t.tag_key, t.tag_value, r.hour, r.customer_identifier, r.customer_account,
		r.license_arn, r.dimension, r.test, t.quantity
	FROM rec r, LATERAL (
		SELECT tag ->> 'Key' AS tag_key, tag ->> 'Value' AS tag_value,
			sum((a ->> 'AllocatedUsageQuantity')::bigint) AS quantity
		FROM jsonb_array_elements(r.allocations::jsonb) a,
			jsonb_array_elements(coalesce(a -> 'Tags', '[]'::jsonb)) tag
		GROUP BY 1, 2) t
	WHERE r.allocations IS NOT NULL
)
SELECT p.period, product_code, tag_key, tag_value,
	CASE p.period
		WHEN 'hour' THEN hour
		WHEN 'day' THEN hour - ((hour % 86400000000000) + 86400000000000) % 86400000000000
		ELSE (extract(epoch FROM date_trunc('month', to_timestamp(hour / 1000000000) AT TIME ZONE 'UTC'))
			* 1000000000)::bigint
	END AS start,
	customer_identifier, customer_account, license_arn, dimension, test, 0, sum(quantity), count(*)
FROM rows CROSS JOIN (VALUES ('hour'), ('day'), ('month')) AS p (period)
GROUP BY p.period, product_code, tag_key, tag_value, start, customer_identifier, customer_account, license_arn,
	dimension, test;

INSERT INTO usage_totals (period, product_code, tag_key, tag_value, hour, dimension, test, shard, quantity, records)
SELECT period, product_code, tag_key, tag_value, hour, dimension, test, 0, sum(quantity), sum(records)
FROM usage_rollup
GROUP BY period, product_code, tag_key, tag_value, hour, dimension, test;

DELETE FROM usage_rollup WHERE period <> 'month';
