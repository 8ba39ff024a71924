package server_test

import (
	"flag"
	"fmt"
	"runtime"
	"testing"
	"time"

	"github.com/meterd/meterd/server"
)

var stalledClients = flag.Int("stalled-clients", 1500, "clients of BenchmarkStalledUploads")

// BenchmarkStalledUploads is issue 5's load: clients that each send just
// under 1 MiB and stall, against the default limits. It reports the body
// bytes held and the live heap (server and clients together) once every
// client holds its bytes or was refused.
//
//	go test -run=^$ -bench=StalledUploads -benchtime=1x ./server
func BenchmarkStalledUploads(b *testing.B) {
	const justUnder = 1<<20 - 1
	for range b.N {
		l := server.DefaultLimits()
		l.BodyReadTimeout = time.Hour // hold the stalled state while it is measured
		ts, g := startGuarded(b, l)
		clients := make([]*stalledClient, *stalledClients)
		for i := range clients {
			clients[i] = stall(b, ts.Listener.Addr().String(), bodyShape{contentLength: justUnder, send: justUnder - 1})
		}
		holders := int(l.MaxBufferedBytes / justUnder)
		refused := 0
		waitFor(b, func() bool {
			refused += len(received(clients))
			return refused == len(clients)-holders
		}, func() string { return fmt.Sprintf("%d refused, %+v", refused, g.Stats()) })
		runtime.GC()
		var ms runtime.MemStats
		runtime.ReadMemStats(&ms)
		st := g.Stats()
		b.ReportMetric(float64(st.PeakBuffered)/(1<<20), "peak-buffered-MiB")
		b.ReportMetric(float64(ms.HeapAlloc)/(1<<20), "live-heap-MiB")
		b.ReportMetric(float64(st.PeakConns), "peak-conns")
		for _, c := range clients {
			c.conn.Close()
		}
	}
}
