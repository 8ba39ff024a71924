package notify

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strings"

	"github.com/meterd/meterd"
)

// outcome is what one attempt got: the HTTP status answered (0 when none
// came back) and an error unless the delivery is done.
type outcome struct {
	status int
	err    error
}

// errPendingConfirmation is an attempt on an sns-http target whose
// endpoint has not visited its SubscribeURL yet.
var errPendingConfirmation = errors.New("subscription pending confirmation: the endpoint has not visited the SubscribeURL")

// deliver makes one attempt of d.
func (n *Notifier) deliver(ctx context.Context, d meterd.Delivery) outcome {
	switch d.Target.Kind {
	case meterd.TargetSNSHTTP:
		return n.deliverSNSHTTP(ctx, d)
	case meterd.TargetSNSSQS:
		return n.deliverSQS(ctx, d)
	case meterd.TargetEventBridgeHTTP:
		return n.deliverEventsHTTP(ctx, d)
	case meterd.TargetEventBridgeAPI:
		return n.deliverPutEvents(ctx, d)
	}
	return outcome{err: fmt.Errorf("unknown target kind %q", d.Target.Kind)}
}

// notification is d's signed SNS Notification envelope.
func (n *Notifier) notification(d meterd.Delivery, subscriptionArn string) (*Envelope, error) {
	topic := TopicARN(d.Event)
	env := &Envelope{
		Type: TypeNotification, MessageID: d.Event.ID, TopicArn: topic,
		Message:        MessageJSON(d.Event),
		Timestamp:      formatTimestamp(d.Event.Time),
		SigningCertURL: n.CertURL(),
		UnsubscribeURL: n.cfg.UnsubscribeURL + "?" + url.Values{"Action": {"Unsubscribe"}, "SubscriptionArn": {subscriptionArn}}.Encode(),
	}
	return env, n.signer.Sign(env)
}

// deliverSNSHTTP posts the notification once the endpoint has confirmed
// its subscription; until then each attempt (re)sends the
// SubscriptionConfirmation and fails.
func (n *Notifier) deliverSNSHTTP(ctx context.Context, d meterd.Delivery) outcome {
	topic := TopicARN(d.Event)
	sub, err := n.subs.get(topic, d.Target.Endpoint)
	if err != nil {
		return outcome{err: err}
	}
	if !sub.Confirmed {
		return n.sendConfirmation(ctx, d, sub)
	}
	env, err := n.notification(d, sub.SubscriptionArn)
	if err != nil {
		return outcome{err: err}
	}
	return n.postSNS(ctx, d.Target.Endpoint, env, sub.SubscriptionArn)
}

func (n *Notifier) sendConfirmation(ctx context.Context, d meterd.Delivery, sub subscription) outcome {
	q := url.Values{"Action": {"ConfirmSubscription"}, "TopicArn": {sub.TopicArn}, "Token": {sub.Token}}
	env := &Envelope{
		Type: TypeSubscriptionConfirmation, MessageID: newID(), Token: sub.Token, TopicArn: sub.TopicArn,
		Message:        "You have chosen to subscribe to the topic " + sub.TopicArn + ".\nTo confirm the subscription, visit the SubscribeURL included in this message.",
		SubscribeURL:   n.cfg.ConfirmURL + "?" + q.Encode(),
		Timestamp:      formatTimestamp(n.clock.Now()),
		SigningCertURL: n.CertURL(),
	}
	if err := n.signer.Sign(env); err != nil {
		return outcome{err: err}
	}
	out := n.postSNS(ctx, d.Target.Endpoint, env, "")
	if out.err == nil {
		out.err = errPendingConfirmation
	}
	return out
}

// postSNS posts env with the headers SNS sends.
func (n *Notifier) postSNS(ctx context.Context, endpoint string, env *Envelope, subscriptionArn string) outcome {
	body, err := json.Marshal(env)
	if err != nil {
		return outcome{err: err}
	}
	h := http.Header{}
	h.Set("Content-Type", "text/plain; charset=UTF-8")
	h.Set("User-Agent", "Amazon Simple Notification Service Agent")
	h.Set("x-amz-sns-message-type", env.Type)
	h.Set("x-amz-sns-message-id", env.MessageID)
	h.Set("x-amz-sns-topic-arn", env.TopicArn)
	if subscriptionArn != "" {
		h.Set("x-amz-sns-subscription-arn", subscriptionArn)
	}
	return n.post(ctx, endpoint, h, body)
}

// deliverEventsHTTP posts each event of d, in order, as an EventBridge API
// destination does; the first failure fails the attempt, and the retry
// sends them all again (with the same ids).
func (n *Notifier) deliverEventsHTTP(ctx context.Context, d meterd.Delivery) outcome {
	events := Events(d.Event, n.seller(ctx, d.Event.ProductCode))
	out := outcome{}
	for _, ev := range events {
		body, err := json.Marshal(ev)
		if err != nil {
			return outcome{err: err}
		}
		h := http.Header{}
		h.Set("Content-Type", "application/json; charset=utf-8")
		h.Set("User-Agent", "Amazon/EventBridge/ApiDestinations")
		if out = n.post(ctx, d.Target.Endpoint, h, body); out.err != nil {
			return out
		}
	}
	return out
}

// post sends body to endpoint; any answer but 2xx fails the attempt.
// Redirects are not followed, as SNS does not follow them.
func (n *Notifier) post(ctx context.Context, endpoint string, h http.Header, body []byte) outcome {
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, endpoint, bytes.NewReader(body))
	if err != nil {
		return outcome{err: err}
	}
	req.Header = h
	resp, err := n.http.Do(req)
	if err != nil {
		return outcome{err: err}
	}
	defer resp.Body.Close()
	snippet, _ := io.ReadAll(io.LimitReader(resp.Body, maxErrorBody))
	if resp.StatusCode < 200 || resp.StatusCode > 299 {
		text := strings.TrimSpace(string(snippet))
		return outcome{status: resp.StatusCode, err: fmt.Errorf("HTTP %d %s: %s", resp.StatusCode, http.StatusText(resp.StatusCode), text)}
	}
	return outcome{status: resp.StatusCode}
}

// maxErrorBody bounds how much of a failed answer an attempt records.
const maxErrorBody = 200
