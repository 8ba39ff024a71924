package console

import (
	"encoding/json"
	"strings"
	"testing"
)

// TestParseEntitlements: one row per rule of the entitlements form.
func TestParseEntitlements(t *testing.T) {
	tests := []struct {
		name, text, want, wantErr string
	}{
		{"OK integer", "users=10", `[{"dimension":"users","integerValue":10}]`, ""},
		{"OK double", "gb=1.5", `[{"dimension":"gb","doubleValue":1.5}]`, ""},
		{"OK boolean", "sso=true", `[{"dimension":"sso","booleanValue":true}]`, ""},
		{"OK string", "tier=gold", `[{"dimension":"tier","stringValue":"gold"}]`, ""},
		{"OK a number too big for an integer is a double", "n=3000000000", `[{"dimension":"n","doubleValue":3000000000}]`, ""},
		{"OK spaces and blank lines", "\n  users = 2 \r\n\n", `[{"dimension":"users","integerValue":2}]`, ""},
		{"OK empty removes all", "", `[]`, ""},
		{"ErrNoEquals", "users", "", "line 1: want dimension=value"},
		{"ErrNoDimension", "=3", "", "line 1: want dimension=value"},
		{"ErrTooMany", strings.Repeat("a=1\n", maxEntitlementLines+1), "", "at most 100 entitlements"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := parseEntitlements(tt.text)
			if tt.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
					t.Fatalf("error %v, want %q", err, tt.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if b, _ := json.Marshal(got); string(b) != tt.want {
				t.Fatalf("got %s, want %s", b, tt.want)
			}
		})
	}
}

// FuzzParseEntitlements: the form never panics, and what it accepts
// reads back the same from the form's text.
func FuzzParseEntitlements(f *testing.F) {
	for _, s := range []string{"users=10", "gb=1.5\nsso=true", "tier=gold", "=", "a==b", "x=NaN"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, text string) {
		ents, err := parseEntitlements(text)
		if err != nil {
			return
		}
		again, err := parseEntitlements(entitlementsText(ents))
		if err != nil {
			t.Fatalf("the text of %q does not parse: %v", text, err)
		}
		a, _ := json.Marshal(ents)
		b, _ := json.Marshal(again)
		if string(a) != string(b) {
			t.Fatalf("%q: %s, then %s", text, a, b)
		}
	})
}

// TestNextPageLinks: a next page's query string reaches the href as
// parameters, not escaped into one.
func TestNextPageLinks(t *testing.T) {
	pages, err := parsePages()
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		page string
		data any
		want string
	}{
		{"audit", &auditData{NextQuery: "eventName=MeterUsage&nextToken=abc"}, `href="/console/audit?eventName=MeterUsage&amp;nextToken=abc"`},
		{"records", &recordsData{NextQuery: "productCode=p&nextToken=abc"}, `href="/console/records?productCode=p&amp;nextToken=abc"`},
	}
	for _, tt := range tests {
		t.Run(tt.page, func(t *testing.T) {
			var b strings.Builder
			if err := pages[tt.page].Execute(&b, view{Data: tt.data}); err != nil {
				t.Fatal(err)
			}
			if !strings.Contains(b.String(), tt.want) {
				t.Fatalf("no %s in %.3000s", tt.want, b.String())
			}
		})
	}
}
