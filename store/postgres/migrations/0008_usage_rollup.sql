-- 0008: usage queries (PostgreSQL twin of store/sqlite/migrations/0008_usage_rollup.sql).
-- SQLite keeps hourly, daily and monthly rollups that its single writer
-- maintains; here every node writes records, so SumUsage reads the records
-- themselves (store/postgres/usage.go) and no rollup table exists. A
-- product's records in ledger order serve ListUsage's pages.
CREATE INDEX metering_records_product_seq ON metering_records (product_code, seq);
