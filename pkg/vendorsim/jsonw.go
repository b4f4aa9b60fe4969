package vendorsim

import (
	"strconv"
	"unicode/utf8"
)

// Records are rendered by hand, append-style, so that the bytes a response
// carries are exactly the bytes the ground truth keeps as Raw, field order is
// the vendor's, and rendering 200k records stays cheap.

const hexDigits = "0123456789abcdef"

// appendStr appends s as a JSON string. Only what JSON requires is escaped
// (quote, backslash, control characters), plus U+2028/U+2029; the data never
// contains <, > or & so that encoding/json's HTML escaping cannot make a
// re-marshalled record differ from the served one.
func appendStr(b []byte, s string) []byte {
	b = append(b, '"')
	start := 0
	for i := 0; i < len(s); {
		c := s[i]
		if c < utf8.RuneSelf {
			if c >= 0x20 && c != '"' && c != '\\' {
				i++
				continue
			}
			b = append(b, s[start:i]...)
			switch c {
			case '"', '\\':
				b = append(b, '\\', c)
			case '\n':
				b = append(b, '\\', 'n')
			case '\r':
				b = append(b, '\\', 'r')
			case '\t':
				b = append(b, '\\', 't')
			default:
				b = append(b, '\\', 'u', '0', '0', hexDigits[c>>4], hexDigits[c&0xf])
			}
			i++
			start = i
			continue
		}
		r, size := utf8.DecodeRuneInString(s[i:])
		if r == '\u2028' || r == '\u2029' {
			b = append(b, s[start:i]...)
			b = append(b, '\\', 'u', '2', '0', '2', hexDigits[r&0xf])
			i += size
			start = i
			continue
		}
		i += size
	}
	b = append(b, s[start:]...)
	return append(b, '"')
}

// appendKey appends `"key":` (keys are plain ASCII identifiers).
func appendKey(b []byte, key string) []byte {
	b = append(b, '"')
	b = append(b, key...)
	return append(b, '"', ':')
}

// field appends `,"key":"value"` (or without the comma when first).
func fieldStr(b []byte, first bool, key, val string) []byte {
	if !first {
		b = append(b, ',')
	}
	b = appendKey(b, key)
	return appendStr(b, val)
}

func fieldInt(b []byte, first bool, key string, v int64) []byte {
	if !first {
		b = append(b, ',')
	}
	b = appendKey(b, key)
	return strconv.AppendInt(b, v, 10)
}

func fieldRaw(b []byte, first bool, key, raw string) []byte {
	if !first {
		b = append(b, ',')
	}
	b = appendKey(b, key)
	return append(b, raw...)
}

// fieldStrOrNull appends the string, or null when ok is false.
func fieldStrOrNull(b []byte, key, val string, ok bool) []byte {
	if !ok {
		return fieldRaw(b, false, key, "null")
	}
	return fieldStr(b, false, key, val)
}
