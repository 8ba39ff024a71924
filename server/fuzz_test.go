package server_test

import (
	"bytes"
	"net/http"
	"net/http/httptest"
	"strconv"
	"testing"
	"time"

	"github.com/meterd/meterd/seed"
)

// FuzzServeAPI sends arbitrary operations, headers and bodies through the
// whole handler (signatures off, demo catalog, real rules and ledger): a
// client's request may be refused, but never with a 500 or a panic.
//
//	go test -run=^$ -fuzz=FuzzServeAPI -fuzztime=60s ./server
func FuzzServeAPI(f *testing.F) {
	now := time.Now().Unix()
	seeds := []struct{ path, target, contentType, body string }{
		{"/", "AWSMPMeteringService.MeterUsage", "application/x-amz-json-1.1",
			`{"ProductCode":"demo-ami","UsageDimension":"vcpu_hours","UsageQuantity":1,"Timestamp":` + strconv.FormatInt(now, 10) + `}`},
		{"/", "AWSMPMeteringService.BatchMeterUsage", "application/x-amz-json-1.1",
			`{"ProductCode":"demo-saas","UsageRecords":[{"CustomerIdentifier":"demo-customer","Dimension":"users","Quantity":2,"Timestamp":` + strconv.FormatInt(now, 10) + `}]}`},
		{"/", "AWSMPMeteringService.ResolveCustomer", "application/x-amz-json-1.1", `{"RegistrationToken":"x"}`},
		{"/", "AWSMPMeteringService.RegisterUsage", "application/x-amz-json-1.1", `{"ProductCode":"demo-container","PublicKeyVersion":1,"Nonce":"n"}`},
		{"/", "AWSMPEntitlementService.GetEntitlements", "application/x-amz-json-1.1", `{"ProductCode":"demo-saas","MaxResults":1}`},
		{"/service/AWSMPEntitlementService/operation/GetEntitlements", "", "application/cbor", "\xa1kProductCodeidemo-saas"},
		{"/", "AWSMPMeteringService.MeterUsage", "text/plain", `{}`},
	}
	for _, s := range seeds {
		f.Add(s.path, s.target, s.contentType, []byte(s.body))
	}
	handler := newFuzzHandler(f)
	f.Fuzz(func(t *testing.T, path, target, contentType string, body []byte) {
		req, err := http.NewRequest(http.MethodPost, "http://meterd.test/", bytes.NewReader(body))
		if err != nil {
			t.Skip()
		}
		req.URL.Path = "/" + path
		req.Header.Set("X-Amz-Target", target)
		req.Header.Set("Content-Type", contentType)
		rec := httptest.NewRecorder()
		handler.ServeHTTP(rec, req)
		if rec.Code >= 500 {
			t.Fatalf("%s %q %q: %d %s", path, target, contentType, rec.Code, rec.Body)
		}
	})
}

func newFuzzHandler(f *testing.F) http.Handler {
	s := newServer(f, nil)
	s.AuthDisabled = true
	s.FallbackAccount = seed.DemoSellerAccountID
	return s.Handler()
}
