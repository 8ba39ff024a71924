package meterdtest

import (
	"context"

	"github.com/meterd/meterd/audit"
	"github.com/meterd/meterd/server"
)

// Admin returns a client of the server's admin API.
func (s *Server) Admin() *server.AdminClient {
	return &server.AdminClient{BaseURL: s.URL, Token: s.AdminToken}
}

// WaitCalls waits until q.Min calls (or, with q.Records, usage records)
// matching q have reached the server, and returns them, so that a test
// waits for "3 BatchMeterUsage records for customer X" instead of
// sleeping. It returns an error when ctx ends first; give ctx a deadline.
//
//	ctx, cancel := context.WithTimeout(ctx, 10*time.Second)
//	defer cancel()
//	calls, err := s.WaitCalls(ctx, audit.CallQuery{Filter: meterd.AuditFilter{
//		EventName: "BatchMeterUsage", Customer: "X", Since: start}, Min: 3, Records: true})
func (s *Server) WaitCalls(ctx context.Context, q audit.CallQuery) (*server.CallsOutput, error) {
	return s.Admin().WaitCalls(ctx, q)
}
