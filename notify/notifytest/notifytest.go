// Package notifytest helps tests of notifications: a real moto_server for
// SQS and EventBridge, and an SNS signature verifier written the way
// sellers write theirs.
package notifytest

import (
	"context"
	"crypto"
	"crypto/rsa"
	"crypto/sha256"
	"crypto/x509"
	"encoding/base64"
	"encoding/json"
	"encoding/pem"
	"errors"
	"fmt"
	"net"
	"net/http"
	"os/exec"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"
)

// StartMoto starts a real moto_server (python3's moto, which serves SQS
// and EventBridge) on a free port and returns its URL once it answers. It
// is killed when the test ends.
func StartMoto(t testing.TB) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	port := ln.Addr().(*net.TCPAddr).Port
	ln.Close()
	cmd := exec.Command("moto_server", "-H", "127.0.0.1", "-p", fmt.Sprint(port))
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
	if err := cmd.Start(); err != nil {
		t.Fatalf("moto_server (python3's moto 5.2.1) is needed: %v", err)
	}
	t.Cleanup(func() {
		_ = syscall.Kill(-cmd.Process.Pid, syscall.SIGKILL)
		_ = cmd.Wait()
	})
	base := fmt.Sprintf("http://127.0.0.1:%d", port)
	// A bound, not a measurement: moto on a loaded machine starts slowly.
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	for {
		req, _ := http.NewRequestWithContext(ctx, http.MethodGet, base+"/moto-api/", nil)
		if resp, err := http.DefaultClient.Do(req); err == nil {
			resp.Body.Close()
			return base
		}
		select {
		case <-ctx.Done():
			t.Fatal("moto_server did not start")
		case <-time.After(100 * time.Millisecond):
		}
	}
}

// AWSConfig is an SDK configuration for moto: us-east-1 and a dummy key.
func AWSConfig() aws.Config {
	return aws.Config{Region: "us-east-1", Credentials: credentials.NewStaticCredentialsProvider("meterd", "meterd", "")}
}

// signableKeys is the documented list of signed keys per message type, as
// SNS verifiers (aws-sdk-js's sns-validator, the SNS developer guide)
// build the string to sign: each key present in the message, in this
// order, as "Key\nValue\n".
var signableKeys = map[string][]string{
	"Notification":             {"Message", "MessageId", "Subject", "Timestamp", "TopicArn", "Type"},
	"SubscriptionConfirmation": {"Message", "MessageId", "SubscribeURL", "Timestamp", "Token", "TopicArn", "Type"},
}

// VerifySNS checks an SNS message's signature as a seller's verifier
// does: decode the JSON, build the string to sign from the documented
// keys, and check the SignatureVersion 2 (SHA256withRSA) signature with
// the key of certPEM, the certificate served at SigningCertURL.
func VerifySNS(body, certPEM []byte) error {
	var m map[string]string
	if err := json.Unmarshal(body, &m); err != nil {
		return fmt.Errorf("not an SNS message: %w", err)
	}
	if m["SignatureVersion"] != "2" {
		return fmt.Errorf("SignatureVersion = %q, want 2", m["SignatureVersion"])
	}
	keys, ok := signableKeys[m["Type"]]
	if !ok {
		return fmt.Errorf("unknown message Type %q", m["Type"])
	}
	var s strings.Builder
	for _, k := range keys {
		if v, ok := m[k]; ok {
			s.WriteString(k + "\n" + v + "\n")
		}
	}
	block, _ := pem.Decode(certPEM)
	if block == nil {
		return errors.New("the signing certificate is not PEM")
	}
	cert, err := x509.ParseCertificate(block.Bytes)
	if err != nil {
		return err
	}
	key, ok := cert.PublicKey.(*rsa.PublicKey)
	if !ok {
		return errors.New("the signing certificate's key is not RSA")
	}
	sig, err := base64.StdEncoding.DecodeString(m["Signature"])
	if err != nil {
		return err
	}
	sum := sha256.Sum256([]byte(s.String()))
	return rsa.VerifyPKCS1v15(key, crypto.SHA256, sum[:], sig)
}
