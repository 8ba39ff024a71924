package meterdtest_test

import (
	"context"
	"fmt"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/marketplacemetering"

	"github.com/meterd/meterd/meterdtest"
)

// A seller's test starts meterd with the demo data and meters an hour of
// AMI usage with the AWS SDK, signed with the demo buyer's keys. In a real
// test, t is the test's *testing.T; an example has none, so exampleT
// stands in for it.
func Example() {
	t := newExampleT()
	defer t.cleanup()

	s := meterdtest.Start(t)
	client := marketplacemetering.New(marketplacemetering.Options{
		BaseEndpoint: aws.String(s.URL),
		Region:       "us-east-1",
		Credentials:  credentials.NewStaticCredentialsProvider(s.Buyer.AccessKeyID, s.Buyer.SecretAccessKey, ""),
	})
	out, err := client.MeterUsage(context.Background(), &marketplacemetering.MeterUsageInput{
		ProductCode:    aws.String("demo-ami"),
		UsageDimension: aws.String("vcpu_hours"),
		UsageQuantity:  aws.Int32(1),
		Timestamp:      aws.Time(time.Now().UTC().Truncate(time.Hour)),
	})
	if err != nil {
		fmt.Println("MeterUsage:", err)
		return
	}
	fmt.Println("metered as", s.Buyer.AccountID, "record id set:", aws.ToString(out.MeteringRecordId) != "")
	// Output: metered as 444455556666 record id set: true
}
