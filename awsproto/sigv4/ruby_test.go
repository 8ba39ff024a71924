package sigv4

import (
	"bufio"
	"bytes"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"strings"
	"testing"

	"github.com/meterd/meterd"
)

// requireRuby returns the ruby binary once the given libraries load. A
// missing one skips the test, except on CI (CI=true), where it fails: .ci/run
// installs the Debian packages.
func requireRuby(t *testing.T, libs ...string) string {
	t.Helper()
	ruby, err := exec.LookPath("ruby")
	if err == nil {
		script := ""
		for _, lib := range libs {
			script += "require '" + lib + "';"
		}
		var out []byte
		out, err = exec.Command(ruby, "-e", script).CombinedOutput()
		if err != nil {
			err = &exec.Error{Name: strings.Join(libs, ", "), Err: errorString(out)}
		}
	}
	if err == nil {
		return ruby
	}
	if os.Getenv("CI") == "true" {
		t.Fatalf("Ruby client needed on CI (apt-get install ruby-aws-sigv4 ruby-aws-sdk-core): %v", err)
	}
	t.Skipf("Ruby client not available (apt-get install ruby-aws-sigv4 ruby-aws-sdk-core): %v", err)
	return ""
}

type errorString []byte

func (e errorString) Error() string { return string(bytes.TrimSpace(e)) }

// newAnsweringServer runs Verify on every request and answers as meterd
// does: 200 with response, or the error's code and message in AWS JSON, so
// that a real client parses the refusal.
func newAnsweringServer(t *testing.T, v *Verifier, response string) *httptest.Server {
	t.Helper()
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, err := io.ReadAll(r.Body)
		if err == nil {
			_, err = v.Verify(r.Context(), r, body)
		}
		w.Header().Set("Content-Type", "application/x-amz-json-1.1")
		if err != nil {
			code := meterd.ErrorCode(err)
			w.Header().Set("X-Amzn-ErrorType", code)
			w.WriteHeader(http.StatusBadRequest)
			json.NewEncoder(w).Encode(map[string]string{"__type": code, "message": meterd.ErrorMessage(err)})
			return
		}
		io.WriteString(w, response)
	}))
	t.Cleanup(srv.Close)
	return srv
}

// clientResult is one line printed by a client script in testdata/clients.
type clientResult struct {
	Case          string `json:"case"`
	Status        int    `json:"status"`
	Body          string `json:"body"`
	SignedHeaders string `json:"signed_headers"`
}

// runClientScript runs a client script against url and returns its results
// by case name.
func runClientScript(t *testing.T, name string, args ...string) map[string]clientResult {
	t.Helper()
	cmd := exec.Command(name, args...)
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("%s %v: %v\n%s", name, args, err, stderr.String())
	}
	results := map[string]clientResult{}
	lines := bufio.NewScanner(bytes.NewReader(out))
	for lines.Scan() {
		var r clientResult
		if err := json.Unmarshal(lines.Bytes(), &r); err != nil {
			t.Fatalf("%s: line %q: %v", name, lines.Text(), err)
		}
		results[r.Case] = r
	}
	return results
}

// clientCase is the expected outcome of one case of a client script.
type clientCase struct {
	name      string
	code, msg string // "" for success
	// signs lists headers that must be in SignedHeaders, so that a client
	// that stops signing them cannot make the case pass vacuously.
	signs []string
	// unsigned lists headers that must not be in SignedHeaders.
	unsigned []string
}

// checkClientResults asserts each case's outcome, and that the script ran
// exactly the cases listed.
func checkClientResults(t *testing.T, results map[string]clientResult, cases []clientCase) {
	t.Helper()
	if len(results) != len(cases) {
		t.Errorf("script reported %d cases, want %d: %v", len(results), len(cases), results)
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			got, ok := results[c.name]
			if !ok {
				t.Fatalf("case not run")
			}
			for _, h := range c.signs {
				if !strings.Contains(";"+got.SignedHeaders+";", ";"+h+";") {
					t.Errorf("SignedHeaders %q, want %s signed", got.SignedHeaders, h)
				}
			}
			for _, h := range c.unsigned {
				if strings.Contains(";"+got.SignedHeaders+";", ";"+h+";") {
					t.Errorf("SignedHeaders %q, want %s unsigned", got.SignedHeaders, h)
				}
			}
			if c.code == "" {
				if got.Status != http.StatusOK {
					t.Fatalf("status %d, body %s", got.Status, got.Body)
				}
				return
			}
			var e struct{ Type, Message string }
			json.Unmarshal([]byte(strings.Replace(got.Body, "__type", "type", 1)), &e)
			if got.Status != http.StatusBadRequest || e.Type != c.code || e.Message != c.msg {
				t.Errorf("got %d %s %q, want 400 %s %q", got.Status, e.Type, e.Message, c.code, c.msg)
			}
		})
	}
}

// TestVerifyRubySigner sends requests signed by Aws::Sigv4::Signer, which
// signs User-Agent and Content-Length, to a verifier over HTTP.
func TestVerifyRubySigner(t *testing.T) {
	ruby := requireRuby(t, "aws-sigv4")
	srv := newAnsweringServer(t, systemVerifier(), `{"MeteringRecordId":"r-1"}`)
	results := runClientScript(t, ruby, "testdata/clients/ruby/sigv4_signer.rb", srv.URL)
	signs := []string{"user-agent", "content-length", "x-amz-content-sha256"}
	checkClientResults(t, results, []clientCase{
		{name: "OK/user-agent and content-length signed", signs: signs},
		{name: "OK/inner runs of spaces and outer blanks in a signed value", signs: []string{"x-amz-meta-note"}},
		{name: "OK/query string", signs: signs},
		{name: "OK/CBOR path", signs: []string{"user-agent", "smithy-protocol", "accept"}},
		{name: "OK/presigned URL signing user-agent", signs: []string{"host", "user-agent", "x-amz-target"}},
		{name: "ErrInvalidSignature/user-agent changed after signing", code: meterd.EInvalidSignature, msg: mismatch},
		{name: "ErrInvalidSignature/body changed after signing", code: meterd.EInvalidSignature,
			msg: "The provided 'x-amz-content-sha256' header does not match what was computed."},
		{name: "ErrIncompleteSignature/signed x-amz-target removed", code: meterd.EIncompleteSignature,
			msg: "'x-amz-target' is named as a SignedHeader, but it does not exist in the HTTP request."},
		{name: "ErrInvalidSignature/presigned, user-agent changed", code: meterd.EInvalidSignature, msg: mismatch},
	})
}

// TestVerifyRubySDK calls MeterUsage and GetEntitlements through an
// aws-sdk-core client built from meterd's Smithy models (no Marketplace gem
// is packaged). Unlike Aws::Sigv4::Signer, the SDK leaves User-Agent and
// Content-Length unsigned; the test pins that, as docs/differences.md says.
func TestVerifyRubySDK(t *testing.T) {
	ruby := requireRuby(t, "aws-sdk-core")
	srv := newAnsweringServer(t, systemVerifier(), `{"MeteringRecordId":"r-1","Entitlements":[]}`)
	results := runClientScript(t, ruby, "testdata/clients/ruby/sdk_client.rb", srv.URL, "../models")
	signs := []string{"host", "x-amz-content-sha256", "x-amz-date", "x-amz-target", "content-type"}
	unsigned := []string{"user-agent", "content-length"}
	checkClientResults(t, results, []clientCase{
		{name: "OK/MeterUsage", signs: signs, unsigned: unsigned},
		{name: "OK/GetEntitlements", signs: signs, unsigned: unsigned},
		{name: "ErrInvalidSignature/wrong secret", code: meterd.EInvalidSignature, msg: mismatch},
	})
}
