package server

import (
	"bufio"
	"context"
	"encoding/csv"
	"encoding/json"
	"net/http"
	"strconv"
	"time"

	"github.com/meterd/meterd"
)

// UsageCSVHeader is the header row of a CSV usage export; each record is
// one row in this order. Times are RFC 3339 in UTC, allocations the JSON
// of the record's UsageAllocations (empty when none).
var UsageCSVHeader = []string{"callTime", "operation", "productCode", "customerIdentifier", "customerAwsAccountId",
	"licenseArn", "dimension", "timestamp", "quantity", "allocations", "outcome", "status", "errorCode",
	"meteringRecordId", "test", "dryRun", "eventId", "requestId"}

// UsageCSVRow is r as a row of a CSV usage export.
func UsageCSVRow(r *meterd.SentRecord) []string {
	var alloc string
	if len(r.Allocations) > 0 {
		b, _ := json.Marshal(r.Allocations) // plain structs cannot fail
		alloc = string(b)
	}
	return []string{r.CallTime.UTC().Format(time.RFC3339Nano), r.Operation, r.ProductCode, r.CustomerIdentifier,
		r.CustomerAWSAccountID, r.LicenseArn, r.Dimension, r.Timestamp.UTC().Format(time.RFC3339Nano),
		strconv.FormatInt(r.Quantity, 10), alloc, string(r.Outcome), r.Status, r.ErrorCode, r.MeteringRecordID,
		strconv.FormatBool(r.Test), strconv.FormatBool(r.DryRun), r.EventID, r.RequestID}
}

// Usage export formats.
const (
	FormatCSV   = "csv"
	FormatJSONL = "jsonl"
)

func (s *Server) exportUsage(r *http.Request) (any, error) {
	store, err := s.usageStore()
	if err != nil {
		return nil, err
	}
	q := r.URL.Query()
	uq, err := parseUsageQuery(q)
	if err != nil {
		return nil, err
	}
	format := q.Get("format")
	switch format {
	case "":
		format = FormatCSV
	case FormatCSV, FormatJSONL:
	default:
		return nil, meterd.Errorf(meterd.EInvalid, "format must be csv or jsonl, got %q", format)
	}
	x := &usageExport{ctx: r.Context(), server: s, store: store, query: uq, format: format}
	if uq.Outcome != "" && uq.Outcome != meterd.OutcomeAccepted {
		if _, err := s.auditLog(); err != nil {
			return nil, err
		}
	}
	return x, nil
}

// usageExport streams the records of a query as CSV or JSON Lines, a page
// at a time from the store or the trail: memory stays constant however
// many records match.
type usageExport struct {
	ctx    context.Context
	server *Server
	store  UsageStore
	query  meterd.UsageQuery
	format string
}

func (x *usageExport) stream(w http.ResponseWriter, status int) {
	name := "meterd-usage." + x.format
	if x.format == FormatCSV {
		w.Header().Set("Content-Type", "text/csv; charset=utf-8")
	} else {
		w.Header().Set("Content-Type", "application/jsonl")
	}
	w.Header().Set("Content-Disposition", `attachment; filename="`+name+`"`)
	w.WriteHeader(status)
	rc := http.NewResponseController(w)
	bw := bufio.NewWriterSize(w, 64<<10)
	write := x.writer(bw)
	n := 0
	each := func(r *meterd.SentRecord) error {
		if n%maxUsagePage == 0 {
			// The deadline moves on with each page (see exportPageTime);
			// an error means the writer takes none.
			_ = rc.SetWriteDeadline(time.Now().Add(exportPageTime))
		}
		n++
		return write(r)
	}
	// An error after the header is sent cannot change the status: the
	// stream is cut short, without the final newline.
	if err := x.each(each); err != nil {
		// Nothing is flushed after a failure, so the last page is cut.
		x.server.log().Error("usage export failed", meterd.LogKeyError, err, meterd.LogKeyRecords, n)
		return
	}
	_ = bw.Flush() // the client went away; nothing to do
}

// writer returns the function that writes one record in x's format,
// after writing the CSV header.
func (x *usageExport) writer(bw *bufio.Writer) func(*meterd.SentRecord) error {
	if x.format == FormatJSONL {
		enc := json.NewEncoder(bw)
		return func(r *meterd.SentRecord) error { return enc.Encode(r) }
	}
	cw := csv.NewWriter(bw)
	_ = cw.Write(UsageCSVHeader) // into bw: an error shows at the first record's
	return func(r *meterd.SentRecord) error {
		if err := cw.Write(UsageCSVRow(r)); err != nil {
			return err
		}
		cw.Flush() // into bw, which batches the writes to the connection
		return cw.Error()
	}
}

// each calls yield with every record of the export.
func (x *usageExport) each(yield func(*meterd.SentRecord) error) error {
	q := x.query
	if q.Outcome == "" || q.Outcome == meterd.OutcomeAccepted {
		q.Limit = maxUsagePage
		return meterd.EachUsage(x.ctx, x.store, q, func(r *meterd.MeteringRecord) error { return yield(r.Sent()) })
	}
	log, _ := x.server.auditLog() // checked by exportUsage
	return log.EachSent(x.ctx, x.store, sentFilter(q), func(r *meterd.SentRecord) error {
		if r.Outcome != q.Outcome || !q.Matches(r) {
			return nil
		}
		return yield(r)
	})
}
