package server_test

import (
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"sync"
	"testing"

	"github.com/meterd/meterd"
	"github.com/meterd/meterd/server"
)

const demoLicense = "arn:aws:license-manager::444455556666:license:l-demosaas0000000000000000000000"

// TestCatalogAdminAPI: one row per catalog or buyer-action route and
// outcome, in order on one server holding the demo catalog (a row may
// rely on the rows above it: the account created, the license active).
func TestCatalogAdminAPI(t *testing.T) {
	const product = `{"code":"p-1","sellerAccountId":"111122223333","type":"SaaS","dimensions":[{"name":"users"}],` +
		`"fulfillmentUrl":"https://seller.example/register","notificationTargets":[{"kind":"sns-sqs","endpoint":"http://localhost:4566/q"}]}`
	tests := []struct {
		name, method, path, body string
		wantStatus               int
		wantCode, wantMessage    string // wantMessage is a prefix
	}{
		{"OK openapi", "GET", "/admin/v1/openapi.json", "", 200, "", ""},
		{"OK accounts list", "GET", "/admin/v1/accounts", "", 200, "", ""},
		{"OK account create", "POST", "/admin/v1/accounts", `{"id":"999988887777","name":"New"}`, 201, "", ""},
		{"ErrInvalid account id", "POST", "/admin/v1/accounts", `{"id":"12"}`, 400, meterd.EInvalid, `id: want 12 digits`},
		{"ErrInvalid account unknown field", "POST", "/admin/v1/accounts", `{"id":"999988887777","owner":"me"}`, 400,
			meterd.EInvalid, `body: json: unknown field "owner"`},
		{"ErrConflict account exists", "POST", "/admin/v1/accounts", `{"id":"111122223333"}`, 409, meterd.EConflict,
			`account "111122223333" already exists`},

		{"OK keys list", "GET", "/admin/v1/access-keys", "", 200, "", ""},
		{"OK key create generated", "POST", "/admin/v1/access-keys", `{"accountId":"111122223333"}`, 201, "", ""},
		{"ErrInvalid key account missing", "POST", "/admin/v1/access-keys", `{"accountId":"999988887770"}`, 400,
			meterd.EInvalid, `access key "`},
		{"ErrInvalid key platform", "POST", "/admin/v1/access-keys", `{"accountId":"111122223333","platform":"vm"}`, 400,
			meterd.EInvalid, `platform: want one of`},
		{"OK key rotate", "POST", "/admin/v1/access-keys/test/rotate", "", 200, "", ""},
		{"OK key disable", "POST", "/admin/v1/access-keys/test/disable", "", 200, "", ""},
		{"OK key enable", "POST", "/admin/v1/access-keys/test/enable", "", 200, "", ""},
		{"ErrNotFound key rotate", "POST", "/admin/v1/access-keys/nope/rotate", "", 404, meterd.ENotFound,
			`access key "nope" does not exist`},

		{"OK products list", "GET", "/admin/v1/products", "", 200, "", ""},
		{"OK product create", "POST", "/admin/v1/products", product, 201, "", ""},
		{"OK product show", "GET", "/admin/v1/products/demo-saas", "", 200, "", ""},
		{"OK product update", "PATCH", "/admin/v1/products/demo-saas", `{"fulfillmentUrl":"http://127.0.0.1:9/x"}`, 200, "", ""},
		{"ErrNotFound product show", "GET", "/admin/v1/products/nope", "", 404, meterd.ENotFound, `product "nope" does not exist`},
		{"ErrNotFound product update", "PATCH", "/admin/v1/products/nope", `{}`, 404, meterd.ENotFound, `product "nope" does not exist`},
		{"ErrInvalid product update URL", "PATCH", "/admin/v1/products/demo-saas", `{"fulfillmentUrl":"x"}`, 400,
			meterd.EInvalid, `fulfillmentUrl: want an absolute http(s) URL`},
		{"ErrInvalid product type", "POST", "/admin/v1/products", strings.Replace(product, `"SaaS"`, `"Lambda"`, 1), 400,
			meterd.EInvalid, `type: want one of`},
		{"ErrInvalid product target kind", "POST", "/admin/v1/products", strings.Replace(product, `"sns-sqs"`, `"email"`, 1), 400,
			meterd.EInvalid, `notificationTargets[0].kind`},
		{"ErrInvalid product dimension type", "POST", "/admin/v1/products",
			strings.Replace(product, `{"name":"users"}`, `{"name":"users","type":"Float"}`, 1), 400, meterd.EInvalid, `dimensions[0].type`},
		{"ErrInvalid product seller missing", "POST", "/admin/v1/products",
			strings.Replace(strings.Replace(product, `111122223333`, `999988887770`, 1), `p-1`, `p-2`, 1), 400, meterd.EInvalid,
			`product "p-2": seller account`},
		{"ErrInvalid product origin", "POST", "/admin/v1/products", strings.Replace(product, `"code"`, `"origin":"seed","code"`, 1), 400,
			meterd.EInvalid, `origin: set by meterd`},
		{"ErrConflict product exists", "POST", "/admin/v1/products", strings.Replace(product, `p-1`, `demo-saas`, 1), 409,
			meterd.EConflict, `product "demo-saas" already exists`},
		{"ErrInvalid product two objects", "POST", "/admin/v1/products", product + product, 400, meterd.EInvalid, `body: one JSON object`},

		{"OK customers list", "GET", "/admin/v1/customers", "", 200, "", ""},
		{"OK customer create", "POST", "/admin/v1/customers", `{"identifier":"c-2","awsAccountId":"999988887777"}`, 201, "", ""},
		{"ErrInvalid customer account", "POST", "/admin/v1/customers", `{"identifier":"c-2"}`, 400, meterd.EInvalid, `awsAccountId:`},
		{"ErrConflict customer exists", "POST", "/admin/v1/customers", `{"identifier":"demo-customer","awsAccountId":"999988887777"}`,
			409, meterd.EConflict, `customer "demo-customer" already exists`},

		{"OK subscriptions list", "GET", "/admin/v1/subscriptions?productCode=demo-saas", "", 200, "", ""},
		{"ErrConflict subscribe active", "POST", "/admin/v1/subscriptions", `{"productCode":"demo-saas","customerIdentifier":"demo-customer"}`,
			409, meterd.EConflict, `customer "demo-customer" is already subscribed`},
		{"ErrInvalid subscribe offer type", "POST", "/admin/v1/subscriptions",
			`{"productCode":"demo-ami","customerIdentifier":"demo-customer","offerType":"cheap"}`, 400, meterd.EInvalid, `offerType "cheap"`},
		{"ErrInvalid subscribe entitlement", "POST", "/admin/v1/subscriptions",
			`{"productCode":"demo-ami","customerIdentifier":"demo-customer","entitlements":[{"dimension":"x","integerValue":1}]}`, 400,
			meterd.EInvalid, `entitlements[0].dimension`},
		{"ErrNotFound subscribe product", "POST", "/admin/v1/subscriptions", `{"productCode":"nope","customerIdentifier":"demo-customer"}`,
			404, meterd.ENotFound, `product "nope" does not exist`},
		{"ErrInvalid subscribe unknown field", "POST", "/admin/v1/subscriptions", `{"product":"demo-saas"}`, 400, meterd.EInvalid,
			`body: json: unknown field "product"`},
		{"OK entitlements", "POST", "/admin/v1/subscriptions/" + demoLicense + "/entitlements",
			`{"entitlements":[{"dimension":"users","integerValue":20}]}`, 200, "", ""},
		{"ErrInvalid entitlements value type", "POST", "/admin/v1/subscriptions/" + demoLicense + "/entitlements",
			`{"entitlements":[{"dimension":"users","stringValue":"20"}]}`, 400, meterd.EInvalid, `entitlements[0].value`},
		{"OK expire", "POST", "/admin/v1/subscriptions/" + demoLicense + "/expire", "", 200, "", ""},
		{"OK unsubscribe", "POST", "/admin/v1/subscriptions/" + demoLicense + "/unsubscribe", "", 200, "", ""},
		{"ErrNotFound unsubscribe", "POST", "/admin/v1/subscriptions/arn:none/unsubscribe", "", 404, meterd.ENotFound,
			`license "arn:none" does not exist`},
		{"ErrInvalid unsubscribe body", "POST", "/admin/v1/subscriptions/" + demoLicense + "/unsubscribe", `{"now":true}`, 400,
			meterd.EInvalid, `body: json: unknown field "now"`},
		{"ErrConflict unsubscribe twice", "POST", "/admin/v1/subscriptions/" + demoLicense + "/unsubscribe", "", 409, meterd.EConflict,
			`cannot unsubscribe license`},
		{"ErrMethodNotAllowed expire GET", "GET", "/admin/v1/subscriptions/" + demoLicense + "/expire", "", 405,
			meterd.EMethodNotAllowed, `GET /admin/v1/subscriptions/{licenseArn}/expire: use POST`},
	}
	s, _ := newCatalogServer(t)
	url := serve(t, s)
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			status, body := send(t, tt.method, url+tt.path, "Bearer "+adminToken, tt.body)
			if status != tt.wantStatus {
				t.Fatalf("status %d (%s), want %d", status, body, tt.wantStatus)
			}
			if tt.wantCode == "" {
				if !json.Valid(body) || len(body) < 3 {
					t.Fatalf("body %q, want a JSON result", body)
				}
				return
			}
			var got struct{ Error, Code string }
			if err := json.Unmarshal(body, &got); err != nil {
				t.Fatalf("error body %s: %v", body, err)
			}
			if got.Code != tt.wantCode || !strings.HasPrefix(got.Error, tt.wantMessage) {
				t.Fatalf("got %s %q, want %s %q...", got.Code, got.Error, tt.wantCode, tt.wantMessage)
			}
		})
	}
}

// fulfillment is a seller's registration page: it records each form it
// is sent.
type fulfillment struct {
	mu    sync.Mutex
	forms []url.Values
	types []string
}

func (f *fulfillment) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	if r.Method != http.MethodPost {
		http.Error(w, "POST only", http.StatusMethodNotAllowed)
		return
	}
	if err := r.ParseForm(); err != nil {
		http.Error(w, err.Error(), http.StatusBadRequest)
		return
	}
	f.mu.Lock()
	f.forms, f.types = append(f.forms, r.PostForm), append(f.types, r.Header.Get("Content-Type"))
	f.mu.Unlock()
	io.WriteString(w, "<html>welcome</html>")
}

// TestRegistration checks meterd's POST of a new subscription's token to
// the fulfillment URL, through a redirect, and the page that does it from
// a browser.
func TestRegistration(t *testing.T) {
	for _, tc := range []struct {
		name      string
		offerType string
		wantTrial bool
	}{
		{"OK public offer", "", false},
		{"OK free trial", "free-trial", true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			seller := &fulfillment{}
			mux := http.NewServeMux()
			mux.Handle("/register", seller)
			// A moved landing page: 307 keeps the POST and its body.
			mux.Handle("/old", http.RedirectHandler("/register", http.StatusTemporaryRedirect))
			site := httptest.NewServer(mux)
			t.Cleanup(site.Close)

			s, _ := newCatalogServer(t)
			base := serve(t, s)
			admin := &server.AdminClient{BaseURL: base, Token: adminToken}
			_, err := admin.UpdateProduct(t.Context(), "demo-saas", server.UpdateProductInput{FulfillmentURL: ptr(site.URL + "/old")})
			if err != nil {
				t.Fatal(err)
			}
			// The demo customer is subscribed: unsubscribe, then subscribe
			// again within the hour (the same license, a new token).
			if _, err := admin.Unsubscribe(t.Context(), demoLicense); err != nil {
				t.Fatal(err)
			}
			out, err := admin.Subscribe(t.Context(), server.SubscribeInput{ProductCode: "demo-saas", CustomerIdentifier: "demo-customer",
				OfferType: tc.offerType})
			if err != nil {
				t.Fatal(err)
			}
			reg := out.Registration
			if reg == nil || reg.StatusCode != 200 || reg.FinalURL != site.URL+"/register" || reg.Error != "" {
				t.Fatalf("registration = %+v, want 200 at %s/register", reg, site.URL)
			}
			seller.mu.Lock()
			forms, types := seller.forms, seller.types
			seller.mu.Unlock()
			if len(forms) != 1 || forms[0].Get("x-amzn-marketplace-token") != out.Token.Token ||
				(forms[0].Get("x-amzn-marketplace-offer-type") == "free-trial") != tc.wantTrial ||
				types[0] != "application/x-www-form-urlencoded" {
				t.Fatalf("seller got %v (%v), want the token %s, free trial %v", forms, types, out.Token.Token, tc.wantTrial)
			}

			// The page a browser opens holds the same form.
			resp, err := http.Get(out.RegisterURL)
			if err != nil {
				t.Fatal(err)
			}
			page, _ := io.ReadAll(resp.Body)
			resp.Body.Close()
			for _, want := range []string{`action="` + site.URL + `/old"`, `value="` + out.Token.Token + `"`} {
				if resp.StatusCode != 200 || !strings.Contains(string(page), want) {
					t.Errorf("register page (%d) lacks %s:\n%s", resp.StatusCode, want, page)
				}
			}
			if strings.Contains(string(page), "free-trial") != tc.wantTrial {
				t.Errorf("register page free trial field: want %v:\n%s", tc.wantTrial, page)
			}
		})
	}
}

// TestRegisterPageNotFound: a made-up token shows nothing.
func TestRegisterPageNotFound(t *testing.T) {
	s, _ := newCatalogServer(t)
	resp, err := http.Get(serve(t, s) + "/register/made-up")
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusNotFound {
		t.Errorf("status %d, want 404", resp.StatusCode)
	}
}

func ptr[T any](v T) *T { return &v }
