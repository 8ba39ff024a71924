package reporter

import (
	"context"
	"database/sql"
	"fmt"
	"net/url"
	"sort"
	"strconv"
	"time"
)

// Status is what a spool holds: usage waiting, batches unanswered, and
// AWS's answers, overall and per customer.
type Status struct {
	// OpenRecords counts customer, dimension and hour triples not sealed
	// yet; OpenQuantity is their total quantity.
	OpenRecords  int   `json:"openRecords"`
	OpenQuantity int64 `json:"openQuantity"`
	// PendingBatches are sealed and sent until AWS answers; LastError is
	// why the oldest one is still pending.
	PendingBatches int    `json:"pendingBatches"`
	PendingRecords int    `json:"pendingRecords"`
	LastError      string `json:"lastError,omitempty"`
	// Results counts answered records by status: Success,
	// DuplicateRecord, CustomerNotSubscribed, Expired, Failed.
	Results   map[string]int   `json:"results"`
	Customers []CustomerStatus `json:"customers"`
}

// CustomerStatus is one customer's share of a Status.
type CustomerStatus struct {
	Customer     Customer       `json:"customer"`
	OpenQuantity int64          `json:"openQuantity"`
	Pending      int            `json:"pendingRecords"`
	Results      map[string]int `json:"results"`
	// LastError is the error of the customer's latest record that was not
	// billed.
	LastError string `json:"lastError,omitempty"`
}

// Status reads the reporter's spool.
func (r *Reporter) Status(ctx context.Context) (Status, error) {
	return readStatus(ctx, r.spool.db)
}

// ReadStatus reads the status of a spool file, for instance one a running
// reporter is using (it only reads).
func ReadStatus(ctx context.Context, path string) (Status, error) {
	db, err := sql.Open("sqlite", "file:"+url.PathEscape(path)+"?mode=ro&_pragma=busy_timeout(5000)")
	if err != nil {
		return Status{}, err
	}
	defer db.Close()
	return readStatus(ctx, db)
}

func readStatus(ctx context.Context, db *sql.DB) (Status, error) {
	st := Status{Results: map[string]int{}}
	customers := map[Customer]*CustomerStatus{}
	customer := func(id, account string) *CustomerStatus {
		c := Customer{Identifier: id, AWSAccountID: account}
		if customers[c] == nil {
			customers[c] = &CustomerStatus{Customer: c, Results: map[string]int{}}
		}
		return customers[c]
	}
	err := scanRows(ctx, db, `SELECT customer_id, account_id, COUNT(DISTINCT dimension || ':' || hour), SUM(quantity)
		FROM usage WHERE batch IS NULL GROUP BY customer_id, account_id`, func(rows *sql.Rows) error {
		var id, account string
		var n int
		var q int64
		if err := rows.Scan(&id, &account, &n, &q); err != nil {
			return err
		}
		st.OpenRecords += n
		st.OpenQuantity += q
		customer(id, account).OpenQuantity += q
		return nil
	})
	if err == nil {
		err = scanRows(ctx, db, `SELECT u.customer_id, u.account_id, COUNT(DISTINCT u.dimension || ':' || u.hour)
			FROM usage u JOIN batches b ON b.id = u.batch WHERE b.state = 'pending'
			GROUP BY u.customer_id, u.account_id`, func(rows *sql.Rows) error {
			var id, account string
			var n int
			if err := rows.Scan(&id, &account, &n); err != nil {
				return err
			}
			st.PendingRecords += n
			customer(id, account).Pending += n
			return nil
		})
	}
	if err == nil {
		err = db.QueryRowContext(ctx, `SELECT COUNT(*), COALESCE((SELECT last_error FROM batches
			WHERE state = 'pending' ORDER BY id LIMIT 1), '') FROM batches WHERE state = 'pending'`).
			Scan(&st.PendingBatches, &st.LastError)
	}
	if err == nil {
		err = scanRows(ctx, db, `SELECT customer_id, account_id, status, error FROM results ORDER BY at, hour`,
			func(rows *sql.Rows) error {
				var id, account, status, msg string
				if err := rows.Scan(&id, &account, &status, &msg); err != nil {
					return err
				}
				st.Results[status]++
				c := customer(id, account)
				c.Results[status]++
				if status != StatusSuccess {
					c.LastError = status
					if msg != "" {
						c.LastError += ": " + msg
					}
				}
				return nil
			})
	}
	if err != nil {
		return Status{}, fmt.Errorf("reporter: status: %w", err)
	}
	for _, c := range customers {
		st.Customers = append(st.Customers, *c)
	}
	sort.Slice(st.Customers, func(i, j int) bool {
		return st.Customers[i].Customer.String() < st.Customers[j].Customer.String()
	})
	return st, nil
}

func scanRows(ctx context.Context, db *sql.DB, query string, each func(*sql.Rows) error) error {
	rows, err := db.QueryContext(ctx, query)
	if err != nil {
		return err
	}
	defer rows.Close()
	for rows.Next() {
		if err := each(rows); err != nil {
			return err
		}
	}
	return rows.Err()
}

// Result is AWS's answer for one record: a customer's usage of a dimension
// in an hour.
type Result struct {
	Customer  Customer  `json:"customer"`
	Dimension string    `json:"dimension"`
	Hour      time.Time `json:"hour"`
	Quantity  int64     `json:"quantity"`
	// Status is Success, DuplicateRecord, CustomerNotSubscribed, Expired or
	// Failed; RecordID is the MeteringRecordId AWS gave, Error why a
	// record was not billed.
	Status     string    `json:"status"`
	RecordID   string    `json:"meteringRecordId,omitempty"`
	Error      string    `json:"error,omitempty"`
	AnsweredAt time.Time `json:"answeredAt"`
}

// Results lists the answered records of hours from since on, oldest hour
// first: what a seller reconciles against AWS's reports.
func (r *Reporter) Results(ctx context.Context, since time.Time) ([]Result, error) {
	var out []Result
	err := scanRows(ctx, r.spool.db, `SELECT customer_id, account_id, dimension, hour, quantity, status, record_id, error, at
		FROM results WHERE hour >= `+strconv.FormatInt(since.Unix(), 10)+`
		ORDER BY hour, customer_id, account_id, dimension`, func(rows *sql.Rows) error {
		var res Result
		var hour, at int64
		if err := rows.Scan(&res.Customer.Identifier, &res.Customer.AWSAccountID, &res.Dimension, &hour,
			&res.Quantity, &res.Status, &res.RecordID, &res.Error, &at); err != nil {
			return err
		}
		res.Hour, res.AnsweredAt = time.Unix(hour, 0).UTC(), time.Unix(at, 0).UTC()
		out = append(out, res)
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("reporter: results: %w", err)
	}
	return out, nil
}
