-- 0011: nothing to do on SQLite. PostgreSQL's twin creates its usage
-- rollups, which several nodes write in the transactions of their records;
-- SQLite has had its own since 0008, folded by its single writer.
SELECT 1;
