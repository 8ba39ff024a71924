package sigv4

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"net/http"
	"strings"
	"sync"
)

// signingInput is what the expected signature depends on.
type signingInput struct {
	request *http.Request
	auth    Authorization
	secret  string
	// payloadHash is the last line of the canonical request.
	payloadHash string
	bodyLength  int
	// amzDate is X-Amz-Date as sent (checked to be ISO 8601 basic).
	amzDate   string
	presigned bool
}

// expectedSignature computes the hex signature the client must have sent,
// over the canonical request built by appendCanonicalRequest.
func (v *Verifier) expectedSignature(in signingInput) string {
	var buf [1024]byte
	canonical := sha256.Sum256(appendCanonicalRequest(buf[:0], in))
	a := in.auth
	toSign := append(buf[:0], Algorithm+"\n"...)
	toSign = append(toSign, in.amzDate...)
	toSign = append(toSign, '\n')
	toSign = append(toSign, a.Date+"/"+a.Region+"/"+a.Service+"/"+a.Terminator+"\n"...)
	toSign = hex.AppendEncode(toSign, canonical[:])
	key := v.keys.get(scope{secret: in.secret, date: a.Date, region: a.Region, service: a.Service})
	return hex.EncodeToString(hmacSHA256(key, toSign))
}

func hmacSHA256(key, data []byte) []byte {
	m := hmac.New(sha256.New, key)
	m.Write(data)
	return m.Sum(nil)
}

// scope is what a derived signing key depends on.
type scope struct{ secret, date, region, service string }

// maxSigningKeys bounds the cache: a client with a valid key can make up
// regions, and each made-up region would otherwise stay for ever. It has
// room for every key of a large seed (50,000 buyers with a key each, one
// scope per day): at 256, 2,000 buyers missed 7 times in 8 and paid four
// HMACs and their allocations on most requests. Full, it holds about
// 13 MB (an entry is ~200 bytes).
const maxSigningKeys = 1 << 16

// signingKeys caches derived signing keys, which saves four of the five
// HMACs per request. The secret is part of the cache key, so a re-seeded
// secret never meets its predecessor's key. The zero value is ready.
type signingKeys struct {
	mu   sync.Mutex
	keys map[scope][]byte
	max  int // 0 is maxSigningKeys; tests lower it
}

func (c *signingKeys) get(s scope) []byte {
	c.mu.Lock()
	key, ok := c.keys[s]
	c.mu.Unlock()
	if ok {
		return key
	}
	key = deriveSigningKey(s)
	// Clone: the scope's strings are slices of the request's header, which
	// the cache must not keep alive.
	s = scope{secret: s.secret, date: strings.Clone(s.date), region: strings.Clone(s.region),
		service: strings.Clone(s.service)}
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.keys == nil {
		c.keys = make(map[scope][]byte)
	}
	if len(c.keys) >= c.limit() {
		for old := range c.keys { // evict one arbitrary entry
			delete(c.keys, old)
			break
		}
	}
	c.keys[s] = key
	return key
}

func (c *signingKeys) limit() int {
	if c.max > 0 {
		return c.max
	}
	return maxSigningKeys
}

// deriveSigningKey is SigV4's HMAC chain from the secret to the scope.
func deriveSigningKey(s scope) []byte {
	key := hmacSHA256([]byte("AWS4"+s.secret), []byte(s.date))
	key = hmacSHA256(key, []byte(s.region))
	key = hmacSHA256(key, []byte(s.service))
	return hmacSHA256(key, []byte(scopeTerminator))
}
