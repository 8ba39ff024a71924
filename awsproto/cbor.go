package awsproto

import (
	"encoding/binary"
	"reflect"
	"strings"

	"github.com/fxamacker/cbor/v2"
)

// CBOR decoding limits. Requests are small (GetEntitlements has four
// members and a map of at most four lists), so these bound the memory a
// hostile body can claim while leaving room for any valid request: lists
// up to the largest modeled list length (UsageAllocations, 2500) still
// decode and are then rejected by validation rather than by the parser.
const (
	cborMaxNesting  = 16
	cborMaxElements = 4096
	cborMaxPairs    = 4096
)

// cborDecoder decodes into generic values: map[string]any, []any, string,
// bool, int64, float64, time.Time (tags 0 and 1), []byte, nil (null and
// undefined) and values of other types for anything else, which the model
// check rejects. Malformed data, duplicate or non-string map keys, invalid
// UTF-8, integers outside int64, NaN, infinities and bignums are decode
// errors.
var cborDecoder = mustDecMode(cbor.DecOptions{
	MaxNestedLevels:  cborMaxNesting,
	MaxArrayElements: cborMaxElements,
	MaxMapPairs:      cborMaxPairs,
	IndefLength:      cbor.IndefLengthAllowed,
	TagsMd:           cbor.TagsAllowed,
	DupMapKey:        cbor.DupMapKeyEnforcedAPF,
	IntDec:           cbor.IntDecConvertSignedOrFail,
	DefaultMapType:   reflect.TypeOf(map[string]any(nil)),
	UTF8:             cbor.UTF8RejectInvalid,
	NaN:              cbor.NaNDecodeForbidden,
	Inf:              cbor.InfDecodeForbidden,
	BignumTag:        cbor.BignumTagForbidden,
})

// cborEncoder writes time.Time as tag 1 around an integer, or a float64
// when there is a fraction, as RPC v2 CBOR requires.
var cborEncoder = mustEncMode(cbor.EncOptions{
	Time:    cbor.TimeUnixDynamic,
	TimeTag: cbor.EncTagRequired,
})

func mustDecMode(o cbor.DecOptions) cbor.DecMode {
	dm, err := o.DecMode()
	if err != nil {
		panic("awsproto: cbor decoder options: " + err.Error())
	}
	return dm
}

func mustEncMode(o cbor.EncOptions) cbor.EncMode {
	em, err := o.EncMode()
	if err != nil {
		panic("awsproto: cbor encoder options: " + err.Error())
	}
	return em
}

// parseCBOR reads an RPC v2 CBOR request body. An empty body and a top-level
// null or undefined are the empty input.
func parseCBOR(body []byte) (map[string]any, error) {
	if len(body) == 0 {
		return map[string]any{}, nil
	}
	var doc any
	if err := cborDecoder.Unmarshal(body, &doc); err != nil {
		return nil, serializationError("Malformed CBOR request body: %s", strings.TrimPrefix(err.Error(), "cbor: "))
	}
	return topLevelObject(doc)
}

// encodeCBOR encodes an encoder value (see object). The values come from
// the model walk and are all encodable, so an error is a programming error.
func encodeCBOR(v any) ([]byte, error) {
	return cborEncoder.Marshal(v)
}

// cborInternalError is the body sent, with status 500, if encoding fails.
var cborInternalError = []byte("\xa2\x66__type\x78\x1dInternalServiceErrorException\x67message\x71Internal failure.")

// MarshalCBOR writes the members in model order, which the default map
// encoding of Go maps would not keep.
func (o object) MarshalCBOR() ([]byte, error) {
	out := cborHead(5, uint64(len(o)))
	for _, f := range o {
		key, err := cborEncoder.Marshal(f.name)
		if err != nil {
			return nil, err
		}
		value, err := cborEncoder.Marshal(f.value)
		if err != nil {
			return nil, err
		}
		out = append(append(out, key...), value...)
	}
	return out, nil
}

// cborHead encodes the initial bytes of a data item of a major type with
// argument n (RFC 8949 §3).
func cborHead(major byte, n uint64) []byte {
	mt := major << 5
	switch {
	case n < 24:
		return []byte{mt | byte(n)}
	case n <= 0xff:
		return []byte{mt | 24, byte(n)}
	case n <= 0xffff:
		return binary.BigEndian.AppendUint16([]byte{mt | 25}, uint16(n))
	case n <= 0xffffffff:
		return binary.BigEndian.AppendUint32([]byte{mt | 26}, uint32(n))
	}
	return binary.BigEndian.AppendUint64([]byte{mt | 27}, n)
}
