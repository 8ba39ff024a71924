package main

import (
	"context"
	"flag"
	"fmt"
	"io"
	"strconv"
	"strings"
	"time"

	"github.com/meterd/meterd/server"
)

// customersSubscribeCommand is a buyer accepting an offer.
type customersSubscribeCommand struct {
	client       clientFlags
	out          output
	in           server.SubscribeInput
	entitlements listFlag
	licenseEnd   string
}

func (*customersSubscribeCommand) name() string { return "customers subscribe" }
func (*customersSubscribeCommand) synopsis() string {
	return "subscribe a customer to a product, as a buyer accepting an offer"
}
func (*customersSubscribeCommand) usage() string {
	return `Usage: meterd customers subscribe [flags]

Subscribes --customer to --product on the meterd at --url, as a buyer
accepting an offer: a new license (or, while an unsubscribe is pending,
the same one again), a registration token, and a subscribe-success event
(subscribe-fail with --payment-fails). When the product has a fulfillment
URL, meterd POSTs the token there as the buyer's browser would, and prints
the registration page that does the same from a real browser. Example:

  meterd customers subscribe --product demo-saas --customer buyer-1 \
    --offer-type free-trial --entitlement users=10
`
}

func (c *customersSubscribeCommand) bind(fs *flag.FlagSet, e *env) error {
	c.client.bind(fs, e.getenv)
	c.out.bind(fs)
	fs.StringVar(&c.in.ProductCode, "product", "", "the product code (required)")
	fs.StringVar(&c.in.CustomerIdentifier, "customer", "", "the customer identifier (required)")
	fs.StringVar(&c.in.OfferType, "offer-type", "", "public (default), private or free-trial")
	fs.StringVar(&c.in.OfferID, "offer-id", "", "the offer identifier the events carry")
	fs.StringVar(&c.in.LicenseArn, "license", "", "the new license ARN; made up when empty")
	fs.Var(&c.entitlements, "entitlement", "an entitlement `DIMENSION=VALUE` (typed by the dimension); repeat for more")
	fs.StringVar(&c.licenseEnd, "license-end", "", "when the license ends, RFC 3339 (a contract's term)")
	fs.BoolVar(&c.in.PaymentFails, "payment-fails", false, "the buyer's payment fails: subscribe-fail")
	fs.BoolVar(&c.in.NoPost, "no-post", false, "do not POST the token to the fulfillment URL")
	return nil
}

func (c *customersSubscribeCommand) run(ctx context.Context, e *env, args []string) error {
	if err := noArgs(args); err != nil {
		return err
	}
	if c.in.ProductCode == "" || c.in.CustomerIdentifier == "" {
		return usagef("--product and --customer are required")
	}
	var err error
	if c.in.Entitlements, err = parseEntitlements(c.entitlements); err != nil {
		return err
	}
	if c.in.LicenseEnd, err = parseOptionalTime("--license-end", c.licenseEnd); err != nil {
		return err
	}
	admin, err := c.client.adminClient()
	if err != nil {
		return err
	}
	out, err := admin.Subscribe(ctx, c.in)
	if err != nil {
		return err
	}
	return c.out.write(e.stdout, actionResult{*out})
}

// parseEntitlements reads DIMENSION=VALUE flags: an integer, a number, true
// or false, or else a string (the server checks it against the dimension).
func parseEntitlements(flags []string) ([]server.EntitlementJSON, error) {
	var out []server.EntitlementJSON
	for _, f := range flags {
		dim, v, ok := strings.Cut(f, "=")
		if !ok || dim == "" {
			return nil, usagef("--entitlement %q: want DIMENSION=VALUE", f)
		}
		e := server.EntitlementJSON{Dimension: dim}
		if i, err := strconv.ParseInt(v, 10, 32); err == nil {
			n := int32(i)
			e.IntegerValue = &n
		} else if x, err := strconv.ParseFloat(v, 64); err == nil {
			e.DoubleValue = &x
		} else if b, err := strconv.ParseBool(v); err == nil && (v == "true" || v == "false") {
			e.BooleanValue = &b
		} else {
			e.StringValue = &v
		}
		out = append(out, e)
	}
	return out, nil
}

func parseOptionalTime(flagName, v string) (*time.Time, error) {
	if v == "" {
		return nil, nil
	}
	t, err := time.Parse(time.RFC3339, v)
	if err != nil {
		return nil, usagef("%s %q: want RFC 3339, e.g. 2026-12-31T00:00:00Z", flagName, v)
	}
	return &t, nil
}

// actionResult is the answer of a buyer action.
type actionResult struct {
	server.SubscriptionActionOutput
}

func (r actionResult) writeText(w io.Writer) error {
	s := r.Subscription
	rows := [][]string{{"LICENSE", "PRODUCT", "CUSTOMER", "STATUS", "EVENT"}}
	event := "-"
	if r.Event != nil {
		event = r.Event.Action
	}
	rows = append(rows, []string{s.LicenseArn, s.ProductCode, s.CustomerIdentifier, s.Status, event})
	if err := writeTable(w, rows); err != nil {
		return err
	}
	if r.Token != nil {
		fmt.Fprintf(w, "\nregistration token: %s (expires %s)\n", r.Token.Token, r.Token.ExpiresAt.UTC().Format(time.RFC3339))
	}
	if r.RegisterURL != "" {
		fmt.Fprintf(w, "registration page:  %s\n", r.RegisterURL)
	}
	if reg := r.Registration; reg != nil {
		if reg.Error != "" {
			fmt.Fprintf(w, "POST to %s failed: %s\n", reg.URL, reg.Error)
		} else {
			fmt.Fprintf(w, "POST to %s: %d (at %s)\n", reg.URL, reg.StatusCode, reg.FinalURL)
		}
	}
	return nil
}
