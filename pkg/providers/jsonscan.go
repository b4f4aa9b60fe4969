package providers

import (
	"fmt"
	"strconv"
	"unicode/utf16"
	"unicode/utf8"
)

// scanner reads JSON straight from a page body, one value at a time,
// without building values and without allocating: field names and strings
// without escapes are slices of the body. It is the engine's hot path (see
// cmd/bench): json-iterator, used before, allocated every field name of
// every record. It accepts exactly what encoding/json accepts and reads
// strings as encoding/json does (invalid UTF-8 and lone surrogates become
// U+FFFD); FuzzScanner checks both against encoding/json.
//
// After the first syntax error every method returns zero values and err
// keeps that error, so callers check err once at the end.
type scanner struct {
	b     []byte
	i     int
	err   error
	depth int
	// recordStart is where the record being read by eachRecord starts.
	recordStart int
	// unescaped holds the last string that had escapes (str's result is
	// valid until the next call).
	unescaped []byte
}

// kind is the type of the next JSON value.
type kind byte

const (
	kindNone kind = iota // end of input, or after an error
	kindObject
	kindArray
	kindString
	kindNumber
	kindBool
	kindNull
)

// maxDepth bounds nesting, as encoding/json does (it allows 10000).
const maxDepth = 10000

func (s *scanner) fail(what string) {
	if s.err == nil {
		s.err = fmt.Errorf("%s at byte %d", what, s.i)
	}
	s.i = len(s.b)
}

// failAt reports what was found at the current byte (or the end).
func (s *scanner) failAt(want string) {
	if s.i >= len(s.b) {
		s.fail("unexpected end of input, expecting " + want)
		return
	}
	s.fail(fmt.Sprintf("unexpected %s, expecting %s", quoteByte(s.b[s.i]), want))
}

func quoteByte(c byte) string {
	if c < 0x20 || c >= 0x7f {
		return fmt.Sprintf("byte 0x%02x", c)
	}
	return strconv.QuoteRune(rune(c))
}

func (s *scanner) ws() {
	for s.i < len(s.b) {
		switch s.b[s.i] {
		case ' ', '\t', '\n', '\r':
			s.i++
		default:
			return
		}
	}
}

// next skips whitespace and tells the type of the value that follows.
func (s *scanner) next() kind {
	s.ws()
	if s.i >= len(s.b) {
		return kindNone
	}
	switch c := s.b[s.i]; {
	case c == '{':
		return kindObject
	case c == '[':
		return kindArray
	case c == '"':
		return kindString
	case c == 't' || c == 'f':
		return kindBool
	case c == 'n':
		return kindNull
	case c == '-' || (c >= '0' && c <= '9'):
		return kindNumber
	}
	return kindNone
}

// expect consumes c (after whitespace) or fails.
func (s *scanner) expect(c byte, want string) bool {
	s.ws()
	if s.i < len(s.b) && s.b[s.i] == c {
		s.i++
		return true
	}
	s.failAt(want)
	return false
}

func (s *scanner) enter() bool {
	s.depth++
	if s.depth > maxDepth {
		s.fail("JSON nested too deeply")
		return false
	}
	return true
}

// object reads an object, calling fn for each field with the scanner on
// the field's value; fn must read or skip that value (when it does not,
// the value is skipped for it). name is valid only during fn.
func (s *scanner) object(fn func(name []byte)) {
	if !s.expect('{', "an object") || !s.enter() {
		return
	}
	defer func() { s.depth-- }()
	s.ws()
	if s.i < len(s.b) && s.b[s.i] == '}' {
		s.i++
		return
	}
	for s.err == nil {
		s.ws()
		if s.i >= len(s.b) || s.b[s.i] != '"' {
			s.failAt("a field name")
			return
		}
		name := s.str()
		if !s.expect(':', "':' after a field name") || !s.element(func() { fn(name) }) || !s.more('}', "',' or '}'") {
			return
		}
	}
}

// array reads an array, calling fn with the scanner on each element; fn
// must read or skip it (when it does not, the element is skipped for it).
func (s *scanner) array(fn func()) {
	if !s.expect('[', "an array") || !s.enter() {
		return
	}
	defer func() { s.depth-- }()
	s.ws()
	if s.i < len(s.b) && s.b[s.i] == ']' {
		s.i++
		return
	}
	for s.err == nil {
		if !s.element(fn) || !s.more(']', "',' or ']'") {
			return
		}
	}
}

// element calls read on the value that follows, and skips the value when
// read did not read it; false when there is no value.
func (s *scanner) element(read func()) bool {
	if s.next() == kindNone {
		s.failAt("a value")
		return false
	}
	at := s.i // the value's first byte
	read()
	if s.i == at {
		s.skip()
	}
	return s.err == nil
}

// more reads the ',' before another element (true) or the closing byte.
func (s *scanner) more(closing byte, want string) bool {
	s.ws()
	if s.i < len(s.b) {
		switch s.b[s.i] {
		case ',':
			s.i++
			return true
		case closing:
			s.i++
			return false
		}
	}
	s.failAt(want)
	return false
}

// record returns the bytes of the record eachRecord is reading, from its
// start to here: once the record is read, all of it (a slice of the page
// body, which the events keep for the `raw` column; the body must not
// change afterwards).
func (s *scanner) record() []byte {
	return s.b[s.recordStart:s.i:s.i]
}

// skip reads past one value of any type, checking its syntax.
func (s *scanner) skip() {
	switch s.next() {
	case kindObject:
		s.object(func([]byte) { s.skip() })
	case kindArray:
		s.array(s.skip)
	case kindString:
		s.str()
	case kindNumber:
		s.number()
	case kindBool:
		s.boolean()
	case kindNull:
		s.null()
	default:
		s.failAt("a value")
	}
}

// raw reads past one value and returns its bytes (a slice of the input).
func (s *scanner) raw() []byte {
	s.ws()
	start := s.i
	s.skip()
	if s.err != nil {
		return nil
	}
	return s.b[start:s.i:s.i]
}

// str reads a string and returns its contents: a slice of the input when
// it has no escapes and is valid UTF-8, else the decoded text in a buffer
// that the next str call reuses.
func (s *scanner) str() []byte {
	if !s.expect('"', "a string") {
		return nil
	}
	start := s.i
	escaped, ascii := false, true
	for s.i < len(s.b) {
		c := s.b[s.i]
		switch {
		case c == '"':
			out := s.b[start:s.i:s.i]
			s.i++
			if !escaped && (ascii || utf8.Valid(out)) {
				return out
			}
			return s.decode(out)
		case c == '\\':
			escaped = true
			s.i++ // the escaped byte is checked by decode; here only skipped
			if s.i < len(s.b) {
				s.i++
			}
			continue
		case c < 0x20:
			s.fail(fmt.Sprintf("control character %s in a string", quoteByte(c)))
			return nil
		case c >= utf8.RuneSelf:
			ascii = false
		}
		s.i++
	}
	s.fail("unexpected end of input in a string")
	return nil
}

// decode unescapes the contents of a string (between its quotes) and
// replaces invalid UTF-8 with U+FFFD, as encoding/json does.
func (s *scanner) decode(in []byte) []byte {
	out := s.unescaped[:0]
	for i := 0; i < len(in); {
		c := in[i]
		if c >= utf8.RuneSelf {
			r, size := utf8.DecodeRune(in[i:])
			out = utf8.AppendRune(out, r) // RuneError for an invalid byte
			i += size
			continue
		}
		if c != '\\' {
			out = append(out, c)
			i++
			continue
		}
		if i+1 >= len(in) {
			s.fail("bad escape at the end of a string")
			return nil
		}
		switch e := in[i+1]; e {
		case '"', '\\', '/':
			out = append(out, e)
		case 'b':
			out = append(out, '\b')
		case 'f':
			out = append(out, '\f')
		case 'n':
			out = append(out, '\n')
		case 'r':
			out = append(out, '\r')
		case 't':
			out = append(out, '\t')
		case 'u':
			r, ok := hex4(in[i+2:])
			if !ok {
				s.fail("bad \\u escape in a string")
				return nil
			}
			i += 6
			if utf16.IsSurrogate(r) {
				// A pair makes one rune; a lone half is U+FFFD.
				if i+6 <= len(in) && in[i] == '\\' && in[i+1] == 'u' {
					if r2, ok := hex4(in[i+2:]); ok {
						if dec := utf16.DecodeRune(r, r2); dec != utf8.RuneError {
							out = utf8.AppendRune(out, dec)
							i += 6
							continue
						}
					}
				}
				r = utf8.RuneError
			}
			out = utf8.AppendRune(out, r)
			continue
		default:
			s.fail(fmt.Sprintf("bad escape \\%c in a string", e))
			return nil
		}
		i += 2
	}
	s.unescaped = out
	return out
}

// hex4 reads four hex digits.
func hex4(b []byte) (rune, bool) {
	if len(b) < 4 {
		return 0, false
	}
	var r rune
	for _, c := range b[:4] {
		switch {
		case c >= '0' && c <= '9':
			c -= '0'
		case c >= 'a' && c <= 'f':
			c -= 'a' - 10
		case c >= 'A' && c <= 'F':
			c -= 'A' - 10
		default:
			return 0, false
		}
		r = r<<4 | rune(c)
	}
	return r, true
}

// number reads a number and returns it as written.
func (s *scanner) number() []byte {
	s.ws()
	start := s.i
	digits := func() int {
		n := 0
		for s.i < len(s.b) && s.b[s.i] >= '0' && s.b[s.i] <= '9' {
			s.i++
			n++
		}
		return n
	}
	if s.i < len(s.b) && s.b[s.i] == '-' {
		s.i++
	}
	switch {
	case s.i < len(s.b) && s.b[s.i] == '0':
		s.i++
	case digits() == 0:
		s.failAt("a digit")
		return nil
	}
	if s.i < len(s.b) && s.b[s.i] == '.' {
		s.i++
		if digits() == 0 {
			s.failAt("a digit after '.'")
			return nil
		}
	}
	if s.i < len(s.b) && (s.b[s.i] == 'e' || s.b[s.i] == 'E') {
		s.i++
		if s.i < len(s.b) && (s.b[s.i] == '+' || s.b[s.i] == '-') {
			s.i++
		}
		if digits() == 0 {
			s.failAt("a digit in the exponent")
			return nil
		}
	}
	return s.b[start:s.i:s.i]
}

func (s *scanner) word(w string) bool {
	s.ws()
	if len(s.b)-s.i >= len(w) && string(s.b[s.i:s.i+len(w)]) == w {
		s.i += len(w)
		return true
	}
	s.failAt(strconv.Quote(w))
	return false
}

func (s *scanner) boolean() bool {
	if s.next() == kindBool && s.b[s.i] == 't' {
		return s.word("true")
	}
	s.word("false")
	return false
}

func (s *scanner) null() { s.word("null") }

// end checks that only whitespace follows the value read.
func (s *scanner) end() {
	s.ws()
	if s.err == nil && s.i < len(s.b) {
		s.fail("data after the JSON value")
	}
}
