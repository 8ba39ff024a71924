package notify

import (
	"crypto"
	"crypto/rsa"
	"crypto/sha256"
	"crypto/x509"
	"encoding/base64"
	"encoding/json"
	"encoding/pem"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/meterd/meterd"
)

// TestMessageJSON pins the Message of each action and its topic.
func TestMessageJSON(t *testing.T) {
	const topics = "arn:aws:sns:us-east-1:287250355862:aws-mp-"
	tests := []struct {
		name      string
		action    meterd.LifecycleAction
		freeTrial bool
		want      string
		topic     string
	}{
		{"OK subscribe-success carries offer and trial", meterd.ActionSubscribeSuccess, true,
			`{"action":"subscribe-success","customer-identifier":"cust1","product-code":"prod1abcdefghijklmnopqrst","offer-identifier":"offer-abcexample123","isFreeTrialTermPresent":"true"}`,
			topics + "subscription-notification-prod1abcdefghijklmnopqrst"},
		{"OK subscribe-fail carries offer", meterd.ActionSubscribeFail, false,
			`{"action":"subscribe-fail","customer-identifier":"cust1","product-code":"prod1abcdefghijklmnopqrst","offer-identifier":"offer-abcexample123","isFreeTrialTermPresent":"false"}`,
			topics + "subscription-notification-prod1abcdefghijklmnopqrst"},
		{"OK unsubscribe-pending has no offer", meterd.ActionUnsubscribePending, false,
			`{"action":"unsubscribe-pending","customer-identifier":"cust1","product-code":"prod1abcdefghijklmnopqrst","isFreeTrialTermPresent":"false"}`,
			topics + "subscription-notification-prod1abcdefghijklmnopqrst"},
		{"OK unsubscribe-success has no offer", meterd.ActionUnsubscribeSuccess, true,
			`{"action":"unsubscribe-success","customer-identifier":"cust1","product-code":"prod1abcdefghijklmnopqrst","isFreeTrialTermPresent":"true"}`,
			topics + "subscription-notification-prod1abcdefghijklmnopqrst"},
		{"OK entitlement-updated goes to the entitlement topic", meterd.ActionEntitlementUpdated, false,
			`{"action":"entitlement-updated","customer-identifier":"cust1","product-code":"prod1abcdefghijklmnopqrst"}`,
			topics + "entitlement-notification-prod1abcdefghijklmnopqrst"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			e := event("e1", "cust1", tt.action)
			e.FreeTrial = tt.freeTrial
			if got := MessageJSON(e); got != tt.want {
				t.Errorf("MessageJSON =\n%s\nwant\n%s", got, tt.want)
			}
			if got := TopicARN(e); got != tt.topic {
				t.Errorf("TopicARN = %s, want %s", got, tt.topic)
			}
		})
	}
}

// signableKeys is the documented list of signed keys per message type, as
// SNS verifiers (aws-sdk-js's sns-validator, the SNS developer guide)
// build the string to sign: each key present in the message, in this
// order, as "Key\nValue\n".
var signableKeys = map[string][]string{
	"Notification":             {"Message", "MessageId", "Subject", "Timestamp", "TopicArn", "Type"},
	"SubscriptionConfirmation": {"Message", "MessageId", "SubscribeURL", "Timestamp", "Token", "TopicArn", "Type"},
}

// verify checks body's signature as a seller's verifier does: decode the
// JSON, build the string to sign from the documented keys, and check the
// SHA256withRSA signature with the certificate's key.
func verify(t *testing.T, certPEM []byte, body []byte) error {
	t.Helper()
	var m map[string]string
	if err := json.Unmarshal(body, &m); err != nil {
		t.Fatal(err)
	}
	if m["SignatureVersion"] != "2" {
		t.Fatalf("SignatureVersion = %q, want 2", m["SignatureVersion"])
	}
	var s strings.Builder
	for _, k := range signableKeys[m["Type"]] {
		if v, ok := m[k]; ok {
			s.WriteString(k + "\n" + v + "\n")
		}
	}
	block, _ := pem.Decode(certPEM)
	cert, err := x509.ParseCertificate(block.Bytes)
	if err != nil {
		t.Fatal(err)
	}
	sig, err := base64.StdEncoding.DecodeString(m["Signature"])
	if err != nil {
		t.Fatal(err)
	}
	sum := sha256.Sum256([]byte(s.String()))
	return rsa.VerifyPKCS1v15(cert.PublicKey.(*rsa.PublicKey), crypto.SHA256, sum[:], sig)
}

// TestSignature signs envelopes of each type and verifies them as sellers
// do; a changed field must fail.
func TestSignature(t *testing.T) {
	notification := Envelope{Type: TypeNotification, MessageID: "m1", TopicArn: "arn:aws:sns:us-east-1:287250355862:t",
		Message: `{"action":"subscribe-success"}`, Timestamp: "2026-03-01T12:00:00.000Z",
		SigningCertURL: "http://x/cert.pem", UnsubscribeURL: "http://x/unsubscribe"}
	withSubject := notification
	withSubject.Subject = "a subject"
	confirmation := Envelope{Type: TypeSubscriptionConfirmation, MessageID: "m2", Token: "tok", TopicArn: "arn:aws:sns:us-east-1:287250355862:t",
		Message: "You have chosen to subscribe.", SubscribeURL: "http://x/confirm?Token=tok", Timestamp: "2026-03-01T12:00:00.000Z",
		SigningCertURL: "http://x/cert.pem"}
	tests := []struct {
		name   string
		env    Envelope
		tamper func(m map[string]string)
	}{
		{"OK notification", notification, nil},
		{"OK notification with subject", withSubject, nil},
		{"OK subscription confirmation", confirmation, nil},
		{"Err message changed", notification, func(m map[string]string) { m["Message"] += " " }},
		{"Err subject changed", withSubject, func(m map[string]string) { m["Subject"] = "other" }},
		{"Err token changed", confirmation, func(m map[string]string) { m["Token"] = "other" }},
		{"Err subscribe URL changed", confirmation, func(m map[string]string) { m["SubscribeURL"] = "http://evil/" }},
		{"Err timestamp changed", notification, func(m map[string]string) { m["Timestamp"] = "2026-03-01T12:00:01.000Z" }},
	}
	signer := NewSigner("")
	certPEM, err := signer.CertificatePEM()
	if err != nil {
		t.Fatal(err)
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			env := tt.env
			if err := signer.Sign(&env); err != nil {
				t.Fatal(err)
			}
			body, _ := json.Marshal(env)
			if tt.tamper != nil {
				var m map[string]string
				_ = json.Unmarshal(body, &m)
				tt.tamper(m)
				body, _ = json.Marshal(m)
			}
			err := verify(t, certPEM, body)
			if (err == nil) != (tt.tamper == nil) {
				t.Errorf("verify = %v, want ok = %v", err, tt.tamper == nil)
			}
		})
	}
}

// TestSignaturePython verifies a signed envelope with an independent
// implementation: the SNS developer guide's steps in Python, with the
// cryptography package's (OpenSSL's) RSA.
func TestSignaturePython(t *testing.T) {
	if _, err := exec.LookPath("python3"); err != nil {
		t.Fatal("python3 is needed: it is on every meterd build machine")
	}
	dir := t.TempDir()
	signer := NewSigner(filepath.Join(dir, SigningKeyFile))
	env := Envelope{Type: TypeNotification, MessageID: "m1", TopicArn: TopicARN(event("e", "c", meterd.ActionSubscribeSuccess)),
		Message: MessageJSON(event("e", "c", meterd.ActionSubscribeSuccess)), Timestamp: formatTimestamp(t0)}
	if err := signer.Sign(&env); err != nil {
		t.Fatal(err)
	}
	body, _ := json.Marshal(env)
	certPEM, _ := signer.CertificatePEM()
	for name, b := range map[string][]byte{"msg.json": body, "cert.pem": certPEM} {
		if err := os.WriteFile(filepath.Join(dir, name), b, 0o600); err != nil {
			t.Fatal(err)
		}
	}
	out, err := exec.CommandContext(t.Context(), "python3", "testdata/verify_sns.py", filepath.Join(dir, "msg.json"), filepath.Join(dir, "cert.pem")).CombinedOutput()
	if err != nil || strings.TrimSpace(string(out)) != "valid" {
		t.Fatalf("python verifier: %v: %s", err, out)
	}
}

// TestSignerKeepsKey: a second signer on the same file serves the same
// certificate, so that sellers' cached certificates stay good.
func TestSignerKeepsKey(t *testing.T) {
	path := filepath.Join(t.TempDir(), SigningKeyFile)
	first, err := NewSigner(path).CertificatePEM()
	if err != nil {
		t.Fatal(err)
	}
	second, err := NewSigner(path).CertificatePEM()
	if err != nil {
		t.Fatal(err)
	}
	if string(first) != string(second) {
		t.Error("the certificate changed across signers of one file")
	}
	if st, err := os.Stat(path); err != nil || st.Mode().Perm() != 0o600 {
		t.Errorf("key file: %v, mode %v, want 0600", err, st.Mode())
	}
}

// TestSNSHTTPHandshake: an sns-http endpoint first gets a signed
// SubscriptionConfirmation and nothing else until it visits the
// SubscribeURL; then the notification goes out with SNS's headers.
func TestSNSHTTPHandshake(t *testing.T) {
	ep := newEndpoint(t)
	o := &fakeOutbox{}
	o.add(meterd.NotificationTarget{Kind: meterd.TargetSNSHTTP, Endpoint: ep.URL}, event("e1", "cust1", meterd.ActionSubscribeSuccess))
	n, clock := newTestNotifier(t, o, 0)
	if _, err := n.Tick(t.Context()); err != nil {
		t.Fatal(err)
	}
	envs := ep.envelopes(t)
	if len(envs) != 1 || envs[0].Type != TypeSubscriptionConfirmation {
		t.Fatalf("endpoint got %+v, want one SubscriptionConfirmation", envs)
	}
	if d := o.delivery(1); !d.DeliveredAt.IsZero() {
		t.Fatal("delivered before the subscription was confirmed")
	}
	if log := o.attemptLog(); log[0].Error != errPendingConfirmation.Error() {
		t.Errorf("attempt error %q, want %q", log[0].Error, errPendingConfirmation)
	}
	certPEM, _ := n.CertificatePEM()
	if err := verify(t, certPEM, ep.requests()[0].body); err != nil {
		t.Errorf("confirmation signature: %v", err)
	}
	sub, err := url.Parse(envs[0].SubscribeURL)
	if err != nil || !strings.HasPrefix(envs[0].SubscribeURL, testConfirmURL+"?") {
		t.Fatalf("SubscribeURL %q", envs[0].SubscribeURL)
	}
	q := sub.Query()
	if _, err := n.ConfirmSubscription(q.Get("TopicArn"), "wrong"); meterd.ErrorCode(err) != meterd.EInvalid {
		t.Errorf("confirm with a wrong token = %v, want EInvalid", err)
	}
	arn, err := n.ConfirmSubscription(q.Get("TopicArn"), q.Get("Token"))
	if err != nil || !strings.HasPrefix(arn, q.Get("TopicArn")+":") {
		t.Fatalf("confirm = %q, %v", arn, err)
	}
	clock.Set(t0.Add(time.Second))
	if _, err := n.Tick(t.Context()); err != nil {
		t.Fatal(err)
	}
	reqs := ep.requests()
	if len(reqs) != 2 || o.delivery(1).DeliveredAt.IsZero() {
		t.Fatalf("after confirmation: %d requests, delivery %+v", len(reqs), o.delivery(1))
	}
	h := reqs[1].header
	for k, want := range map[string]string{
		"x-amz-sns-message-type": "Notification", "x-amz-sns-message-id": "e1",
		"x-amz-sns-topic-arn": q.Get("TopicArn"), "x-amz-sns-subscription-arn": arn,
		"Content-Type": "text/plain; charset=UTF-8",
	} {
		if got := h.Get(k); got != want {
			t.Errorf("header %s = %q, want %q", k, got, want)
		}
	}
	if err := verify(t, certPEM, reqs[1].body); err != nil {
		t.Errorf("notification signature: %v", err)
	}
	env := ep.envelopes(t)[1]
	if env.SigningCertURL != testCertURL || !strings.Contains(env.UnsubscribeURL, url.QueryEscape(arn)) {
		t.Errorf("envelope URLs: %+v", env)
	}
}
