-- The buyer life cycle: who made each catalog entry (the seed replaces only
-- its own entries at start; the admin API's survive), what products tell
-- buyers and sellers (fulfillment URL, notification targets), which offer a
-- subscription came from and when a pending unsubscribe completes, and the
-- outbox of lifecycle events waiting for delivery.
ALTER TABLE accounts ADD COLUMN origin TEXT NOT NULL DEFAULT 'seed';
ALTER TABLE access_keys ADD COLUMN origin TEXT NOT NULL DEFAULT 'seed';
ALTER TABLE access_keys ADD COLUMN disabled INTEGER NOT NULL DEFAULT 0;
ALTER TABLE products ADD COLUMN origin TEXT NOT NULL DEFAULT 'seed';
ALTER TABLE products ADD COLUMN fulfillment_url TEXT NOT NULL DEFAULT '';
ALTER TABLE products ADD COLUMN notification_targets TEXT NOT NULL DEFAULT '[]'; -- JSON array of meterd.NotificationTarget
ALTER TABLE customers ADD COLUMN origin TEXT NOT NULL DEFAULT 'seed';
ALTER TABLE subscriptions ADD COLUMN origin TEXT NOT NULL DEFAULT 'seed';
ALTER TABLE subscriptions ADD COLUMN offer_type TEXT NOT NULL DEFAULT '';
ALTER TABLE subscriptions ADD COLUMN offer_id TEXT NOT NULL DEFAULT '';
ALTER TABLE subscriptions ADD COLUMN unsubscribe_at TEXT;
-- The completion task finds the pending unsubscribes that are due.
CREATE INDEX subscriptions_unsubscribe ON subscriptions (unsubscribe_at) WHERE unsubscribe_at IS NOT NULL;

-- Events are never deleted with the catalog: they record what happened.
CREATE TABLE lifecycle_events (
	seq                     INTEGER PRIMARY KEY,
	id                      TEXT NOT NULL UNIQUE,
	action                  TEXT NOT NULL,
	product_code            TEXT NOT NULL,
	customer_identifier     TEXT NOT NULL,
	customer_aws_account_id TEXT NOT NULL,
	license_arn             TEXT NOT NULL,
	offer_identifier        TEXT NOT NULL,
	free_trial              INTEGER NOT NULL,
	time                    TEXT
) STRICT;

-- One row per event and target. target is the JSON of the
-- NotificationTarget, which also names it for the ordering per (product,
-- customer, target): deliveries_order finds the oldest undelivered one.
CREATE TABLE deliveries (
	id                  INTEGER PRIMARY KEY,
	event_seq           INTEGER NOT NULL REFERENCES lifecycle_events (seq),
	product_code        TEXT NOT NULL,
	customer_identifier TEXT NOT NULL,
	target              TEXT NOT NULL,
	attempts            INTEGER NOT NULL DEFAULT 0,
	next_attempt        TEXT,
	delivered_at        TEXT
) STRICT;
CREATE INDEX deliveries_order ON deliveries (product_code, customer_identifier, target, id)
	WHERE delivered_at IS NULL;
CREATE INDEX deliveries_event ON deliveries (event_seq);

CREATE TABLE delivery_attempts (
	seq         INTEGER PRIMARY KEY,
	delivery_id INTEGER NOT NULL REFERENCES deliveries (id),
	at          TEXT,
	latency_ns  INTEGER NOT NULL,
	status_code INTEGER NOT NULL,
	error       TEXT NOT NULL
) STRICT;
CREATE INDEX delivery_attempts_delivery ON delivery_attempts (delivery_id, seq);
