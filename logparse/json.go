package logparse

import (
	"strconv"
	"strings"
	"unicode/utf16"
	"unicode/utf8"
)

// parseJSON reads one standard logging v2 JSON record: a flat object whose
// keys are field names and whose values are strings.
//
// It is written by hand rather than with encoding/json because a record is a
// flat object of strings: scanning it in place slices values out of the input
// block with no allocation (only a value with a JSON escape is copied),
// several times faster than decoding into a map.
//
// It sets r.jsonKnown to the number of keys that name a known field.
func (r *Reader) parseJSON(obj string, rec *Record) error {
	*rec = Record{}
	r.jsonKnown = 0
	var tp timeParts
	s := jsonScanner{s: obj}
	s.skipSpace()
	if !s.consume('{') {
		return &ParseError{Err: ErrJSON, Value: "(expected an object)"}
	}
	col := 0
	s.skipSpace()
	if s.consume('}') {
		return r.finish(rec, &tp)
	}
	for {
		s.skipSpace()
		key, ok := s.str()
		if !ok {
			return &ParseError{Column: col + 1, Err: ErrJSON, Value: "(bad key)"}
		}
		s.skipSpace()
		if !s.consume(':') {
			return &ParseError{Column: col + 1, Field: key, Err: ErrJSON, Value: "(expected ':')"}
		}
		s.skipSpace()
		val, ok := s.value()
		if !ok {
			return &ParseError{Column: col + 1, Field: key, Err: ErrJSON, Value: "(bad value)"}
		}
		f := LookupField(key)
		if f != FieldUnknown {
			r.jsonKnown++
		}
		r.jsonKey = key
		err := r.set(rec, &tp, f, col, val)
		r.jsonKey = ""
		if err != nil {
			if pe, ok := err.(*ParseError); ok {
				pe.Field = key
			}
			return err
		}
		col++
		s.skipSpace()
		if s.consume(',') {
			continue
		}
		if s.consume('}') {
			break
		}
		return &ParseError{Column: col, Err: ErrJSON, Value: "(expected ',' or '}')"}
	}
	s.skipSpace()
	if s.i != len(s.s) {
		return &ParseError{Err: ErrJSON, Value: "(text after the object)"}
	}
	return r.finish(rec, &tp)
}

type jsonScanner struct {
	s string
	i int
}

func (s *jsonScanner) skipSpace() {
	for s.i < len(s.s) {
		switch s.s[s.i] {
		case ' ', '\t', '\n', '\r':
			s.i++
		default:
			return
		}
	}
}

func (s *jsonScanner) consume(c byte) bool {
	if s.i < len(s.s) && s.s[s.i] == c {
		s.i++
		return true
	}
	return false
}

// value reads a string, or the literal text of a number, true, false or null
// (CloudFront writes strings only; other tools do not always).
func (s *jsonScanner) value() (string, bool) {
	if s.i < len(s.s) && s.s[s.i] == '"' {
		return s.str()
	}
	start := s.i
	for s.i < len(s.s) {
		c := s.s[s.i]
		if c == ',' || c == '}' || c == ' ' || c == '\t' || c == '\n' || c == '\r' {
			break
		}
		s.i++
	}
	lit := s.s[start:s.i]
	switch {
	case lit == "":
		return "", false
	case lit == "null":
		return "", true
	case lit == "true" || lit == "false":
		return lit, true
	case lit[0] == '-' || (lit[0] >= '0' && lit[0] <= '9'):
		return lit, true
	}
	return "", false
}

// str reads a JSON string. Without escapes it is a slice of the input.
func (s *jsonScanner) str() (string, bool) {
	if !s.consume('"') {
		return "", false
	}
	start := s.i
	for s.i < len(s.s) {
		c := s.s[s.i]
		if c == '"' {
			v := s.s[start:s.i]
			s.i++
			return v, true
		}
		if c == '\\' {
			return s.strEscaped(start)
		}
		if c < 0x20 {
			return "", false
		}
		s.i++
	}
	return "", false
}

// strEscaped finishes reading a string that contains escapes, into a copy.
func (s *jsonScanner) strEscaped(start int) (string, bool) {
	var b strings.Builder
	b.WriteString(s.s[start:s.i])
	for s.i < len(s.s) {
		c := s.s[s.i]
		switch {
		case c == '"':
			s.i++
			return b.String(), true
		case c < 0x20:
			return "", false
		case c != '\\':
			b.WriteByte(c)
			s.i++
			continue
		}
		if s.i+1 >= len(s.s) {
			return "", false
		}
		e := s.s[s.i+1]
		s.i += 2
		switch e {
		case '"', '\\', '/':
			b.WriteByte(e)
		case 'b':
			b.WriteByte('\b')
		case 'f':
			b.WriteByte('\f')
		case 'n':
			b.WriteByte('\n')
		case 'r':
			b.WriteByte('\r')
		case 't':
			b.WriteByte('\t')
		case 'u':
			r1, ok := s.hex4()
			if !ok {
				return "", false
			}
			if utf16.IsSurrogate(r1) {
				if s.i+1 < len(s.s) && s.s[s.i] == '\\' && s.s[s.i+1] == 'u' {
					s.i += 2
					r2, ok := s.hex4()
					if !ok {
						return "", false
					}
					r1 = utf16.DecodeRune(r1, r2)
				} else {
					r1 = utf8.RuneError
				}
			}
			b.WriteRune(r1)
		default:
			return "", false
		}
	}
	return "", false
}

func (s *jsonScanner) hex4() (rune, bool) {
	if s.i+4 > len(s.s) {
		return 0, false
	}
	n, err := strconv.ParseUint(s.s[s.i:s.i+4], 16, 32)
	if err != nil {
		return 0, false
	}
	s.i += 4
	return rune(n), true
}
