package main

import (
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// requireTool skips a smoke test when a client is missing on a developer's
// machine, and fails it in CI, where .ci/run's machine must have it.
func requireTool(t *testing.T, name string, args ...string) {
	t.Helper()
	if out, err := exec.Command(name, args...).CombinedOutput(); err != nil {
		if os.Getenv("CI") != "" {
			t.Fatalf("%s %v: %v\n%s", name, args, err, out)
		}
		t.Skipf("%s not available: %v", name, err)
	}
}

// TestSmokeBoto3 drives meterd with boto3 (testdata/smoke/boto3_smoke.py).
func TestSmokeBoto3(t *testing.T) {
	requireTool(t, "python3", "-c", "import boto3")
	s := startServer(t, "")
	cmd := exec.Command("python3", "testdata/smoke/boto3_smoke.py", s.URL)
	cmd.Env = isolatedAWSEnv("", "")
	if out, err := cmd.CombinedOutput(); err != nil || !strings.Contains(string(out), "boto3 smoke: ok") {
		t.Fatalf("boto3 smoke: %v\n%s", err, out)
	}
}

// TestSmokeAWSCLI runs the README's AWS CLI lines.
func TestSmokeAWSCLI(t *testing.T) {
	requireTool(t, "aws", "--version")
	s := startServer(t, "")
	hour := thisHour().Format(time.RFC3339)
	meter := func(quantity string) (map[string]string, string, error) {
		cmd := exec.Command("aws", "meteringmarketplace", "meter-usage", "--endpoint-url", s.URL, "--region", "us-east-1",
			"--product-code", "demo-ami", "--usage-dimension", "vcpu_hours", "--usage-quantity", quantity, "--timestamp", hour)
		cmd.Env = isolatedAWSEnv("buyer", "buyer")
		var stderr strings.Builder
		cmd.Stderr = &stderr
		out, err := cmd.Output()
		var got map[string]string
		if err == nil {
			err = json.Unmarshal(out, &got)
		}
		return got, stderr.String(), err
	}
	first, stderr, err := meter("1")
	if err != nil || first["MeteringRecordId"] == "" {
		t.Fatalf("meter-usage: %v %v\n%s", first, err, stderr)
	}
	again, stderr, err := meter("1")
	if err != nil || again["MeteringRecordId"] != first["MeteringRecordId"] {
		t.Fatalf("identical meter-usage: %v %v\n%s", again, err, stderr)
	}
	if _, stderr, err = meter("2"); err == nil || !strings.Contains(stderr, "DuplicateRequestException") {
		t.Fatalf("other quantity: err %v, stderr %s", err, stderr)
	}
	cmd := exec.Command("aws", "meteringmarketplace", "batch-meter-usage", "--endpoint-url", s.URL, "--region", "us-east-1",
		"--product-code", "demo-saas", "--usage-records",
		"CustomerIdentifier=demo-customer,Dimension=users,Quantity=2,Timestamp="+hour)
	cmd.Env = isolatedAWSEnv("test", "test")
	out, err := cmd.CombinedOutput()
	if err != nil || !strings.Contains(string(out), `"Status": "Success"`) {
		t.Fatalf("batch-meter-usage: %v\n%s", err, out)
	}
}

// TestSmokeJS drives meterd with the AWS SDK for JavaScript v3
// (testdata/js), installing it with npm on first use.
func TestSmokeJS(t *testing.T) {
	dir := filepath.Join("testdata", "js")
	requireNodeModule(t, dir, "@aws-sdk")
	s := startServer(t, "")
	cmd := exec.Command("node", "smoke.mjs", s.URL)
	cmd.Dir = dir
	cmd.Env = isolatedAWSEnv("", "")
	if out, err := cmd.CombinedOutput(); err != nil || !strings.Contains(string(out), "js smoke: ok") {
		t.Fatalf("js smoke: %v\n%s", err, out)
	}
}

// isolatedAWSEnv is the process environment without the developer's AWS
// configuration, with the given keys.
func isolatedAWSEnv(key, secret string) []string {
	var env []string
	for _, kv := range os.Environ() {
		if !strings.HasPrefix(kv, "AWS_") {
			env = append(env, kv)
		}
	}
	env = append(env, "AWS_CONFIG_FILE=/dev/null", "AWS_SHARED_CREDENTIALS_FILE=/dev/null", "AWS_EC2_METADATA_DISABLED=true")
	if key != "" {
		env = append(env, "AWS_ACCESS_KEY_ID="+key, "AWS_SECRET_ACCESS_KEY="+secret)
	}
	return env
}

// TestSmokeCloudTrail makes calls with boto3 and reads the CloudTrail
// export back with Python's json and gzip (testdata/smoke/cloudtrail_smoke.py).
func TestSmokeCloudTrail(t *testing.T) {
	requireTool(t, "python3", "-c", "import boto3")
	s := startServer(t, "")
	cmd := exec.Command("python3", "testdata/smoke/cloudtrail_smoke.py", s.URL, s.AdminToken, filepath.Join(t.TempDir(), "trail.json.gz"))
	cmd.Env = isolatedAWSEnv("", "")
	if out, err := cmd.CombinedOutput(); err != nil || !strings.Contains(string(out), "cloudtrail smoke: ok") {
		t.Fatalf("cloudtrail smoke: %v\n%s", err, out)
	}
}
