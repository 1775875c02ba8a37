package logparse

import "strings"

// Decode returns a field value with CloudFront's URL-encoding undone.
//
// CloudFront escapes spaces, control characters and non-ASCII bytes as %XX,
// and some fields (the user agent in many logs, query values) arrive encoded
// twice, "%2520" for a space. Decode undoes one level, and a second one when
// the value was encoded twice (it had "%25" followed by two hex digits). It
// never fails: a malformed escape ("%zz", a trailing "%") is kept as it is. A
// plus sign stays a plus sign: CloudFront does not encode spaces that way.
//
// Decoded bytes are not checked for UTF-8: logs carry Latin-1 query strings
// too. Callers that display values should sanitise them.
func Decode(s string) string {
	if strings.IndexByte(s, '%') < 0 {
		return s
	}
	twice := hasEncodedPercent(s)
	out := unescape(s)
	if twice {
		out = unescape(out)
	}
	return out
}

// hasEncodedPercent reports whether s has "%25XX" with XX hex: a percent sign
// that was itself encoded, the mark of double encoding.
func hasEncodedPercent(s string) bool {
	for {
		i := strings.Index(s, "%25")
		if i < 0 {
			return false
		}
		if i+4 < len(s) && isHex(s[i+3]) && isHex(s[i+4]) {
			return true
		}
		s = s[i+3:]
	}
}

// unescape decodes each well-formed %XX once.
func unescape(s string) string {
	i := strings.IndexByte(s, '%')
	if i < 0 {
		return s
	}
	b := make([]byte, 0, len(s))
	b = append(b, s[:i]...)
	for ; i < len(s); i++ {
		c := s[i]
		if c == '%' && i+2 < len(s) && isHex(s[i+1]) && isHex(s[i+2]) {
			b = append(b, unhex(s[i+1])<<4|unhex(s[i+2]))
			i += 2
			continue
		}
		b = append(b, c)
	}
	return string(b)
}

func isHex(c byte) bool {
	return '0' <= c && c <= '9' || 'a' <= c && c <= 'f' || 'A' <= c && c <= 'F'
}

func unhex(c byte) byte {
	switch {
	case '0' <= c && c <= '9':
		return c - '0'
	case 'a' <= c && c <= 'f':
		return c - 'a' + 10
	default:
		return c - 'A' + 10
	}
}
