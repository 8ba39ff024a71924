package awsproto

import (
	"strconv"
	"strings"
	"time"
	"unicode/utf8"
)

// maxShownValue caps the bytes of a value quoted in a validation message.
// AWS quotes values whole; a cap keeps a 2501-element list from turning
// into a 100 KB message.
const maxShownValue = 1024

// javaDateLayout is java.util.Date.toString in UTC, how AWS's Java
// services print a timestamp.
const javaDateLayout = "Mon Jan 02 15:04:05 UTC 2006"

// formatValue prints a checked value of shape s like Java's toString:
// strings as they are, lists as [a, b], maps as {k=v} with sorted keys,
// structures as {Member=value} with the present members in model order.
// Output longer than maxShownValue is cut and ends with "...".
func formatValue(s *shape, v any) string {
	var b strings.Builder
	writeValue(&b, s, v)
	if b.Len() <= maxShownValue {
		return b.String()
	}
	cut := b.String()[:maxShownValue]
	for !utf8.ValidString(cut) {
		cut = cut[:len(cut)-1]
	}
	return cut + "..."
}

// writeValue writes v, stopping early once the cap is passed.
func writeValue(b *strings.Builder, s *shape, v any) {
	if b.Len() > maxShownValue {
		return
	}
	switch v := v.(type) {
	case string:
		b.WriteString(v)
	case int64:
		b.WriteString(strconv.FormatInt(v, 10))
	case float64:
		b.WriteString(javaDouble(v))
	case bool:
		b.WriteString(strconv.FormatBool(v))
	case time.Time:
		b.WriteString(v.UTC().Format(javaDateLayout))
	case []any:
		writeList(b, s, v)
	case map[string]any:
		writeMapping(b, s, v)
	}
}

func writeList(b *strings.Builder, s *shape, list []any) {
	b.WriteByte('[')
	for i, e := range list {
		if i > 0 {
			b.WriteString(", ")
		}
		writeValue(b, s.elem.target, e)
		if b.Len() > maxShownValue {
			return
		}
	}
	b.WriteByte(']')
}

// writeMapping writes a structure or a map as {name=value, ...}.
func writeMapping(b *strings.Builder, s *shape, m map[string]any) {
	b.WriteByte('{')
	n := 0
	entry := func(name string, target *shape, value any) {
		if n > 0 {
			b.WriteString(", ")
		}
		n++
		b.WriteString(name)
		b.WriteByte('=')
		writeValue(b, target, value)
	}
	if s.kind == kindStructure {
		for _, mem := range s.members {
			if value, ok := m[mem.name]; ok {
				entry(mem.name, mem.target, value)
			}
		}
	} else {
		for _, k := range sortedKeys(m) {
			entry(k, s.value.target, m[k])
		}
	}
	b.WriteByte('}')
}

// javaDouble formats like Java's Double.toString for common values:
// always with a fraction (1.0), exponent form outside [1e-3, 1e7).
func javaDouble(f float64) string {
	abs := f
	if abs < 0 {
		abs = -abs
	}
	if abs != 0 && (abs < 1e-3 || abs >= 1e7) {
		mantissa, exp, _ := strings.Cut(strconv.FormatFloat(f, 'E', -1, 64), "E")
		if !strings.Contains(mantissa, ".") {
			mantissa += ".0"
		}
		return mantissa + "E" + strings.TrimPrefix(exp, "+")
	}
	s := strconv.FormatFloat(f, 'f', -1, 64)
	if !strings.Contains(s, ".") {
		s += ".0"
	}
	return s
}
