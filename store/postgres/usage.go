package postgres

import (
	"cmp"
	"context"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/meterd/meterd"
	"github.com/meterd/meterd/store/backend"
)

var (
	_ meterd.UsageReader     = (*DB)(nil)
	_ meterd.UsageSummarizer = (*DB)(nil)
)

// maxUsagePage caps a page of ListUsage, as on SQLite.
const maxUsagePage = 1000

// ListUsage returns a page of the records matching q in ledger order (seq),
// with the same cursor form as the SQLite ledger.
func (db *DB) ListUsage(ctx context.Context, q meterd.UsageQuery) ([]*meterd.MeteringRecord, string, error) {
	query, args, limit, err := backend.UsagePageQuery(dialect{}, usageColumns, q, tagExists)
	if err != nil {
		return nil, "", fmt.Errorf("postgres: list usage: %w", err)
	}
	rows, err := db.pool.Query(ctx, rebind(query), args...)
	if err != nil {
		return nil, "", fmt.Errorf("postgres: list usage: %w", err)
	}
	defer rows.Close()
	recs, cursor, err := backend.ReadUsagePage(rows, limit, func(r backend.Scanner) (*meterd.MeteringRecord, error) {
		return scanUsage(r)
	})
	if err != nil {
		return nil, "", fmt.Errorf("postgres: list usage: %w", err)
	}
	return recs, cursor, nil
}

// tagExists keeps records with an allocation tag key (of value unless "").
// Allocations are JSON text (see 0001_init.sql); the cast reads them only
// for records of the other conditions.
func tagExists(w *backend.Where, key, value string) {
	cond := `EXISTS (SELECT 1 FROM jsonb_array_elements(allocations::jsonb) a,
			jsonb_array_elements(a.value -> 'Tags') t WHERE t.value ->> 'Key' = ?`
	if value == "" {
		w.Add(cond+`)`, key)
		return
	}
	w.Add(cond+` AND t.value ->> 'Value' = ?)`, key, value)
}

// SumUsage reads the usage rollups (rollup.go), which the transactions of
// the records keep, whenever backend.PlanSum finds that they answer s, as
// SQLite decides; otherwise it aggregates the matching records as it reads
// them.
func (db *DB) SumUsage(ctx context.Context, s meterd.UsageSum) ([]meterd.UsageGroup, error) {
	s.Query.Limit, s.Query.Cursor = 0, ""
	agg := meterd.NewUsageAggregator(s)
	plan := backend.PlanSum(s, customerPeriods)
	var err error
	if plan.Records {
		err = db.sumRecords(ctx, s, agg)
	} else {
		err = db.sumRollup(ctx, s, plan, agg)
	}
	if err != nil {
		return nil, fmt.Errorf("postgres: sum usage: %w", err)
	}
	return agg.Groups(), nil
}

// sumRecords adds the records matching s, a page at a time.
func (db *DB) sumRecords(ctx context.Context, s meterd.UsageSum, agg *meterd.UsageAggregator) error {
	return meterd.EachUsage(ctx, db, s.Query, func(r *meterd.MeteringRecord) error {
		agg.Add(r.Sent())
		return nil
	})
}

// sumRollup adds the rollup rows matching s, grouped in SQL by the
// period's start (summing the shards) and folded into s.Per here.
func (db *DB) sumRollup(ctx context.Context, s meterd.UsageSum, plan backend.SumPlan, agg *meterd.UsageAggregator) error {
	w, err := backend.RollupWhere(dialect{}, s.Query, plan)
	if err != nil {
		return err
	}
	table := "usage_rollup"
	if plan.Totals {
		table = "usage_totals" // the same sums, without the customers
	}
	cols := append([]string{"hour"}, backend.RollupGroupColumns(s)...)
	// Grouped by position: PostgreSQL takes no constant ('') in GROUP BY.
	rows, err := db.pool.Query(ctx, `SELECT `+strings.Join(cols, ", ")+`, sum(quantity)::bigint,
		sum(records)::bigint FROM `+table+rebind(w.SQL())+` GROUP BY 1, 2, 3, 4, 5, 6, 7`, w.Args()...)
	if err != nil {
		return err
	}
	defer rows.Close()
	for rows.Next() {
		var g meterd.UsageGroup
		var start int64
		if err := rows.Scan(&start, &g.Product, &g.Customer, &g.Dimension, &g.LicenseArn, &g.TagKey, &g.TagValue,
			&g.Quantity, &g.Records); err != nil {
			return err
		}
		g.Period = s.Per.Start(decodeTime(&start))
		agg.AddGroup(g, g.Quantity, g.Records)
	}
	return rows.Err()
}

// SummarizeUsage sums a product's records per customer, account, license,
// dimension and hour in SQL, and folds the hours into f.Period's days or
// months here (times are nanoseconds; calendar months are Go's to compute).
func (db *DB) SummarizeUsage(ctx context.Context, f meterd.UsageSummaryFilter) ([]meterd.UsageSummary, error) {
	switch f.Period {
	case meterd.PerHour, meterd.PerDay, meterd.PerMonth:
	default:
		return nil, fmt.Errorf("postgres: summarize usage: unknown period %q", f.Period)
	}
	w := &whereBuilder{}
	lateExpr := "0"
	if f.LateAfter > 0 {
		// Whole seconds, as SQLite's unixepoch difference counts them.
		lateExpr = `sum(CASE WHEN received_at / 1000000000 - hour / 1000000000 >= ` +
			w.next(int64(f.LateAfter/time.Second)) + ` THEN 1 ELSE 0 END)`
	}
	w.add("product_code = ?", f.ProductCode)
	var te timeEncoder
	if since := te.encode(f.Since); since != nil {
		w.add("hour >= ?", *since)
	}
	if until := te.encode(f.Until); until != nil {
		w.add("hour < ?", *until)
	}
	if te.err != nil {
		return nil, fmt.Errorf("postgres: summarize usage: %w", te.err)
	}
	if f.ExcludeTest {
		w.conds = append(w.conds, "NOT test")
	}
	q := `SELECT customer_identifier, CASE WHEN customer_aws_account_id = '' THEN caller_account_id
		ELSE customer_aws_account_id END AS account, license_arn, dimension, hour,
	count(*), coalesce(sum(quantity), 0), coalesce(` + lateExpr + `, 0), min(received_at), max(received_at)
FROM metering_records` + w.where() + `
GROUP BY customer_identifier, account, license_arn, dimension, hour`
	rows, err := db.pool.Query(ctx, q, w.args...)
	if err != nil {
		return nil, fmt.Errorf("postgres: summarize usage: %w", err)
	}
	defer rows.Close()
	type key struct {
		customer, account, license, dim string
		period                          time.Time
	}
	sums := map[key]*meterd.UsageSummary{}
	for rows.Next() {
		var (
			s                 meterd.UsageSummary
			hour, first, last *int64
		)
		if err := rows.Scan(&s.CustomerIdentifier, &s.CustomerAWSAccountID, &s.LicenseArn, &s.Dimension,
			&hour, &s.Records, &s.Quantity, &s.Late, &first, &last); err != nil {
			return nil, fmt.Errorf("postgres: summarize usage: %w", err)
		}
		s.Period, s.FirstReceivedAt, s.LastReceivedAt = decodeTime(hour), decodeTime(first), decodeTime(last)
		if !s.Period.IsZero() {
			s.Period = f.Period.Start(s.Period)
		}
		k := key{s.CustomerIdentifier, s.CustomerAWSAccountID, s.LicenseArn, s.Dimension, s.Period}
		sum, ok := sums[k]
		if !ok {
			sums[k] = &s
			continue
		}
		sum.Records += s.Records
		sum.Quantity += s.Quantity
		sum.Late += s.Late
		sum.FirstReceivedAt = minTimeOf(sum.FirstReceivedAt, s.FirstReceivedAt, true)
		sum.LastReceivedAt = minTimeOf(sum.LastReceivedAt, s.LastReceivedAt, false)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("postgres: summarize usage: %w", err)
	}
	out := make([]meterd.UsageSummary, 0, len(sums))
	for _, s := range sums {
		out = append(out, *s)
	}
	slices.SortFunc(out, func(a, b meterd.UsageSummary) int {
		return cmp.Or(cmp.Compare(a.CustomerIdentifier, b.CustomerIdentifier),
			cmp.Compare(a.CustomerAWSAccountID, b.CustomerAWSAccountID), cmp.Compare(a.LicenseArn, b.LicenseArn),
			cmp.Compare(a.Dimension, b.Dimension), a.Period.Compare(b.Period))
	})
	return out, nil
}

// minTimeOf returns the earlier (min) or later of a and b, ignoring zero
// times as SQL's min and max ignore NULL.
func minTimeOf(a, b time.Time, min bool) time.Time {
	switch {
	case a.IsZero():
		return b
	case b.IsZero():
		return a
	case (b.Before(a)) == min:
		return b
	}
	return a
}
