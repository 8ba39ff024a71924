package meterdtest_test

import (
	"context"
	"fmt"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/marketplacemetering"
	"github.com/aws/aws-sdk-go-v2/service/marketplacemetering/types"

	"github.com/meterd/meterd"
	"github.com/meterd/meterd/audit"
	"github.com/meterd/meterd/meterdtest"
)

// A seller's test runs its metering job (here, one BatchMeterUsage of
// three records sent in the background) and waits until meterd has the
// three records of the customer, instead of sleeping.
func ExampleServer_WaitCalls() {
	t := newExampleT()
	defer t.cleanup()

	s := meterdtest.Start(t)
	start := time.Now()
	go func() { // the seller's job
		client := marketplacemetering.New(marketplacemetering.Options{
			BaseEndpoint: aws.String(s.URL), Region: "us-east-1",
			Credentials: credentials.NewStaticCredentialsProvider(s.Seller.AccessKeyID, s.Seller.SecretAccessKey, ""),
		})
		hour := aws.Time(time.Now().UTC().Truncate(time.Hour))
		var records []types.UsageRecord
		for _, d := range []string{"users", "api_calls", "users"} {
			records = append(records, types.UsageRecord{CustomerIdentifier: aws.String("demo-customer"),
				Dimension: aws.String(d), Quantity: aws.Int32(1), Timestamp: hour})
		}
		_, _ = client.BatchMeterUsage(context.Background(), &marketplacemetering.BatchMeterUsageInput{
			ProductCode: aws.String("demo-saas"), UsageRecords: records})
	}()

	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	calls, err := s.WaitCalls(ctx, audit.CallQuery{Filter: meterd.AuditFilter{
		EventName: "BatchMeterUsage", Customer: "demo-customer", Since: start}, Min: 3, Records: true})
	if err != nil {
		fmt.Println("WaitCalls:", err)
		return
	}
	fmt.Println(calls.Records, "records in", calls.Calls, "call")
	// Output: 3 records in 1 call
}
