package console_test

import (
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/meterd/meterd/meterdtest"
)

// TestLogin: one row per rule of the login form and its cookie.
func TestLogin(t *testing.T) {
	s := meterdtest.Start(t)
	tests := []struct {
		name       string
		form       url.Values
		headers    map[string]string
		wantStatus int
		wantCookie bool
		wantTo     string // Location, when redirected
	}{
		{"OK right token", url.Values{"token": {s.AdminToken}}, nil, http.StatusSeeOther, true, "/console/"},
		{"OK back to the page asked for", url.Values{"token": {s.AdminToken}, "next": {"/console/audit?eventName=MeterUsage"}}, nil,
			http.StatusSeeOther, true, "/console/audit?eventName=MeterUsage"},
		{"OK next outside the console goes to the overview", url.Values{"token": {s.AdminToken}, "next": {"https://evil.example/console/"}}, nil,
			http.StatusSeeOther, true, "/console/"},
		{"OK next scheme-relative goes to the overview", url.Values{"token": {s.AdminToken}, "next": {"//evil.example/console/"}}, nil,
			http.StatusSeeOther, true, "/console/"},
		{"ErrWrongToken", url.Values{"token": {"not-the-token"}}, nil, http.StatusUnauthorized, false, ""},
		{"ErrEmptyToken", url.Values{"token": {""}}, nil, http.StatusUnauthorized, false, ""},
		{"ErrTokenPrefix", url.Values{"token": {s.AdminToken[:len(s.AdminToken)-1]}}, nil, http.StatusUnauthorized, false, ""},
		{"ErrCrossSiteLogin", url.Values{"token": {s.AdminToken}}, map[string]string{"Sec-Fetch-Site": "cross-site"},
			http.StatusForbidden, false, ""},
		{"ErrForeignOrigin", url.Values{"token": {s.AdminToken}}, map[string]string{"Sec-Fetch-Site": "", "Origin": "http://evil.example"},
			http.StatusForbidden, false, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			b := newBrowser(t, s)
			a := b.do(http.MethodPost, "/console/login", tt.form, tt.headers)
			if a.status != tt.wantStatus {
				t.Fatalf("status %d, want %d: %.300s", a.status, tt.wantStatus, a.body)
			}
			cookies := a.header.Values("Set-Cookie")
			if got := len(cookies) > 0; got != tt.wantCookie {
				t.Fatalf("Set-Cookie %q, want a cookie: %v", cookies, tt.wantCookie)
			}
			if tt.wantTo != "" && a.header.Get("Location") != tt.wantTo {
				t.Errorf("Location %q, want %q", a.header.Get("Location"), tt.wantTo)
			}
			if !tt.wantCookie {
				return
			}
			c, err := http.ParseSetCookie(cookies[0])
			if err != nil {
				t.Fatal(err)
			}
			if !c.HttpOnly || c.SameSite != http.SameSiteStrictMode || c.Path != "/console" || c.Secure {
				t.Errorf("cookie %+v: want HttpOnly, SameSite=Strict, Path=/console and not Secure over plain HTTP", c)
			}
			if strings.Contains(cookies[0], s.AdminToken) || strings.Contains(a.header.Get("Location"), s.AdminToken) {
				t.Errorf("the admin token leaks into the cookie or the redirect: %q", cookies[0])
			}
		})
	}
}

// TestSession: one row per rule a page or a form is held to.
func TestSession(t *testing.T) {
	s := meterdtest.Start(t)
	tests := []struct {
		name string
		// session: "" none, "ok" a logged-in one, "forged" an unknown id,
		// "ended" one that logged out.
		session    string
		method     string
		path       string
		form       func(csrf string) url.Values
		headers    map[string]string
		wantStatus int
		wantTo     string
	}{
		{"OK page with a session", "ok", http.MethodGet, "/console/clock", nil, nil, http.StatusOK, ""},
		{"OK form with its CSRF token", "ok", http.MethodPost, "/console/clock/advance",
			func(csrf string) url.Values { return url.Values{"csrf": {csrf}, "duration": {"1m"}} }, nil, http.StatusSeeOther, "/console/clock"},
		{"OK the login page is open", "", http.MethodGet, "/console/login", nil, nil, http.StatusOK, ""},
		{"OK the assets are open", "", http.MethodGet, "/console/static/console.css", nil, nil, http.StatusOK, ""},
		{"OK /console goes to the overview", "ok", http.MethodGet, "/console", nil, nil, http.StatusSeeOther, "/console/"},
		{"ErrNoCookieRedirectsToLogin", "", http.MethodGet, "/console/audit?eventName=MeterUsage", nil, nil,
			http.StatusSeeOther, "/console/login?next=%2Fconsole%2Faudit%3FeventName%3DMeterUsage"},
		{"ErrForgedSessionRedirectsToLogin", "forged", http.MethodGet, "/console/", nil, nil, http.StatusSeeOther, "/console/login?next=%2Fconsole%2F"},
		{"ErrLoggedOutSessionRedirectsToLogin", "ended", http.MethodGet, "/console/", nil, nil, http.StatusSeeOther, "/console/login?next=%2Fconsole%2F"},
		{"ErrFormWithoutSession", "", http.MethodPost, "/console/clock/advance",
			func(string) url.Values { return url.Values{"duration": {"1m"}} }, nil, http.StatusUnauthorized, ""},
		{"ErrFormWithoutCSRF", "ok", http.MethodPost, "/console/clock/advance",
			func(string) url.Values { return url.Values{"duration": {"1m"}} }, nil, http.StatusForbidden, ""},
		{"ErrForgedCSRF", "ok", http.MethodPost, "/console/clock/advance",
			func(string) url.Values { return url.Values{"csrf": {"forged"}, "duration": {"1m"}} }, nil, http.StatusForbidden, ""},
		{"ErrCrossSitePost", "ok", http.MethodPost, "/console/clock/advance",
			func(csrf string) url.Values { return url.Values{"csrf": {csrf}, "duration": {"1m"}} },
			map[string]string{"Sec-Fetch-Site": "cross-site"}, http.StatusForbidden, ""},
		{"ErrSameSitePost", "ok", http.MethodPost, "/console/clock/advance",
			func(csrf string) url.Values { return url.Values{"csrf": {csrf}, "duration": {"1m"}} },
			map[string]string{"Sec-Fetch-Site": "same-site"}, http.StatusForbidden, ""},
		{"ErrForeignOriginPost", "ok", http.MethodPost, "/console/clock/advance",
			func(csrf string) url.Values { return url.Values{"csrf": {csrf}, "duration": {"1m"}} },
			map[string]string{"Sec-Fetch-Site": "", "Origin": "http://evil.example"}, http.StatusForbidden, ""},
		{"ErrBadInput", "ok", http.MethodPost, "/console/clock/advance",
			func(csrf string) url.Values { return url.Values{"csrf": {csrf}, "duration": {"soon"}} }, nil, http.StatusBadRequest, ""},
		{"ErrUnknownPage", "ok", http.MethodGet, "/console/nope", nil, nil, http.StatusNotFound, ""},
		{"ErrGetOfAnAction", "ok", http.MethodGet, "/console/clock/advance", nil, nil, http.StatusNotFound, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			b := newBrowser(t, s)
			csrf := ""
			switch tt.session {
			case "ok":
				b.mustLogin(s)
				csrf = b.csrf("/console/clock")
			case "forged":
				b.cookie = &http.Cookie{Name: "meterd_console", Value: "forged-session-id"}
			case "ended":
				b.mustLogin(s)
				if a := b.do(http.MethodPost, "/console/logout", url.Values{"csrf": {b.csrf("/console/clock")}}, nil); a.status != http.StatusSeeOther {
					t.Fatalf("logout: status %d", a.status)
				}
			}
			var form url.Values
			if tt.form != nil {
				form = tt.form(csrf)
			}
			a := b.do(tt.method, tt.path, form, tt.headers)
			if a.status != tt.wantStatus {
				t.Fatalf("status %d, want %d: %.300s", a.status, tt.wantStatus, a.body)
			}
			if tt.wantTo != "" && a.header.Get("Location") != tt.wantTo {
				t.Errorf("Location %q, want %q", a.header.Get("Location"), tt.wantTo)
			}
		})
	}
}
