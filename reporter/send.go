package reporter

import (
	"context"
	"errors"
	"net/http"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/marketplacemetering"
	"github.com/aws/aws-sdk-go-v2/service/marketplacemetering/types"
	smithy "github.com/aws/smithy-go"
	smithyhttp "github.com/aws/smithy-go/transport/http"
)

// StatusSuccess and the other statuses AWS answers per record.
const (
	StatusSuccess               = string(types.UsageRecordResultStatusSuccess)
	StatusDuplicateRecord       = string(types.UsageRecordResultStatusDuplicateRecord)
	StatusCustomerNotSubscribed = string(types.UsageRecordResultStatusCustomerNotSubscribed)
)

type answerKind int

const (
	answerDone   answerKind = iota // results stored, batch finished
	answerRetry                    // nothing known: resend the same batch later
	answerSplit                    // one record failed the batch: split it
	answerExpire                   // the record is out of AWS's time window
)

// answer is what one call told us.
type answer struct {
	kind        answerKind
	results     []result
	unprocessed []recordKey
	err         error // answerRetry: why
	throttled   bool
}

func (r *Reporter) sendBatch(ctx context.Context, recs []sealedRecord) answer {
	in := &marketplacemetering.BatchMeterUsageInput{ProductCode: aws.String(r.cfg.ProductCode)}
	for _, rec := range recs {
		in.UsageRecords = append(in.UsageRecords, usageRecord(rec))
	}
	out, err := r.cfg.Client.BatchMeterUsage(ctx, in)
	if err != nil {
		return failure(err, recs)
	}
	var ans answer
	for _, res := range out.Results {
		if res.UsageRecord == nil {
			continue
		}
		ans.results = append(ans.results, result{
			key:      keyOf(*res.UsageRecord),
			status:   string(res.Status),
			recordID: aws.ToString(res.MeteringRecordId),
		})
	}
	for _, u := range out.UnprocessedRecords {
		ans.unprocessed = append(ans.unprocessed, keyOf(u))
	}
	ans.unprocessed = append(ans.unprocessed, unanswered(recs, ans)...)
	return ans
}

// unanswered lists the records an answer neither processed nor returned
// as unprocessed; they are sent again rather than forgotten.
func unanswered(recs []sealedRecord, ans answer) []recordKey {
	seen := make(map[recordKey]bool, len(recs))
	for _, res := range ans.results {
		seen[res.key] = true
	}
	for _, k := range ans.unprocessed {
		seen[k] = true
	}
	var missing []recordKey
	for _, rec := range recs {
		if !seen[rec.key] {
			missing = append(missing, rec.key)
		}
	}
	return missing
}

func (r *Reporter) sendMeterUsage(ctx context.Context, b pendingBatch, rec sealedRecord) answer {
	ur := usageRecord(rec)
	out, err := r.cfg.Client.MeterUsage(ctx, &marketplacemetering.MeterUsageInput{
		ProductCode:      aws.String(r.cfg.ProductCode),
		Timestamp:        ur.Timestamp,
		UsageDimension:   ur.Dimension,
		UsageQuantity:    ur.Quantity,
		UsageAllocations: ur.UsageAllocations,
		ClientToken:      aws.String(b.token),
	})
	if err != nil {
		return failure(err, []sealedRecord{rec})
	}
	return answer{results: []result{{key: rec.key, status: StatusSuccess, recordID: aws.ToString(out.MeteringRecordId)}}}
}

func usageRecord(rec sealedRecord) types.UsageRecord {
	u := types.UsageRecord{
		Dimension: aws.String(rec.key.dimension),
		Timestamp: aws.Time(time.Unix(rec.key.hour, 0).UTC()),
		Quantity:  aws.Int32(int32(rec.quantity)),
	}
	if c := rec.key.customer; c.AWSAccountID != "" {
		u.CustomerAWSAccountId = aws.String(c.AWSAccountID)
	} else if c.Identifier != "" {
		u.CustomerIdentifier = aws.String(c.Identifier)
	}
	if len(rec.allocations) > 1 || len(rec.allocations[0].tags) > 0 {
		for _, a := range rec.allocations {
			alloc := types.UsageAllocation{AllocatedUsageQuantity: aws.Int32(int32(a.quantity))}
			for _, t := range a.tags {
				alloc.Tags = append(alloc.Tags, types.Tag{Key: aws.String(t.Key), Value: aws.String(t.Value)})
			}
			u.UsageAllocations = append(u.UsageAllocations, alloc)
		}
	}
	return u
}

func keyOf(u types.UsageRecord) recordKey {
	return recordKey{
		customer: Customer{
			Identifier:   aws.ToString(u.CustomerIdentifier),
			AWSAccountID: aws.ToString(u.CustomerAWSAccountId),
		},
		dimension: aws.ToString(u.Dimension),
		hour:      aws.ToTime(u.Timestamp).Truncate(time.Hour).Unix(),
	}
}

// permanentErrors are the modeled errors that say the request itself is
// wrong: resending it can only get the same answer, so its records fail.
var permanentErrors = map[string]bool{
	"InvalidProductCodeException":        true,
	"InvalidUsageDimensionException":     true,
	"InvalidUsageAllocationsException":   true,
	"InvalidTagException":                true,
	"InvalidCustomerIdentifierException": true,
	"InvalidLicenseException":            true,
	"CustomerNotEntitledException":       true,
	"DuplicateRequestException":          true,
	"IdempotencyConflictException":       true,
	"ValidationException":                true,
	"SerializationException":             true,
}

// recordErrors fail a whole BatchMeterUsage for one bad record (an
// unknown customer, a dimension or tag the product lacks, an hour out of
// the window). A batch that gets one is split into single records, so
// that only the bad one fails.
var recordErrors = map[string]bool{
	"InvalidCustomerIdentifierException": true,
	"InvalidUsageDimensionException":     true,
	"InvalidUsageAllocationsException":   true,
	"InvalidTagException":                true,
	"InvalidLicenseException":            true,
	"TimestampOutOfBoundsException":      true,
}

// failure classifies a failed call. Throttles, server errors, network
// errors and credential errors are retried (the operator can fix
// credentials; the usage must not be dropped meanwhile); a request AWS
// calls invalid fails its records for good, after a batch is split to find
// the record at fault.
func failure(err error, recs []sealedRecord) answer {
	var apiErr smithy.APIError
	if !errors.As(err, &apiErr) || serverError(err) {
		return answer{kind: answerRetry, err: err}
	}
	code := apiErr.ErrorCode()
	switch {
	case code == "ThrottlingException":
		return answer{kind: answerRetry, err: err, throttled: true}
	case recordErrors[code] && len(recs) > 1:
		return answer{kind: answerSplit, err: err}
	case code == "TimestampOutOfBoundsException":
		return answer{kind: answerExpire, err: err}
	case permanentErrors[code]:
		ans := answer{}
		for _, rec := range recs {
			ans.results = append(ans.results, result{key: rec.key, status: StatusFailed,
				err: code + ": " + apiErr.ErrorMessage()})
		}
		return ans
	}
	return answer{kind: answerRetry, err: err}
}

func serverError(err error) bool {
	var re *smithyhttp.ResponseError
	return errors.As(err, &re) && re.HTTPStatusCode() >= http.StatusInternalServerError
}
