package main

import (
	"bytes"
	"compress/gzip"
	"context"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/marketplacemetering"
	"github.com/aws/aws-sdk-go-v2/service/marketplacemetering/types"
	"github.com/aws/smithy-go"

	"github.com/meterd/meterd"
	"github.com/meterd/meterd/audit"
	"github.com/meterd/meterd/server"
)

// auditCase is one call of TestAuditTrail and the event it must leave.
type auditCase struct {
	name   string
	call   func(t *testing.T, s *testServer) error
	event  meterd.AuditEvent // the fields compared; RequestParameters are checked by params
	params map[string]any    // members requestParameters must hold
}

func auditCases() []auditCase {
	ctx := context.Background()
	hour := thisHour()
	return []auditCase{
		{name: "OK BatchMeterUsage", call: func(t *testing.T, s *testServer) error {
			_, err := s.metering(sellerKey, testRegion).BatchMeterUsage(ctx, &marketplacemetering.BatchMeterUsageInput{
				ProductCode: aws.String("demo-saas"), UsageRecords: []types.UsageRecord{
					{CustomerIdentifier: aws.String("demo-customer"), Dimension: aws.String("users"), Quantity: aws.Int32(2), Timestamp: &hour},
					{CustomerIdentifier: aws.String("demo-customer"), Dimension: aws.String("api_calls"), Quantity: aws.Int32(7), Timestamp: &hour},
				}})
			return err
		}, event: meterd.AuditEvent{EventSource: audit.SourceMetering, EventName: "BatchMeterUsage", AWSRegion: testRegion,
			UserIdentity:       meterd.AuditIdentity{Type: "IAMUser", AccountID: "111122223333", AccessKeyID: "test"},
			RecipientAccountID: "111122223333"},
			params: map[string]any{"productCode": "demo-saas"}},
		{name: "ErrInvalidUsageDimension", call: func(t *testing.T, s *testServer) error {
			_, err := s.metering(buyerKey, testRegion).MeterUsage(ctx, &marketplacemetering.MeterUsageInput{
				ProductCode: aws.String("demo-ami"), UsageDimension: aws.String("nope"), UsageQuantity: aws.Int32(1), Timestamp: &hour})
			return err
		}, event: meterd.AuditEvent{EventSource: audit.SourceMetering, EventName: "MeterUsage", AWSRegion: testRegion,
			UserIdentity:       meterd.AuditIdentity{Type: "IAMUser", AccountID: "444455556666", AccessKeyID: "buyer"},
			RecipientAccountID: "444455556666", ErrorCode: meterd.EInvalidUsageDimension},
			params: map[string]any{"productCode": "demo-ami", "usageDimension": "nope", "usageQuantity": 1.0}},
		{name: "ErrInvalidSignature", call: func(t *testing.T, s *testServer) error {
			wrong := aws.Credentials{AccessKeyID: "buyer", SecretAccessKey: "not-the-secret"}
			_, err := s.metering(wrong, "eu-west-1").MeterUsage(ctx, &marketplacemetering.MeterUsageInput{
				ProductCode: aws.String("demo-ami"), UsageDimension: aws.String("vcpu_hours"), UsageQuantity: aws.Int32(1), Timestamp: &hour})
			return err
		}, event: meterd.AuditEvent{EventSource: audit.SourceMetering, EventName: "MeterUsage", AWSRegion: "eu-west-1",
			UserIdentity: meterd.AuditIdentity{Type: "Unknown", AccessKeyID: "buyer"}, ErrorCode: meterd.EInvalidSignature}},
		{name: "OK admin CreateRegistrationToken", call: func(t *testing.T, s *testServer) error {
			s.mintToken(t, "demo-saas", "demo-customer", time.Hour)
			return nil
		}, event: meterd.AuditEvent{EventSource: audit.SourceAdmin, EventName: "CreateRegistrationToken",
			UserIdentity: meterd.AuditIdentity{Type: "Unknown", PrincipalID: "meterd-admin", UserName: "meterd-admin"}},
			params: map[string]any{"productCode": "demo-saas", "customerIdentifier": "demo-customer"}},
	}
}

// TestAuditTrail makes calls with real clients and checks the event each
// left, field by field, in the list and in the CloudTrail export.
func TestAuditTrail(t *testing.T) {
	s := startServer(t, "")
	start := time.Now()
	cases := auditCases()
	wantMessages := make([]string, len(cases))
	for i, c := range cases {
		var apiErr smithy.APIError
		if err := c.call(t, s); errors.As(err, &apiErr) {
			wantMessages[i] = apiErr.ErrorMessage()
		} else if err != nil {
			t.Fatalf("%s: %v", c.name, err)
		}
	}
	// Until end leaves out the admin calls of the test itself.
	end := time.Now()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	if _, err := s.WaitCalls(ctx, audit.CallQuery{Filter: meterd.AuditFilter{Since: start}, Min: len(cases)}); err != nil {
		t.Fatal(err)
	}
	page, err := s.Admin().LookupEvents(ctx, meterd.AuditFilter{Since: start, Until: end})
	if err != nil {
		t.Fatal(err)
	}
	listed := page.Events
	if len(listed) != len(cases) {
		t.Fatalf("listed %d events, want %d", len(listed), len(cases))
	}
	slices.Reverse(listed) // newest first; the cases are oldest first
	for i, c := range cases {
		t.Run(c.name, func(t *testing.T) { checkEvent(t, listed[i], c, wantMessages[i], start) })
	}
	t.Run("OK export", func(t *testing.T) {
		records := exportRecords(t, s, meterd.AuditFilter{Since: start, Until: end})
		if len(records) != len(cases) {
			t.Fatalf("export has %d records, want %d", len(records), len(cases))
		}
		for i, e := range records { // newest first, like the list
			if want := listed[len(cases)-1-i]; e.EventID != want.EventID || e.EventName != want.EventName {
				t.Errorf("export record %d = %s %s, want %s %s", i, e.EventName, e.EventID, want.EventName, want.EventID)
			}
		}
	})
}

func checkEvent(t *testing.T, got *meterd.AuditEvent, c auditCase, wantMessage string, start time.Time) {
	t.Helper()
	want := c.event
	if got.EventName != want.EventName || got.EventSource != want.EventSource || got.AWSRegion != want.AWSRegion ||
		got.ErrorCode != want.ErrorCode || got.RecipientAccountID != want.RecipientAccountID {
		t.Errorf("event = %s %s %s %q %q, want %s %s %s %q %q", got.EventName, got.EventSource, got.AWSRegion,
			got.ErrorCode, got.RecipientAccountID, want.EventName, want.EventSource, want.AWSRegion, want.ErrorCode, want.RecipientAccountID)
	}
	if got.ErrorMessage != wantMessage {
		t.Errorf("errorMessage = %q, want the client's %q", got.ErrorMessage, wantMessage)
	}
	id := got.UserIdentity
	if id.Type != want.UserIdentity.Type || id.AccountID != want.UserIdentity.AccountID || id.AccessKeyID != want.UserIdentity.AccessKeyID {
		t.Errorf("userIdentity = %+v, want %+v", id, want.UserIdentity)
	}
	if id.Type == "IAMUser" && id.ARN != "arn:aws:iam::"+id.AccountID+":user/meterd-"+id.AccessKeyID {
		t.Errorf("userIdentity.arn = %q", id.ARN)
	}
	if got.EventVersion != "1.08" || got.EventType != "AwsApiCall" || !got.ManagementEvent || got.EventCategory != "Management" {
		t.Errorf("constant fields = %s %s %v %s", got.EventVersion, got.EventType, got.ManagementEvent, got.EventCategory)
	}
	if got.SourceIPAddress != "127.0.0.1" || got.UserAgent == "" || got.EventID == "" || got.RequestID == "" {
		t.Errorf("ip %q, agent %q, eventID %q, requestID %q", got.SourceIPAddress, got.UserAgent, got.EventID, got.RequestID)
	}
	if got.EventTime.Before(start.Truncate(time.Second)) || got.EventTime.After(time.Now()) {
		t.Errorf("eventTime %s is not within the test", got.EventTime)
	}
	var params map[string]any
	_ = json.Unmarshal(got.RequestParameters, &params)
	for k, v := range c.params {
		if params[k] != v {
			t.Errorf("requestParameters.%s = %v, want %v (all: %s)", k, params[k], v, got.RequestParameters)
		}
	}
}

// exportRecords downloads a CloudTrail log file and decodes its Records.
func exportRecords(t *testing.T, s *testServer, f meterd.AuditFilter) []*meterd.AuditEvent {
	t.Helper()
	var buf bytes.Buffer
	if err := s.Admin().ExportEvents(context.Background(), f, &buf); err != nil {
		t.Fatal(err)
	}
	zr, err := gzip.NewReader(&buf)
	if err != nil {
		t.Fatal(err)
	}
	var file struct{ Records []*meterd.AuditEvent }
	if err := json.NewDecoder(zr).Decode(&file); err != nil {
		t.Fatal(err)
	}
	return file.Records
}

// TestWaitCalls: a test waiting for "3 BatchMeterUsage records for the
// customer" gets its answer as the third record lands, not at its deadline.
func TestWaitCalls(t *testing.T) {
	s := startServer(t, "")
	since := time.Now()
	// Shorter than one long poll (server.MaxCallsWait): only a wake-up by
	// the third record, not a poll's timeout, can end the wait in time.
	ctx, cancel := context.WithTimeout(context.Background(), server.MaxCallsWait*3/4)
	defer cancel()
	type answer struct {
		out *server.CallsOutput
		err error
	}
	done := make(chan answer, 1)
	go func() {
		q := audit.CallQuery{Filter: meterd.AuditFilter{EventName: "BatchMeterUsage", Customer: "demo-customer", Since: since},
			Min: 3, Records: true}
		out, err := s.WaitCalls(ctx, q)
		done <- answer{out, err}
	}()
	meter := func(dimension string) {
		hour := thisHour()
		_, err := s.metering(sellerKey, testRegion).BatchMeterUsage(ctx, &marketplacemetering.BatchMeterUsageInput{
			ProductCode: aws.String("demo-saas"), UsageRecords: []types.UsageRecord{{CustomerIdentifier: aws.String("demo-customer"),
				Dimension: aws.String(dimension), Quantity: aws.Int32(1), Timestamp: &hour}}})
		if err != nil {
			t.Fatal(err)
		}
	}
	meter("users")
	meter("api_calls")
	// Once the two are in the trail, the waiter must still be waiting.
	two := audit.CallQuery{Filter: meterd.AuditFilter{EventName: "BatchMeterUsage", Since: since}, Min: 2}
	if _, err := s.WaitCalls(ctx, two); err != nil {
		t.Fatal(err)
	}
	select {
	case a := <-done:
		t.Fatalf("returned after two records: %+v %v", a.out, a.err)
	default:
	}
	meter("users")
	select {
	case a := <-done:
		if a.err != nil || !a.out.Met || a.out.Records != 3 || len(a.out.Events) != 3 {
			t.Fatalf("got %+v, %v; want 3 records met", a.out, a.err)
		}
	case <-ctx.Done():
		t.Fatal("the wait did not end when the third record landed")
	}
}

// TestAuditNoSecrets: neither a secret key, nor a signature, nor the
// admin token, nor a registration token reaches the trail.
func TestAuditNoSecrets(t *testing.T) {
	s := startServer(t, "")
	since := time.Now()
	ctx := context.Background()
	token := s.mintToken(t, "demo-saas", "demo-customer", time.Hour)
	if _, err := s.metering(sellerKey, testRegion).ResolveCustomer(ctx, &marketplacemetering.ResolveCustomerInput{
		RegistrationToken: aws.String(token)}); err != nil {
		t.Fatal(err)
	}
	secretCreds := aws.Credentials{AccessKeyID: "test", SecretAccessKey: "a-secret-never-logged"}
	_, _ = s.metering(secretCreds, testRegion).ResolveCustomer(ctx, &marketplacemetering.ResolveCustomerInput{
		RegistrationToken: aws.String(token)})
	wctx, cancel := context.WithTimeout(ctx, 10*time.Second)
	defer cancel()
	if _, err := s.WaitCalls(wctx, audit.CallQuery{Filter: meterd.AuditFilter{Since: since}, Min: 3}); err != nil {
		t.Fatal(err)
	}
	var buf bytes.Buffer
	if err := s.Admin().ExportEvents(ctx, meterd.AuditFilter{Since: since}, &buf); err != nil {
		t.Fatal(err)
	}
	zr, err := gzip.NewReader(&buf)
	if err != nil {
		t.Fatal(err)
	}
	export, err := io.ReadAll(zr)
	if err != nil {
		t.Fatal(err)
	}
	for _, secret := range []string{token, s.AdminToken, "a-secret-never-logged", "Signature=", "AWS4-HMAC-SHA256"} {
		if bytes.Contains(export, []byte(secret)) {
			t.Errorf("the trail holds %q", secret)
		}
	}
	if !bytes.Contains(export, []byte(`"registrationToken":"HIDDEN_DUE_TO_SECURITY_REASONS"`)) {
		t.Errorf("the trail does not show that a registration token was sent:\n%s", export)
	}
}

// TestAuditFaultInjection: a failure injected by a fault rule is marked in
// the trail, so that it is told from a real one.
func TestAuditFaultInjection(t *testing.T) {
	s := startServer(t, "")
	since := time.Now()
	req, err := http.NewRequest(http.MethodPost, s.URL+"/admin/v1/faults",
		strings.NewReader(`{"operation":"MeterUsage","error":"ThrottlingException"}`))
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Authorization", "Bearer "+s.AdminToken)
	resp, err := http.DefaultClient.Do(req)
	if err != nil || resp.StatusCode != http.StatusCreated {
		t.Fatalf("add fault: %v %v", resp, err)
	}
	resp.Body.Close()
	hour := thisHour()
	_, err = s.metering(buyerKey, testRegion).MeterUsage(context.Background(), &marketplacemetering.MeterUsageInput{
		ProductCode: aws.String("demo-ami"), UsageDimension: aws.String("vcpu_hours"), UsageQuantity: aws.Int32(1), Timestamp: &hour})
	var apiErr smithy.APIError
	if !errors.As(err, &apiErr) || apiErr.ErrorCode() != meterd.EThrottling {
		t.Fatalf("MeterUsage: %v, want the injected ThrottlingException", err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	calls, err := s.WaitCalls(ctx, audit.CallQuery{Filter: meterd.AuditFilter{EventName: "MeterUsage", Since: since}, Min: 1})
	if err != nil {
		t.Fatal(err)
	}
	e := calls.Events[0]
	if e.ErrorCode != meterd.EThrottling || string(e.AdditionalEventData) != `{"meterdFaultInjected":true,"meterdFaultRules":[1]}` {
		t.Errorf("event: %s %s, want ThrottlingException marked as injected by rule 1", e.ErrorCode, e.AdditionalEventData)
	}
}
