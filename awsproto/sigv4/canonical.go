package sigv4

import (
	"net/url"
	"slices"
	"strconv"
	"strings"
)

// appendCanonicalRequest appends the SigV4 canonical request the client must
// have signed: method, URI, query, the headers named in SignedHeaders (in the
// client's order, with the client's spelling of the list), and the payload
// hash. It canonicalises exactly what the client listed, whatever it is,
// because SDKs disagree on which headers to sign (see docs/differences.md).
func appendCanonicalRequest(b []byte, in signingInput) []byte {
	r := in.request
	b = append(b, r.Method...)
	b = append(b, '\n')
	b = appendCanonicalURI(b, r.URL)
	b = append(b, '\n')
	b = appendCanonicalQuery(b, r.URL, in.presigned)
	b = append(b, '\n')
	for _, name := range in.auth.SignedHeaders {
		b = append(b, name...)
		b = append(b, ':')
		b = appendHeaderValue(b, in, name)
		b = append(b, '\n')
	}
	b = append(b, '\n')
	for i, name := range in.auth.SignedHeaders {
		if i > 0 {
			b = append(b, ';')
		}
		b = append(b, name...)
	}
	b = append(b, '\n')
	return append(b, in.payloadHash...)
}

// appendCanonicalURI encodes the path as sent a second time, the rule of
// every service but S3. The path is not normalised ("/a/../b" stays), as
// the Go SDK does not normalise it either.
func appendCanonicalURI(b []byte, u *url.URL) []byte {
	path := u.EscapedPath()
	if path == "" {
		return append(b, '/')
	}
	return appendEscaped(b, path, true)
}

// queryPair is one encoded query parameter.
type queryPair struct{ key, value string }

// appendCanonicalQuery encodes every parameter, minus the signature of a
// presigned request, sorted by encoded name and then value as the SigV4
// specification says.
func appendCanonicalQuery(b []byte, u *url.URL, presigned bool) []byte {
	if u.RawQuery == "" {
		return b
	}
	var pairs []queryPair
	for key, values := range u.Query() {
		if presigned && key == querySignature {
			continue
		}
		k := string(appendEscaped(nil, key, false))
		for _, v := range values {
			pairs = append(pairs, queryPair{k, string(appendEscaped(nil, v, false))})
		}
	}
	slices.SortFunc(pairs, func(x, y queryPair) int {
		if c := strings.Compare(x.key, y.key); c != 0 {
			return c
		}
		return strings.Compare(x.value, y.value)
	})
	for i, p := range pairs {
		if i > 0 {
			b = append(b, '&')
		}
		b = append(b, p.key...)
		b = append(b, '=')
		b = append(b, p.value...)
	}
	return b
}

// appendHeaderValue appends the canonical value of one signed header. Host
// and Content-Length are not in r.Header on a server: Host is r.Host
// verbatim (a non-default port included, as clients sign it), and the length
// is the body's.
func appendHeaderValue(b []byte, in signingInput, name string) []byte {
	switch name {
	case "host":
		return append(b, in.request.Host...)
	case "content-length":
		return strconv.AppendInt(b, int64(in.bodyLength), 10)
	}
	for i, v := range in.request.Header.Values(name) {
		if i > 0 {
			b = append(b, ',')
		}
		b = appendTrimmed(b, v)
	}
	return b
}

// appendTrimmed appends v without leading and trailing spaces and with each
// run of inner spaces collapsed to one (SigV4's Trimall). Only the space
// character counts, as in the Go, JS and .NET signers.
func appendTrimmed(b []byte, v string) []byte {
	v = strings.Trim(v, " ")
	space := false
	for i := 0; i < len(v); i++ {
		c := v[i]
		if c == ' ' {
			space = true
			continue
		}
		if space {
			b = append(b, ' ')
			space = false
		}
		b = append(b, c)
	}
	return b
}

// appendEscaped percent-encodes every byte but RFC 3986's unreserved
// characters (and '/' when keepSlash), with upper-case hex digits.
func appendEscaped(b []byte, s string, keepSlash bool) []byte {
	const hex = "0123456789ABCDEF"
	for i := 0; i < len(s); i++ {
		c := s[i]
		if unreserved(c) || (keepSlash && c == '/') {
			b = append(b, c)
			continue
		}
		b = append(b, '%', hex[c>>4], hex[c&15])
	}
	return b
}

func unreserved(c byte) bool {
	return 'a' <= c && c <= 'z' || 'A' <= c && c <= 'Z' || '0' <= c && c <= '9' ||
		c == '-' || c == '.' || c == '_' || c == '~'
}
