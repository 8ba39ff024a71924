-- 0001: the catalog a seed file declares and the ledger the API writes
-- (PostgreSQL twin of store/sqlite/migrations/0001_init.sql).
-- Times are BIGINT nanoseconds since the Unix epoch, UTC (nanosecond exact,
-- ordered, and the same on every Postgres-compatible engine); NULL is the
-- zero time. Lists are JSON text, decoded by meterd, never queried.

CREATE TABLE accounts (
	id   TEXT PRIMARY KEY,
	name TEXT NOT NULL
);

CREATE TABLE access_keys (
	id          TEXT PRIMARY KEY,
	secret      TEXT NOT NULL,
	account_id  TEXT NOT NULL REFERENCES accounts (id),
	home_region TEXT NOT NULL,
	platform    TEXT NOT NULL
);
CREATE INDEX access_keys_account ON access_keys (account_id);

CREATE TABLE products (
	code              TEXT COLLATE "C" PRIMARY KEY,
	seller_account_id TEXT NOT NULL REFERENCES accounts (id),
	type              TEXT NOT NULL,
	dimensions        TEXT NOT NULL
);
CREATE INDEX products_seller ON products (seller_account_id);

-- The columns that order a result are COLLATE "C" (byte order), so that
-- pages come in the order SQLite gives whatever the database's locale.
CREATE TABLE customers (
	identifier     TEXT COLLATE "C" PRIMARY KEY,
	aws_account_id TEXT NOT NULL
);
CREATE INDEX customers_aws_account ON customers (aws_account_id, identifier);

CREATE TABLE subscriptions (
	license_arn         TEXT COLLATE "C" PRIMARY KEY,
	product_code        TEXT COLLATE "C" NOT NULL REFERENCES products (code),
	customer_identifier TEXT COLLATE "C" NOT NULL REFERENCES customers (identifier),
	status              TEXT NOT NULL,
	license_start       BIGINT,
	license_end         BIGINT,
	entitlements        TEXT NOT NULL
);
CREATE INDEX subscriptions_order ON subscriptions (product_code, customer_identifier, license_arn);
CREATE INDEX subscriptions_customer ON subscriptions (customer_identifier, license_arn);

-- seq is the ledger order. Several nodes insert at once, so it is the
-- order of insertion, not of commit.
CREATE TABLE metering_records (
	seq                     BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
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
	timestamp               BIGINT,
	hour                    BIGINT,
	quantity                BIGINT NOT NULL,
	allocations             TEXT,
	dedupe_key              BYTEA NOT NULL, -- keys are compared as bytes, NUL included
	client_token            BYTEA,
	request_hash            TEXT NOT NULL,
	test                    BOOLEAN NOT NULL,
	received_at             BIGINT
);
-- The dedupe key is a unique constraint, which is what makes a duplicate
-- sent to two nodes at once one record (INSERT ... ON CONFLICT).
ALTER TABLE metering_records ADD CONSTRAINT metering_records_dedupe UNIQUE (region, dedupe_key);
CREATE INDEX metering_records_product_hour ON metering_records (product_code, hour);

CREATE TABLE registration_tokens (
	token                   TEXT PRIMARY KEY,
	product_code            TEXT NOT NULL,
	customer_identifier     TEXT NOT NULL,
	customer_aws_account_id TEXT NOT NULL,
	license_arn             TEXT NOT NULL,
	issued_at               BIGINT,
	expires_at              BIGINT
);

CREATE TABLE task_registrations (
	region        TEXT NOT NULL,
	product_code  TEXT NOT NULL,
	account_id    TEXT NOT NULL,
	resource_id   TEXT NOT NULL,
	test          BOOLEAN NOT NULL,
	registered_at BIGINT,
	PRIMARY KEY (region, product_code, account_id, resource_id)
);

CREATE TABLE signing_keys (
	version         INTEGER PRIMARY KEY,
	private_key_pem BYTEA NOT NULL,
	created_at      BIGINT,
	rotated_at      BIGINT
);
