package console_test

import (
	"context"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/marketplacemetering"
	mtypes "github.com/aws/aws-sdk-go-v2/service/marketplacemetering/types"
	"github.com/chromedp/chromedp"

	"github.com/meterd/meterd/audit"
	"github.com/meterd/meterd/meterdtest"
	"github.com/meterd/meterd/node"
)

// TestBrowser drives the console in headless Chromium against a meterd
// that the AWS SDK has metered into: log in, see the records in the chart
// and the table, watch a new record arrive live, add a fault and see the
// SDK's next call fail, remove it, advance the clock, rotate the key, reset,
// and log out. Each page's screenshot is written to $METERD_ARTIFACTS/console
// (or a temporary directory, named in the log).
func TestBrowser(t *testing.T) {
	ctx := startBrowser(t)
	shots := artifactDir(t)
	s := meterdtest.Start(t, meterdtest.WithConfig(func(c *node.Config) { c.AllowReset = true }))
	buyer := meteringClient(s, s.Buyer)
	seller := meteringClient(s, s.Seller)
	hour := time.Now().UTC().Truncate(time.Hour)
	meterAMI(t, buyer, hour, 3)
	if _, err := buyer.MeterUsage(context.Background(), &marketplacemetering.MeterUsageInput{ProductCode: aws.String("demo-ami"),
		UsageDimension: aws.String("no_such_dimension"), UsageQuantity: aws.Int32(1), Timestamp: aws.Time(hour)}); err == nil {
		t.Fatal("MeterUsage with an unknown dimension succeeded")
	}
	waitCalls(t, s, 4)

	// Log in: the console sends a visitor without a session to the login.
	run(t, ctx, chromedp.Navigate(s.URL+"/console/"), chromedp.WaitVisible(chromedp.CSS("#token")))
	shot(t, ctx, shots, "login")
	run(t, ctx, chromedp.SetValue(chromedp.CSS("#token"), s.AdminToken), chromedp.Click(chromedp.CSS("form button")),
		chromedp.WaitVisible(chromedp.CSS("#usage")))
	wantText(t, ctx, "#usage", "demo-ami", "vcpu_hours")
	wantText(t, ctx, "#calls-summary", "3 accepted, 1 rejected")
	if svg := outer(t, ctx, "figure svg.chart"); !strings.Contains(svg, "demo-ami / vcpu_hours") {
		t.Errorf("the usage chart has no demo-ami / vcpu_hours series: %.500s", svg)
	}
	shot(t, ctx, shots, "overview")

	// Live: a record sent now appears without a reload.
	if _, err := seller.BatchMeterUsage(context.Background(), &marketplacemetering.BatchMeterUsageInput{
		ProductCode: aws.String("demo-saas"),
		UsageRecords: []mtypes.UsageRecord{{CustomerIdentifier: aws.String("demo-customer"), Dimension: aws.String("api_calls"),
			Quantity: aws.Int32(7), Timestamp: aws.Time(hour)}},
	}); err != nil {
		t.Fatalf("BatchMeterUsage: %v", err)
	}
	run(t, ctx, waitText("#usage", "api_calls"))
	shot(t, ctx, shots, "overview-live")
	run(t, ctx, chromedp.EmulateViewport(390, 844))
	shot(t, ctx, shots, "overview-phone")
	run(t, ctx, chromedp.EmulateViewport(1280, 900))

	// The audit trail shows each call's request and answer.
	run(t, ctx, chromedp.Navigate(s.URL+"/console/audit"), chromedp.WaitVisible(chromedp.CSS("#events")))
	wantText(t, ctx, "#events", "BatchMeterUsage", "MeterUsage", "InvalidUsageDimensionException")
	run(t, ctx, chromedp.SetValue(chromedp.CSS(`input[name="eventName"]`), "BatchMeterUsage"),
		chromedp.Click(chromedp.CSS("form.filters button")), chromedp.WaitVisible(chromedp.CSS(`#events[data-filtered]`)),
		chromedp.Click(chromedp.CSS("#events li summary")))
	wantText(t, ctx, "#events li details[open]", "Request", "Answer", "api_calls")
	shot(t, ctx, shots, "audit")
	run(t, ctx, chromedp.Navigate(s.URL+"/console/calls"), chromedp.WaitVisible(chromedp.CSS("#calls")))
	wantText(t, ctx, "#calls", "BatchMeterUsage")
	shot(t, ctx, shots, "calls")

	// A fault rule added in the console fails the SDK's next call; removed,
	// the call succeeds again.
	run(t, ctx, chromedp.Navigate(s.URL+"/console/faults"), chromedp.WaitVisible(chromedp.CSS("#add-fault")),
		chromedp.SetValue(chromedp.CSS(`#add-fault input[name="operation"]`), "MeterUsage"),
		chromedp.SetValue(chromedp.CSS(`#add-fault input[name="error"]`), "CustomerNotEntitledException"),
		chromedp.Click(chromedp.CSS("#add-fault button")), chromedp.WaitVisible(chromedp.CSS(".flash")))
	wantText(t, ctx, "#rules", "CustomerNotEntitledException")
	shot(t, ctx, shots, "faults")
	var notEntitled *mtypes.CustomerNotEntitledException
	if err := meterOnce(buyer, hour, 1); !errors.As(err, &notEntitled) {
		t.Fatalf("MeterUsage with the fault in force: %v, want CustomerNotEntitledException", err)
	}
	run(t, ctx, chromedp.Click(chromedp.CSS("#rules button")), waitText("#rules", "No fault rules"))
	if err := meterOnce(buyer, hour.Add(-3*time.Hour), 2); err != nil {
		t.Fatalf("MeterUsage after the fault was removed: %v", err)
	}

	// The clock moves by what the form says.
	run(t, ctx, chromedp.Navigate(s.URL+"/console/clock"), chromedp.WaitVisible(chromedp.CSS("#clock-now")))
	before := clockNow(t, ctx)
	run(t, ctx, chromedp.SetValue(chromedp.CSS("#duration"), "2h"), chromedp.Click(chromedp.CSS("#advance button")),
		chromedp.WaitVisible(chromedp.CSS(".flash")))
	if after := clockNow(t, ctx); after.Sub(before) < 2*time.Hour || after.Sub(before) > 3*time.Hour {
		t.Errorf("clock went from %s to %s, want 2h on", before, after)
	}
	shot(t, ctx, shots, "clock")

	run(t, ctx, chromedp.Navigate(s.URL+"/console/quotas"), chromedp.WaitVisible(chromedp.CSS("#quotas")))
	shot(t, ctx, shots, "quotas")
	run(t, ctx, chromedp.Navigate(s.URL+"/console/keys"), chromedp.WaitVisible(chromedp.CSS("#rotate")),
		chromedp.Click(chromedp.CSS("#rotate button")), chromedp.WaitVisible(chromedp.CSS(".flash")))
	wantText(t, ctx, ".flash", "Signing key version")
	shot(t, ctx, shots, "keys")

	// Reset asks for a confirmation, then empties the ledger.
	run(t, ctx, chromedp.Navigate(s.URL+"/console/reset"), chromedp.WaitVisible(chromedp.CSS("#reset")))
	shot(t, ctx, shots, "reset")
	run(t, ctx, chromedp.SetValue(chromedp.CSS("#confirm"), "reset"), chromedp.Click(chromedp.CSS("#reset button")),
		chromedp.WaitVisible(chromedp.CSS(".flash")))
	wantText(t, ctx, ".flash", "5 metering records")
	run(t, ctx, chromedp.Navigate(s.URL+"/console/"), chromedp.WaitVisible(chromedp.CSS("#usage")))
	wantText(t, ctx, "#usage", "No usage in this range")

	// Logging out ends the session: the console asks for the token again.
	run(t, ctx, chromedp.Click(chromedp.CSS(".logout button")), chromedp.WaitVisible(chromedp.CSS("#token")),
		chromedp.Navigate(s.URL+"/console/clock"), chromedp.WaitVisible(chromedp.CSS("#token")))
}

// startBrowser starts headless Chromium with a fresh profile, or skips the
// test when there is none (fails in CI: METERD_REQUIRE_CHROMIUM=1).
func startBrowser(t *testing.T) context.Context {
	t.Helper()
	return startBrowserFor(t, 90*time.Second)
}

// startBrowserFor is startBrowser for a test that may take up to limit.
func startBrowserFor(t *testing.T, limit time.Duration) context.Context {
	t.Helper()
	path := os.Getenv("METERD_CHROMIUM")
	if path == "" {
		for _, name := range []string{"chromium", "chromium-browser"} {
			if p, err := exec.LookPath(name); err == nil {
				path = p
				break
			}
		}
	}
	if path == "" {
		if os.Getenv("METERD_REQUIRE_CHROMIUM") == "1" {
			t.Fatal("chromium is not installed (apt-get install -y chromium) and METERD_REQUIRE_CHROMIUM=1")
		}
		t.Skip("chromium is not installed (apt-get install -y chromium; or set METERD_CHROMIUM): skipping the browser test")
	}
	alloc, cancelAlloc := chromedp.NewExecAllocator(context.Background(),
		chromedp.ExecPath(path), chromedp.Headless, chromedp.NoSandbox, chromedp.DisableGPU, chromedp.NoFirstRun,
		chromedp.Flag("disable-background-networking", true), chromedp.Flag("disable-component-update", true),
		chromedp.Flag("disable-sync", true), chromedp.UserDataDir(t.TempDir()), chromedp.WindowSize(1280, 900))
	ctx, cancelCtx := chromedp.NewContext(alloc)
	ctx, cancelTimeout := context.WithTimeout(ctx, limit)
	t.Cleanup(func() { cancelTimeout(); cancelCtx(); cancelAlloc() })
	return ctx
}

// artifactDir is where screenshots go: $METERD_ARTIFACTS/console, or a
// temporary directory.
func artifactDir(t *testing.T) string {
	t.Helper()
	dir := t.TempDir()
	if root := os.Getenv("METERD_ARTIFACTS"); root != "" {
		dir = filepath.Join(root, "console")
		if err := os.MkdirAll(dir, 0o755); err != nil {
			t.Fatal(err)
		}
	}
	t.Logf("screenshots in %s", dir)
	return dir
}

func run(t *testing.T, ctx context.Context, steps ...chromedp.Action[chromedp.Void]) {
	t.Helper()
	if err := chromedp.Do(ctx, steps...); err != nil {
		url, _ := chromedp.Run(ctx, chromedp.Location())
		t.Fatalf("browser at %s: %v", url, err)
	}
}

func shot(t *testing.T, ctx context.Context, dir, name string) {
	t.Helper()
	png, err := chromedp.Run(ctx, chromedp.FullScreenshot(100))
	if err != nil {
		t.Fatalf("screenshot %s: %v", name, err)
	}
	if err := os.WriteFile(filepath.Join(dir, name+".png"), png, 0o644); err != nil {
		t.Fatal(err)
	}
}

func outer(t *testing.T, ctx context.Context, sel string) string {
	t.Helper()
	return elementProp(t, ctx, sel, "outerHTML")
}

// elementProp reads one property of the element sel in one evaluation: a
// live page may replace its <main> between a node lookup and a read of the
// node, which then no longer exists.
func elementProp(t *testing.T, ctx context.Context, sel, prop string) string {
	t.Helper()
	const missing = "\x00missing"
	expr := fmt.Sprintf(`(() => { const e = document.querySelector(%q); return e ? String(e[%q]) : %q })()`, sel, prop, missing)
	v, err := chromedp.Run(ctx, chromedp.Evaluate[string](expr))
	if err != nil {
		t.Fatalf("%s: %v", sel, err)
	}
	if v == missing {
		t.Fatalf("%s: no such element", sel)
	}
	return v
}

// wantText fails unless the element sel shows every one of want.
func wantText(t *testing.T, ctx context.Context, sel string, want ...string) {
	t.Helper()
	text := elementProp(t, ctx, sel, "textContent")
	for _, w := range want {
		if !strings.Contains(text, w) {
			t.Errorf("%s shows %.400q, want %q in it", sel, text, w)
		}
	}
}

// waitText waits until the element sel shows text (after a navigation or
// a live refresh).
// A navigation under way fails an evaluation; it is tried again.
func waitText(sel, text string) chromedp.Action[chromedp.Void] {
	expr := fmt.Sprintf(`!!document.querySelector(%q)?.textContent.includes(%q)`, sel, text)
	return chromedp.Func(func(ctx context.Context, t *chromedp.Target) error {
		deadline := time.Now().Add(30 * time.Second)
		for {
			ok, err := chromedp.Evaluate[bool](expr)(ctx, t)
			if err == nil && ok {
				return nil
			}
			if time.Now().After(deadline) {
				return fmt.Errorf("%s never showed %q (last error: %v)", sel, text, err)
			}
			select {
			case <-ctx.Done():
				return ctx.Err()
			case <-time.After(50 * time.Millisecond):
			}
		}
	})
}

func clockNow(t *testing.T, ctx context.Context) time.Time {
	t.Helper()
	text, err := chromedp.Run(ctx, chromedp.TextContent(chromedp.CSS("#clock-now")))
	if err != nil {
		t.Fatal(err)
	}
	now, err := time.Parse("2006-01-02 15:04:05Z", strings.TrimSpace(text))
	if err != nil {
		t.Fatalf("clock shows %q: %v", text, err)
	}
	return now
}

func meteringClient(s *meterdtest.Server, c meterdtest.Credentials) *marketplacemetering.Client {
	return marketplacemetering.New(marketplacemetering.Options{
		BaseEndpoint: aws.String(s.URL),
		Region:       "us-east-1",
		Credentials:  credentials.NewStaticCredentialsProvider(c.AccessKeyID, c.SecretAccessKey, ""),
	})
}

// meterAMI sends n MeterUsage calls of demo-ami, one an hour back from
// hour (a second call for the same hour would be a duplicate).
func meterAMI(t *testing.T, c *marketplacemetering.Client, hour time.Time, n int) {
	t.Helper()
	for i := range n {
		if err := meterOnce(c, hour.Add(-time.Duration(i)*time.Hour), 10+i); err != nil {
			t.Fatalf("MeterUsage %d: %v", i, err)
		}
	}
}

func meterOnce(c *marketplacemetering.Client, hour time.Time, quantity int) error {
	_, err := c.MeterUsage(context.Background(), &marketplacemetering.MeterUsageInput{ProductCode: aws.String("demo-ami"),
		UsageDimension: aws.String("vcpu_hours"), UsageQuantity: aws.Int32(int32(quantity)), Timestamp: aws.Time(hour)})
	return err
}

// waitCalls waits until the audit trail holds n calls, so that the pages
// read them.
func waitCalls(t *testing.T, s *meterdtest.Server, n int) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	if _, err := s.WaitCalls(ctx, audit.CallQuery{Min: n}); err != nil {
		t.Fatal(err)
	}
}
