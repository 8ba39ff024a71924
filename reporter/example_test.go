package reporter_test

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/marketplacemetering"

	"github.com/meterd/meterd/meterdtest"
	"github.com/meterd/meterd/reporter"
)

// A SaaS seller records usage as it happens and lets the reporter send
// each closed hour. Here the endpoint is a meterd with its demo data; in
// production the client is marketplacemetering.NewFromConfig(cfg) and
// talks to AWS.
func Example() {
	dir, _ := os.MkdirTemp("", "reporter-example-")
	defer os.RemoveAll(dir)
	s, err := meterdtest.Run(filepath.Join(dir, "meterd"))
	if err != nil {
		fmt.Println(err)
		return
	}
	defer s.Close()

	client := marketplacemetering.New(marketplacemetering.Options{
		BaseEndpoint: aws.String(s.URL),
		Region:       "us-east-1",
		Credentials:  credentials.NewStaticCredentialsProvider(s.Seller.AccessKeyID, s.Seller.SecretAccessKey, ""),
	})
	ctx := context.Background()
	r, err := reporter.Open(ctx, reporter.Config{
		Client:      client,
		ProductCode: "demo-saas",
		Spool:       filepath.Join(dir, "spool.db"),
	})
	if err != nil {
		fmt.Println(err)
		return
	}
	defer r.Close()
	// r.Start() would send every minute; the example flushes once instead.

	lastHour := time.Now().Add(-time.Hour)
	for range 3 {
		if err := r.Record(ctx, reporter.CustomerID("demo-customer"), "api_calls", 10, lastHour); err != nil {
			fmt.Println(err)
			return
		}
	}
	if err := r.Flush(ctx); err != nil {
		fmt.Println(err)
		return
	}
	st, _ := r.Status(ctx)
	fmt.Println("billed records:", st.Results[reporter.StatusSuccess], "waiting:", st.OpenRecords)
	// Output: billed records: 1 waiting: 0
}

// A container product meters per dimension and hour with MeterUsage; the
// customer is the one the task runs for, so it is left empty.
func Example_container() {
	dir, _ := os.MkdirTemp("", "reporter-example-")
	defer os.RemoveAll(dir)
	s, err := meterdtest.Run(filepath.Join(dir, "meterd"))
	if err != nil {
		fmt.Println(err)
		return
	}
	defer s.Close()

	client := marketplacemetering.New(marketplacemetering.Options{
		BaseEndpoint: aws.String(s.URL),
		Region:       "us-east-1",
		Credentials:  credentials.NewStaticCredentialsProvider(s.Buyer.AccessKeyID, s.Buyer.SecretAccessKey, ""),
	})
	ctx := context.Background()
	r, err := reporter.Open(ctx, reporter.Config{
		Client:      client,
		ProductCode: "demo-container",
		Kind:        reporter.Container,
		Spool:       filepath.Join(dir, "spool.db"),
	})
	if err != nil {
		fmt.Println(err)
		return
	}
	defer r.Close()
	_ = r.Record(ctx, reporter.Customer{}, "requests", 120, time.Now().Add(-time.Hour))
	if err := r.Flush(ctx); err != nil {
		fmt.Println(err)
		return
	}
	st, _ := r.Status(ctx)
	fmt.Println("billed records:", st.Results[reporter.StatusSuccess])
	// Output: billed records: 1
}
