package awsproto

import (
	"errors"
	"strings"
	"testing"

	"github.com/meterd/meterd"
)

// The seed corpora in testdata/fuzz/ are real request bodies: the SDK
// snapshots of spec §1.1 and the RPC v2 CBOR encodings of §2.

// FuzzDecodeJSON decodes arbitrary bodies as every operation's JSON input.
func FuzzDecodeJSON(f *testing.F) {
	f.Fuzz(func(t *testing.T, body []byte) {
		for _, op := range Operations() {
			checkDecode(t, JSON, op, body)
		}
	})
}

// FuzzDecodeCBOR decodes arbitrary bodies as every operation's CBOR input
// (Decode is protocol independent; only GetEntitlements is served so).
func FuzzDecodeCBOR(f *testing.F) {
	f.Fuzz(func(t *testing.T, body []byte) {
		for _, op := range Operations() {
			checkDecode(t, CBOR, op, body)
		}
	})
}

// checkDecode asserts that Decode never panics and fails only with a
// client error of the three decoding codes.
func checkDecode(t *testing.T, p Protocol, op *Operation, body []byte) {
	err := Decode(p, op, body, op.NewInput())
	if err == nil {
		return
	}
	var e *meterd.Error
	if !errors.As(err, &e) {
		t.Fatalf("%s: error %v is not a *meterd.Error", op.Name, err)
	}
	switch e.Code {
	case meterd.ESerialization:
	case op.invalidCode:
		if !strings.Contains(e.Message, " detected: Value ") {
			t.Fatalf("%s: validation message %q", op.Name, e.Message)
		}
	default:
		t.Fatalf("%s: code %s (%s)", op.Name, e.Code, e.Message)
	}
}
