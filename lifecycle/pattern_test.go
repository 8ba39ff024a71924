package lifecycle

import (
	"regexp"
	"strings"
	"testing"
)

// Each boundedPattern accepts exactly what the counted pattern it stands
// for accepts.
func TestBoundedPatternsMatchTheCountedOnes(t *testing.T) {
	patterns := []struct {
		name    string
		bounded boundedPattern
		counted string
		valid   string // one valid character
	}{
		{"productCode", productCodePattern, `^[-a-zA-Z0-9/=:_.@]{1,255}$`, "a"},
		{"accessKeyID", accessKeyIDPattern, `^[A-Za-z0-9_.@+=-]{1,128}$`, "K"},
		{"identifier", identifierPattern, `^[\x21-\x7e]{1,255}$`, "~"},
	}
	for _, p := range patterns {
		counted := regexp.MustCompile(p.counted)
		for _, s := range []string{"", p.valid, strings.Repeat(p.valid, 128), strings.Repeat(p.valid, 129),
			strings.Repeat(p.valid, 255), strings.Repeat(p.valid, 256), p.valid + " ", "é", p.valid + "\x7f"} {
			if got, want := p.bounded.MatchString(s), counted.MatchString(s); got != want {
				t.Errorf("%s: MatchString(%q, %d bytes) = %v, want %v", p.name, s[:min(len(s), 8)], len(s), got, want)
			}
		}
	}
}
