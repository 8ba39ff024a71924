package backend

import "github.com/meterd/meterd"

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
