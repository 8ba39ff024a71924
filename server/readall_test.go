package server

import (
	"bytes"
	"errors"
	"io"
	"strings"
	"testing"
	"testing/iotest"
)

// TestReadAll: the declared length only sizes the first buffer; whatever
// it says, the whole body is read, and a read error is returned.
func TestReadAll(t *testing.T) {
	body := strings.Repeat("0123456789", maxPresized/5) // twice maxPresized
	for _, tc := range []struct {
		name          string
		contentLength int64
	}{
		{"exact", int64(len(body))},
		{"unknown", -1},
		{"zero", 0},
		{"too small", 10},
		{"too large", int64(len(body)) * 2},
		{"past the first buffer", maxPresized * 3},
	} {
		t.Run(tc.name, func(t *testing.T) {
			// OneByteReader makes every Read short, as a slow client's are.
			got, err := readAll(iotest.OneByteReader(strings.NewReader(body)), tc.contentLength)
			if err != nil || string(got) != body {
				t.Fatalf("readAll = %d bytes, %v; want %d bytes", len(got), err, len(body))
			}
		})
	}
	broken := errors.New("connection reset")
	r := io.MultiReader(bytes.NewReader([]byte("abc")), iotest.ErrReader(broken))
	if _, err := readAll(r, 100); !errors.Is(err, broken) {
		t.Fatalf("readAll of a failing body = %v, want %v", err, broken)
	}
}
