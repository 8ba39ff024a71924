package seed

import (
	"fmt"
	"regexp"
	"strings"
	"sync"
	"time"
	"unicode/utf8"

	"github.com/meterd/meterd"
	"github.com/meterd/meterd/awsproto"
)

// Patterns of the Smithy models (marketplace-metering-2016-01-14), taken
// from awsproto's copy of the model so that a seeded value is always one
// the API can accept or return. They are read once, on first use, rather
// than at package initialisation: awsproto builds its models on a
// goroutine so that meterd's start-up need not wait for them (see
// awsproto's models), and reading them here at init would wait after all.
// init still starts the read, so that a model without one of them fails
// at start-up.
var modelRules = sync.OnceValue(func() (r struct {
	productCode, licenseArn, digits *regexp.Regexp
	// The model's own pattern sources, quoted in errors.
	productCodeSource, licenseArnSource string
}) {
	r.productCode, r.productCodeSource = modelPattern("ProductCode")
	_, r.licenseArnSource = modelPattern("LicenseArn")
	r.licenseArn = fastLicenseArnPattern(r.licenseArnSource)
	// CustomerAWSAccountId is any run of digits in the model.
	r.digits, _ = modelPattern("CustomerAWSAccountId")
	return r
})

func init() { go modelRules() }

// modelPattern is the pattern of a metering model shape; the models are
// embedded, so a missing one is a programming error.
func modelPattern(shape string) (*regexp.Regexp, string) {
	re, source, ok := awsproto.ShapePattern("com.amazonaws.marketplacemetering#" + shape)
	if !ok {
		panic("seed: the metering model has no pattern for " + shape)
	}
	return re, source
}

// maxLicenseResource is the model's limit on the last part of a LicenseArn
// (after the fifth colon): [A-Za-z0-9][...]{0,1023}.
const maxLicenseResource = 1 + 1023

// fastLicenseArnPattern is the model's LicenseArn pattern with its last
// repetition, {0,1023}, unbounded; validLicenseArn counts that part apart.
// Go's regexp runs a counted repetition that large as a thousand states,
// 24 µs an ARN, which was a third of the time a 50,000-buyer seed took to
// parse; the unbounded one takes about 1 µs.
func fastLicenseArnPattern(model string) *regexp.Regexp {
	fast, ok := strings.CutSuffix(model, "{0,1023}$")
	if !ok {
		panic("seed: the model's LicenseArn pattern no longer ends in {0,1023}$")
	}
	return regexp.MustCompile(fast + "*$")
}

// validLicenseArn reports whether s matches the model's LicenseArn
// pattern. The parts before the last hold no colon, so the last one starts
// after the fifth.
func validLicenseArn(s string) bool {
	if !modelRules().licenseArn.MatchString(s) {
		return false
	}
	parts := strings.SplitN(s, ":", 6)
	return utf8.RuneCountInString(parts[5]) <= maxLicenseResource
}

// Patterns meterd chooses where AWS has no model.
var (
	// accountIDPattern is the 12-digit form every real AWS account id has.
	accountIDPattern = regexp.MustCompile(`^[0-9]{12}$`)
	// accessKeyIDPattern keeps ids that survive inside a SigV4
	// "Credential=ID/date/region/service/aws4_request" header value.
	// It is ^[A-Za-z0-9_.@+=-]{1,128}$ with the length checked apart
	// (validAccessKeyID): compiled, the counted repetition cost 1 ms of
	// every start.
	accessKeyIDPattern = regexp.MustCompile(`^[A-Za-z0-9_.@+=-]+$`)
	// regionPattern accepts us-east-1, us-gov-west-1, eusc-de-east-1, ...
	regionPattern = regexp.MustCompile(`^[a-z]{2,4}(-[a-z]+)+-[0-9]{1,2}$`)
)

// maxTextLength is the model's limit on product codes, customer
// identifiers, account ids and dimension names.
const maxTextLength = 255

var productTypes = []meterd.ProductType{meterd.ProductSaaS, meterd.ProductAMI, meterd.ProductContainer}

var integrations = []meterd.ProductIntegration{meterd.IntegrationLegacy, meterd.IntegrationConcurrentAgreements}

var valueTypes = []meterd.ValueType{meterd.IntegerValue, meterd.DoubleValue, meterd.BooleanValue, meterd.StringValue}

var statuses = []meterd.SubscriptionStatus{
	meterd.SubscriptionPending,
	meterd.SubscriptionActive,
	meterd.SubscriptionUnsubscribePending,
	meterd.SubscriptionUnsubscribed,
	meterd.SubscriptionFailed,
}

// enum finds s among the choices; the second result lists them for an
// error message.
func enum[T ~string](s string, choices []T) (T, bool, string) {
	names := make([]string, len(choices))
	for i, c := range choices {
		if string(c) == s {
			return c, true, ""
		}
		names[i] = string(c)
	}
	return "", false, oneOf(names)
}

// checkLength checks a model length range, counted in characters as Smithy
// does.
func checkLength(s string, max int) error {
	if n := utf8.RuneCountInString(s); n > max {
		return fmt.Errorf("is %d characters long (want at most %d)", n, max)
	}
	return nil
}

// parseTime accepts RFC 3339 only: YAML's looser timestamps (a bare date,
// a space before the time) are ambiguous about the zone.
func parseTime(s string) (time.Time, error) {
	t, err := time.Parse(time.RFC3339Nano, s)
	if err != nil {
		return time.Time{}, fmt.Errorf("%q is not an RFC 3339 time (e.g. 2026-01-01T00:00:00Z)", s)
	}
	return t.UTC(), nil
}

// maxAccessKeyID bounds access key ids (accessKeyIDPattern).
const maxAccessKeyID = 128

// validAccessKeyID reports whether id is 1 to 128 of A-Z a-z 0-9 _ . @ + = -.
func validAccessKeyID(id string) bool {
	return len(id) <= maxAccessKeyID && accessKeyIDPattern.MatchString(id)
}
