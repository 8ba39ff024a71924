package main

import (
	"bufio"
	"io"
	"net"
	"net/http"
	"strings"
	"testing"
)

// TestServeLimits: `meterd serve` runs behind server.DefaultLimits. A
// header beyond MaxHeaderBytes is refused by http.Server, and a body
// announced over 1 MiB is refused before any of it is sent (the client
// here never sends it).
func TestServeLimits(t *testing.T) {
	s := startServer(t, "")
	head := "POST / HTTP/1.1\r\nHost: meterd.test\r\nX-Amz-Target: " + meteringTarget + "MeterUsage\r\n" +
		"Content-Type: application/x-amz-json-1.1\r\n"
	t.Run("ErrHeaderOver16KiB", func(t *testing.T) {
		r := sendHead(t, s, head+"X-Padding: "+strings.Repeat("a", 32<<10)+"\r\n\r\n")
		if r.Status != http.StatusRequestHeaderFieldsTooLarge {
			t.Fatalf("got %d %s, want 431", r.Status, r.Body)
		}
	})
	t.Run("ErrContentLengthOver1MiBUnsent", func(t *testing.T) {
		r := sendHead(t, s, head+"Content-Length: 2097152\r\n\r\n")
		assertAWSError(t, r, http.StatusBadRequest, "ValidationException")
	})
}

// sendHead writes a raw request head (and no body) and reads the answer.
func sendHead(t *testing.T, s *testServer, head string) rawResponse {
	t.Helper()
	conn, err := net.Dial("tcp", strings.TrimPrefix(s.URL, "http://"))
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	if _, err := io.WriteString(conn, head); err != nil {
		t.Fatal(err)
	}
	resp, err := http.ReadResponse(bufio.NewReader(conn), nil)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	// A refused head's connection may be reset after the answer, with the
	// body partly read; the status and headers are what the tests check.
	body, _ := io.ReadAll(resp.Body)
	return rawResponse{Status: resp.StatusCode, Header: resp.Header, Body: body}
}
