package main

import (
	"bytes"
	"context"
	"encoding/csv"
	"encoding/json"
	"log/slog"
	"net/http"
	"os"
	"runtime"
	"runtime/debug"
	"slices"
	"strconv"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/marketplacemetering"
	"github.com/aws/aws-sdk-go-v2/service/marketplacemetering/types"

	"github.com/meterd/meterd"
	"github.com/meterd/meterd/audit"
	"github.com/meterd/meterd/meterdtest"
	"github.com/meterd/meterd/node"
	"github.com/meterd/meterd/server"
	"github.com/meterd/meterd/sim"
)

// usageSeed has two SaaS customers (cust-a with two licenses' worth of
// records, cust-b), one not subscribed (cust-c) and an AMI product.
const usageSeed = `
accounts:
  - id: "111122223333"
    access_keys: [{id: test, secret: test}]
  - id: "444455556666"
    access_keys: [{id: buyer, secret: buyer}]
  - id: "777788889999"
  - id: "888888888888"
products:
  - code: saas
    seller: "111122223333"
    type: SaaS
    dimensions: [{name: users}, {name: api_calls}]
  - code: ami
    seller: "111122223333"
    type: AMI
    dimensions: [{name: vcpu_hours}]
customers:
  - {identifier: cust-a, aws_account_id: "444455556666"}
  - {identifier: cust-b, aws_account_id: "777788889999"}
  - {identifier: cust-c, aws_account_id: "888888888888"}
subscriptions:
  - {product: saas, customer: cust-a, license_arn: "arn:aws:license-manager::444455556666:license:l-a0000000000000000000000000000000"}
  - {product: saas, customer: cust-b, license_arn: "` + usageLicenseB + `"}
  - {product: ami, customer: cust-a, license_arn: "arn:aws:license-manager::444455556666:license:l-c0000000000000000000000000000000"}
`

const usageLicenseB = "arn:aws:license-manager::777788889999:license:l-b0000000000000000000000000000000"

// usageNow is the business clock of the usage tests: 12:30 on a Tuesday.
var usageNow = time.Date(2026, 3, 10, 12, 30, 0, 0, time.UTC)

// usageServer is a meterd after a morning of metering with mistakes in it:
//
//	11:00 batch  cust-a users 3 (team a 1, team b 2), cust-b users 5, cust-a api_calls 7
//	10:00 batch  cust-a users 11                                  (received a minute later)
//	11:00 batch  cust-a users 4: DuplicateRecord; cust-c users 2: CustomerNotSubscribed
//	11:00 batch  cust-a nope 1: InvalidUsageDimensionException
//	12:00 MeterUsage ami vcpu_hours 13 by the buyer; 17 by the seller (a test)
//	10:00 batch  cust-b's account and license, api_calls 20
//
// It returns the server and its admin client once the audit trail holds
// every call.
func usageServer(t *testing.T) (*testServer, *server.AdminClient) {
	t.Helper()
	s := startServer(t, writeSeed(t, usageSeed), func(c *node.Config) { c.Clock = &sim.ClockSpec{At: usageNow, Frozen: true} })
	admin := &server.AdminClient{BaseURL: s.URL, Token: s.AdminToken}
	ctx := t.Context()
	seller := s.metering(sellerKey, testRegion)
	h := usageNow.Truncate(time.Hour)
	rec := func(customer, dim string, hour time.Time, q int32, tags ...types.UsageAllocation) types.UsageRecord {
		return types.UsageRecord{CustomerIdentifier: aws.String(customer), Dimension: aws.String(dim),
			Timestamp: aws.Time(hour), Quantity: aws.Int32(q), UsageAllocations: tags}
	}
	team := func(q int32, v string) types.UsageAllocation {
		return types.UsageAllocation{AllocatedUsageQuantity: aws.Int32(q), Tags: []types.Tag{{Key: aws.String("team"), Value: aws.String(v)}}}
	}
	batch := func(wantErr bool, recs ...types.UsageRecord) {
		t.Helper()
		_, err := seller.BatchMeterUsage(ctx, &marketplacemetering.BatchMeterUsageInput{ProductCode: aws.String("saas"), UsageRecords: recs})
		if (err != nil) != wantErr {
			t.Fatalf("BatchMeterUsage: %v", err)
		}
	}
	batch(false, rec("cust-a", "users", h.Add(-time.Hour), 3, team(1, "a"), team(2, "b")),
		rec("cust-b", "users", h.Add(-time.Hour), 5), rec("cust-a", "api_calls", h.Add(-time.Hour), 7))
	if _, err := admin.AdvanceClock(ctx, time.Minute); err != nil {
		t.Fatal(err)
	}
	batch(false, rec("cust-a", "users", h.Add(-2*time.Hour), 11))
	batch(false, rec("cust-a", "users", h.Add(-time.Hour), 4), rec("cust-c", "users", h.Add(-time.Hour), 2))
	batch(true, rec("cust-a", "nope", h.Add(-time.Hour), 1))
	for _, key := range []aws.Credentials{buyerKey, sellerKey} {
		q := int32(13)
		if key == sellerKey {
			q = 17
		}
		_, err := s.metering(key, testRegion).MeterUsage(ctx, &marketplacemetering.MeterUsageInput{ProductCode: aws.String("ami"),
			UsageDimension: aws.String("vcpu_hours"), UsageQuantity: aws.Int32(q), Timestamp: aws.Time(h.Add(time.Minute))})
		if err != nil {
			t.Fatal(err)
		}
	}
	// The SDK has no LicenseArn: a raw call sends one.
	r := s.jsonCall(t, sellerKey, testRegion, meteringTarget+"BatchMeterUsage", map[string]any{"ProductCode": "saas",
		"UsageRecords": []any{map[string]any{"CustomerAWSAccountId": "777788889999", "LicenseArn": usageLicenseB,
			"Dimension": "api_calls", "Quantity": 20, "Timestamp": h.Add(-2 * time.Hour).Unix()}}})
	if r.Status != http.StatusOK || !strings.Contains(string(r.Body), `"Status":"Success"`) {
		t.Fatalf("got %d %s, want Success", r.Status, r.Body)
	}
	for op, n := range map[string]int{meterd.OpBatchMeterUsage: 5, meterd.OpMeterUsage: 2} {
		wctx, cancel := context.WithTimeout(ctx, 10*time.Second)
		_, err := admin.WaitCalls(wctx, audit.CallQuery{Filter: meterd.AuditFilter{EventName: op}, Min: n})
		cancel()
		if err != nil {
			t.Fatal(err)
		}
	}
	return s, admin
}

// TestUsageList filters the records of usageServer, each filter through
// the admin API, and checks which records come back.
func TestUsageList(t *testing.T) {
	_, admin := usageServer(t)
	h := usageNow.Truncate(time.Hour)
	yes, no := true, false
	tests := []struct {
		name string
		q    meterd.UsageQuery
		want []string // customer/dimension/quantity/outcome/status
	}{
		{"OK product", meterd.UsageQuery{ProductCode: "saas"},
			[]string{"cust-a/users/3/accepted/Success", "cust-b/users/5/accepted/Success",
				"cust-a/api_calls/7/accepted/Success", "cust-a/users/11/accepted/Success", "cust-b/api_calls/20/accepted/Success"}},
		{"OK customer identifier", meterd.UsageQuery{Customer: "cust-b"},
			[]string{"cust-b/users/5/accepted/Success", "cust-b/api_calls/20/accepted/Success"}},
		{"OK customer account", meterd.UsageQuery{Customer: "444455556666"},
			[]string{"cust-a/users/3/accepted/Success", "cust-a/api_calls/7/accepted/Success",
				"cust-a/users/11/accepted/Success", "444455556666/vcpu_hours/13/accepted/Success"}},
		{"OK license", meterd.UsageQuery{LicenseArn: usageLicenseB}, []string{"cust-b/api_calls/20/accepted/Success"}},
		{"OK dimension", meterd.UsageQuery{Dimension: "api_calls"},
			[]string{"cust-a/api_calls/7/accepted/Success", "cust-b/api_calls/20/accepted/Success"}},
		{"OK test", meterd.UsageQuery{Test: &yes}, []string{"111122223333/vcpu_hours/17/accepted/Success"}},
		{"OK real", meterd.UsageQuery{Test: &no, ProductCode: "ami"}, []string{"444455556666/vcpu_hours/13/accepted/Success"}},
		{"OK usage time", meterd.UsageQuery{UsageSince: h.Add(-time.Hour), UsageUntil: h},
			[]string{"cust-a/users/3/accepted/Success", "cust-b/users/5/accepted/Success", "cust-a/api_calls/7/accepted/Success"}},
		{"OK receipt time", meterd.UsageQuery{ReceivedSince: usageNow.Add(time.Minute), ProductCode: "saas"},
			[]string{"cust-a/users/11/accepted/Success", "cust-b/api_calls/20/accepted/Success"}},
		{"OK tag key", meterd.UsageQuery{TagKey: "team"}, []string{"cust-a/users/3/accepted/Success"}},
		{"OK tag value", meterd.UsageQuery{TagKey: "team", TagValue: "c"}, nil},
		{"OK duplicate", meterd.UsageQuery{Outcome: meterd.OutcomeDuplicate},
			[]string{"cust-a/users/4/duplicate/DuplicateRecord"}},
		{"OK rejected", meterd.UsageQuery{Outcome: meterd.OutcomeRejected},
			[]string{"cust-a/nope/1/rejected/InvalidUsageDimensionException", "cust-c/users/2/rejected/CustomerNotSubscribed"}},
		{"OK rejected of a customer", meterd.UsageQuery{Outcome: meterd.OutcomeRejected, Customer: "cust-c"},
			[]string{"cust-c/users/2/rejected/CustomerNotSubscribed"}},
		{"OK accepted", meterd.UsageQuery{Outcome: meterd.OutcomeAccepted, Customer: "777788889999"},
			[]string{"cust-b/users/5/accepted/Success", "cust-b/api_calls/20/accepted/Success"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var got []string
			q := tt.q
			q.Limit = 1 // every record on its own page: pagination too
			for {
				out, err := admin.ListUsage(t.Context(), q)
				if err != nil {
					t.Fatal(err)
				}
				for _, r := range out.Records {
					got = append(got, r.Customer()+"/"+r.Dimension+"/"+strconv.FormatInt(r.Quantity, 10)+"/"+
						string(r.Outcome)+"/"+r.Status)
					if r.Outcome == meterd.OutcomeAccepted && r.MeteringRecordID == "" {
						t.Errorf("accepted record without a MeteringRecordId: %+v", r)
					}
				}
				if out.NextToken == "" {
					break
				}
				q.Cursor = out.NextToken
			}
			if !slices.Equal(got, tt.want) {
				t.Errorf("records\ngot  %q\nwant %q", got, tt.want)
			}
		})
	}
}

// TestUsageSum sums the records of usageServer per period and grouping
// through the admin API.
func TestUsageSum(t *testing.T) {
	_, admin := usageServer(t)
	h := usageNow.Truncate(time.Hour)
	day := usageNow.Truncate(24 * time.Hour)
	march := time.Date(2026, 3, 1, 0, 0, 0, 0, time.UTC)
	g := func(period time.Time, f func(*meterd.UsageGroup), q, n int64) meterd.UsageGroup {
		out := meterd.UsageGroup{Period: period, Quantity: q, Records: n}
		if f != nil {
			f(&out)
		}
		return out
	}
	cust := func(c string) func(*meterd.UsageGroup) { return func(g *meterd.UsageGroup) { g.Customer = c } }
	dim := func(d string) func(*meterd.UsageGroup) { return func(g *meterd.UsageGroup) { g.Dimension = d } }
	tests := []struct {
		name string
		sum  meterd.UsageSum
		want []meterd.UsageGroup
	}{
		{"OK per hour by customer", meterd.UsageSum{Query: meterd.UsageQuery{ProductCode: "saas"}, Per: meterd.PerHour,
			By: []string{meterd.GroupCustomer}},
			[]meterd.UsageGroup{g(h.Add(-2*time.Hour), cust("cust-a"), 11, 1), g(h.Add(-2*time.Hour), cust("cust-b"), 20, 1),
				g(h.Add(-time.Hour), cust("cust-a"), 10, 2),
				g(h.Add(-time.Hour), cust("cust-b"), 5, 1)}},
		{"OK per day by dimension", meterd.UsageSum{Query: meterd.UsageQuery{ProductCode: "saas"}, Per: meterd.PerDay,
			By: []string{meterd.GroupDimension}},
			[]meterd.UsageGroup{g(day, dim("api_calls"), 27, 2), g(day, dim("users"), 19, 3)}},
		{"OK per month by product", meterd.UsageSum{Per: meterd.PerMonth, By: []string{meterd.GroupProduct}},
			[]meterd.UsageGroup{g(march, func(g *meterd.UsageGroup) { g.Product = "ami" }, 30, 2),
				g(march, func(g *meterd.UsageGroup) { g.Product = "saas" }, 46, 5)}},
		{"OK by tag", meterd.UsageSum{Per: meterd.PerDay, By: []string{meterd.GroupTag}},
			[]meterd.UsageGroup{g(day, func(g *meterd.UsageGroup) { g.TagKey, g.TagValue = "team", "a" }, 1, 1),
				g(day, func(g *meterd.UsageGroup) { g.TagKey, g.TagValue = "team", "b" }, 2, 1)}},
		{"OK by customer and dimension, test only", meterd.UsageSum{Query: meterd.UsageQuery{Test: aws.Bool(true)},
			Per: meterd.PerMonth, By: []string{meterd.GroupCustomer, meterd.GroupDimension}},
			[]meterd.UsageGroup{g(march, func(g *meterd.UsageGroup) { g.Customer, g.Dimension = "111122223333", "vcpu_hours" }, 17, 1)}},
		{"OK rejected by customer", meterd.UsageSum{Query: meterd.UsageQuery{Outcome: meterd.OutcomeRejected},
			Per: meterd.PerDay, By: []string{meterd.GroupCustomer}},
			[]meterd.UsageGroup{g(day, cust("cust-a"), 1, 1), g(day, cust("cust-c"), 2, 1)}},
		{"OK duplicates", meterd.UsageSum{Query: meterd.UsageQuery{Outcome: meterd.OutcomeDuplicate}, Per: meterd.PerHour},
			[]meterd.UsageGroup{g(h.Add(-time.Hour), nil, 4, 1)}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			out, err := admin.SumUsage(t.Context(), tt.sum)
			if err != nil {
				t.Fatal(err)
			}
			if len(out.Groups) != len(tt.want) {
				t.Fatalf("groups\ngot  %+v\nwant %+v", out.Groups, tt.want)
			}
			for i := range tt.want {
				if got := out.Groups[i]; !got.Period.Equal(tt.want[i].Period) || withoutPeriod(got) != withoutPeriod(tt.want[i]) {
					t.Errorf("group %d\ngot  %+v\nwant %+v", i, got, tt.want[i])
				}
			}
		})
	}
}

func withoutPeriod(g meterd.UsageGroup) meterd.UsageGroup {
	g.Period = time.Time{}
	return g
}

// TestUsageErrors: bad parameters are coded Invalid errors.
func TestUsageErrors(t *testing.T) {
	s := startServer(t, "")
	admin := &server.AdminClient{BaseURL: s.URL, Token: s.AdminToken}
	tests := []struct {
		name string
		call func() error
	}{
		{"ErrInvalid outcome", func() error {
			_, err := admin.ListUsage(t.Context(), meterd.UsageQuery{Outcome: "lost"})
			return err
		}},
		{"ErrInvalid cursor", func() error {
			_, err := admin.ListUsage(t.Context(), meterd.UsageQuery{Cursor: "x"})
			return err
		}},
		{"ErrInvalid trail cursor", func() error {
			_, err := admin.ListUsage(t.Context(), meterd.UsageQuery{Cursor: "x", Outcome: meterd.OutcomeRejected})
			return err
		}},
		{"ErrInvalid period", func() error {
			_, err := admin.SumUsage(t.Context(), meterd.UsageSum{Per: "week"})
			return err
		}},
		{"ErrInvalid grouping", func() error {
			_, err := admin.SumUsage(t.Context(), meterd.UsageSum{By: []string{"colour"}})
			return err
		}},
		{"ErrInvalid tag value without key", func() error {
			_, err := admin.SumUsage(t.Context(), meterd.UsageSum{Query: meterd.UsageQuery{TagValue: "a"}})
			return err
		}},
		{"ErrInvalid format", func() error {
			return admin.ExportUsage(t.Context(), meterd.UsageQuery{}, "xml", &bytes.Buffer{})
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if code := meterd.ErrorCode(tt.call()); code != meterd.EInvalid {
				t.Errorf("code %q, want %q", code, meterd.EInvalid)
			}
		})
	}
}

// TestUsageExportCSV compares a CSV export with the ledger, row for row.
func TestUsageExportCSV(t *testing.T) {
	s, admin := usageServer(t)
	var buf bytes.Buffer
	if err := admin.ExportUsage(t.Context(), meterd.UsageQuery{}, server.FormatCSV, &buf); err != nil {
		t.Fatal(err)
	}
	rows, err := csv.NewReader(&buf).ReadAll()
	if err != nil {
		t.Fatal(err)
	}
	ledger, err := s.Node.Store().FindUsage(t.Context(), meterd.UsageFilter{})
	if err != nil {
		t.Fatal(err)
	}
	if len(rows) != len(ledger)+1 || !slices.Equal(rows[0], server.UsageCSVHeader) {
		t.Fatalf("%d rows (header %q) for %d records", len(rows), rows[0], len(ledger))
	}
	col := map[string]int{}
	for i, name := range rows[0] {
		col[name] = i
	}
	for i, rec := range ledger {
		row := rows[i+1]
		want := map[string]string{"meteringRecordId": rec.ID, "productCode": rec.ProductCode,
			"customerIdentifier": rec.CustomerIdentifier, "customerAwsAccountId": rec.CustomerAccount(),
			"licenseArn": rec.LicenseArn, "dimension": rec.Dimension, "quantity": strconv.FormatInt(rec.Quantity, 10),
			"timestamp": rec.Timestamp.UTC().Format(time.RFC3339Nano), "operation": rec.Operation,
			"callTime": rec.ReceivedAt.UTC().Format(time.RFC3339Nano), "test": strconv.FormatBool(rec.Test),
			"outcome": "accepted", "status": "Success"}
		for name, v := range want {
			if row[col[name]] != v {
				t.Errorf("row %d %s = %q, want %q", i+1, name, row[col[name]], v)
			}
		}
	}
}

// TestUsageCommands runs meterd usage list, sum and export against
// usageServer and reads their text.
func TestUsageCommands(t *testing.T) {
	s, _ := usageServer(t)
	env := map[string]string{"METERD_URL": s.URL, "METERD_ADMIN_TOKEN": s.AdminToken}
	cli := func(args ...string) (string, string, error) {
		var out, stderr bytes.Buffer
		err := run(context.Background(), args, &out, &stderr, func(k string) string { return env[k] })
		return out.String(), stderr.String(), err
	}
	tests := []struct {
		name string
		args []string
		want string
	}{
		{"OK list", []string{"usage", "list", "--customer", "cust-b", "--dimension", "users"},
			"RECEIVED              PRODUCT  CUSTOMER  DIMENSION  TIMESTAMP             QUANTITY  OUTCOME   STATUS   METERING RECORD ID\n" +
				"2026-03-10T12:30:00Z  saas     cust-b    users      2026-03-10T11:00:00Z  5         accepted  Success  "},
		{"OK list rejected", []string{"usage", "list", "--outcome", "rejected", "--customer", "cust-c"},
			"RECEIVED              PRODUCT  CUSTOMER  DIMENSION  TIMESTAMP             QUANTITY  OUTCOME   STATUS                 METERING RECORD ID\n" +
				"20"}, // the trail's call time is the wall clock's
		{"OK sum", []string{"usage", "sum", "--product", "saas", "--by", "customer,dimension", "--per", "day"},
			"PERIOD      CUSTOMER  DIMENSION  QUANTITY  RECORDS\n" +
				"2026-03-10  cust-a    api_calls  7         1\n" +
				"2026-03-10  cust-a    users      14        2\n" +
				"2026-03-10  cust-b    api_calls  20        1\n" +
				"2026-03-10  cust-b    users      5         1\n"},
		{"OK export jsonl to stdout", []string{"usage", "export", "--format", "jsonl", "--test", "true"},
			`{"callTime":"2026-03-10T12:31:00Z","operation":"MeterUsage","region":"us-east-1","callerAccountId":"111122223333",` +
				`"index":0,"productCode":"ami","customerAwsAccountId":"111122223333","dimension":"vcpu_hours",` +
				`"timestamp":"2026-03-10T12:01:00Z","quantity":17,"outcome":"accepted","status":"Success","meteringRecordId":"`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			out, stderr, err := cli(tt.args...)
			if err != nil || !strings.HasPrefix(out, tt.want) {
				t.Fatalf("%v %s\ngot  %q\nwant %q...", err, stderr, out, tt.want)
			}
		})
	}
	t.Run("OK export to a file", func(t *testing.T) {
		file := t.TempDir() + "/usage.csv"
		out, _, err := cli("usage", "export", "--output", file, "--product", "ami")
		if err != nil || !strings.HasPrefix(out, "FILE") {
			t.Fatalf("%v\n%s", err, out)
		}
		b, err := os.ReadFile(file)
		if err != nil {
			t.Fatal(err)
		}
		if rows, err := csv.NewReader(bytes.NewReader(b)).ReadAll(); err != nil || len(rows) != 3 {
			t.Fatalf("%d rows (%v), want a header and 2 records:\n%s", len(rows), err, b)
		}
	})
}

// lines returns the JSON log lines with message msg.
func (b *lockedBuffer) lines(msg string) []map[string]any {
	var out []map[string]any
	for _, line := range strings.Split(b.String(), "\n") {
		var m map[string]any
		if json.Unmarshal([]byte(line), &m) == nil && m["msg"] == msg {
			out = append(out, m)
		}
	}
	return out
}

// TestUsageLogLine: each call that accepted usage logs one Info line with
// product, customer, dimension, quantity and record id; a DryRun and a
// rejected call log none.
func TestUsageLogLine(t *testing.T) {
	var logs lockedBuffer
	s := &testServer{meterdtest.Start(t, meterdtest.WithSeedFile(writeSeed(t, usageSeed)),
		meterdtest.WithLogger(slog.New(slog.NewJSONHandler(&logs, &slog.HandlerOptions{Level: slog.LevelInfo}))))}
	ctx := t.Context()
	now := time.Now().UTC().Add(-time.Minute)
	mu, err := s.metering(buyerKey, testRegion).MeterUsage(ctx, &marketplacemetering.MeterUsageInput{ProductCode: aws.String("ami"),
		UsageDimension: aws.String("vcpu_hours"), UsageQuantity: aws.Int32(13), Timestamp: aws.Time(now)})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := s.metering(buyerKey, testRegion).MeterUsage(ctx, &marketplacemetering.MeterUsageInput{ProductCode: aws.String("ami"),
		UsageDimension: aws.String("vcpu_hours"), UsageQuantity: aws.Int32(1), Timestamp: aws.Time(now), DryRun: aws.Bool(true)}); err != nil {
		t.Fatal(err)
	}
	bmu, err := s.metering(sellerKey, testRegion).BatchMeterUsage(ctx, &marketplacemetering.BatchMeterUsageInput{
		ProductCode: aws.String("saas"), UsageRecords: []types.UsageRecord{
			{CustomerIdentifier: aws.String("cust-a"), Dimension: aws.String("users"), Timestamp: aws.Time(now), Quantity: aws.Int32(3)},
			{CustomerIdentifier: aws.String("cust-c"), Dimension: aws.String("users"), Timestamp: aws.Time(now), Quantity: aws.Int32(2)},
			{CustomerIdentifier: aws.String("cust-b"), Dimension: aws.String("api_calls"), Timestamp: aws.Time(now), Quantity: aws.Int32(5)}}})
	if err != nil {
		t.Fatal(err)
	}
	ids := map[string]string{}
	for _, r := range bmu.Results {
		ids[*r.UsageRecord.CustomerIdentifier] = aws.ToString(r.MeteringRecordId)
	}
	want := []map[string]any{
		{"operation": "MeterUsage", "product": "ami", "customer": "444455556666", "dimension": "vcpu_hours", "quantity": 13.0,
			"metering_record_id": *mu.MeteringRecordId, "access_key_id": "buyer"},
		{"operation": "BatchMeterUsage", "product": "saas", "stored": 2.0,
			"usage": "cust-a/users/3/" + ids["cust-a"] + " cust-b/api_calls/5/" + ids["cust-b"]},
	}
	got := logs.lines("usage accepted")
	if len(got) != len(want) {
		t.Fatalf("%d usage lines, want %d: %v", len(got), len(want), got)
	}
	for i, w := range want {
		for k, v := range w {
			if got[i][k] != v {
				t.Errorf("line %d: %s = %v, want %v", i, k, got[i][k], v)
			}
		}
		if got[i]["level"] != "INFO" {
			t.Errorf("line %d: level %v", i, got[i]["level"])
		}
	}
}

// TestUsageExportConstantMemory exports far more than the heap grows by:
// rows flow from the store's pages to the response, not into a buffer.
func TestUsageExportConstantMemory(t *testing.T) {
	if testing.Short() {
		t.Skip("writes 12,000 records")
	}
	s := startServer(t, "")
	admin := &server.AdminClient{BaseURL: s.URL, Token: s.AdminToken}
	// Records of about 1 KB of CSV each (their allocations' tags), so that
	// a few inserts make an export much larger than a page of records.
	const records = 12_000
	at := time.Now().UTC().Truncate(time.Hour)
	var allocs []meterd.UsageAllocation
	for i := range 4 {
		allocs = append(allocs, meterd.UsageAllocation{AllocatedUsageQuantity: 1,
			Tags: []meterd.Tag{{Key: "k" + strconv.Itoa(i), Value: strings.Repeat("v", 200)}}})
	}
	// Calls of 250 records, as a seller's batches are: one call of
	// thousands can outlast the write timeout under -race on a busy machine.
	const perCall = 250
	for i := 0; i < records; i += perCall {
		recs := make([]*meterd.MeteringRecord, perCall)
		for j := range recs {
			n := strconv.Itoa(i + j)
			recs[j] = &meterd.MeteringRecord{ID: "rec-" + n, Region: testRegion, Operation: meterd.OpBatchMeterUsage,
				ProductCode: "demo-saas", CustomerIdentifier: "demo-customer", CustomerAWSAccountID: "444455556666",
				CallerAccountID: "111122223333", Dimension: "users", Timestamp: at, Hour: at, Quantity: 4,
				Allocations: allocs, DedupeKey: "dk-" + n, RequestHash: "h", ReceivedAt: at}
		}
		if _, err := s.Node.Store().RecordUsage(t.Context(), recs); err != nil {
			t.Fatal(err)
		}
	}
	// A low GC target keeps garbage from passing for retained memory.
	defer debug.SetGCPercent(debug.SetGCPercent(10))
	runtime.GC()
	var base runtime.MemStats
	runtime.ReadMemStats(&base)
	var peak atomic.Uint64
	stop := make(chan struct{})
	sampled := make(chan struct{})
	go func() {
		defer close(sampled)
		var m runtime.MemStats
		for {
			runtime.ReadMemStats(&m)
			if m.HeapAlloc > peak.Load() {
				peak.Store(m.HeapAlloc)
			}
			select {
			case <-stop:
				return
			case <-time.After(5 * time.Millisecond):
			}
		}
	}()
	var w countingWriter
	err := admin.ExportUsage(t.Context(), meterd.UsageQuery{}, server.FormatCSV, &w)
	close(stop)
	<-sampled
	if err != nil {
		t.Fatal(err)
	}
	if w.lines != records+1 {
		t.Fatalf("%d lines, want %d", w.lines, records+1)
	}
	growth := int64(peak.Load()) - int64(base.HeapAlloc)
	t.Logf("exported %d bytes; heap grew by %d at most", w.bytes, growth)
	// A buffered export holds at least all its bytes at once; a streamed
	// one holds a page of records and the process's other work (on
	// PostgreSQL the pgx pool too), measured at a third of this export.
	if growth > w.bytes/2 {
		t.Errorf("heap grew by %d bytes exporting %d: the export is buffered", growth, w.bytes)
	}
}

// countingWriter counts bytes and lines and keeps nothing.
type countingWriter struct{ bytes, lines int64 }

func (w *countingWriter) Write(p []byte) (int, error) {
	w.bytes += int64(len(p))
	w.lines += int64(bytes.Count(p, []byte{'\n'}))
	return len(p), nil
}
