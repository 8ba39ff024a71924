-- 0003: how a SaaS product is integrated with AWS Marketplace
-- (meterd.ProductIntegration): 'legacy', or 'concurrent-agreements' for the
-- products AWS lists since 2026, whose customers are named by AWS account id
-- and license instead of CustomerIdentifier. Rows written before this
-- version are legacy products. The value is stored as the catalog gives it,
-- so '' (also legacy) reads back as ''.
ALTER TABLE products ADD COLUMN integration TEXT NOT NULL DEFAULT 'legacy';
