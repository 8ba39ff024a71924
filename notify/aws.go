package notify

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/url"
	"os"
	"strings"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	awshttp "github.com/aws/aws-sdk-go-v2/aws/transport/http"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/eventbridge"
	ebtypes "github.com/aws/aws-sdk-go-v2/service/eventbridge/types"
	"github.com/aws/aws-sdk-go-v2/service/sqs"
	"github.com/meterd/meterd"
)

// awsConfig is the SDK configuration of a target: its region (us-east-1
// by default), the notifier's credentials and HTTP client, and no SDK
// retries (the notifier retries, and records every attempt).
func (n *Notifier) awsConfig(t meterd.NotificationTarget) aws.Config {
	region := t.Region
	if region == "" {
		region = snsRegion
	}
	creds := n.cfg.Credentials
	if creds == nil {
		creds = envCredentials(os.Getenv)
	}
	return aws.Config{Region: region, Credentials: creds, HTTPClient: n.http, RetryMaxAttempts: 1}
}

// envCredentials are the SDKs' environment credentials when
// AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY are set (a real queue or
// bus), else a dummy key that local SQS and EventBridge servers accept.
func envCredentials(getenv func(string) string) aws.CredentialsProvider {
	id, secret := getenv("AWS_ACCESS_KEY_ID"), getenv("AWS_SECRET_ACCESS_KEY")
	if id == "" || secret == "" {
		return credentials.NewStaticCredentialsProvider("meterd", "meterd", "")
	}
	return credentials.NewStaticCredentialsProvider(id, secret, getenv("AWS_SESSION_TOKEN"))
}

// deliverSQS sends the SNS envelope as the body of an SQS message, as SNS
// delivers to a subscribed queue without raw message delivery. The SQS
// endpoint is the queue URL's scheme and host. A FIFO queue gets the
// customer as message group (order per customer) and the event id as
// deduplication id.
func (n *Notifier) deliverSQS(ctx context.Context, d meterd.Delivery) outcome {
	queue, err := url.Parse(d.Target.Endpoint)
	if err != nil || queue.Host == "" {
		return outcome{err: fmt.Errorf("queue URL %q is not a URL", d.Target.Endpoint)}
	}
	sub := TopicARN(d.Event) + ":" + d.Target.Endpoint
	env, err := n.notification(d, sub)
	if err != nil {
		return outcome{err: err}
	}
	body, err := json.Marshal(env)
	if err != nil {
		return outcome{err: err}
	}
	client := sqs.NewFromConfig(n.awsConfig(d.Target), func(o *sqs.Options) {
		o.BaseEndpoint = aws.String(queue.Scheme + "://" + queue.Host)
	})
	in := &sqs.SendMessageInput{QueueUrl: aws.String(d.Target.Endpoint), MessageBody: aws.String(string(body))}
	if strings.HasSuffix(queue.Path, ".fifo") {
		in.MessageGroupId = aws.String(d.Event.ProductCode + "/" + d.Event.CustomerIdentifier)
		in.MessageDeduplicationId = aws.String(d.Event.ID)
	}
	_, err = client.SendMessage(ctx, in)
	return sdkOutcome(err)
}

// deliverPutEvents sends d's events in one PutEvents call to the target's
// endpoint and bus. EventBridge assigns the id, account and region itself.
func (n *Notifier) deliverPutEvents(ctx context.Context, d meterd.Delivery) outcome {
	events := Events(d.Event, n.seller(ctx, d.Event.ProductCode))
	if len(events) == 0 {
		return outcome{}
	}
	bus := d.Target.EventBus
	if bus == "" {
		bus = "default"
	}
	entries := make([]ebtypes.PutEventsRequestEntry, len(events))
	for i, ev := range events {
		detail, err := json.Marshal(ev.Detail)
		if err != nil {
			return outcome{err: err}
		}
		t, _ := time.Parse(time.RFC3339, ev.Time)
		entries[i] = ebtypes.PutEventsRequestEntry{
			Source: aws.String(ev.Source), DetailType: aws.String(ev.DetailType), Detail: aws.String(string(detail)),
			Resources: ev.Resources, Time: aws.Time(t), EventBusName: aws.String(bus),
		}
	}
	client := eventbridge.NewFromConfig(n.awsConfig(d.Target), func(o *eventbridge.Options) {
		if d.Target.Endpoint != "" {
			o.BaseEndpoint = aws.String(d.Target.Endpoint)
		}
	})
	out, err := client.PutEvents(ctx, &eventbridge.PutEventsInput{Entries: entries})
	if err != nil {
		return sdkOutcome(err)
	}
	if out.FailedEntryCount > 0 {
		for _, e := range out.Entries {
			if e.ErrorCode != nil {
				return outcome{status: 200, err: fmt.Errorf("PutEvents: %s: %s", aws.ToString(e.ErrorCode), aws.ToString(e.ErrorMessage))}
			}
		}
		return outcome{status: 200, err: fmt.Errorf("PutEvents: %d entries failed", out.FailedEntryCount)}
	}
	return outcome{status: 200}
}

// sdkOutcome turns an SDK call's error into an outcome with the HTTP
// status the service answered.
func sdkOutcome(err error) outcome {
	if err == nil {
		return outcome{status: 200}
	}
	var re *awshttp.ResponseError
	if errors.As(err, &re) {
		return outcome{status: re.HTTPStatusCode(), err: err}
	}
	return outcome{err: err}
}
