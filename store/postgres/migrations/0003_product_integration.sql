-- 0003: how a SaaS product is integrated (meterd.ProductIntegration); rows
-- written before this version are legacy products.
ALTER TABLE products ADD COLUMN integration TEXT NOT NULL DEFAULT 'legacy';
