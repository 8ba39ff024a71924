-- 0010: secrets meterd makes once and every node shares (see
-- meterd.SecretStore), e.g. the key that seals GetEntitlements NextTokens.
CREATE TABLE secrets (
	name  TEXT PRIMARY KEY,
	value BYTEA NOT NULL
);
