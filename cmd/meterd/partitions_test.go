package main

import (
	"context"
	"errors"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/marketplacemetering"
	"github.com/aws/aws-sdk-go-v2/service/marketplacemetering/types"
	awsv1 "github.com/aws/aws-sdk-go/aws"
	"github.com/aws/aws-sdk-go/aws/awserr"
	"github.com/aws/aws-sdk-go/service/marketplaceentitlementservice"
)

// partitionCall makes one operation through a real SDK client that signs
// for region, and returns its error.
type partitionCall func(t *testing.T, s *testServer, region string) error

var partitionCalls = map[string]partitionCall{
	"MeterUsage": func(t *testing.T, s *testServer, region string) error {
		_, err := s.metering(buyerKey, region).MeterUsage(t.Context(), &marketplacemetering.MeterUsageInput{
			ProductCode: aws.String("demo-ami"), UsageDimension: aws.String("vcpu_hours"),
			UsageQuantity: aws.Int32(1), Timestamp: aws.Time(time.Now())})
		return err
	},
	"MeterUsage container": func(t *testing.T, s *testServer, region string) error {
		_, err := s.metering(buyerKey, region).MeterUsage(t.Context(), &marketplacemetering.MeterUsageInput{
			ProductCode: aws.String("demo-container"), UsageDimension: aws.String("requests"),
			UsageQuantity: aws.Int32(1), Timestamp: aws.Time(time.Now())})
		return err
	},
	"BatchMeterUsage": func(t *testing.T, s *testServer, region string) error {
		out, err := s.metering(sellerKey, region).BatchMeterUsage(t.Context(), &marketplacemetering.BatchMeterUsageInput{
			ProductCode: aws.String("demo-saas"), UsageRecords: []types.UsageRecord{{
				CustomerIdentifier: aws.String("demo-customer"), Dimension: aws.String("users"),
				Quantity: aws.Int32(1), Timestamp: aws.Time(time.Now())}}})
		if err == nil && (len(out.Results) != 1 || out.Results[0].Status != types.UsageRecordResultStatusSuccess) {
			t.Errorf("BatchMeterUsage in %s: results %+v", region, out.Results)
		}
		return err
	},
	"ResolveCustomer": func(t *testing.T, s *testServer, region string) error {
		token := s.mintToken(t, "demo-saas", "demo-customer", time.Hour)
		out, err := s.metering(sellerKey, region).ResolveCustomer(t.Context(),
			&marketplacemetering.ResolveCustomerInput{RegistrationToken: aws.String(token)})
		if err == nil && aws.ToString(out.CustomerAWSAccountId) != "444455556666" {
			t.Errorf("ResolveCustomer in %s: account %q", region, aws.ToString(out.CustomerAWSAccountId))
		}
		return err
	},
	"RegisterUsage": func(t *testing.T, s *testServer, region string) error {
		out, err := s.metering(buyerKey, region).RegisterUsage(t.Context(), &marketplacemetering.RegisterUsageInput{
			ProductCode: aws.String("demo-container"), PublicKeyVersion: aws.Int32(1)})
		if err == nil && aws.ToString(out.Signature) == "" {
			t.Errorf("RegisterUsage in %s: no signature", region)
		}
		return err
	},
	"GetEntitlements": func(t *testing.T, s *testServer, region string) error {
		out, err := s.entitlement(t, sellerKey, region).GetEntitlementsWithContext(context.Background(),
			&marketplaceentitlementservice.GetEntitlementsInput{ProductCode: awsv1.String("demo-saas")})
		if err == nil && len(out.Entitlements) != 1 {
			t.Errorf("GetEntitlements in %s: %d entitlements, want 1", region, len(out.Entitlements))
		}
		return err
	},
}

// TestPartitions: in one region of each partition, a real client signing
// for that region is served where AWS offers the operation and gets
// DisabledApiException where it does not (regions/regions.json).
func TestPartitions(t *testing.T) {
	tests := []struct {
		partition, region string
		served, disabled  []string
	}{
		{"aws", "us-east-1",
			[]string{"MeterUsage", "MeterUsage container", "BatchMeterUsage", "ResolveCustomer", "RegisterUsage", "GetEntitlements"}, nil},
		{"aws-cn", "cn-northwest-1", []string{"BatchMeterUsage", "ResolveCustomer", "GetEntitlements"},
			[]string{"MeterUsage", "MeterUsage container", "RegisterUsage"}},
		{"aws-cn", "cn-north-1", nil, []string{"BatchMeterUsage", "ResolveCustomer", "GetEntitlements", "MeterUsage"}},
		{"aws-us-gov", "us-gov-west-1", []string{"MeterUsage"},
			[]string{"MeterUsage container", "BatchMeterUsage", "ResolveCustomer", "RegisterUsage", "GetEntitlements"}},
		{"aws-eusc", "eusc-de-east-1", []string{"BatchMeterUsage", "ResolveCustomer", "GetEntitlements"},
			[]string{"MeterUsage", "MeterUsage container", "RegisterUsage"}},
		{"aws-iso-b", "us-isob-east-1", nil,
			[]string{"MeterUsage", "BatchMeterUsage", "ResolveCustomer", "RegisterUsage", "GetEntitlements"}},
	}
	for _, tt := range tests {
		t.Run(tt.partition+" "+tt.region, func(t *testing.T) {
			s := startServer(t, "")
			for _, op := range tt.served {
				if err := partitionCalls[op](t, s, tt.region); err != nil {
					t.Errorf("%s in %s: %v, want it served", op, tt.region, err)
				}
			}
			for _, op := range tt.disabled {
				if code := errorCodeOf(partitionCalls[op](t, s, tt.region)); code != "DisabledApiException" {
					t.Errorf("%s in %s: %q, want DisabledApiException", op, tt.region, code)
				}
			}
		})
	}
}

// errorCodeOf is the AWS error code of a Go v1 or v2 SDK error.
func errorCodeOf(err error) string {
	var v2 interface{ ErrorCode() string }
	if errors.As(err, &v2) {
		return v2.ErrorCode()
	}
	var v1 awserr.Error
	if errors.As(err, &v1) {
		return v1.Code()
	}
	if err != nil {
		return err.Error()
	}
	return ""
}

// TestSovereignCloudSampleCalls makes the calls of AWS's sovereign-cloud
// SaaS sample (ResolveCustomer, GetEntitlements by CUSTOMER_AWS_ACCOUNT_ID,
// BatchMeterUsage by CustomerAWSAccountId) with JS v3 clients built as the
// sample builds them, in eusc-de-east-1 (testdata/js/esc.mjs).
func TestSovereignCloudSampleCalls(t *testing.T) {
	dir := filepath.Join("testdata", "js")
	requireNodeModule(t, dir, "@aws-sdk")
	s := startServer(t, "")
	cmd := exec.Command("node", "esc.mjs", s.mintToken(t, "demo-saas", "demo-customer", time.Hour))
	cmd.Dir = dir
	cmd.Env = append(isolatedAWSEnv("test", "test"), "AWS_REGION=eusc-de-east-1",
		"AWS_ENDPOINT_URL_MARKETPLACE_METERING="+s.URL, "AWS_ENDPOINT_URL_MARKETPLACE_ENTITLEMENT_SERVICE="+s.URL)
	if out, err := cmd.CombinedOutput(); err != nil || !strings.Contains(string(out), "esc sample: ok in eusc-de-east-1") {
		t.Fatalf("esc sample: %v\n%s", err, out)
	}
}
