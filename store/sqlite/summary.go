package sqlite

import (
	"context"
	"database/sql"
	"fmt"
	"strings"
	"time"

	"github.com/meterd/meterd"
)

var _ meterd.UsageSummarizer = (*DB)(nil)

// SummarizeUsage sums the records of a product by customer, license,
// dimension and hour or month. It reads the (product_code, hour) index
// for the range, then groups what it found.
func (db *DB) SummarizeUsage(ctx context.Context, f meterd.UsageSummaryFilter) ([]meterd.UsageSummary, error) {
	q, args, err := summaryQuery(f)
	if err != nil {
		return nil, fmt.Errorf("sqlite: summarize usage: %w", err)
	}
	rows, err := db.readDB.QueryContext(ctx, q, args...)
	if err != nil {
		return nil, fmt.Errorf("sqlite: summarize usage: %w", err)
	}
	defer rows.Close()
	out := []meterd.UsageSummary{}
	for rows.Next() {
		var s meterd.UsageSummary
		var period, first, last sql.NullString
		if err := rows.Scan(&s.CustomerIdentifier, &s.CustomerAWSAccountID, &s.LicenseArn, &s.Dimension,
			&period, &s.Records, &s.Quantity, &s.Late, &first, &last); err != nil {
			return nil, fmt.Errorf("sqlite: summarize usage: %w", err)
		}
		var d timeDecoder
		s.Period, s.FirstReceivedAt, s.LastReceivedAt = d.decode(period), d.decode(first), d.decode(last)
		if d.err != nil {
			return nil, fmt.Errorf("sqlite: summarize usage: %w", d.err)
		}
		out = append(out, s)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("sqlite: summarize usage: %w", err)
	}
	return out, nil
}

// periodExpr is the start of a record's period in timeLayout: its hour,
// day or month.
var periodExpr = map[meterd.UsagePeriod]string{
	meterd.PerHour:  "hour",
	meterd.PerDay:   "substr(hour, 1, 10) || 'T00:00:00.000000000Z'",
	meterd.PerMonth: "substr(hour, 1, 8) || '01T00:00:00.000000000Z'",
}

// accountExpr is the buyer's account of a record: MeterUsage names no
// customer, and is called from the buyer's own account.
const accountExpr = "CASE WHEN customer_aws_account_id = '' THEN caller_account_id ELSE customer_aws_account_id END"

func summaryQuery(f meterd.UsageSummaryFilter) (string, []any, error) {
	period, ok := periodExpr[f.Period]
	if !ok {
		return "", nil, fmt.Errorf("unknown period %q", f.Period)
	}
	where := []string{"product_code = ?"}
	args := []any{int64(f.LateAfter / time.Second), f.ProductCode}
	var te timeEncoder
	if since := te.encode(f.Since); since.Valid {
		where, args = append(where, "hour >= ?"), append(args, since)
	}
	if until := te.encode(f.Until); until.Valid {
		where, args = append(where, "hour < ?"), append(args, until)
	}
	if te.err != nil {
		return "", nil, te.err
	}
	if f.ExcludeTest {
		where = append(where, "test = 0")
	}
	late := "0"
	if f.LateAfter > 0 {
		// Whole seconds: julianday's fraction is not exact enough to
		// compare at the nanosecond, and lateness is a matter of hours.
		late = "coalesce(sum(unixepoch(received_at) - unixepoch(hour) >= ?), 0)"
	} else {
		args = args[1:]
	}
	q := `SELECT customer_identifier, ` + accountExpr + ` AS account, license_arn, dimension, ` + period + ` AS period,
	count(*), coalesce(sum(quantity), 0), ` + late + `, min(received_at), max(received_at)
FROM metering_records WHERE ` + strings.Join(where, " AND ") + `
GROUP BY customer_identifier, account, license_arn, dimension, period
ORDER BY customer_identifier, account, license_arn, dimension, period`
	return q, args, nil
}
