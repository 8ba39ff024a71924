package console

import (
	"io"
	"net/http"
	"strings"
	"testing"
)

// TestLoopback: one row per way a handler answers through the loopback.
func TestLoopback(t *testing.T) {
	tests := []struct {
		name       string
		h          http.HandlerFunc
		wantStatus int
		wantBody   string
		wantErr    string
	}{
		{"OK status, header and body", func(w http.ResponseWriter, r *http.Request) {
			w.Header().Set("X-Seen", r.Header.Get("User-Agent")+" "+r.URL.RequestURI())
			w.WriteHeader(http.StatusCreated)
			_, _ = io.WriteString(w, "made")
		}, http.StatusCreated, "made", ""},
		{"OK a write without a header is a 200", func(w http.ResponseWriter, r *http.Request) {
			_, _ = io.WriteString(w, "ok")
		}, http.StatusOK, "ok", ""},
		{"OK nothing written is an empty 200", func(w http.ResponseWriter, r *http.Request) {}, http.StatusOK, "", ""},
		{"ErrPanicBeforeTheHeader", func(w http.ResponseWriter, r *http.Request) { panic("boom") }, 0, "", "panicked: boom"},
		{"ErrPanicAfterTheHeader", func(w http.ResponseWriter, r *http.Request) {
			_, _ = io.WriteString(w, "half")
			panic("boom")
		}, http.StatusOK, "half", "panicked: boom"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			req, _ := http.NewRequestWithContext(t.Context(), http.MethodGet, "http://console.invalid/x?y=1", nil)
			resp, err := Loopback(tt.h).RoundTrip(req)
			if err != nil {
				if tt.wantErr == "" || tt.wantStatus != 0 || !strings.Contains(err.Error(), tt.wantErr) {
					t.Fatalf("RoundTrip: %v, want %q", err, tt.wantErr)
				}
				return
			}
			defer resp.Body.Close()
			body, err := io.ReadAll(resp.Body)
			if resp.StatusCode != tt.wantStatus || string(body) != tt.wantBody {
				t.Fatalf("%d %q, want %d %q", resp.StatusCode, body, tt.wantStatus, tt.wantBody)
			}
			if (err != nil) != (tt.wantErr != "") || (err != nil && !strings.Contains(err.Error(), tt.wantErr)) {
				t.Fatalf("body error %v, want %q", err, tt.wantErr)
			}
			if tt.wantStatus == http.StatusCreated && resp.Header.Get("X-Seen") != "meterd-console /x?y=1" {
				t.Fatalf("X-Seen %q", resp.Header.Get("X-Seen"))
			}
		})
	}
}

// TestLoopbackStreams: the answer arrives while the handler still writes,
// and a reader that stops makes the handler's next write fail.
func TestLoopbackStreams(t *testing.T) {
	wrote, failed := make(chan struct{}), make(chan error, 1)
	h := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		_, _ = io.WriteString(w, "first")
		<-wrote
		_, err := io.WriteString(w, "second")
		failed <- err
	})
	req, _ := http.NewRequestWithContext(t.Context(), http.MethodGet, "http://console.invalid/", nil)
	resp, err := Loopback(h).RoundTrip(req)
	if err != nil {
		t.Fatal(err)
	}
	buf := make([]byte, 5)
	if _, err := io.ReadFull(resp.Body, buf); err != nil || string(buf) != "first" {
		t.Fatalf("read %q, %v before the handler finished", buf, err)
	}
	resp.Body.Close()
	close(wrote)
	if err := <-failed; err == nil {
		t.Fatal("a write after the reader closed succeeded")
	}
}
