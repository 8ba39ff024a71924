package node

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"net/http"
	"testing"
	"time"
)

// BenchmarkColdStart measures a fresh meterd on an empty data directory
// from Open to its first answered MeterUsage: what a seller's CI job waits
// for before each suite.
func BenchmarkColdStart(b *testing.B) {
	for b.Loop() {
		n, err := Open(context.Background(), testConfig(b), nil)
		if err != nil {
			b.Fatal(err)
		}
		ctx, cancel := context.WithCancel(context.Background())
		done := make(chan error, 1)
		go func() { done <- n.Run(ctx) }()
		if err := meterUsage(n.URL()); err != nil {
			b.Fatal(err)
		}
		cancel()
		if err := <-done; err != nil {
			b.Fatal(err)
		}
	}
}

// meterUsage sends one signed MeterUsage for the demo AMI product.
func meterUsage(url string) error {
	body := fmt.Appendf(nil, `{"ProductCode":"demo-ami","Timestamp":%d,"UsageDimension":"vcpu_hours","UsageQuantity":1}`, time.Now().Unix())
	req, err := http.NewRequest(http.MethodPost, url+"/", bytes.NewReader(body))
	if err != nil {
		return err
	}
	req.Header.Set("Content-Type", "application/x-amz-json-1.1")
	req.Header.Set("X-Amz-Target", "AWSMPMeteringService.MeterUsage")
	if err := signDemo(req, body); err != nil {
		return err
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	answer, _ := io.ReadAll(resp.Body)
	if resp.StatusCode != http.StatusOK {
		return fmt.Errorf("MeterUsage: %s %s", resp.Status, answer)
	}
	return nil
}
