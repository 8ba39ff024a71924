package console

import (
	"crypto/rand"
	"crypto/subtle"
	"encoding/base64"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"time"
)

const (
	cookieName = "meterd_console"
	// sessionTTL is how long a login lasts; the session is in memory, so a
	// restart logs everyone out too.
	sessionTTL = 12 * time.Hour
	// maxSessions bounds the memory logins take; past it the session
	// closest to expiry is dropped.
	maxSessions = 1000
	// maxForm bounds a form body; the largest is a fault rule.
	maxForm = 1 << 16
)

// session is one login. The cookie carries only id, a random value that is
// not the admin token; csrf is the token every form posts back.
type session struct {
	id, csrf string
	expires  time.Time
	flash    string // shown once, on the page after a change
}

type sessions struct {
	now func() time.Time
	mu  sync.Mutex
	m   map[string]*session
}

func newSessions(now func() time.Time) *sessions {
	return &sessions{now: now, m: map[string]*session{}}
}

func randomToken() string {
	b := make([]byte, 32)
	_, _ = rand.Read(b) // never fails (crypto/rand)
	return base64.RawURLEncoding.EncodeToString(b)
}

func (ss *sessions) create() *session {
	ss.mu.Lock()
	defer ss.mu.Unlock()
	now := ss.now()
	if len(ss.m) >= maxSessions {
		ss.evict(now)
	}
	s := &session{id: randomToken(), csrf: randomToken(), expires: now.Add(sessionTTL)}
	ss.m[s.id] = s
	return s
}

// evict drops the expired sessions, or the one closest to expiry when none
// is. ss.mu is held.
func (ss *sessions) evict(now time.Time) {
	var oldest *session
	for id, s := range ss.m {
		if !now.Before(s.expires) {
			delete(ss.m, id)
			continue
		}
		if oldest == nil || s.expires.Before(oldest.expires) {
			oldest = s
		}
	}
	if len(ss.m) >= maxSessions && oldest != nil {
		delete(ss.m, oldest.id)
	}
}

// find returns the live session with id, or nil.
func (ss *sessions) find(id string) *session {
	ss.mu.Lock()
	defer ss.mu.Unlock()
	s, ok := ss.m[id]
	if !ok {
		return nil
	}
	if !ss.now().Before(s.expires) {
		delete(ss.m, id)
		return nil
	}
	return s
}

func (ss *sessions) remove(id string) {
	ss.mu.Lock()
	defer ss.mu.Unlock()
	delete(ss.m, id)
}

// setFlash and takeFlash pass a one-line message to the next page.
func (ss *sessions) setFlash(s *session, msg string) {
	ss.mu.Lock()
	defer ss.mu.Unlock()
	s.flash = msg
}

func (ss *sessions) takeFlash(s *session) string {
	ss.mu.Lock()
	defer ss.mu.Unlock()
	msg := s.flash
	s.flash = ""
	return msg
}

// authed lets a request through with a live session, and a POST only with
// the session's CSRF token as well. (Cross-site POSTs are refused before
// this, by http.CrossOriginProtection in routes, from Origin and
// Sec-Fetch-Site.) Without a session a page redirects to the login, which
// brings the user back afterwards.
func (c *Console) authed(h func(w http.ResponseWriter, r *http.Request, s *session)) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		var s *session
		if ck, err := r.Cookie(cookieName); err == nil {
			s = c.sessions.find(ck.Value)
		}
		if s == nil {
			if r.Method == http.MethodGet {
				http.Redirect(w, r, Path+"/login?next="+url.QueryEscape(r.URL.RequestURI()), http.StatusSeeOther)
				return
			}
			c.status(w, r, http.StatusUnauthorized, "Your session has ended: log in again.")
			return
		}
		if r.Method == http.MethodPost {
			r.Body = http.MaxBytesReader(w, r.Body, maxForm)
			if err := r.ParseForm(); err != nil {
				c.status(w, r, http.StatusBadRequest, "The form could not be read.")
				return
			}
			if subtle.ConstantTimeCompare([]byte(r.PostForm.Get("csrf")), []byte(s.csrf)) != 1 {
				c.status(w, r, http.StatusForbidden, "The form's CSRF token does not match your session: reload the page and try again.")
				return
			}
		}
		h(w, r, s)
	})
}

func (c *Console) loginPage(w http.ResponseWriter, r *http.Request) {
	c.renderLogin(w, http.StatusOK, r.URL.Query().Get("next"), "")
}

func (c *Console) renderLogin(w http.ResponseWriter, status int, next, msg string) {
	c.render(w, status, "login", view{Title: "Log in", Error: msg, Data: struct{ Next string }{safeNext(next)}})
}

// login checks the admin token (in constant time) and starts a session.
// The token travels only in the POST body, never in a URL.
func (c *Console) login(w http.ResponseWriter, r *http.Request) {
	r.Body = http.MaxBytesReader(w, r.Body, maxForm)
	if err := r.ParseForm(); err != nil {
		c.renderLogin(w, http.StatusBadRequest, "", "The form could not be read.")
		return
	}
	next := r.PostForm.Get("next")
	token := strings.TrimSpace(r.PostForm.Get("token"))
	if c.cfg.Token == "" || subtle.ConstantTimeCompare([]byte(token), []byte(c.cfg.Token)) != 1 {
		c.renderLogin(w, http.StatusUnauthorized, next, "That is not this meterd's admin token.")
		return
	}
	s := c.sessions.create()
	http.SetCookie(w, &http.Cookie{Name: cookieName, Value: s.id, Path: Path, HttpOnly: true,
		SameSite: http.SameSiteStrictMode, Secure: r.TLS != nil, Expires: s.expires})
	http.Redirect(w, r, safeNext(next), http.StatusSeeOther)
}

func (c *Console) logout(w http.ResponseWriter, r *http.Request, s *session) {
	c.sessions.remove(s.id)
	http.SetCookie(w, &http.Cookie{Name: cookieName, Value: "", Path: Path, HttpOnly: true,
		SameSite: http.SameSiteStrictMode, Secure: r.TLS != nil, MaxAge: -1})
	http.Redirect(w, r, Path+"/login", http.StatusSeeOther)
}

// safeNext keeps the page to return to after login inside the console, so
// that the login cannot be made to redirect elsewhere.
func safeNext(next string) string {
	u, err := url.Parse(next)
	if err != nil || u.Scheme != "" || u.Host != "" || u.User != nil ||
		!strings.HasPrefix(u.Path, Path+"/") || strings.Contains(u.Path, "..") ||
		strings.HasPrefix(next, "//") || strings.Contains(next, "\\") {
		return Path + "/"
	}
	return u.RequestURI()
}
