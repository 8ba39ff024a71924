package awsproto

import (
	"bytes"
	"encoding/json"
	"errors"
	"io"
	"math"
	"slices"
	"strconv"
	"time"
	"unicode/utf8"
)

// parseJSON reads an AWS JSON 1.1 request body into generic values:
// map[string]any, []any, string, bool, json.Number and nil. An empty body
// and a JSON null are the empty input. Duplicate keys keep the last value,
// as Jackson (and thus AWS) does.
func parseJSON(body []byte) (map[string]any, error) {
	if len(bytes.TrimSpace(body)) == 0 {
		return map[string]any{}, nil
	}
	dec := json.NewDecoder(bytes.NewReader(body))
	dec.UseNumber()
	var doc any
	if err := dec.Decode(&doc); err != nil {
		return nil, serializationError("Malformed JSON request body: %s", jsonErrorText(err))
	}
	if _, err := dec.Token(); !errors.Is(err, io.EOF) {
		return nil, serializationError("Malformed JSON request body: unexpected data after the top-level object")
	}
	return topLevelObject(doc)
}

// jsonErrorText describes a JSON syntax error without Go type names.
func jsonErrorText(err error) string {
	var syntax *json.SyntaxError
	if errors.As(err, &syntax) {
		return syntax.Error() + " at offset " + strconv.FormatInt(syntax.Offset, 10)
	}
	if errors.Is(err, io.ErrUnexpectedEOF) {
		return "unexpected end of input"
	}
	return err.Error()
}

// topLevelObject checks that a parsed body is an object (or null).
func topLevelObject(doc any) (map[string]any, error) {
	switch doc := doc.(type) {
	case map[string]any:
		return doc, nil
	case nil:
		return map[string]any{}, nil
	}
	return nil, typeError(kindStructure, doc)
}

// appendJSON appends the JSON encoding of an encoder value (see object).
func appendJSON(b []byte, v any) []byte {
	switch v := v.(type) {
	case object:
		return appendJSONObject(b, v)
	case map[string]any:
		return appendJSONMap(b, v)
	case []any:
		return appendJSONList(b, v)
	case string:
		return appendJSONString(b, v)
	case int64:
		return strconv.AppendInt(b, v, 10)
	case float64:
		return appendJSONFloat(b, v)
	case bool:
		return strconv.AppendBool(b, v)
	case time.Time:
		return appendEpochSeconds(b, v)
	}
	return append(b, "null"...)
}

func appendJSONObject(b []byte, o object) []byte {
	b = append(b, '{')
	for i, f := range o {
		if i > 0 {
			b = append(b, ',')
		}
		b = appendJSONString(b, f.name)
		b = append(b, ':')
		b = appendJSON(b, f.value)
	}
	return append(b, '}')
}

// appendJSONMap writes map entries sorted by key, for stable output.
func appendJSONMap(b []byte, m map[string]any) []byte {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	o := make(object, 0, len(keys))
	for _, k := range keys {
		o = append(o, field{k, m[k]})
	}
	return appendJSONObject(b, o)
}

func appendJSONList(b []byte, list []any) []byte {
	b = append(b, '[')
	for i, e := range list {
		if i > 0 {
			b = append(b, ',')
		}
		b = appendJSON(b, e)
	}
	return append(b, ']')
}

// appendJSONString quotes s; invalid UTF-8 becomes U+FFFD, like
// encoding/json, but <, > and & are left alone.
func appendJSONString(b []byte, s string) []byte {
	const hex = "0123456789abcdef"
	b = append(b, '"')
	for i := 0; i < len(s); {
		c := s[i]
		switch {
		case c == '"' || c == '\\':
			b = append(b, '\\', c)
		case c == '\n':
			b = append(b, '\\', 'n')
		case c == '\r':
			b = append(b, '\\', 'r')
		case c == '\t':
			b = append(b, '\\', 't')
		case c < 0x20:
			b = append(b, '\\', 'u', '0', '0', hex[c>>4], hex[c&0xf])
		case c < utf8.RuneSelf:
			b = append(b, c)
		default:
			r, size := utf8.DecodeRuneInString(s[i:])
			if r == utf8.RuneError && size == 1 {
				b = append(b, `\ufffd`...)
			} else {
				b = append(b, s[i:i+size]...)
			}
			i += size
			continue
		}
		i++
	}
	return append(b, '"')
}

// appendJSONFloat writes a double; Smithy JSON protocols send the
// non-finite values as strings.
func appendJSONFloat(b []byte, f float64) []byte {
	switch {
	case math.IsNaN(f):
		return append(b, `"NaN"`...)
	case math.IsInf(f, 1):
		return append(b, `"Infinity"`...)
	case math.IsInf(f, -1):
		return append(b, `"-Infinity"`...)
	}
	enc, _ := json.Marshal(f) // finite floats always marshal
	return append(b, enc...)
}

// appendEpochSeconds writes t as epoch seconds: an integer when t has no
// fraction, else a decimal with up to three fraction digits (t is already
// truncated to milliseconds), e.g. 1700000000.123.
func appendEpochSeconds(b []byte, t time.Time) []byte {
	ms := t.UnixMilli()
	sec, frac := ms/1000, ms%1000
	if frac == 0 {
		return strconv.AppendInt(b, sec, 10)
	}
	if frac < 0 { // -1.5 s is sec -1, frac -500
		b = append(b, '-')
		sec, frac = -sec, -frac
	}
	b = strconv.AppendInt(b, sec, 10)
	digits := strconv.FormatInt(frac+1000, 10)[1:] // zero-padded to 3
	for digits[len(digits)-1] == '0' {
		digits = digits[:len(digits)-1]
	}
	return append(append(b, '.'), digits...)
}
