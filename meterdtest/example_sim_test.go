package meterdtest_test

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/marketplacemetering"
	"github.com/aws/aws-sdk-go-v2/service/marketplacemetering/types"

	"github.com/meterd/meterd/meterdtest"
	"github.com/meterd/meterd/sim"
)

// A seller's test throttles its metering job and moves the business clock,
// each in one line, through the node that meterdtest runs.
func Example_simulation() {
	t := newExampleT()
	defer t.cleanup()

	s := meterdtest.Start(t)
	client := marketplacemetering.New(marketplacemetering.Options{
		BaseEndpoint: aws.String(s.URL),
		Region:       "us-east-1",
		Credentials:  credentials.NewStaticCredentialsProvider(s.Buyer.AccessKeyID, s.Buyer.SecretAccessKey, ""),
	})
	meter := func(at time.Time) error {
		_, err := client.MeterUsage(context.Background(), &marketplacemetering.MeterUsageInput{
			ProductCode: aws.String("demo-ami"), UsageDimension: aws.String("vcpu_hours"),
			UsageQuantity: aws.Int32(1), Timestamp: aws.Time(at),
		})
		return err
	}

	// Throttled twice: the SDK's own retries get through.
	_, _ = s.Node.Faults().Add(sim.Rule{Operation: "MeterUsage", Error: "ThrottlingException", Count: 2})
	fmt.Println("after two throttles:", meter(time.Now().UTC().Truncate(time.Hour)))

	// The clock moved to February 1st, 07:00: an hour of January 31st is
	// past MeterUsage's 6-hour window.
	s.Node.Clock().Set(time.Date(2026, 2, 1, 7, 0, 0, 0, time.UTC))
	var oob *types.TimestampOutOfBoundsException
	fmt.Println("late usage refused:", errors.As(meter(time.Date(2026, 1, 31, 23, 0, 0, 0, time.UTC)), &oob))
	// Output:
	// after two throttles: <nil>
	// late usage refused: true
}
