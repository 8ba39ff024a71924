package bench

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"strconv"
	"time"

	"github.com/google/uuid"

	"github.com/meterd/meterd"
	"github.com/meterd/meterd/awsproto"
	"github.com/meterd/meterd/awsproto/sigv4"
)

// maxBodyBytes is AWS's request size limit, as meterd enforces it.
const maxBodyBytes = 1 << 20

// FloorConfig configures a floor server.
type FloorConfig struct {
	Fixture *Fixture // whose keys it accepts
	// AppendFile, when set, receives every usage record before its answer,
	// with group commit: the durable floor.
	AppendFile string
	Logger     *slog.Logger // nil discards
}

// Floor serves the Marketplace operations with only the work no
// implementation can skip: it verifies SigV4 (meterd's verifier, keys in a
// map), decodes and validates the request (meterd's decoder) and answers a
// well-formed success without any rule or ledger; with an append file it
// also makes each record durable. Its throughput is the ceiling meterd is
// measured against.
type Floor struct {
	verifier *sigv4.Verifier
	fixture  *Fixture
	appender *appender // nil without AppendFile
	logger   *slog.Logger
}

// NewFloor opens the append file, if any. Close releases it.
func NewFloor(cfg FloorConfig) (*Floor, error) {
	if cfg.Fixture == nil || len(cfg.Fixture.Buyers) == 0 {
		return nil, errors.New("floor: want a fixture with buyers")
	}
	keys := map[string]*meterd.AccessKey{}
	for _, k := range cfg.Fixture.Keys() {
		keys[k.ID] = &meterd.AccessKey{ID: k.ID, Secret: k.Secret, AccountID: k.AccountID}
	}
	lookup := func(_ context.Context, id string) (*meterd.AccessKey, error) { return keys[id], nil }
	f := &Floor{verifier: &sigv4.Verifier{Lookup: lookup}, fixture: cfg.Fixture, logger: meterd.LoggerOrDiscard(cfg.Logger)}
	if cfg.AppendFile != "" {
		a, err := openAppender(cfg.AppendFile)
		if err != nil {
			return nil, err
		}
		f.appender = a
	}
	return f, nil
}

// Close closes the append file.
func (f *Floor) Close() error {
	if f.appender == nil {
		return nil
	}
	return f.appender.close()
}

// Serve answers on ln until ctx is done, then closes ln and waits for the
// requests in flight.
func (f *Floor) Serve(ctx context.Context, ln net.Listener) error {
	mux := http.NewServeMux()
	mux.HandleFunc("POST /admin/v1/registration-tokens", f.mintToken)
	mux.Handle("/", f)
	srv := &http.Server{Handler: mux, ReadHeaderTimeout: 10 * time.Second,
		ErrorLog: slog.NewLogLogger(f.logger.Handler(), slog.LevelWarn)}
	served := make(chan error, 1)
	go func() { served <- srv.Serve(ln) }()
	select {
	case err := <-served:
		return err
	case <-ctx.Done():
	}
	shutdownCtx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	return srv.Shutdown(shutdownCtx)
}

// ServeHTTP answers one AWS call, in meterd's order: read, route,
// authenticate, decode, answer.
func (f *Floor) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	requestID := uuid.NewString()
	proto := awsproto.ProtocolOf(r)
	out, err := f.serve(r, proto)
	if err != nil {
		if awsproto.WireCode(err) == meterd.EInternalServiceError {
			f.logger.Error("floor request failed", meterd.LogKeyError, err)
		}
		awsproto.WriteError(w, proto, requestID, err)
		return
	}
	awsproto.WriteResult(w, proto, requestID, out)
}

func (f *Floor) serve(r *http.Request, proto awsproto.Protocol) (any, error) {
	body, err := io.ReadAll(io.LimitReader(r.Body, maxBodyBytes+1))
	if err != nil || len(body) > maxBodyBytes {
		return nil, meterd.Errorf(meterd.ESerialization, "Could not read the request body.")
	}
	op, routeErr := awsproto.Route(r)
	if _, err := f.verifier.Verify(r.Context(), r, body); err != nil {
		return nil, err
	}
	if routeErr != nil {
		return nil, routeErr
	}
	in := op.NewInput()
	if err := awsproto.Decode(proto, op, body, in); err != nil {
		return nil, err
	}
	out, records := f.answer(in)
	if f.appender != nil && len(records) > 0 {
		if err := f.appender.append(r.Context(), records); err != nil {
			return nil, err
		}
	}
	return out, nil
}

// answer builds the success answer of a decoded input, and the lines to
// append for its usage records.
func (f *Floor) answer(in any) (out any, records []byte) {
	switch in := in.(type) {
	case *meterd.MeterUsageRequest:
		id := uuid.NewString()
		return &meterd.MeterUsageResult{MeteringRecordId: id},
			recordLine(nil, id, in.ProductCode, "", in.UsageDimension, in.Timestamp, int64(in.UsageQuantity))
	case *meterd.BatchMeterUsageRequest:
		return f.answerBatch(in)
	case *meterd.ResolveCustomerRequest:
		b := f.fixture.Buyers[0]
		return &meterd.ResolveCustomerResult{CustomerIdentifier: b.Identifier, ProductCode: ProductSaaS,
			CustomerAWSAccountId: b.Key.AccountID, LicenseArn: licenseArn(b, 0)}, nil
	case *meterd.GetEntitlementsRequest:
		return f.answerEntitlements(in), nil
	}
	return &meterd.RegisterUsageResult{}, nil
}

func (f *Floor) answerBatch(in *meterd.BatchMeterUsageRequest) (*meterd.BatchMeterUsageResult, []byte) {
	out := &meterd.BatchMeterUsageResult{Results: make([]meterd.UsageRecordResult, len(in.UsageRecords))}
	var lines []byte
	for i := range in.UsageRecords {
		rec := &in.UsageRecords[i]
		id := uuid.NewString()
		out.Results[i] = meterd.UsageRecordResult{UsageRecord: rec, MeteringRecordId: id, Status: meterd.StatusSuccess}
		quantity := int64(1)
		if rec.Quantity != nil {
			quantity = int64(*rec.Quantity)
		}
		lines = recordLine(lines, id, in.ProductCode, rec.CustomerIdentifier, rec.Dimension, rec.Timestamp, quantity)
	}
	return out, lines
}

// answerEntitlements answers the fixture's two entitlements for each
// customer the filter names (none without a filter).
func (f *Floor) answerEntitlements(in *meterd.GetEntitlementsRequest) *meterd.GetEntitlementsResult {
	out := &meterd.GetEntitlementsResult{Entitlements: []meterd.EntitlementOutput{}}
	for _, customer := range in.Filter[meterd.FilterCustomerIdentifier] {
		for i, v := range []int32{10, 100} {
			out.Entitlements = append(out.Entitlements, meterd.EntitlementOutput{
				ProductCode: in.ProductCode, Dimension: f.fixture.Dimensions[i], CustomerIdentifier: customer,
				Value: &meterd.EntitlementValue{IntegerValue: &v},
			})
		}
	}
	return out
}

// recordLine appends one tab-separated record line: what a ledger must
// keep of a record at the least.
func recordLine(b []byte, id, product, customer, dimension string, ts time.Time, quantity int64) []byte {
	b = append(b, id...)
	for _, s := range []string{product, customer, dimension} {
		b = append(b, '\t')
		b = append(b, s...)
	}
	b = append(b, '\t')
	b = strconv.AppendInt(b, ts.Unix(), 10)
	b = append(b, '\t')
	b = strconv.AppendInt(b, quantity, 10)
	return append(b, '\n')
}

// mintToken answers the admin API's token route, so that
// resolve-customer runs against a floor as against meterd.
func (f *Floor) mintToken(w http.ResponseWriter, _ *http.Request) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(http.StatusCreated)
	_ = json.NewEncoder(w).Encode(map[string]any{
		"token": "floor-" + uuid.NewString(), "expiresAt": time.Now().Add(4 * time.Hour).UTC(),
	})
}

// String describes the floor for logs.
func (f *Floor) String() string {
	if f.appender != nil {
		return fmt.Sprintf("floor with fsync'd append (%d buyers)", len(f.fixture.Buyers))
	}
	return fmt.Sprintf("bare floor (%d buyers)", len(f.fixture.Buyers))
}
