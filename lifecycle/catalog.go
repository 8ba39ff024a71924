package lifecycle

import (
	"net/url"
	"regexp"
	"slices"
	"strconv"

	"github.com/meterd/meterd"
)

// The rules of catalog entries made through the admin API: the seed file's
// rules (seed/rules.go) for the same fields, stated on values rather than
// on YAML nodes.
var (
	// productCodePattern is the metering model's ProductCode pattern,
	// ^[-a-zA-Z0-9/=:_.@]{1,255}$.
	productCodePattern = boundedPattern{regexp.MustCompile(`^[-a-zA-Z0-9/=:_.@]+$`), 255}
	accountIDPattern   = regexp.MustCompile(`^[0-9]{12}$`)
	accessKeyIDPattern = boundedPattern{regexp.MustCompile(`^[A-Za-z0-9_.@+=-]+$`), 128}
	regionPattern      = regexp.MustCompile(`^[a-z]{2,4}(-[a-z]+)+-[0-9]{1,2}$`)
	// identifierPattern bounds customer identifiers and dimension names
	// to the model's length, printable.
	identifierPattern = boundedPattern{regexp.MustCompile(`^[\x21-\x7e]+$`), 255}
)

// boundedPattern is a pattern re of one ASCII character class repeated,
// ^[class]{1,max}$, written ^[class]+$ with the length checked apart: Go
// compiles a counted repetition into max copies of the class, and these
// three took 3 ms of every meterd start (package initialisation), for
// rules only the admin API uses. The class is ASCII, so bytes count as
// characters.
type boundedPattern struct {
	re  *regexp.Regexp
	max int
}

func (p boundedPattern) MatchString(s string) bool { return len(s) <= p.max && p.re.MatchString(s) }

var (
	productTypes = []meterd.ProductType{meterd.ProductSaaS, meterd.ProductAMI, meterd.ProductContainer}
	valueTypes   = []meterd.ValueType{meterd.IntegerValue, meterd.DoubleValue, meterd.BooleanValue, meterd.StringValue}
	integrations = []meterd.ProductIntegration{meterd.IntegrationLegacy, meterd.IntegrationConcurrentAgreements}
	targetKinds  = []meterd.TargetKind{meterd.TargetSNSHTTP, meterd.TargetSNSSQS, meterd.TargetEventBridgeHTTP,
		meterd.TargetEventBridgeAPI}
)

func invalid(field, format string, args ...any) error {
	return meterd.Errorf(meterd.EInvalid, field+": "+format, args...)
}

// CheckAccount reports the first invalid field of a.
func CheckAccount(a *meterd.Account) error {
	if !accountIDPattern.MatchString(a.ID) {
		return invalid("id", "want 12 digits, got %q", a.ID)
	}
	return nil
}

// CheckAccessKey reports the first invalid field of k.
func CheckAccessKey(k *meterd.AccessKey) error {
	switch {
	case !accessKeyIDPattern.MatchString(k.ID):
		return invalid("id", "want 1-128 of A-Z a-z 0-9 _ . @ + = -, got %q", k.ID)
	case k.Secret == "":
		return invalid("secret", "must not be empty")
	case !accountIDPattern.MatchString(k.AccountID):
		return invalid("accountId", "want 12 digits, got %q", k.AccountID)
	case k.HomeRegion != "" && !regionPattern.MatchString(k.HomeRegion):
		return invalid("homeRegion", "%q is not a region name", k.HomeRegion)
	case k.Platform != meterd.PlatformAny && !slices.Contains(meterd.Platforms, k.Platform):
		return invalid("platform", "want one of %v, got %q", meterd.Platforms, k.Platform)
	}
	return nil
}

// CheckCustomer reports the first invalid field of c.
func CheckCustomer(c *meterd.Customer) error {
	switch {
	case !identifierPattern.MatchString(c.Identifier):
		return invalid("identifier", "want 1-255 printable characters, got %q", c.Identifier)
	case !accountIDPattern.MatchString(c.AWSAccountID):
		return invalid("awsAccountId", "want 12 digits, got %q", c.AWSAccountID)
	}
	return nil
}

// CheckProduct reports the first invalid field of p.
func CheckProduct(p *meterd.Product) error {
	switch {
	case !productCodePattern.MatchString(p.Code):
		return invalid("code", "want 1-255 of a-z A-Z 0-9 / = : _ . @ -, got %q", p.Code)
	case !accountIDPattern.MatchString(p.SellerAccountID):
		return invalid("sellerAccountId", "want 12 digits, got %q", p.SellerAccountID)
	case !slices.Contains(productTypes, p.Type):
		return invalid("type", "want one of %v, got %q", productTypes, p.Type)
	case p.Integration != "" && !slices.Contains(integrations, p.Integration):
		return invalid("integration", "want one of %v, got %q", integrations, p.Integration)
	case p.Integration != "" && p.Type != meterd.ProductSaaS:
		return invalid("integration", "applies to SaaS products only")
	case p.FulfillmentURL != "" && p.Type != meterd.ProductSaaS:
		return invalid("fulfillmentUrl", "applies to SaaS products only")
	case p.FulfillmentURL != "" && !webURL(p.FulfillmentURL):
		return invalid("fulfillmentUrl", "want an absolute http(s) URL, got %q", p.FulfillmentURL)
	}
	if err := checkDimensions(p.Dimensions); err != nil {
		return err
	}
	return CheckTargets(p.NotificationTargets)
}

func checkDimensions(dims []meterd.Dimension) error {
	seen := map[string]bool{}
	for i, d := range dims {
		switch {
		case !identifierPattern.MatchString(d.Name):
			return invalid("dimensions["+strconv.Itoa(i)+"].name", "want 1-255 printable characters, got %q", d.Name)
		case seen[d.Name]:
			return invalid("dimensions["+strconv.Itoa(i)+"].name", "%q is declared twice", d.Name)
		case d.Type != "" && !slices.Contains(valueTypes, d.Type):
			return invalid("dimensions["+strconv.Itoa(i)+"].type", "want one of %v, got %q", valueTypes, d.Type)
		}
		seen[d.Name] = true
	}
	return nil
}

// CheckTargets reports the first invalid notification target.
func CheckTargets(targets []meterd.NotificationTarget) error {
	for i, t := range targets {
		field := "notificationTargets[" + strconv.Itoa(i) + "]"
		switch {
		case !slices.Contains(targetKinds, t.Kind):
			return invalid(field+".kind", "want one of %v, got %q", targetKinds, t.Kind)
		case !webURL(t.Endpoint):
			return invalid(field+".endpoint", "want an absolute http(s) URL, got %q", t.Endpoint)
		case t.Region != "" && !regionPattern.MatchString(t.Region):
			return invalid(field+".region", "%q is not a region name", t.Region)
		case t.EventBus != "" && t.Kind != meterd.TargetEventBridgeAPI:
			return invalid(field+".eventBus", "applies to %s targets only", meterd.TargetEventBridgeAPI)
		}
	}
	return nil
}

// webURL reports whether s is an absolute http or https URL with a host.
func webURL(s string) bool {
	u, err := url.Parse(s)
	return err == nil && (u.Scheme == "http" || u.Scheme == "https") && u.Host != ""
}
