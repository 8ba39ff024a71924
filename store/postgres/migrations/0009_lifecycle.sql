-- 0009: the buyer life cycle (PostgreSQL twin of store/sqlite/migrations/0009_lifecycle.sql):
-- who made each catalog entry, what products tell buyers and sellers,
-- which offer a subscription came from and when a pending unsubscribe
-- completes, and the outbox of lifecycle events waiting for delivery.
-- Times are BIGINT nanoseconds, NULL for the zero time (see 0001_init.sql).
ALTER TABLE accounts ADD COLUMN origin TEXT NOT NULL DEFAULT 'seed';
ALTER TABLE access_keys ADD COLUMN origin TEXT NOT NULL DEFAULT 'seed';
ALTER TABLE access_keys ADD COLUMN disabled BOOLEAN NOT NULL DEFAULT false;
ALTER TABLE products ADD COLUMN origin TEXT NOT NULL DEFAULT 'seed';
ALTER TABLE products ADD COLUMN fulfillment_url TEXT NOT NULL DEFAULT '';
ALTER TABLE products ADD COLUMN notification_targets TEXT NOT NULL DEFAULT '[]'; -- JSON array of meterd.NotificationTarget
ALTER TABLE customers ADD COLUMN origin TEXT NOT NULL DEFAULT 'seed';
ALTER TABLE subscriptions ADD COLUMN origin TEXT NOT NULL DEFAULT 'seed';
ALTER TABLE subscriptions ADD COLUMN offer_type TEXT NOT NULL DEFAULT '';
ALTER TABLE subscriptions ADD COLUMN offer_id TEXT NOT NULL DEFAULT '';
ALTER TABLE subscriptions ADD COLUMN unsubscribe_at BIGINT;
CREATE INDEX subscriptions_unsubscribe ON subscriptions (unsubscribe_at) WHERE unsubscribe_at IS NOT NULL;

-- Events are never deleted with the catalog: they record what happened.
CREATE TABLE lifecycle_events (
	seq                     BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
	id                      TEXT NOT NULL UNIQUE,
	action                  TEXT NOT NULL,
	product_code            TEXT NOT NULL,
	customer_identifier     TEXT NOT NULL,
	customer_aws_account_id TEXT NOT NULL,
	license_arn             TEXT NOT NULL,
	offer_identifier        TEXT NOT NULL,
	free_trial              BOOLEAN NOT NULL,
	time                    BIGINT
);

-- One row per event and target; target is the NotificationTarget's JSON.
-- Nodes claim due deliveries with FOR UPDATE SKIP LOCKED and a lease
-- (lease_owner until leased_until, the database's clock), so that each
-- delivery goes out from one node at a time (store/postgres/outbox.go).
CREATE TABLE deliveries (
	id                  BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
	event_seq           BIGINT NOT NULL REFERENCES lifecycle_events (seq),
	product_code        TEXT COLLATE "C" NOT NULL,
	customer_identifier TEXT COLLATE "C" NOT NULL,
	target              TEXT COLLATE "C" NOT NULL,
	attempts            INTEGER NOT NULL DEFAULT 0,
	next_attempt        BIGINT,
	delivered_at        BIGINT,
	lease_owner         TEXT,
	leased_until        TIMESTAMPTZ
);
CREATE INDEX deliveries_order ON deliveries (product_code, customer_identifier, target, id)
	WHERE delivered_at IS NULL;
CREATE INDEX deliveries_event ON deliveries (event_seq);

CREATE TABLE delivery_attempts (
	seq         BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
	delivery_id BIGINT NOT NULL REFERENCES deliveries (id),
	at          BIGINT,
	latency_ns  BIGINT NOT NULL,
	status_code INTEGER NOT NULL,
	error       TEXT NOT NULL
);
CREATE INDEX delivery_attempts_delivery ON delivery_attempts (delivery_id, seq);
