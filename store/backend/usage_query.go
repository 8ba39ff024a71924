package backend

import (
	"time"

	"github.com/meterd/meterd"
)

// UsageQuery is the query of FindUsage (with ? parameters): the records
// matching f in ledger order, read as columns (a backend's SELECT list of
// metering_records), with f's hours as d stores them.
func UsageQuery(d Dialect, columns string, f meterd.UsageFilter) (string, []any, error) {
	var w Where
	if f.Region != "" {
		w.Add("region = ?", f.Region)
	}
	if f.ProductCode != "" {
		w.Add("product_code = ?", f.ProductCode)
	}
	if f.SellerAccountID != "" {
		w.Add("product_code IN (SELECT code FROM products WHERE seller_account_id = ?)", f.SellerAccountID)
	}
	since, err := d.EncodeTime(f.Since)
	if err != nil {
		return "", nil, err
	}
	if since != nil {
		w.Add("hour >= ?", since)
	}
	until, err := d.EncodeTime(f.Until)
	if err != nil {
		return "", nil, err
	}
	if until != nil {
		w.Add("hour < ?", until)
	}
	q := w.Limit(`SELECT `+columns+` FROM metering_records`+w.SQL()+` ORDER BY seq`, f.Limit)
	return q, w.Args(), nil
}

// MaxUsagePage caps a page of ListUsage.
const MaxUsagePage = 1000

// TagFilter adds to w a backend's condition keeping the records with an
// allocation tag key (of value, unless value is ""): the JSON functions
// differ between dialects.
type TagFilter func(w *Where, key, value string)

// UsageWhere is q as conditions on metering_records (raw), or on the usage
// rollups, which have neither receipt times nor allocations (their tag rows
// are chosen by PlanSum) and keep the customer's account. A MeterUsage
// record's customer is its caller's account.
func UsageWhere(d Dialect, q meterd.UsageQuery, raw bool, tag TagFilter) (*Where, error) {
	w := &Where{}
	for _, c := range []struct{ col, v string }{{"product_code", q.ProductCode},
		{"license_arn", q.LicenseArn}, {"dimension", q.Dimension}} {
		if c.v != "" {
			w.Add(c.col+" = ?", c.v)
		}
	}
	switch {
	case q.Customer != "" && raw:
		w.Add(`(customer_identifier = ? OR customer_aws_account_id = ?
			OR (operation = 'MeterUsage' AND customer_aws_account_id = '' AND caller_account_id = ?))`,
			q.Customer, q.Customer, q.Customer)
	case q.Customer != "":
		w.Add("(customer_identifier = ? OR customer_account = ?)", q.Customer, q.Customer)
	}
	if q.Test != nil {
		w.Add("test = ?", d.EncodeBool(*q.Test))
	}
	for _, b := range []struct {
		cond     string
		t        time.Time
		receipts bool
	}{{"hour >= ?", q.UsageSince, false}, {"hour < ?", q.UsageUntil, false},
		{"received_at >= ?", q.ReceivedSince, true}, {"received_at < ?", q.ReceivedUntil, true}} {
		v, err := d.EncodeTime(b.t)
		if err != nil {
			return nil, err
		}
		if v != nil && (raw || !b.receipts) {
			w.Add(b.cond, v)
		}
	}
	if raw && q.TagKey != "" {
		tag(w, q.TagKey, q.TagValue)
	}
	return w, nil
}

// UsagePageQuery is ListUsage's query (with ? parameters): seq and columns
// (a backend's SELECT list of metering_records) of the records matching q
// after its cursor, in ledger order, one more than the page's limit, which
// it returns.
func UsagePageQuery(d Dialect, columns string, q meterd.UsageQuery, tag TagFilter) (string, []any, int, error) {
	limit := q.Limit
	if limit <= 0 || limit > MaxUsagePage {
		limit = MaxUsagePage
	}
	w, err := UsageWhere(d, q, true, tag)
	if err != nil {
		return "", nil, 0, err
	}
	if q.Cursor != "" {
		after, err := DecodeUsageCursor(q.Cursor)
		if err != nil {
			return "", nil, 0, err
		}
		w.Add("seq > ?", after)
	}
	query := w.Limit(`SELECT seq, `+columns+` FROM metering_records`+w.SQL()+` ORDER BY seq`, limit+1)
	return query, w.Args(), limit, nil
}

// ReadUsagePage reads the rows of UsagePageQuery: up to limit records,
// each scanned by scan after its seq, and the cursor of the next page (""
// when there is none).
func ReadUsagePage(rows Rows, limit int, scan func(Scanner) (*meterd.MeteringRecord, error)) ([]*meterd.MeteringRecord, string, error) {
	recs := []*meterd.MeteringRecord{}
	var last int64
	for len(recs) < limit && rows.Next() {
		rec, err := scan(seqScanner{rows, &last})
		if err != nil {
			return nil, "", err
		}
		recs = append(recs, rec)
	}
	more := rows.Next()
	for rows.Next() { // none: the query's LIMIT is limit+1; pgx reports Err only once rows end
	}
	if err := rows.Err(); err != nil {
		return nil, "", err
	}
	if !more {
		return recs, "", nil
	}
	return recs, EncodeUsageCursor(last), nil
}

// seqScanner scans a leading seq column into *seq, then the rest as asked.
type seqScanner struct {
	row Scanner
	seq *int64
}

func (s seqScanner) Scan(dest ...any) error { return s.row.Scan(append([]any{s.seq}, dest...)...) }
