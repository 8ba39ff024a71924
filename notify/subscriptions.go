package notify

import (
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"sync"

	"github.com/google/uuid"
	"github.com/meterd/meterd"
)

// SubscriptionsFile is the name, in the data directory, of the file
// holding the SNS subscriptions of sns-http targets and whether each is
// confirmed.
const SubscriptionsFile = "sns-subscriptions.json"

// subscription is one (topic, endpoint) pair, as SNS keeps a subscription.
type subscription struct {
	TopicArn        string `json:"topicArn"`
	Endpoint        string `json:"endpoint"`
	SubscriptionArn string `json:"subscriptionArn"`
	Token           string `json:"token"`
	Confirmed       bool   `json:"confirmed"`
}

// subscriptions is the table of sns-http subscriptions, kept in a file so
// that a confirmed endpoint stays confirmed across restarts.
type subscriptions struct {
	path string // "" keeps them in memory only

	mu     sync.Mutex
	loaded bool
	subs   []subscription
}

// get returns the subscription of (topic, endpoint), making an
// unconfirmed one with a fresh token when there is none.
func (s *subscriptions) get(topic, endpoint string) (subscription, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if err := s.load(); err != nil {
		return subscription{}, err
	}
	for _, sub := range s.subs {
		if sub.TopicArn == topic && sub.Endpoint == endpoint {
			return sub, nil
		}
	}
	token := make([]byte, 64)
	if _, err := rand.Read(token); err != nil {
		return subscription{}, err
	}
	sub := subscription{TopicArn: topic, Endpoint: endpoint, SubscriptionArn: topic + ":" + uuid.NewString(), Token: hex.EncodeToString(token)}
	s.subs = append(s.subs, sub)
	return sub, s.save()
}

// confirm marks the subscription of topic with token confirmed and returns
// its ARN. A wrong pair is EInvalid, as SNS answers InvalidParameter.
func (s *subscriptions) confirm(topic, token string) (string, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if err := s.load(); err != nil {
		return "", err
	}
	for i, sub := range s.subs {
		if sub.TopicArn == topic && sub.Token == token && token != "" {
			s.subs[i].Confirmed = true
			return sub.SubscriptionArn, s.save()
		}
	}
	return "", meterd.Errorf(meterd.EInvalid, "Invalid token")
}

// unsubscribe forgets the subscription with arn: the endpoint's next
// delivery starts a new handshake. An unknown arn is ENotFound.
func (s *subscriptions) unsubscribe(arn string) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if err := s.load(); err != nil {
		return err
	}
	for i, sub := range s.subs {
		if sub.SubscriptionArn == arn {
			s.subs = append(s.subs[:i], s.subs[i+1:]...)
			return s.save()
		}
	}
	return meterd.Errorf(meterd.ENotFound, "Subscription does not exist")
}

func (s *subscriptions) load() error {
	if s.loaded || s.path == "" {
		s.loaded = true
		return nil
	}
	b, err := os.ReadFile(s.path)
	if errors.Is(err, os.ErrNotExist) {
		s.loaded = true
		return nil
	}
	if err != nil {
		return fmt.Errorf("notify: subscriptions: %w", err)
	}
	if err := json.Unmarshal(b, &s.subs); err != nil {
		return fmt.Errorf("notify: subscriptions %s: %w", s.path, err)
	}
	s.loaded = true
	return nil
}

func (s *subscriptions) save() error {
	if s.path == "" {
		return nil
	}
	b, err := json.MarshalIndent(s.subs, "", "  ")
	if err != nil {
		return err
	}
	if err := writeFileAtomic(s.path, b); err != nil {
		return fmt.Errorf("notify: subscriptions: %w", err)
	}
	return nil
}
