package backend

import (
	"encoding/json"
	"fmt"
	"time"

	"github.com/meterd/meterd"
)

// DeliveryColumns reads a delivery with its event; d is deliveries, e
// lifecycle_events.
const DeliveryColumns = `SELECT d.id, d.target, d.attempts, d.next_attempt, d.delivered_at,
	e.id, e.action, e.product_code, e.customer_identifier, e.customer_aws_account_id, e.license_arn,
	e.offer_identifier, e.free_trial, e.time
	FROM deliveries d JOIN lifecycle_events e ON e.seq = d.event_seq`

// ScanDelivery reads a row of DeliveryColumns, its times as d stores them.
func ScanDelivery(d Dialect, r Scanner) (*meterd.Delivery, error) {
	var (
		dl                       meterd.Delivery
		target                   string
		next, delivered, evtTime any
		e                        = &dl.Event
	)
	err := r.Scan(&dl.ID, &target, &dl.Attempts, &next, &delivered, &e.ID, &e.Action, &e.ProductCode,
		&e.CustomerIdentifier, &e.CustomerAWSAccountID, &e.LicenseArn, &e.OfferIdentifier, &e.FreeTrial, &evtTime)
	if err != nil {
		return nil, err
	}
	if err := json.Unmarshal([]byte(target), &dl.Target); err != nil {
		return nil, fmt.Errorf("delivery %d: target: %w", dl.ID, err)
	}
	td := TimeDecoder{Dialect: d}
	dl.NextAttempt, dl.DeliveredAt, e.Time = td.Decode(next), td.Decode(delivered), td.Decode(evtTime)
	if td.Err != nil {
		return nil, fmt.Errorf("delivery %d: %w", dl.ID, td.Err)
	}
	return &dl, nil
}

// ListDeliveries returns the deliveries f selects, newest first, each with
// its attempts, oldest first; rows runs the queries, d reads their times.
func ListDeliveries(d Dialect, rows RowsFunc, f meterd.DeliveryFilter) ([]meterd.DeliveryRecord, error) {
	var w Where
	if f.ProductCode != "" {
		w.Add("d.product_code = ?", f.ProductCode)
	}
	if f.CustomerIdentifier != "" {
		w.Add("d.customer_identifier = ?", f.CustomerIdentifier)
	}
	if f.Pending {
		w.Add("d.delivered_at IS NULL")
	}
	q := w.Limit(DeliveryColumns+w.SQL()+` ORDER BY d.id DESC`, f.Limit)
	out := []meterd.DeliveryRecord{}
	err := rows(q, func(r Scanner) error {
		dl, err := ScanDelivery(d, r)
		if err == nil {
			out = append(out, meterd.DeliveryRecord{Delivery: *dl})
		}
		return err
	}, w.Args()...)
	for i := range out {
		if err != nil {
			break
		}
		out[i].AttemptLog, err = attempts(d, rows, out[i].ID)
	}
	if err != nil {
		return nil, err
	}
	return out, nil
}

// attempts reads the attempts of one delivery, oldest first.
func attempts(d Dialect, rows RowsFunc, delivery int64) ([]meterd.DeliveryAttempt, error) {
	const q = `SELECT delivery_id, at, latency_ns, status_code, error FROM delivery_attempts
		WHERE delivery_id = ? ORDER BY seq`
	var out []meterd.DeliveryAttempt
	err := rows(q, func(r Scanner) error {
		var (
			a  meterd.DeliveryAttempt
			at any
			ns int64
		)
		if err := r.Scan(&a.DeliveryID, &at, &ns, &a.StatusCode, &a.Error); err != nil {
			return err
		}
		td := TimeDecoder{Dialect: d}
		a.At, a.Latency = td.Decode(at), time.Duration(ns)
		out = append(out, a)
		return td.Err
	}, delivery)
	return out, err
}

// FindLifecycleEvents returns the events f selects, oldest first; rows runs
// the query, d reads its times. Events are few (one per buyer action), so
// the scan needs no index.
func FindLifecycleEvents(d Dialect, rows RowsFunc, f meterd.LifecycleEventFilter) ([]meterd.LifecycleEvent, error) {
	var w Where
	if f.ProductCode != "" {
		w.Add("product_code = ?", f.ProductCode)
	}
	if f.CustomerIdentifier != "" {
		w.Add("customer_identifier = ?", f.CustomerIdentifier)
	}
	q := `SELECT id, action, product_code, customer_identifier, customer_aws_account_id, license_arn,
		offer_identifier, free_trial, time FROM lifecycle_events` + w.SQL() + ` ORDER BY seq`
	out := []meterd.LifecycleEvent{}
	err := rows(q, func(r Scanner) error {
		var (
			e  meterd.LifecycleEvent
			at any
		)
		if err := r.Scan(&e.ID, &e.Action, &e.ProductCode, &e.CustomerIdentifier, &e.CustomerAWSAccountID,
			&e.LicenseArn, &e.OfferIdentifier, &e.FreeTrial, &at); err != nil {
			return err
		}
		td := TimeDecoder{Dialect: d}
		e.Time = td.Decode(at)
		out = append(out, e)
		return td.Err
	}, w.Args()...)
	if err != nil {
		return nil, err
	}
	return out, nil
}
