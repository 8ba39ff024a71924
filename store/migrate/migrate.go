// Package migrate applies numbered schema migrations, NNNN_name.sql, the
// same way on every store backend: each backend keeps its own SQL under the
// same numbers (store/sqlite/migrations, store/postgres/migrations), and
// gives Run the few steps that differ by engine as a Target.
package migrate

import (
	"context"
	"fmt"
	"io/fs"
	"log/slog"
	"path"
	"sort"
	"strconv"
	"strings"

	"github.com/meterd/meterd"
)

// Migration is one schema version.
type Migration struct {
	Version int
	Name    string
	SQL     string
}

// Load reads the files matching pattern in fsys and returns them in order,
// checking that they are numbered 1, 2, 3... without gaps or duplicates.
func Load(fsys fs.FS, pattern string) ([]Migration, error) {
	names, err := fs.Glob(fsys, pattern)
	if err != nil {
		return nil, err
	}
	var ms []Migration
	for _, name := range names {
		m, err := parse(fsys, name)
		if err != nil {
			return nil, err
		}
		ms = append(ms, m)
	}
	sort.Slice(ms, func(i, j int) bool { return ms[i].Version < ms[j].Version })
	for i, m := range ms {
		if m.Version != i+1 {
			return nil, fmt.Errorf("migration %d %q: want version %d", m.Version, m.Name, i+1)
		}
	}
	return ms, nil
}

func parse(fsys fs.FS, file string) (Migration, error) {
	base := strings.TrimSuffix(path.Base(file), ".sql")
	num, name, ok := strings.Cut(base, "_")
	version, err := strconv.Atoi(num)
	if !ok || err != nil || version <= 0 {
		return Migration{}, fmt.Errorf("migration file %q: want NNNN_name.sql", file)
	}
	body, err := fs.ReadFile(fsys, file)
	if err != nil {
		return Migration{}, err
	}
	return Migration{Version: version, Name: name, SQL: string(body)}, nil
}

// Target is a database being migrated, as seen by Run. Implementations
// keep the record of applied versions in a table of their own.
type Target interface {
	// Applied creates the record table if needed and returns the
	// versions recorded in it.
	Applied(ctx context.Context) ([]int, error)
	// Apply runs m and records it in one transaction, unless m is
	// recorded already (another process applied it first); it reports
	// whether it ran m.
	Apply(ctx context.Context, m Migration) (applied bool, err error)
}

// BatchTarget is a Target that can apply several migrations in one
// transaction: Run gives it every pending migration at once, so that a new
// database pays one commit (and one fsync) for its whole schema instead of
// one per migration. A crash still leaves the schema at a whole version:
// the one it had before.
type BatchTarget interface {
	Target
	// ApplyAll runs, in order and in one transaction with their records,
	// the migrations of ms not recorded yet (another process may have
	// applied some first), and returns those it ran.
	ApplyAll(ctx context.Context, ms []Migration) (applied []Migration, err error)
}

// Run applies every migration of ms not recorded as applied, in order: all
// in one transaction when t is a BatchTarget, otherwise each in its own
// transaction together with its record; either way a crash leaves the
// schema at a whole version. upTo > 0 stops after that version (tests build
// the databases of earlier builds with it). A database whose schema is
// newer than ms is refused. Processes that may start together serialise
// around Run (a lock the Target's engine provides) or in Apply.
func Run(ctx context.Context, t Target, ms []Migration, upTo int, logger *slog.Logger, engine string) error {
	pending, err := pendingOf(ctx, t, ms, upTo)
	if err != nil || len(pending) == 0 {
		return err
	}
	logger = meterd.LoggerOrDiscard(logger)
	if bt, ok := t.(BatchTarget); ok {
		applied, err := bt.ApplyAll(ctx, pending)
		if err != nil {
			return fmt.Errorf("migrate %04d_%s to %04d_%s: %w", pending[0].Version, pending[0].Name,
				pending[len(pending)-1].Version, pending[len(pending)-1].Name, err)
		}
		for _, m := range applied {
			logApplied(logger, engine, m)
		}
		return nil
	}
	for _, m := range pending {
		applied, err := t.Apply(ctx, m)
		if err != nil {
			return fmt.Errorf("migrate %04d_%s: %w", m.Version, m.Name, err)
		}
		if applied {
			logApplied(logger, engine, m)
		}
	}
	return nil
}

// pendingOf returns the migrations of ms, up to upTo, that t has not
// recorded, failing if t records one newer than ms.
func pendingOf(ctx context.Context, t Target, ms []Migration, upTo int) ([]Migration, error) {
	if upTo > 0 && upTo < len(ms) {
		ms = ms[:upTo]
	}
	versions, err := t.Applied(ctx)
	if err != nil {
		return nil, fmt.Errorf("migrate: %w", err)
	}
	done := make(map[int]bool, len(versions))
	for _, v := range versions {
		if v > len(ms) {
			return nil, fmt.Errorf("migrate: database schema version %d is newer than this build's %d", v, len(ms))
		}
		done[v] = true
	}
	var pending []Migration
	for _, m := range ms {
		if !done[m.Version] {
			pending = append(pending, m)
		}
	}
	return pending, nil
}

func logApplied(logger *slog.Logger, engine string, m Migration) {
	logger.Info(engine+" migration applied", meterd.LogKeyMigrationVersion, m.Version, meterd.LogKeyMigration, m.Name)
}
