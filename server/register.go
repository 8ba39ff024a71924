package server

import (
	"context"
	"html/template"
	"io"
	"net/http"
	"net/url"
	"strings"
	"time"

	"github.com/meterd/meterd"
)

// registerPath serves the registration page of a token: GET
// /register/{token}. It needs no admin token (a buyer's browser opens it)
// and shows nothing but what the browser POSTs: the token itself, the
// fulfillment URL and whether the offer is a free trial.
const registerPath = "/register/"

// registrationTimeout bounds meterd's own POST to a fulfillment URL,
// redirects included.
const registrationTimeout = 10 * time.Second

// RegistrationOutcome is how a fulfillment URL answered meterd's POST.
type RegistrationOutcome struct {
	URL string `json:"url"`
	// FinalURL is where the redirects, if any, ended.
	FinalURL   string `json:"finalUrl,omitempty"`
	StatusCode int    `json:"statusCode,omitempty"`
	// Error is set when no answer came (refused, timed out, bad redirect).
	Error string `json:"error,omitempty"`
}

// registrationForm is the body AWS Marketplace has the buyer's browser POST.
func registrationForm(token string, freeTrial bool) url.Values {
	form := url.Values{"x-amzn-marketplace-token": {token}}
	if freeTrial {
		form.Set("x-amzn-marketplace-offer-type", "free-trial")
	}
	return form
}

// postRegistration POSTs the token as an HTML form to target the way a
// browser submits one: application/x-www-form-urlencoded, following
// redirects (303 and 302 turn into a GET, as browsers do; net/http's
// client does the same).
func (s *Server) postRegistration(ctx context.Context, target, token string, freeTrial bool) *RegistrationOutcome {
	out := &RegistrationOutcome{URL: target}
	ctx, cancel := context.WithTimeout(ctx, registrationTimeout)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, target,
		strings.NewReader(registrationForm(token, freeTrial).Encode()))
	if err != nil {
		out.Error = err.Error()
		return out
	}
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.Header.Set("User-Agent", "meterd-registration (like a buyer's browser)")
	client := s.RegistrationClient
	if client == nil {
		client = http.DefaultClient
	}
	resp, err := client.Do(req)
	if err != nil {
		out.Error = err.Error()
		s.log().Warn("registration POST failed", meterd.LogKeyError, err)
		return out
	}
	defer resp.Body.Close()
	_, _ = io.Copy(io.Discard, io.LimitReader(resp.Body, 1<<20)) // like a browser, read the page
	out.StatusCode, out.FinalURL = resp.StatusCode, resp.Request.URL.String()
	return out
}

// baseURL is how the caller reached this server, for links it is given.
func baseURL(r *http.Request) string {
	scheme := "http"
	if r.TLS != nil {
		scheme = "https"
	}
	return scheme + "://" + r.Host
}

// registerPage auto-submits the registration form from a real browser.
var registerPage = template.Must(template.New("register").Parse(`<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8"><title>meterd: registering with the seller</title></head>
<body onload="document.forms[0].submit()">
<p>meterd, standing in for AWS Marketplace, is sending you to the seller's registration page.</p>
<form method="POST" action="{{.URL}}" enctype="application/x-www-form-urlencoded">
<input type="hidden" name="x-amzn-marketplace-token" value="{{.Token}}">
{{if .FreeTrial}}<input type="hidden" name="x-amzn-marketplace-offer-type" value="free-trial">
{{end}}<noscript><button type="submit">Continue to the seller</button></noscript>
</form></body></html>
`))

// handleRegister serves the registration page of a token: 404 for an
// unknown or expired token, or one whose product has no fulfillment URL.
func (s *Server) handleRegister(w http.ResponseWriter, r *http.Request) {
	token := r.PathValue("token")
	page, err := s.registration(r.Context(), token)
	if err != nil {
		if !meterd.IsNotFound(err) {
			s.log().Error("registration page", meterd.LogKeyError, err)
		}
		http.Error(w, "no registration for this link (unknown or expired token, or no fulfillment URL)", http.StatusNotFound)
		return
	}
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	w.Header().Set("Cache-Control", "no-store")
	w.Header().Set("Referrer-Policy", "no-referrer")
	_ = registerPage.Execute(w, page) // the browser went away
}

type registrationPage struct {
	URL       string
	Token     string
	FreeTrial bool
}

// registration finds what the page of token shows, or ENotFound.
func (s *Server) registration(ctx context.Context, token string) (*registrationPage, error) {
	if s.Registrations == nil || s.Catalog == nil || s.Clock == nil {
		return nil, meterd.Errorf(meterd.ENotFound, "no registrations")
	}
	tok, err := s.Registrations.FindRegistrationToken(ctx, token)
	if err != nil {
		return nil, err
	}
	if !s.Clock.Now().Before(tok.ExpiresAt) {
		return nil, meterd.Errorf(meterd.ENotFound, "token expired")
	}
	p, err := s.Catalog.FindProduct(ctx, tok.ProductCode)
	if err != nil {
		return nil, err
	}
	if p.FulfillmentURL == "" {
		return nil, meterd.Errorf(meterd.ENotFound, "product %q has no fulfillment URL", p.Code)
	}
	page := &registrationPage{URL: p.FulfillmentURL, Token: tok.Token}
	if tok.LicenseArn != "" {
		subs, err := s.Catalog.FindSubscriptions(ctx, meterd.SubscriptionFilter{LicenseArn: tok.LicenseArn})
		if err != nil {
			return nil, err
		}
		page.FreeTrial = len(subs) == 1 && subs[0].OfferType == meterd.OfferFreeTrial
	}
	return page, nil
}
