package node

import (
	"net/http"

	"github.com/meterd/meterd/console"
	"github.com/meterd/meterd/server"
)

// withConsole serves the web console at console.Path beside srv's routes.
// The console reads the services srv uses and makes its changes through
// srv's admin API in process (console.Loopback), so they are checked and
// audited like any admin call.
func (n *Node) withConsole(srv *server.Server) (http.Handler, error) {
	api := srv.Handler()
	c, err := console.New(console.Config{
		Token: n.adminToken,
		Admin: &server.AdminClient{BaseURL: "http://console.invalid", Token: n.adminToken,
			HTTP: &http.Client{Transport: console.Loopback(api)}},
		Audit:      n.audit.log,
		Clock:      n.clock,
		Faults:     n.faults,
		Limiter:    n.limiter,
		Ledger:     n.store,
		AllowReset: n.cfg.AllowReset,
		Logger:     n.logger,
	})
	if err != nil {
		return nil, err
	}
	mux := http.NewServeMux()
	mux.Handle(console.Path, c)
	mux.Handle(console.Path+"/", c)
	mux.Handle("/", api)
	return mux, nil
}

// ConsoleURL is the web console's address.
func (n *Node) ConsoleURL() string { return n.URL() + console.Path + "/" }
