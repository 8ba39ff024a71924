package sqlite

import (
	_ "embed" // freshLedger
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
)

// freshLedger is an empty ledger of this build's schema, already in WAL
// mode: a new data directory gets a copy of it instead of running the
// migrations. Creating the schema took about 15 ms warm and 30 ms in a
// fresh process (the DDL runs cold code of SQLite's parser, and switching a
// new file to WAL mode goes through a rollback journal: four fsyncs), a
// third of a cold start; writing the copy takes one write and two fsyncs.
// A copy older than the migrations is still correct: Open applies the
// migrations it lacks. TestFreshLedgerTemplate checks that it matches a
// ledger migrated from nothing, and remakes it with -update.
//
//go:embed template/meterd.db
var freshLedger []byte

// freshAudit is likewise an empty audit trail of this build's schema
// (TestFreshAuditTemplate).
//
//go:embed template/audit.db
var freshAudit []byte

// createFromTemplate writes template at path unless a file is there. It
// writes a temporary file, syncs it and renames it into place, then syncs
// the directory, so that a crash leaves either no ledger or a whole one.
// The caller holds the data directory's lock.
func createFromTemplate(path string, template []byte) error {
	if _, err := os.Lstat(path); !errors.Is(err, fs.ErrNotExist) {
		return err // nil: the ledger exists
	}
	tmp := path + ".new"
	if err := os.Remove(tmp); err != nil && !errors.Is(err, fs.ErrNotExist) {
		return fmt.Errorf("sqlite: create %s: %w", path, err) // left by a start that crashed
	}
	if err := writeSynced(tmp, template); err != nil {
		os.Remove(tmp)
		return fmt.Errorf("sqlite: create %s: %w", path, err)
	}
	if err := os.Rename(tmp, path); err != nil {
		os.Remove(tmp)
		return fmt.Errorf("sqlite: create %s: %w", path, err)
	}
	if err := syncDir(filepath.Dir(path)); err != nil {
		return fmt.Errorf("sqlite: create %s: %w", path, err)
	}
	return nil
}

// writeSynced writes data to a new owner-only file at path and syncs it.
func writeSynced(path string, data []byte) error {
	f, err := os.OpenFile(path, os.O_WRONLY|os.O_CREATE|os.O_EXCL, filePerm)
	if err != nil {
		return err
	}
	_, err = f.Write(data)
	if err == nil {
		err = f.Chmod(filePerm) // the umask may have cleared owner bits
	}
	if err == nil {
		err = f.Sync()
	}
	return errors.Join(err, f.Close())
}

func syncDir(dir string) error {
	d, err := os.Open(dir)
	if err != nil {
		return err
	}
	return errors.Join(d.Sync(), d.Close())
}
