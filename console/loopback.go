package console

import (
	"fmt"
	"io"
	"net/http"
	"sync"
)

// Loopback is an http.RoundTripper that serves each request with h in
// this process, without a socket: node gives the console a
// server.AdminClient over the admin API this way, so that a change made in
// the console passes the same checks, log and audit trail as one made by
// `meterd admin`. The answer streams: the response returns once h has
// written its header, and its body is what h writes after, so that an
// export of millions of records passes through in constant memory.
// Closing the body early makes h's further writes fail.
func Loopback(h http.Handler) http.RoundTripper { return loopback{h} }

type loopback struct{ h http.Handler }

func (l loopback) RoundTrip(req *http.Request) (*http.Response, error) {
	in := req.Clone(req.Context())
	in.RequestURI = req.URL.RequestURI()
	in.RemoteAddr = "127.0.0.1:0"
	in.Header.Set("User-Agent", "meterd-console")
	if in.Body == nil {
		in.Body = http.NoBody
	}
	pr, pw := io.Pipe()
	rec := &recorder{header: http.Header{}, pipe: pw, ready: make(chan struct{})}
	go func() {
		defer func() {
			if p := recover(); p != nil {
				rec.fail(fmt.Errorf("console loopback: the handler panicked: %v", p))
				return
			}
			rec.WriteHeader(http.StatusOK) // a handler that wrote nothing
			_ = pw.Close()                 // always nil
		}()
		l.h.ServeHTTP(rec, in)
	}()
	<-rec.ready
	if rec.err != nil {
		return nil, rec.err
	}
	return &http.Response{
		Status: http.StatusText(rec.status), StatusCode: rec.status, Proto: "HTTP/1.1", ProtoMajor: 1, ProtoMinor: 1,
		Header: rec.sent, Body: pr, ContentLength: -1, Request: req,
	}, nil
}

// recorder is the http.ResponseWriter of a loopback request: the header
// is handed over at WriteHeader, the body through the pipe.
type recorder struct {
	header, sent http.Header
	status       int
	err          error // the handler panicked before its header
	pipe         *io.PipeWriter
	once         sync.Once
	ready        chan struct{}
}

func (r *recorder) Header() http.Header { return r.header }

func (r *recorder) WriteHeader(status int) {
	r.once.Do(func() {
		r.status, r.sent = status, r.header.Clone()
		close(r.ready)
	})
}

func (r *recorder) Write(b []byte) (int, error) {
	r.WriteHeader(http.StatusOK)
	return r.pipe.Write(b)
}

// Flush is a no-op: every write already reaches the reader.
func (r *recorder) Flush() {}

func (r *recorder) fail(err error) {
	r.once.Do(func() {
		r.err = err
		close(r.ready)
	})
	_ = r.pipe.CloseWithError(err) // always nil
}
