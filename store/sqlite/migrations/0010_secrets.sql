-- 0010: secrets meterd makes once and keeps across restarts (see
-- meterd.SecretStore), e.g. the key that seals GetEntitlements NextTokens.
CREATE TABLE secrets (
	name  TEXT PRIMARY KEY,
	value BLOB NOT NULL
) STRICT;
