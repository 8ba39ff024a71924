-- 0006: GetEntitlements pages through a Concurrent Agreements product in
-- license order (its customers are not named), one page per query: this
-- index serves "product_code = ? AND license_arn > ? ORDER BY license_arn
-- LIMIT ?" without sorting the whole product.
CREATE INDEX subscriptions_product_license ON subscriptions (product_code, license_arn);
