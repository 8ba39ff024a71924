-- 0001: the catalog a seed file declares and the ledger the API writes.
-- Times are UTC text in the fixed-width layout 2006-01-02T15:04:05.000000000Z
-- (sortable, nanosecond exact); NULL is the zero time.

CREATE TABLE accounts (
	id   TEXT PRIMARY KEY,
	name TEXT NOT NULL
) STRICT;

CREATE TABLE access_keys (
	id          TEXT PRIMARY KEY,
	secret      TEXT NOT NULL,
	account_id  TEXT NOT NULL REFERENCES accounts (id),
	home_region TEXT NOT NULL,
	platform    TEXT NOT NULL
) STRICT;
CREATE INDEX access_keys_account ON access_keys (account_id);

CREATE TABLE products (
	code              TEXT PRIMARY KEY,
	seller_account_id TEXT NOT NULL REFERENCES accounts (id),
	type              TEXT NOT NULL,
	dimensions        TEXT NOT NULL -- JSON array of meterd.Dimension
) STRICT;
CREATE INDEX products_seller ON products (seller_account_id);

-- A buyer's account need not be declared, so aws_account_id has no foreign key.
CREATE TABLE customers (
	identifier     TEXT PRIMARY KEY,
	aws_account_id TEXT NOT NULL
) STRICT;
CREATE INDEX customers_aws_account ON customers (aws_account_id, identifier);

CREATE TABLE subscriptions (
	license_arn         TEXT PRIMARY KEY,
	product_code        TEXT NOT NULL REFERENCES products (code),
	customer_identifier TEXT NOT NULL REFERENCES customers (identifier),
	status              TEXT NOT NULL,
	license_start       TEXT,
	license_end         TEXT,
	entitlements        TEXT NOT NULL -- JSON array of meterd.Entitlement
) STRICT;
-- FindSubscriptions pages in this order.
CREATE INDEX subscriptions_order ON subscriptions (product_code, customer_identifier, license_arn);
CREATE INDEX subscriptions_customer ON subscriptions (customer_identifier, license_arn);

-- The ledger has no foreign keys: a record stays valid whatever the catalog
-- later says about its product.
CREATE TABLE metering_records (
	seq                     INTEGER PRIMARY KEY, -- ledger (insertion) order
	id                      TEXT NOT NULL UNIQUE,
	region                  TEXT NOT NULL,
	operation               TEXT NOT NULL,
	product_code            TEXT NOT NULL,
	customer_identifier     TEXT NOT NULL,
	customer_aws_account_id TEXT NOT NULL,
	license_arn             TEXT NOT NULL,
	caller_account_id       TEXT NOT NULL,
	resource_id             TEXT NOT NULL,
	dimension               TEXT NOT NULL,
	timestamp               TEXT,
	hour                    TEXT,
	quantity                INTEGER NOT NULL,
	allocations             TEXT, -- JSON array of meterd.UsageAllocation; NULL when none
	dedupe_key              TEXT NOT NULL,
	client_token            TEXT, -- NULL when not sent, so the token index skips it
	request_hash            TEXT NOT NULL,
	test                    INTEGER NOT NULL,
	received_at             TEXT
) STRICT;
CREATE UNIQUE INDEX metering_records_dedupe ON metering_records (region, dedupe_key);
CREATE UNIQUE INDEX metering_records_client_token
	ON metering_records (region, caller_account_id, client_token)
	WHERE client_token IS NOT NULL;
CREATE INDEX metering_records_product_hour ON metering_records (product_code, hour);

CREATE TABLE registration_tokens (
	token                   TEXT PRIMARY KEY,
	product_code            TEXT NOT NULL,
	customer_identifier     TEXT NOT NULL,
	customer_aws_account_id TEXT NOT NULL,
	license_arn             TEXT NOT NULL,
	issued_at               TEXT,
	expires_at              TEXT
) STRICT;

CREATE TABLE task_registrations (
	region        TEXT NOT NULL,
	product_code  TEXT NOT NULL,
	account_id    TEXT NOT NULL,
	resource_id   TEXT NOT NULL,
	test          INTEGER NOT NULL,
	registered_at TEXT,
	PRIMARY KEY (region, product_code, account_id, resource_id)
) STRICT, WITHOUT ROWID;

CREATE TABLE signing_keys (
	version         INTEGER PRIMARY KEY,
	private_key_pem BLOB NOT NULL,
	created_at      TEXT,
	rotated_at      TEXT
) STRICT;
