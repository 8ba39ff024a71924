package audit

import (
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"strings"
	"unicode"
	"unicode/utf8"

	"github.com/meterd/meterd"
)

// Event sources: CloudTrail's for the two AWS services, and meterd's own
// (not an amazonaws.com name: no AWS service makes these calls) for the
// admin API.
const (
	SourceMetering    = "metering-marketplace.amazonaws.com"
	SourceEntitlement = "entitlement-marketplace.amazonaws.com"
	SourceAdmin       = "admin.meterd.localhost"
)

// Hidden is CloudTrail's stand-in for a parameter it does not record.
const Hidden = "HIDDEN_DUE_TO_SECURITY_REASONS"

// hiddenKeys are the parameters that are bearer tokens or secrets: whoever
// holds one can use it, so the trail names that one was sent, not what it
// was. The last ones guard admin routes yet to come (keys, tokens).
var hiddenKeys = map[string]bool{"registrationToken": true, "signature": true,
	"secret": true, "secretAccessKey": true, "token": true, "adminToken": true, "password": true}

// readOnly are the operations that change nothing, as CloudTrail's
// readOnly flag says.
var readOnly = map[string]bool{"GetEntitlements": true, "ResolveCustomer": true}

// Source is the eventSource of an AWS operation.
func Source(op string) string {
	if op == "GetEntitlements" {
		return SourceEntitlement
	}
	return SourceMetering
}

// ReadOnly reports whether op changes nothing.
func ReadOnly(op string) bool { return readOnly[op] }

// Describe fills e's requestParameters, responseElements, product and
// subjects from a call's decoded input and its result (either may be nil).
// A read-only call's result is left out, as CloudTrail leaves out the
// answers of reads.
func Describe(e *meterd.AuditEvent, caller meterd.Caller, in, out any) {
	e.RequestParameters = Params(in)
	if !e.ReadOnly {
		e.ResponseElements = Params(out)
	}
	switch in := in.(type) {
	case *meterd.MeterUsageRequest:
		e.ProductCode = in.ProductCode
		e.Subjects = []meterd.AuditSubject{{Customer: caller.AccountID, Dimension: in.UsageDimension}}
	case *meterd.BatchMeterUsageRequest:
		e.ProductCode = in.ProductCode
		for _, r := range in.UsageRecords {
			e.Subjects = append(e.Subjects, meterd.AuditSubject{Customer: customerOf(r), Dimension: r.Dimension})
		}
	case *meterd.RegisterUsageRequest:
		e.ProductCode = in.ProductCode
		e.Subjects = []meterd.AuditSubject{{Customer: caller.AccountID}}
	case *meterd.GetEntitlementsRequest:
		e.ProductCode = in.ProductCode
		e.Subjects = entitlementSubjects(in.Filter)
	}
	if r, ok := out.(*meterd.ResolveCustomerResult); ok {
		e.ProductCode = r.ProductCode
		e.Subjects = []meterd.AuditSubject{{Customer: r.CustomerIdentifier}}
	}
}

func customerOf(r meterd.UsageRecord) string {
	if r.CustomerIdentifier != "" {
		return r.CustomerIdentifier
	}
	return r.CustomerAWSAccountId
}

func entitlementSubjects(f map[string][]string) []meterd.AuditSubject {
	var subjects []meterd.AuditSubject
	for _, key := range []string{meterd.FilterCustomerIdentifier, meterd.FilterCustomerAWSAccountID} {
		for _, c := range f[key] {
			subjects = append(subjects, meterd.AuditSubject{Customer: c})
		}
	}
	for _, d := range f[meterd.FilterDimension] {
		subjects = append(subjects, meterd.AuditSubject{Dimension: d})
	}
	return subjects
}

// Params is v as CloudTrail shows parameters: JSON with lowerCamel member
// names, empty members left out, bearer tokens hidden. nil is JSON null.
//
// It reshapes json.Marshal's output in one pass over the bytes rather than
// decoding it into maps and encoding those again: the audit writer does
// this for every call, and a BatchMeterUsage's parameters are kilobytes.
func Params(v any) json.RawMessage {
	if v == nil {
		return nil
	}
	b, err := json.Marshal(v)
	if err != nil {
		return nil
	}
	s := shaper{in: b, out: make([]byte, 0, len(b))}
	if s.value() {
		return nil
	}
	return s.out
}

// shaper copies the compact JSON of json.Marshal from in to out, renaming
// members, hiding bearer tokens and dropping empty members.
type shaper struct {
	in  []byte
	i   int
	out []byte
}

// value copies one value and reports whether it is empty (null, "", [] or
// an object with no member left).
func (s *shaper) value() (empty bool) {
	switch s.in[s.i] {
	case '{':
		return s.object()
	case '[':
		return s.array()
	case '"':
		start := s.i
		s.skipString()
		s.out = append(s.out, s.in[start:s.i]...)
		return s.i-start == 2
	}
	start := s.i
	for s.i < len(s.in) && s.in[s.i] != ',' && s.in[s.i] != '}' && s.in[s.i] != ']' {
		s.i++
	}
	s.out = append(s.out, s.in[start:s.i]...)
	return string(s.in[start:s.i]) == "null"
}

func (s *shaper) object() bool {
	s.i++ // {
	s.out = append(s.out, '{')
	members := 0
	for s.in[s.i] != '}' {
		if s.in[s.i] == ',' {
			s.i++
		}
		mark := len(s.out)
		if members > 0 {
			s.out = append(s.out, ',')
		}
		keyStart := s.i
		s.skipString()
		name := s.in[keyStart+1 : s.i-1]
		s.i++ // :
		s.out = append(s.out, '"')
		keyOut := len(s.out)
		s.out = appendLowerCamel(s.out, name)
		hidden := hiddenKeys[string(s.out[keyOut:])] // converting for a lookup does not allocate
		s.out = append(s.out, '"', ':')
		valueStart := len(s.out)
		if s.value() {
			s.out = s.out[:mark]
			continue
		}
		if hidden {
			s.out = append(s.out[:valueStart], `"`+Hidden+`"`...)
		}
		members++
	}
	s.i++ // }
	s.out = append(s.out, '}')
	return members == 0
}

func (s *shaper) array() bool {
	s.i++ // [
	s.out = append(s.out, '[')
	n := 0
	for s.in[s.i] != ']' {
		if s.in[s.i] == ',' {
			s.i++
			s.out = append(s.out, ',')
		}
		s.value()
		n++
	}
	s.i++ // ]
	s.out = append(s.out, ']')
	return n == 0
}

// skipString moves past the string at s.i, escapes included.
func (s *shaper) skipString() {
	for s.i++; s.in[s.i] != '"'; s.i++ {
		if s.in[s.i] == '\\' {
			s.i++
		}
	}
	s.i++
}

// appendLowerCamel appends a Smithy member name (ProductCode) as
// CloudTrail's (productCode); a name whose second letter is upper case too
// (a filter name such as CUSTOMER_IDENTIFIER) is a value, not a member, and
// stays. It appends rather than returns a string: the writer renames every
// member of every event, and a string per member was most of Params'
// allocations.
func appendLowerCamel(dst, k []byte) []byte {
	first, n := utf8.DecodeRune(k)
	second, _ := utf8.DecodeRune(k[n:])
	if !unicode.IsUpper(first) || !unicode.IsLower(second) {
		return append(dst, k...)
	}
	return append(utf8.AppendRune(dst, unicode.ToLower(first)), k[n:]...)
}

// Identity is the userIdentity of a caller. meterd knows access keys and
// accounts, not IAM users: a long-term key (AKIA...) stands for an IAM user
// and a temporary one (ASIA...) for an assumed role, each named after the
// key, with a stable principal id derived from it. A key meterd does not
// know (a failed signature) is type Unknown with only the claimed key id.
func Identity(caller meterd.Caller, known bool) meterd.AuditIdentity {
	id := meterd.AuditIdentity{Type: "Unknown", AccessKeyID: caller.AccessKeyID, AccountID: caller.AccountID}
	if !known || caller.AccountID == "" {
		id.AccountID = ""
		return id
	}
	partition := Partition(caller.Region)
	name := "meterd-" + caller.AccessKeyID
	if strings.HasPrefix(caller.AccessKeyID, "ASIA") {
		id.Type = "AssumedRole"
		id.PrincipalID = "AROA" + uniqueID(caller.AccessKeyID) + ":" + name
		id.ARN = "arn:" + partition + ":sts::" + caller.AccountID + ":assumed-role/meterd/" + name
		return id
	}
	id.Type = "IAMUser"
	id.PrincipalID = "AIDA" + uniqueID(caller.AccessKeyID)
	id.ARN = "arn:" + partition + ":iam::" + caller.AccountID + ":user/" + name
	id.UserName = name
	return id
}

// uniqueID is a stable IAM-style unique id suffix for a key.
func uniqueID(key string) string {
	sum := sha256.Sum256([]byte(key))
	return strings.ToUpper(hex.EncodeToString(sum[:8]))
}

// Partition is the ARN partition of a region.
func Partition(region string) string {
	switch {
	case strings.HasPrefix(region, "cn-"):
		return "aws-cn"
	case strings.HasPrefix(region, "us-gov-"):
		return "aws-us-gov"
	}
	return "aws"
}
