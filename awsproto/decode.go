package awsproto

import (
	"encoding/json"
	"fmt"
	"math"
	"reflect"
	"strconv"
	"strings"
	"time"
)

// Decode parses body, an AWS JSON 1.1 or RPC v2 CBOR request, into in, the
// pointer op.NewInput returned. It works in three steps, each driven by the
// operation's input shape:
//
//  1. parse and type-check: malformed bodies and values of the wrong type
//     (a string for an integer, a fraction or an int32 overflow for an
//     integer, a timestamp that is not a number) are a SerializationException;
//  2. validate the model's constraints (required, length, pattern, range,
//     enum): violations are a ValidationException, or the service's
//     InvalidParameterException, with AWS's message;
//  3. bind the checked values into in by member name.
//
// An empty body is the empty input; unknown members are ignored, like AWS
// does. Absent optional members keep their zero value in in.
func Decode(p Protocol, op *Operation, body []byte, in any) error {
	if op == nil || reflect.TypeOf(in) != reflect.PointerTo(op.inType) {
		return fmt.Errorf("awsproto: cannot decode into %T", in)
	}
	doc, err := parseBody(p, body)
	if err != nil {
		return err
	}
	checked, err := checkStructure(op.input, doc)
	if err != nil {
		return err
	}
	if err := validate(op, checked); err != nil {
		return err
	}
	bindStructure(reflect.ValueOf(in).Elem(), op.input, checked)
	return nil
}

func parseBody(p Protocol, body []byte) (map[string]any, error) {
	if p == CBOR {
		return parseCBOR(body)
	}
	return parseJSON(body)
}

// check converts a parsed value (never nil) to the checked value of shape
// s: map[string]any for structures (present members only) and maps, []any,
// string, int64, float64, bool or time.Time (UTC).
func check(s *shape, raw any) (any, error) {
	switch s.kind {
	case kindStructure:
		return checkStructure(s, raw)
	case kindList:
		return checkList(s, raw)
	case kindMap:
		return checkMap(s, raw)
	case kindString:
		if v, ok := raw.(string); ok {
			return v, nil
		}
	case kindBoolean:
		if v, ok := raw.(bool); ok {
			return v, nil
		}
	case kindInteger:
		return checkInteger(raw)
	case kindDouble:
		return checkDouble(raw)
	case kindTimestamp:
		return checkTimestamp(raw)
	}
	return nil, typeError(s.kind, raw)
}

// checkStructure keeps the members the model knows; a null member is absent.
func checkStructure(s *shape, raw any) (map[string]any, error) {
	obj, ok := raw.(map[string]any)
	if !ok {
		return nil, typeError(kindStructure, raw)
	}
	out := make(map[string]any, len(s.members))
	for _, m := range s.members {
		v, present := obj[m.name]
		if !present || v == nil {
			continue
		}
		checked, err := check(m.target, v)
		if err != nil {
			return nil, err
		}
		out[m.name] = checked
	}
	return out, nil
}

// checkList rejects null elements: the models' lists are dense.
func checkList(s *shape, raw any) ([]any, error) {
	list, ok := raw.([]any)
	if !ok {
		return nil, typeError(kindList, raw)
	}
	out := make([]any, len(list))
	for i, e := range list {
		if e == nil {
			return nil, serializationError("Null values are not allowed in lists")
		}
		v, err := check(s.elem.target, e)
		if err != nil {
			return nil, err
		}
		out[i] = v
	}
	return out, nil
}

// checkMap rejects null values: the models' maps are dense. Keys are
// strings in both protocols; their constraints are checked by validate.
func checkMap(s *shape, raw any) (map[string]any, error) {
	m, ok := raw.(map[string]any)
	if !ok {
		return nil, typeError(kindMap, raw)
	}
	out := make(map[string]any, len(m))
	for k, e := range m {
		if e == nil {
			return nil, serializationError("Null values are not allowed in maps")
		}
		v, err := check(s.value.target, e)
		if err != nil {
			return nil, err
		}
		out[k] = v
	}
	return out, nil
}

// number is a parsed JSON or CBOR number.
type number struct {
	text    string // as received, for messages
	integer bool   // i holds the value exactly
	i       int64
	f       float64
}

// parseNumber reads a json.Number, int64 or float64. ok is false for other
// types; err is set for a JSON number outside the float64 range.
func parseNumber(raw any) (n number, ok bool, err error) {
	switch v := raw.(type) {
	case int64:
		return number{text: strconv.FormatInt(v, 10), integer: true, i: v, f: float64(v)}, true, nil
	case float64:
		return number{text: strconv.FormatFloat(v, 'g', -1, 64), f: v}, true, nil
	case json.Number:
		n = number{text: string(v)}
		if i, err := strconv.ParseInt(n.text, 10, 64); err == nil {
			n.integer, n.i, n.f = true, i, float64(i)
			return n, true, nil
		}
		n.f, err = strconv.ParseFloat(n.text, 64)
		if err != nil {
			return n, true, serializationError("Numeric value (%s) out of range", n.text)
		}
		return n, true, nil
	}
	return number{}, false, nil
}

// checkInteger accepts integral numbers within int32, including integral
// floats such as 1.0 or 1e2.
func checkInteger(raw any) (any, error) {
	n, ok, err := parseNumber(raw)
	if !ok {
		return nil, typeError(kindInteger, raw)
	}
	if err != nil {
		return nil, err
	}
	if !n.integer && n.f != math.Trunc(n.f) {
		return nil, serializationError("Numeric value (%s) is not an integer", n.text)
	}
	if n.f < math.MinInt32 || n.f > math.MaxInt32 {
		return nil, serializationError("Numeric value (%s) out of range of int", n.text)
	}
	if n.integer {
		return n.i, nil
	}
	return int64(n.f), nil
}

func checkDouble(raw any) (any, error) {
	n, ok, err := parseNumber(raw)
	if !ok {
		return nil, typeError(kindDouble, raw)
	}
	return n.f, err
}

// Timestamps must fall in years 1 to 9999, the range Java dates and
// RFC 3339 can print.
const (
	minEpochSeconds = -62135596800 // 0001-01-01T00:00:00Z
	maxEpochSeconds = 253402300800 // 10000-01-01T00:00:00Z, exclusive
)

// checkTimestamp accepts epoch seconds as an integer or a float, and CBOR
// tagged times. Fractions are rounded to the millisecond, the precision of
// the SDKs and of AWS.
func checkTimestamp(raw any) (any, error) {
	if t, ok := raw.(time.Time); ok {
		return checkTime(t)
	}
	n, ok, err := parseNumber(raw)
	if !ok {
		return nil, typeError(kindTimestamp, raw)
	}
	if err != nil {
		return nil, err
	}
	if n.integer {
		if n.i < minEpochSeconds || n.i >= maxEpochSeconds {
			return nil, timestampRangeError(n.text)
		}
		return time.Unix(n.i, 0).UTC(), nil
	}
	if n.f < minEpochSeconds || n.f >= maxEpochSeconds {
		return nil, timestampRangeError(n.text)
	}
	return time.UnixMilli(int64(math.Round(n.f * 1000))).UTC(), nil
}

func checkTime(t time.Time) (any, error) {
	sec := t.Unix()
	if t.IsZero() || sec < minEpochSeconds || sec >= maxEpochSeconds {
		return nil, timestampRangeError(strconv.FormatInt(sec, 10))
	}
	return t.Round(time.Millisecond).UTC(), nil
}

func timestampRangeError(text string) error {
	return serializationError("Timestamp value (%s) out of range", text)
}

// typeError describes a value of the wrong type the way AWS's Coral
// framework does.
func typeError(want kind, raw any) error {
	switch raw.(type) {
	case map[string]any:
		return serializationError("Start of structure or map found where not expected.")
	case []any:
		return serializationError("Start of list found where not expected")
	}
	switch want {
	case kindStructure:
		return serializationError("Expected null")
	case kindList:
		return serializationError("Expected list or null")
	case kindMap:
		return serializationError("Expected map or null")
	}
	if s, ok := raw.(string); ok && want == kindBoolean {
		return serializationError("'%s' can not be converted to an Boolean", strings.ToUpper(s))
	}
	return serializationError("class %s can not be converted to an %s", javaClass(raw), javaType[want])
}

// javaType names the Java type Coral converts each kind to.
var javaType = map[kind]string{
	kindString:    "String",
	kindInteger:   "Integer",
	kindBoolean:   "Boolean",
	kindDouble:    "Double",
	kindTimestamp: "Date",
}

// javaClass names the Java class Coral would have parsed raw into.
func javaClass(raw any) string {
	switch raw.(type) {
	case string:
		return "java.lang.String"
	case bool:
		return "java.lang.Boolean"
	case json.Number, int64, float64:
		return "com.amazon.coral.value.json.numbers.TruncatingBigNumber"
	case []byte:
		return "java.nio.ByteBuffer"
	case time.Time:
		return "java.util.Date"
	}
	return "java.lang.Object"
}
