package awsproto

import (
	"strconv"
	"strings"
	"unicode/utf8"
)

// maxRepeat is the largest repetition count Go's regexp package accepts.
const maxRepeat = 1000

// translatePattern turns a Smithy (ECMA-262) pattern into an equivalent Go
// regexp. The models' patterns are RE2-compatible except for repetition
// counts above 1000, such as LicenseArn's {0,1023}; X{m,n} is rewritten as a
// sequence of repetitions of at most 1000 that matches the same counts. Any
// other construct is left to regexp.Compile, whose error the model loader
// reports.
func translatePattern(p string) string {
	t := patternTranslator{src: p, atom: -1}
	for t.pos < len(t.src) {
		t.step()
	}
	return t.out.String()
}

type patternTranslator struct {
	src    string
	pos    int
	out    strings.Builder
	atom   int   // offset in out of the last complete atom, -1 if none
	groups []int // offsets in out of the open groups
}

// step copies one token of the source.
func (t *patternTranslator) step() {
	start := t.out.Len()
	c := t.src[t.pos]
	switch c {
	case '\\':
		t.copyEscape()
		t.atom = start
	case '[':
		t.copyClass()
		t.atom = start
	case '(':
		t.groups = append(t.groups, start)
		t.copyN(1)
		t.atom = -1
	case ')':
		t.copyN(1)
		t.atom = -1
		if n := len(t.groups); n > 0 {
			t.atom = t.groups[n-1]
			t.groups = t.groups[:n-1]
		}
	case '{':
		if !t.rewriteRepeat() {
			t.copyN(1)
			t.atom = -1
		}
	case '|', '^', '$', '*', '+', '?':
		t.copyN(1)
		t.atom = -1
	default:
		_, size := utf8.DecodeRuneInString(t.src[t.pos:])
		t.copyN(size)
		t.atom = start
	}
}

func (t *patternTranslator) copyN(n int) {
	n = min(n, len(t.src)-t.pos)
	t.out.WriteString(t.src[t.pos : t.pos+n])
	t.pos += n
}

// copyEscape copies \x, \p{...}, \P{...} and \x{...}.
func (t *patternTranslator) copyEscape() {
	end := t.pos + 2
	if end < len(t.src) && t.src[end] == '{' && strings.ContainsRune("pPx", rune(t.src[t.pos+1])) {
		if close := strings.IndexByte(t.src[end:], '}'); close >= 0 {
			end += close + 1
		}
	}
	t.copyN(end - t.pos)
}

// copyClass copies a bracket expression, which may start with ']' or '^]'
// and contain escapes and [:name:] classes.
func (t *patternTranslator) copyClass() {
	i := t.pos + 1
	if i < len(t.src) && t.src[i] == '^' {
		i++
	}
	if i < len(t.src) && t.src[i] == ']' {
		i++
	}
	for i < len(t.src) && t.src[i] != ']' {
		switch {
		case t.src[i] == '\\':
			i += 2
		case strings.HasPrefix(t.src[i:], "[:"):
			if end := strings.Index(t.src[i+2:], ":]"); end >= 0 {
				i += end + 4
				continue
			}
			i++
		default:
			i++
		}
	}
	t.copyN(i + 1 - t.pos)
}

// rewriteRepeat handles a {m}, {m,} or {m,n} at pos. It returns false when
// the braces are not a repetition of an atom, leaving them to be copied.
func (t *patternTranslator) rewriteRepeat() bool {
	end := strings.IndexByte(t.src[t.pos:], '}')
	if t.atom < 0 || end < 0 {
		return false
	}
	lo, hi, ok := parseRepeat(t.src[t.pos+1 : t.pos+end])
	if !ok {
		return false
	}
	t.pos += end + 1
	lazy := t.pos < len(t.src) && t.src[t.pos] == '?'
	if lazy {
		t.pos++
	}
	if lo <= maxRepeat && hi <= maxRepeat {
		t.out.WriteString(repeatSuffix(lo, hi, lazy))
		t.atom = -1
		return true
	}
	atom := t.out.String()[t.atom:]
	prefix := t.out.String()[:t.atom]
	t.out.Reset()
	t.out.WriteString(prefix + "(?:" + splitRepeat(atom, lo, hi, lazy) + ")")
	t.atom = -1
	return true
}

// parseRepeat parses "m", "m," or "m,n"; hi is -1 when unbounded.
func parseRepeat(s string) (lo, hi int, ok bool) {
	loText, hiText, hasComma := strings.Cut(s, ",")
	lo, err := strconv.Atoi(loText)
	if err != nil || lo < 0 {
		return 0, 0, false
	}
	switch {
	case !hasComma:
		return lo, lo, true
	case hiText == "":
		return lo, -1, true
	}
	hi, err = strconv.Atoi(hiText)
	if err != nil || hi < lo {
		return 0, 0, false
	}
	return lo, hi, true
}

// splitRepeat writes atom{lo,hi} as atom{a1,b1}atom{a2,b2}... with every
// count at most maxRepeat. Each part matches an interval of counts, so the
// sums cover exactly [lo, hi].
func splitRepeat(atom string, lo, hi int, lazy bool) string {
	var b strings.Builder
	for lo > maxRepeat || hi > maxRepeat {
		partHi := maxRepeat
		if hi >= 0 && hi < partHi {
			partHi = hi
		}
		partLo := min(lo, partHi)
		b.WriteString(atom + repeatSuffix(partLo, partHi, lazy))
		lo -= partLo
		if hi >= 0 {
			hi -= partHi
		}
	}
	b.WriteString(atom + repeatSuffix(lo, hi, lazy))
	return b.String()
}

func repeatSuffix(lo, hi int, lazy bool) string {
	var s string
	switch {
	case hi < 0:
		s = "{" + strconv.Itoa(lo) + ",}"
	case lo == hi:
		s = "{" + strconv.Itoa(lo) + "}"
	default:
		s = "{" + strconv.Itoa(lo) + "," + strconv.Itoa(hi) + "}"
	}
	if lazy {
		s += "?"
	}
	return s
}
