package awsproto

import (
	"fmt"
	"net/http"
	"reflect"
	"strconv"
	"sync"
	"time"
)

// Response headers.
const (
	jsonContentType = "application/x-amz-json-1.1"
	cborContentType = "application/cbor"
	smithyProtocol  = "rpc-v2-cbor"
)

// object is an encoded structure: its present members in model order.
// Both encoders keep that order, as the AWS SDKs do.
type object []field

type field struct {
	name  string
	value any
}

// WriteResult writes a 200 response with out, a result struct of
// package meterd (or a pointer to one), encoded per the operation's output
// shape. Absent members are omitted: nil pointers, slices and maps, and
// zero strings, numbers, booleans and times of optional members; a non-nil
// empty slice is written as an empty list, and required members are
// always written. Timestamps are epoch seconds with millisecond
// precision: a JSON number, or CBOR tag 1 around an integer or a float64.
// An out of an unknown type is a programming error and is answered with
// InternalServiceErrorException.
func WriteResult(w http.ResponseWriter, p Protocol, requestID string, out any) {
	body, err := resultValue(out)
	if err != nil {
		WriteError(w, p, requestID, err)
		return
	}
	writeResponse(w, p, requestID, http.StatusOK, body)
}

// resultValue encodes out into the generic tree the encoders write.
func resultValue(out any) (any, error) {
	v := reflect.ValueOf(out)
	for v.Kind() == reflect.Pointer {
		if v.IsNil() {
			return object{}, nil
		}
		v = v.Elem()
	}
	if !v.IsValid() {
		return object{}, nil
	}
	s, ok := models().outputs[v.Type()]
	if !ok {
		return nil, fmt.Errorf("awsproto: %T is not an operation output", out)
	}
	return encodePresent(s, v), nil
}

// encodeMember converts a struct field; ok is false when the member is
// absent and must be omitted. A required member is always present unless
// it is a nil pointer: AllocatedUsageQuantity 0 is a value, not an absence.
func encodeMember(m *member, v reflect.Value) (value any, ok bool) {
	if v.Kind() == reflect.Pointer {
		if v.IsNil() {
			return nil, false
		}
		return encodePresent(m.target, v.Elem()), true
	}
	if !m.required && m.target.kind != kindStructure && v.IsZero() {
		return nil, false
	}
	return encodePresent(m.target, v), true
}

// encodePresent converts a value that is present, even if zero.
func encodePresent(s *shape, v reflect.Value) any {
	switch s.kind {
	case kindStructure:
		return encodeStructure(s, v)
	case kindList:
		return encodeList(s, v)
	case kindMap:
		return encodeMap(s, v)
	case kindString:
		return v.String()
	case kindInteger:
		return v.Int()
	case kindBoolean:
		return v.Bool()
	case kindDouble:
		return v.Float()
	case kindTimestamp:
		t, _ := v.Interface().(time.Time)
		return t.Truncate(time.Millisecond)
	}
	return nil
}

func encodeStructure(s *shape, v reflect.Value) object {
	obj := object{}
	for _, m := range s.members {
		if value, ok := encodeMember(m, v.FieldByName(m.name)); ok {
			obj = append(obj, field{m.name, value})
		}
	}
	return obj
}

func encodeList(s *shape, v reflect.Value) []any {
	list := make([]any, 0, v.Len())
	for i := range v.Len() {
		if e, ok := encodeElement(s.elem.target, v.Index(i)); ok {
			list = append(list, e)
		}
	}
	return list
}

func encodeMap(s *shape, v reflect.Value) map[string]any {
	m := make(map[string]any, v.Len())
	iter := v.MapRange()
	for iter.Next() {
		if e, ok := encodeElement(s.value.target, iter.Value()); ok {
			m[iter.Key().String()] = e
		}
	}
	return m
}

// encodeElement converts a list element or map value: only nil pointers
// are dropped, because collections are dense.
func encodeElement(s *shape, v reflect.Value) (any, bool) {
	if v.Kind() == reflect.Pointer {
		if v.IsNil() {
			return nil, false
		}
		v = v.Elem()
	}
	return encodePresent(s, v), true
}

// jsonBuffers hold the JSON answers being written: appending a 25-record
// BatchMeterUsage result to a nil slice grew it through ten buffers
// (about 16 KB of garbage a call). The buffer is only read by Write,
// which copies it, so it is reused once Write returns; one grown past
// maxPooledJSON (a large GetEntitlements page) is dropped rather than
// kept.
var jsonBuffers = sync.Pool{New: func() any { return new([]byte) }}

// maxPooledJSON is the largest buffer jsonBuffers keeps.
const maxPooledJSON = 64 << 10

func putJSONBuffer(buf *[]byte) {
	if cap(*buf) <= maxPooledJSON {
		jsonBuffers.Put(buf)
	}
}

// writeResponse encodes body and writes the response headers and body.
func writeResponse(w http.ResponseWriter, p Protocol, requestID string, status int, body any) {
	contentType, data := jsonContentType, []byte(nil)
	if p == CBOR {
		var err error
		contentType = cborContentType
		if data, err = encodeCBOR(body); err != nil {
			status, data = http.StatusInternalServerError, cborInternalError
		}
	} else {
		buf := jsonBuffers.Get().(*[]byte)
		defer putJSONBuffer(buf)
		*buf = appendJSON((*buf)[:0], body)
		data = *buf
	}
	h := w.Header()
	h.Set("Content-Type", contentType)
	h.Set("Content-Length", strconv.Itoa(len(data)))
	if p == CBOR {
		h.Set("Smithy-Protocol", smithyProtocol)
	}
	if requestID != "" {
		h.Set("X-Amzn-RequestId", requestID)
	}
	w.WriteHeader(status)
	_, _ = w.Write(data) // the client went away; nothing left to tell it
}
