-- 0007: SQLite moved its dedupe key and client token indexes to 64-bit
-- hashes of the keys, which its single writer checks before each insert.
-- Here several nodes insert at once, and only a unique index on the keys
-- themselves makes that exact, so this version changes nothing: it keeps
-- the numbers of both backends the same.
SELECT 1;
