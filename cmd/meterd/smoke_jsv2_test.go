package main

import (
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// TestSmokeJSv2 drives meterd with the AWS SDK for JavaScript v2
// (testdata/jsv2), installing it with npm on first use. JS v2 ignores
// AWS_ENDPOINT_URL_*, so the script uses the README's endpoint recipes.
func TestSmokeJSv2(t *testing.T) {
	dir := filepath.Join("testdata", "jsv2")
	requireNodeModule(t, dir, "aws-sdk")
	s := startServer(t, "")
	token := s.mintToken(t, "demo-saas", "demo-customer", time.Hour)
	cmd := exec.Command("node", "smoke.js", s.URL, token)
	cmd.Dir = dir
	// The maintenance-mode notice JS v2 prints at load is noise here.
	cmd.Env = append(isolatedAWSEnv("", ""), "AWS_SDK_JS_SUPPRESS_MAINTENANCE_MODE_MESSAGE=1")
	if out, err := cmd.CombinedOutput(); err != nil || !strings.Contains(string(out), "js v2 smoke: ok") {
		t.Fatalf("js v2 smoke: %v\n%s", err, out)
	}
}

// requireNodeModule makes sure node runs and the npm project in dir has
// module installed, running `npm ci` (from the committed lock file) on
// first use; without node or npm it skips, or fails in CI.
func requireNodeModule(t *testing.T, dir, module string) {
	t.Helper()
	requireTool(t, "node", "--version")
	if _, err := os.Stat(filepath.Join(dir, "node_modules", module)); err == nil {
		return
	}
	requireTool(t, "npm", "--version")
	cmd := exec.Command("npm", "ci", "--no-audit", "--no-fund")
	cmd.Dir = dir
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("npm ci in %s: %v\n%s", dir, err, out)
	}
}
