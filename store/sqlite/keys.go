package sqlite

import (
	"context"
	"database/sql/driver"
	"encoding/binary"
	"fmt"
	"hash/fnv"
	"sync"

	"modernc.org/sqlite"
)

// The ledger finds a record by its dedupe key, and by its client token,
// through an index on a 64-bit hash of the key instead of the key itself.
// The keys are SHA-256 digests and UUIDs, random over their whole range:
// an index on their text (75 and 36+ bytes a key, with the region and the
// caller's account) is large, so it outgrows the page cache early, and
// every insert dirties a random leaf page of it. An integer index holds
// five or six times as many entries a page. The index is not unique, and a
// lookup compares the full key too, so two keys with the same hash (rare,
// but possible) stay two records; the writer is the only one to insert and
// checks before each insert, which is what keeps keys unique.

// keyHashFunc hashes the parts of a key into an index key.
type keyHashFunc func(parts ...string) int64

// keyHash is FNV-1a over the length-prefixed parts, so that no split of
// the same bytes into other parts hashes alike by construction. It need not
// resist an adversary: a collision costs a row comparison, not a wrong
// answer.
func keyHash(parts ...string) int64 {
	h := fnv.New64a()
	var n [binary.MaxVarintLen64]byte
	for _, p := range parts {
		h.Write(n[:binary.PutUvarint(n[:], uint64(len(p)))])
		h.Write([]byte(p))
	}
	return int64(h.Sum64())
}

// keyHashSQLName is keyHash as an SQL function, for the migration that
// hashes the keys already stored.
const keyHashSQLName = "meterd_key_hash"

func keyHashSQL(_ *sqlite.FunctionContext, args []driver.Value) (driver.Value, error) {
	parts := make([]string, len(args))
	for i, a := range args {
		s, ok := a.(string)
		if !ok {
			return nil, fmt.Errorf("%s: argument %d is %T, want text", keyHashSQLName, i+1, a)
		}
		parts[i] = s
	}
	return keyHash(parts...), nil
}

// writerDriver is modernc's driver with keyHashSQL registered on it alone
// (not on the process-wide "sqlite" driver). It is made once: a driver's
// functions live as long as the process.
var writerDriver = sync.OnceValue(func() *sqlite.Driver {
	var d sqlite.Driver
	d.MustRegisterDeterministicScalarFunction(keyHashSQLName, -1, keyHashSQL)
	return &d
})

// connector opens the writer's connections with writerDriver.
type connector struct{ dsn string }

func (c connector) Connect(context.Context) (driver.Conn, error) { return writerDriver().Open(c.dsn) }

func (c connector) Driver() driver.Driver { return writerDriver() }
