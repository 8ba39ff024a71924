package console

import (
	"bytes"
	"encoding/json"
	"html/template"
	"io/fs"
	"net/http"
	"strings"
	"time"

	"github.com/meterd/meterd"
	"github.com/meterd/meterd/server"
)

// view is what every page template gets.
type view struct {
	Title  string
	Active string // the nav entry to mark
	CSRF   string
	Flash  string
	// FlashLink is a link shown with the flash, opened in a new tab.
	FlashLink string
	Error     string
	// Live marks a page that reloads its <main> as calls arrive (see
	// liveStart); its stream starts at Since, after the Seen calls already
	// there.
	Live  bool
	Since string
	Seen  int
	Data  any
}

// nav is the menu, in order.
var nav = []struct{ Path, Name string }{
	{"/", "Overview"}, {"/records", "Records"}, {"/customers", "Customers"}, {"/health", "Health"}, {"/bill", "Bill"},
	{"/notifications", "Notifications"}, {"/audit", "Audit trail"}, {"/calls", "Call log"}, {"/clock", "Clock"},
	{"/faults", "Faults"}, {"/quotas", "Quotas"}, {"/keys", "Signing keys"}, {"/reset", "Reset"},
}

var funcs = template.FuncMap{
	"base": func() string { return Path },
	"nav":  func() any { return nav },
	"time": func(t time.Time) string {
		if t.IsZero() {
			return "—"
		}
		return t.UTC().Format("2006-01-02 15:04:05Z")
	},
	"iso":              func(t time.Time) string { return t.UTC().Format(time.RFC3339) },
	"pretty":           prettyJSON,
	"entitlementsText": entitlementsText,
}

// prettyJSON indents a raw JSON value for a <pre>; anything else is shown
// as it is.
func prettyJSON(raw json.RawMessage) string {
	if len(raw) == 0 || string(raw) == "null" {
		return "—"
	}
	var b bytes.Buffer
	if json.Indent(&b, raw, "", "  ") != nil {
		return string(raw)
	}
	return b.String()
}

// parsePages parses each page with the layout around it.
func parsePages() (map[string]*template.Template, error) {
	files, err := fs.Glob(templateFS, "templates/*.html")
	if err != nil {
		return nil, err
	}
	pages := map[string]*template.Template{}
	for _, f := range files {
		name := strings.TrimSuffix(strings.TrimPrefix(f, "templates/"), ".html")
		if name == "layout" {
			continue
		}
		t, err := template.New("layout.html").Funcs(funcs).ParseFS(templateFS, "templates/layout.html", f)
		if err != nil {
			return nil, err
		}
		pages[name] = t
	}
	return pages, nil
}

// render writes page name; a template failure (a bug) is logged and
// answered with a plain 500, since half a page may be written by then.
func (c *Console) render(w http.ResponseWriter, status int, name string, v view) {
	pages, err := c.pages()
	var b bytes.Buffer
	if err == nil {
		err = pages[name].Execute(&b, v)
	}
	if err != nil {
		c.log.Error("console: render", meterd.LogKeyError, err)
		http.Error(w, "the console could not render this page", http.StatusInternalServerError)
		return
	}
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	w.WriteHeader(status)
	_, _ = w.Write(b.Bytes()) // the client went away; nothing to do
}

// page renders a page of a logged-in user, with the flash of the last
// change.
func (c *Console) page(w http.ResponseWriter, s *session, status int, name string, v view) {
	v.CSRF = s.csrf
	v.Flash, v.FlashLink = c.sessions.takeFlash(s)
	if v.Active == "" {
		v.Active = "/" + name
	}
	c.render(w, status, name, v)
}

// status answers with a short page saying what went wrong.
func (c *Console) status(w http.ResponseWriter, r *http.Request, code int, msg string) {
	c.render(w, code, "status", view{Title: http.StatusText(code), Error: msg})
}

// done records msg for the next page and sends the browser there (POST,
// redirect, GET: a reload does not repeat the change).
func (c *Console) done(w http.ResponseWriter, r *http.Request, s *session, to, msg string) {
	c.sessions.setFlash(s, msg)
	http.Redirect(w, r, Path+to, http.StatusSeeOther)
}

// statusOf is the HTTP status of a failed change: the admin API's own
// mapping of its error codes.
func statusOf(err error) int { return server.AdminStatusOf(err) }

// errorText is what a page shows of a failed change: the coded message,
// never an internal detail.
func errorText(err error) string {
	if statusOf(err) == http.StatusInternalServerError {
		return meterd.InternalErrorMessage
	}
	return meterd.ErrorMessage(err)
}
