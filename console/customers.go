package console

import (
	"fmt"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"

	"github.com/meterd/meterd"
	"github.com/meterd/meterd/server"
)

// customersData is the customers page: the buyers, their subscriptions
// (licenses and entitlements), the access keys, and what the subscribe
// form offers.
type customersData struct {
	Customers     []server.CustomerJSON
	Subscriptions []server.SubscriptionJSON
	AccessKeys    []server.AccessKeyJSON
	Products      []server.ProductJSON
	OfferTypes    []meterd.OfferType
	Form          url.Values // the subscribe form as sent, after a refusal
}

func (c *Console) customersPage(w http.ResponseWriter, r *http.Request, s *session) {
	c.renderCustomers(w, r, s, http.StatusOK, "", nil)
}

// renderCustomers reads the catalog through the admin API, so that it
// shows exactly what `meterd admin` lists.
func (c *Console) renderCustomers(w http.ResponseWriter, r *http.Request, s *session, status int, msg string, form url.Values) {
	d := &customersData{OfferTypes: meterd.OfferTypes, Form: form}
	fail := func(err error) {
		if err != nil && msg == "" {
			status, msg = statusOf(err), errorText(err)
		}
	}
	ctx := r.Context()
	var err error
	d.Customers, err = c.cfg.Admin.ListCustomers(ctx)
	fail(err)
	d.Subscriptions, err = c.cfg.Admin.ListSubscriptions(ctx, "", "")
	fail(err)
	d.AccessKeys, err = c.cfg.Admin.ListAccessKeys(ctx)
	fail(err)
	d.Products, err = c.cfg.Admin.ListProducts(ctx)
	fail(err)
	c.page(w, s, status, "customers", view{Title: "Customers", Error: msg, Data: d})
}

// subscribe subscribes a buyer without meterd's own POST of the token:
// the flash links the registration page, which a browser opens in a new
// tab to POST it to the product's fulfillment URL.
func (c *Console) subscribe(w http.ResponseWriter, r *http.Request, s *session) {
	f := r.PostForm
	out, err := c.cfg.Admin.Subscribe(r.Context(), server.SubscribeInput{ProductCode: strings.TrimSpace(f.Get("productCode")),
		CustomerIdentifier: strings.TrimSpace(f.Get("customerIdentifier")), OfferType: f.Get("offerType"),
		OfferID: strings.TrimSpace(f.Get("offerId")), NoPost: true})
	if err != nil {
		c.renderCustomers(w, r, s, statusOf(err), errorText(err), f)
		return
	}
	msg := fmt.Sprintf("Subscribed %s to %s: license %s, %s.", out.Subscription.CustomerIdentifier,
		out.Subscription.ProductCode, out.Subscription.LicenseArn, out.Subscription.Status)
	link := ""
	if out.Token != nil && out.RegisterURL != "" {
		// The admin API answers with its own host (in process, not the
		// browser's): link the path only.
		link = "/register/" + url.PathEscape(out.Token.Token)
		msg += " Open the registration page to POST the token to the product's fulfillment URL."
	}
	c.sessions.setFlashLink(s, link)
	c.done(w, r, s, "/customers", msg)
}

// licenseAction runs unsubscribe, expire or entitlements on the form's
// license.
func (c *Console) licenseAction(w http.ResponseWriter, r *http.Request, s *session) {
	arn := strings.TrimSpace(r.PostForm.Get("licenseArn"))
	var (
		out *server.SubscriptionActionOutput
		err error
	)
	switch action := r.PathValue("action"); action {
	case "unsubscribe":
		out, err = c.cfg.Admin.Unsubscribe(r.Context(), arn)
	case "expire":
		out, err = c.cfg.Admin.ExpireLicense(r.Context(), arn)
	case "entitlements":
		var ents []server.EntitlementJSON
		if ents, err = parseEntitlements(r.PostForm.Get("entitlements")); err == nil {
			out, err = c.cfg.Admin.SetEntitlements(r.Context(), arn, server.EntitlementsInput{Entitlements: ents})
		}
	default:
		err = meterd.Errorf(meterd.ENotFound, "no license action %q: unsubscribe, expire or entitlements", action)
	}
	if err != nil {
		c.renderCustomers(w, r, s, statusOf(err), errorText(err), nil)
		return
	}
	msg := fmt.Sprintf("License %s is %s.", out.Subscription.LicenseArn, out.Subscription.Status)
	if out.Subscription.UnsubscribeAt != nil {
		msg += " Its final records are accepted until " + out.Subscription.UnsubscribeAt.UTC().Format("2006-01-02 15:04:05Z") +
			" on the business clock; advance the clock to cut it off."
	}
	c.done(w, r, s, "/customers", msg)
}

// maxEntitlementLines bounds the entitlements one form sets.
const maxEntitlementLines = 100

// parseEntitlements reads the entitlements form: one "dimension=value"
// a line; a whole number is an integer value, another number a double,
// true or false a boolean, anything else a string. An empty form removes
// every entitlement.
func parseEntitlements(text string) ([]server.EntitlementJSON, error) {
	out := []server.EntitlementJSON{}
	for i, line := range strings.Split(text, "\n") {
		line = strings.TrimSpace(line)
		if line == "" {
			continue
		}
		if len(out) == maxEntitlementLines {
			return nil, meterd.Errorf(meterd.EInvalid, "at most %d entitlements, one a line", maxEntitlementLines)
		}
		dim, value, ok := strings.Cut(line, "=")
		dim, value = strings.TrimSpace(dim), strings.TrimSpace(value)
		if !ok || dim == "" {
			return nil, meterd.Errorf(meterd.EInvalid, "line %d: want dimension=value, got %q", i+1, line)
		}
		e := server.EntitlementJSON{Dimension: dim}
		if n, err := strconv.ParseInt(value, 10, 32); err == nil {
			v := int32(n)
			e.IntegerValue = &v
		} else if f, err := strconv.ParseFloat(value, 64); err == nil {
			e.DoubleValue = &f
		} else if b, err := strconv.ParseBool(value); err == nil && (value == "true" || value == "false") {
			e.BooleanValue = &b
		} else {
			e.StringValue = &value
		}
		out = append(out, e)
	}
	return out, nil
}

// entitlementsText is the form's text of a license's entitlements.
func entitlementsText(ents []server.EntitlementJSON) string {
	var lines []string
	for _, e := range ents {
		var v string
		switch {
		case e.IntegerValue != nil:
			v = strconv.Itoa(int(*e.IntegerValue))
		case e.DoubleValue != nil:
			v = strconv.FormatFloat(*e.DoubleValue, 'g', -1, 64)
		case e.BooleanValue != nil:
			v = strconv.FormatBool(*e.BooleanValue)
		case e.StringValue != nil:
			v = *e.StringValue
		}
		lines = append(lines, e.Dimension+"="+v)
	}
	return strings.Join(lines, "\n")
}

// accessKeyActions are what the access key forms may do.
var accessKeyActions = []string{"rotate", "disable", "enable"}

// accessKeyAction rotates, disables or enables the form's access key; a
// rotation's flash shows the new secret, once.
func (c *Console) accessKeyAction(w http.ResponseWriter, r *http.Request, s *session) {
	action, id := r.PathValue("action"), strings.TrimSpace(r.PostForm.Get("id"))
	if !slices.Contains(accessKeyActions, action) {
		c.renderCustomers(w, r, s, http.StatusNotFound, fmt.Sprintf("no access key action %q: rotate, disable or enable", action), nil)
		return
	}
	k, err := c.cfg.Admin.ChangeAccessKey(r.Context(), id, action)
	if err != nil {
		c.renderCustomers(w, r, s, statusOf(err), errorText(err), nil)
		return
	}
	msg := fmt.Sprintf("Access key %s: %s.", k.ID, map[string]string{"rotate": "rotated", "disable": "disabled", "enable": "enabled"}[action])
	if k.Secret != "" {
		msg += " Its new secret, shown once: " + k.Secret
	}
	c.done(w, r, s, "/customers", msg)
}
