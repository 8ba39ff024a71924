package meterd

import "time"

// The wire shapes of the five operations, named after the Smithy model.
// awsproto decodes requests into them after checking the model's
// constraints, so the rules can trust lengths, patterns and ranges; optional
// members that are absent hold their zero value.

// The operation names, as in X-Amz-Target and the Smithy model.
const (
	OpMeterUsage      = "MeterUsage"
	OpBatchMeterUsage = "BatchMeterUsage"
	OpResolveCustomer = "ResolveCustomer"
	OpRegisterUsage   = "RegisterUsage"
	OpGetEntitlements = "GetEntitlements"
)

// MeterUsageRequest is the input of MeterUsage.
type MeterUsageRequest struct {
	ProductCode      string
	Timestamp        time.Time
	UsageDimension   string
	UsageQuantity    int32
	DryRun           bool
	UsageAllocations []UsageAllocation
	ClientToken      string
}

// MeterUsageResult is the output of MeterUsage.
type MeterUsageResult struct {
	MeteringRecordId string `json:",omitempty"`
}

// BatchMeterUsageRequest is the input of BatchMeterUsage.
type BatchMeterUsageRequest struct {
	UsageRecords []UsageRecord
	ProductCode  string
}

// UsageRecord is one record of BatchMeterUsage.
type UsageRecord struct {
	Timestamp            time.Time
	CustomerIdentifier   string `json:",omitempty"`
	Dimension            string
	Quantity             *int32            `json:",omitempty"`
	UsageAllocations     []UsageAllocation `json:",omitempty"`
	CustomerAWSAccountId string            `json:",omitempty"`
	LicenseArn           string            `json:",omitempty"`
}

// UsageRecordResultStatus values.
const (
	StatusSuccess               = "Success"
	StatusCustomerNotSubscribed = "CustomerNotSubscribed"
	StatusDuplicateRecord       = "DuplicateRecord"
)

// UsageRecordResult is the verdict on one UsageRecord.
type UsageRecordResult struct {
	UsageRecord      *UsageRecord `json:",omitempty"`
	MeteringRecordId string       `json:",omitempty"`
	Status           string       `json:",omitempty"`
}

// BatchMeterUsageResult is the output of BatchMeterUsage.
type BatchMeterUsageResult struct {
	Results            []UsageRecordResult
	UnprocessedRecords []UsageRecord
}

// RegisterUsageRequest is the input of RegisterUsage.
type RegisterUsageRequest struct {
	ProductCode      string
	PublicKeyVersion int32
	Nonce            string
}

// RegisterUsageResult is the output of RegisterUsage.
type RegisterUsageResult struct {
	PublicKeyRotationTimestamp *time.Time `json:",omitempty"`
	Signature                  string     `json:",omitempty"`
}

// ResolveCustomerRequest is the input of ResolveCustomer.
type ResolveCustomerRequest struct {
	RegistrationToken string
}

// ResolveCustomerResult is the output of ResolveCustomer.
type ResolveCustomerResult struct {
	CustomerIdentifier   string `json:",omitempty"`
	ProductCode          string `json:",omitempty"`
	CustomerAWSAccountId string `json:",omitempty"`
	LicenseArn           string `json:",omitempty"`
}

// Filter names of GetEntitlements.
const (
	FilterCustomerIdentifier   = "CUSTOMER_IDENTIFIER"
	FilterDimension            = "DIMENSION"
	FilterCustomerAWSAccountID = "CUSTOMER_AWS_ACCOUNT_ID"
	FilterLicenseArn           = "LICENSE_ARN"
)

// GetEntitlementsRequest is the input of GetEntitlements.
type GetEntitlementsRequest struct {
	ProductCode string
	Filter      map[string][]string
	NextToken   string
	MaxResults  int32 // 0: absent
}

// GetEntitlementsResult is the output of GetEntitlements.
type GetEntitlementsResult struct {
	Entitlements []EntitlementOutput
	NextToken    string `json:",omitempty"`
}

// EntitlementOutput is the wire shape Entitlement.
type EntitlementOutput struct {
	ProductCode          string            `json:",omitempty"`
	Dimension            string            `json:",omitempty"`
	CustomerIdentifier   string            `json:",omitempty"`
	CustomerAWSAccountId string            `json:",omitempty"`
	Value                *EntitlementValue `json:",omitempty"`
	ExpirationDate       *time.Time        `json:",omitempty"`
	LicenseArn           string            `json:",omitempty"`
}
