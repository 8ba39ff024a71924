-- 0006: GetEntitlements pages through a Concurrent Agreements product in
-- license order, one page per query.
CREATE INDEX subscriptions_product_license ON subscriptions (product_code, license_arn);
