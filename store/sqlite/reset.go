package sqlite

import (
	"context"
	"fmt"

	"github.com/meterd/meterd"
)

// resetTables are emptied by ResetLedger, children before the parents
// their foreign keys name (client_tokens references metering_records).
var resetTables = []string{"client_tokens", "metering_records", "registration_tokens", "task_registrations"}

// ResetLedger empties the ledger's tables in one transaction on the writer,
// so that no RecordUsage interleaves with it: a call sees the ledger
// either whole or empty. The catalog and signing_keys are not touched.
func (db *DB) ResetLedger(ctx context.Context) (meterd.LedgerReset, error) {
	var out meterd.LedgerReset
	counts := []*int64{&out.ClientTokens, &out.MeteringRecords, &out.RegistrationTokens, &out.TaskRegistrations}
	// Rerunnable: a run sets every count anew.
	err := db.writeRerunnable(ctx, func(tx *writeTx) error {
		for i, table := range resetTables {
			n, err := tx.execAffected("DELETE FROM " + table)
			if err != nil {
				return err
			}
			*counts[i] = n
		}
		// The next records reuse seq from 1: the rollup starts anew.
		for _, table := range []string{"usage_rollup", "usage_totals"} {
			if _, err := tx.exec("DELETE FROM " + table); err != nil {
				return err
			}
		}
		_, err := tx.exec(`UPDATE usage_rollup_mark SET seq = 0`)
		return err
	})
	if err != nil {
		return meterd.LedgerReset{}, fmt.Errorf("sqlite: reset ledger: %w", err)
	}
	return out, nil
}
