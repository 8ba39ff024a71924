package notify

import (
	"context"
	"encoding/json"
	"fmt"
	"net"
	"net/http"
	"os/exec"
	"slices"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/eventbridge"
	ebtypes "github.com/aws/aws-sdk-go-v2/service/eventbridge/types"
	"github.com/aws/aws-sdk-go-v2/service/sqs"
	"github.com/meterd/meterd"
)

// startMoto starts a real moto_server (python3's moto, which serves SQS
// and EventBridge) on a free port and returns its URL once it answers.
func startMoto(t *testing.T) string {
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
	ctx, cancel := context.WithTimeout(t.Context(), 60*time.Second)
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

func awsTestConfig() aws.Config {
	return aws.Config{Region: "us-east-1", Credentials: credentials.NewStaticCredentialsProvider("meterd", "meterd", "")}
}

// receiveOne reads one message from queue, waiting for it.
func receiveOne(t *testing.T, client *sqs.Client, queue string) string {
	t.Helper()
	out, err := client.ReceiveMessage(t.Context(), &sqs.ReceiveMessageInput{QueueUrl: aws.String(queue), WaitTimeSeconds: 5, MaxNumberOfMessages: 10})
	if err != nil {
		t.Fatal(err)
	}
	if len(out.Messages) != 1 {
		t.Fatalf("queue holds %d messages, want 1", len(out.Messages))
	}
	return aws.ToString(out.Messages[0].Body)
}

// TestSQS: an sns-sqs target gets the signed SNS envelope as the body of
// an SQS message, as SNS delivers to a subscribed queue; read back with
// the SQS client from a real moto_server.
func TestSQS(t *testing.T) {
	moto := startMoto(t)
	client := sqs.NewFromConfig(awsTestConfig(), func(o *sqs.Options) { o.BaseEndpoint = aws.String(moto) })
	for _, name := range []string{"mp-events", "mp-events.fifo"} {
		t.Run("OK "+name, func(t *testing.T) {
			in := &sqs.CreateQueueInput{QueueName: aws.String(name)}
			if strings.HasSuffix(name, ".fifo") {
				in.Attributes = map[string]string{"FifoQueue": "true"}
			}
			q, err := client.CreateQueue(t.Context(), in)
			if err != nil {
				t.Fatal(err)
			}
			o := &fakeOutbox{}
			e := event("e-"+name, "cust1", meterd.ActionSubscribeSuccess)
			o.add(meterd.NotificationTarget{Kind: meterd.TargetSNSSQS, Endpoint: aws.ToString(q.QueueUrl)}, e)
			n, _ := newTestNotifier(t, o, 0)
			if _, err := n.Tick(t.Context()); err != nil {
				t.Fatal(err)
			}
			if log := o.attemptLog(); len(log) != 1 || log[0].Error != "" || log[0].StatusCode != 200 {
				t.Fatalf("attempts %+v, want one success", log)
			}
			body := receiveOne(t, client, aws.ToString(q.QueueUrl))
			var env Envelope
			if err := json.Unmarshal([]byte(body), &env); err != nil {
				t.Fatal(err)
			}
			if env.Type != TypeNotification || env.Message != MessageJSON(e) || env.TopicArn != TopicARN(e) || env.MessageID != e.ID {
				t.Errorf("envelope %+v", env)
			}
			certPEM, _ := n.CertificatePEM()
			if err := verify(t, certPEM, []byte(body)); err != nil {
				t.Errorf("signature: %v", err)
			}
		})
	}
	t.Run("Err no such queue is retried", func(t *testing.T) {
		o := &fakeOutbox{}
		o.add(meterd.NotificationTarget{Kind: meterd.TargetSNSSQS, Endpoint: moto + "/123456789012/missing"}, event("e1", "cust1", meterd.ActionSubscribeSuccess))
		n, _ := newTestNotifier(t, o, 0)
		if _, err := n.Tick(t.Context()); err != nil {
			t.Fatal(err)
		}
		if log := o.attemptLog(); len(log) != 1 || log[0].Error == "" || log[0].StatusCode != 400 {
			t.Fatalf("attempts %+v, want one failure answered 400", log)
		}
		if !o.delivery(1).NextAttempt.After(t0) {
			t.Error("the failed delivery was not rescheduled")
		}
	})
}

// TestPutEvents: an eventbridge-api target's events go through PutEvents
// to moto's EventBridge, whose rule on aws.agreement-marketplace forwards
// them to an SQS queue, read back with the SQS client.
func TestPutEvents(t *testing.T) {
	moto := startMoto(t)
	cfg := awsTestConfig()
	sq := sqs.NewFromConfig(cfg, func(o *sqs.Options) { o.BaseEndpoint = aws.String(moto) })
	eb := eventbridge.NewFromConfig(cfg, func(o *eventbridge.Options) { o.BaseEndpoint = aws.String(moto) })
	q, err := sq.CreateQueue(t.Context(), &sqs.CreateQueueInput{QueueName: aws.String("agreements")})
	if err != nil {
		t.Fatal(err)
	}
	pattern := `{"source":["aws.agreement-marketplace"]}`
	if _, err := eb.PutRule(t.Context(), &eventbridge.PutRuleInput{Name: aws.String("mp"), EventPattern: aws.String(pattern)}); err != nil {
		t.Fatal(err)
	}
	if _, err := eb.PutTargets(t.Context(), &eventbridge.PutTargetsInput{Rule: aws.String("mp"),
		Targets: []ebtypes.Target{{Id: aws.String("q"), Arn: aws.String("arn:aws:sqs:us-east-1:123456789012:agreements")}}}); err != nil {
		t.Fatal(err)
	}
	o := &fakeOutbox{}
	e := event("e1", "cust1", meterd.ActionUnsubscribePending)
	e.LicenseArn = "arn:aws:license-manager::111122223333:license:l-1"
	o.add(meterd.NotificationTarget{Kind: meterd.TargetEventBridgeAPI, Endpoint: moto}, e)
	n, _ := newTestNotifier(t, o, 0)
	if _, err := n.Tick(t.Context()); err != nil {
		t.Fatal(err)
	}
	if log := o.attemptLog(); len(log) != 1 || log[0].Error != "" {
		t.Fatalf("attempts %+v, want one success", log)
	}
	out, err := sq.ReceiveMessage(t.Context(), &sqs.ReceiveMessageInput{QueueUrl: q.QueueUrl, WaitTimeSeconds: 5, MaxNumberOfMessages: 10})
	if err != nil {
		t.Fatal(err)
	}
	var types []string
	for _, m := range out.Messages {
		var ev Event
		if err := json.Unmarshal([]byte(aws.ToString(m.Body)), &ev); err != nil {
			t.Fatal(err)
		}
		if ev.Source != EventSource || ev.Detail.Agreement.ID != AgreementID(e.ProductCode, e.CustomerIdentifier) {
			t.Errorf("event %+v", ev)
		}
		types = append(types, ev.DetailType)
	}
	slices.Sort(types) // a standard queue need not keep the order
	if got, want := strings.Join(types, ","), DetailLicenseDeprovisioned+","+DetailAgreementEnded; got != want {
		t.Errorf("detail-types %s, want %s", got, want)
	}
}

// TestEnvCredentials: the environment's key when both halves are set,
// else the dummy one.
func TestEnvCredentials(t *testing.T) {
	tests := []struct {
		name string
		env  map[string]string
		want aws.Credentials
	}{
		{"OK environment", map[string]string{"AWS_ACCESS_KEY_ID": "AKID", "AWS_SECRET_ACCESS_KEY": "s", "AWS_SESSION_TOKEN": "tok"},
			aws.Credentials{AccessKeyID: "AKID", SecretAccessKey: "s", SessionToken: "tok"}},
		{"OK dummy without a secret", map[string]string{"AWS_ACCESS_KEY_ID": "AKID"}, aws.Credentials{AccessKeyID: "meterd", SecretAccessKey: "meterd"}},
		{"OK dummy without anything", nil, aws.Credentials{AccessKeyID: "meterd", SecretAccessKey: "meterd"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := envCredentials(func(k string) string { return tt.env[k] }).Retrieve(t.Context())
			if err != nil || got.AccessKeyID != tt.want.AccessKeyID || got.SecretAccessKey != tt.want.SecretAccessKey || got.SessionToken != tt.want.SessionToken {
				t.Errorf("credentials %+v, %v, want %+v", got, err, tt.want)
			}
		})
	}
}
