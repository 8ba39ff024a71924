package console_test

import (
	"io"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/meterd/meterd/meterdtest"
)

// browser is a minimal HTTP client for the console: it never follows
// redirects (tests check them) and sends the headers a browser sends on a
// same-origin request unless a test overrides them.
type browser struct {
	t      *testing.T
	base   string // the meterd's URL
	cookie *http.Cookie
	http   *http.Client
}

func newBrowser(t *testing.T, s *meterdtest.Server) *browser {
	t.Helper()
	return &browser{t: t, base: s.URL, http: &http.Client{
		CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse },
	}}
}

// answer is a response with its body read.
type answer struct {
	status int
	header http.Header
	body   string
}

// do sends a request; headers are added after the defaults and override
// them ("" deletes one).
func (b *browser) do(method, path string, form url.Values, headers map[string]string) answer {
	b.t.Helper()
	var body io.Reader
	if form != nil {
		body = strings.NewReader(form.Encode())
	}
	req, err := http.NewRequest(method, b.base+path, body)
	if err != nil {
		b.t.Fatal(err)
	}
	if form != nil {
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
		req.Header.Set("Origin", b.base)
		req.Header.Set("Sec-Fetch-Site", "same-origin")
	}
	if b.cookie != nil {
		req.AddCookie(b.cookie)
	}
	for k, v := range headers {
		if v == "" {
			req.Header.Del(k)
		} else {
			req.Header.Set(k, v)
		}
	}
	resp, err := b.http.Do(req)
	if err != nil {
		b.t.Fatal(err)
	}
	defer resp.Body.Close()
	text, err := io.ReadAll(resp.Body)
	if err != nil {
		b.t.Fatal(err)
	}
	return answer{status: resp.StatusCode, header: resp.Header, body: string(text)}
}

// login logs in with token and keeps the session cookie.
func (b *browser) login(token string) answer {
	b.t.Helper()
	a := b.do(http.MethodPost, "/console/login", url.Values{"token": {token}}, nil)
	for _, line := range a.header.Values("Set-Cookie") {
		if c, err := http.ParseSetCookie(line); err == nil && c.Name == "meterd_console" {
			b.cookie = c
		}
	}
	return a
}

// mustLogin logs in with the right token and fails the test otherwise.
func (b *browser) mustLogin(s *meterdtest.Server) {
	b.t.Helper()
	if a := b.login(s.AdminToken); a.status != http.StatusSeeOther || b.cookie == nil {
		b.t.Fatalf("login: status %d, cookie %v", a.status, b.cookie)
	}
}

// csrf is the CSRF token of the page at path.
func (b *browser) csrf(path string) string {
	b.t.Helper()
	a := b.do(http.MethodGet, path, nil, nil)
	_, rest, ok := strings.Cut(a.body, `name="csrf" value="`)
	if !ok {
		b.t.Fatalf("GET %s: no CSRF token in the page (status %d)", path, a.status)
	}
	token, _, _ := strings.Cut(rest, `"`)
	return token
}
