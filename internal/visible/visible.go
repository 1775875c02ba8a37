// Package visible makes the characters of a value that a reader cannot see,
// or that act instead of showing, visible as escapes: it is how every value
// that came from a log (a path, a host, a user agent, a request ID, a file
// name, a parse error) is shown in a terminal, a report, a Slack message or
// a log line, since anyone who can send a request writes into the logs.
//
// Escaped are:
//   - C0 controls U+0000–U+001F, DEL U+007F and C1 controls U+0080–U+009F
//     (escape sequences that clear a screen, move the cursor, recolour,
//     set a title or a hyperlink; a C1 CSI is one rune);
//   - every format character (Unicode category Cf): the bidi controls
//     U+202A–U+202E and U+2066–U+2069 that reorder what is shown (and
//     U+061C, U+200E, U+200F), the zero-width U+200B–U+200D, U+2060 and
//     U+FEFF, soft hyphens, tag characters;
//   - the line and paragraph separators U+2028 and U+2029;
//   - each byte that is not part of valid UTF-8.
//
// A rune below U+0080 is shown as \xNN (\t, \n and \r as such), a byte of
// invalid UTF-8 as \xNN too, any other rune as \uNNNN or \UNNNNNNNN, in
// lower-case hex: `/a%1B[31m` decoded is shown `/a\x1b[31m`, a right-to-left
// override `\u202e`. Every escape is printable ASCII, so a format's own
// escaping (Markdown, HTML, Slack mrkdwn) applies after this one, and a
// value shown twice comes out the same. Backslashes are not doubled: a
// value is shown as close to what was logged as safety allows.
//
// JSON output needs none of this: a JSON encoder escapes the value and
// keeps it exact.
package visible

import (
	"iter"
	"unicode"
	"unicode/utf8"
)

// NeedsEscape reports whether r is shown as an escape. utf8.RuneError
// itself (U+FFFD, a visible character) is not; the invalid bytes that
// decode to it are, which String and Pieces tell apart.
func NeedsEscape(r rune) bool {
	switch {
	case r < 0x20 || r == 0x7f:
		return true
	case r < 0x80:
		return false
	case r <= 0x9f:
		return true
	case r == '\u2028' || r == '\u2029':
		return true
	}
	return unicode.Is(unicode.Cf, r)
}

// String returns s with every character NeedsEscape names, and every byte
// of invalid UTF-8, replaced by its escape. It returns s itself, without
// allocating, when there is nothing to replace.
func String(s string) string {
	i := firstEscape(s)
	if i < 0 {
		return s
	}
	b := make([]byte, 0, len(s)+16)
	b = append(b, s[:i]...)
	return string(appendFrom(b, s, i))
}

// firstEscape returns the offset of the first rune or byte of s that is
// escaped, -1 if none.
func firstEscape(s string) int {
	for i := 0; i < len(s); {
		c := s[i]
		if c < utf8.RuneSelf {
			if c < 0x20 || c == 0x7f {
				return i
			}
			i++
			continue
		}
		r, size := utf8.DecodeRuneInString(s[i:])
		if size == 1 || NeedsEscape(r) { // size 1 at or above RuneSelf: an invalid byte
			return i
		}
		i += size
	}
	return -1
}

func appendFrom(dst []byte, s string, i int) []byte {
	for i < len(s) {
		r, size := utf8.DecodeRuneInString(s[i:])
		switch {
		case r == utf8.RuneError && size == 1:
			dst = appendByteEscape(dst, s[i])
		case NeedsEscape(r):
			dst = appendRuneEscape(dst, r)
		default:
			dst = append(dst, s[i:i+size]...)
		}
		i += size
	}
	return dst
}

// Pieces yields s one rune at a time, as shown: for each rune (or byte of
// invalid UTF-8), its offset in s and either the rune itself (a substring of
// s) or its escape. A renderer that escapes further for its own format, or
// cuts to a length, works on pieces so that it never splits an escape.
func Pieces(s string) iter.Seq2[int, string] {
	return func(yield func(int, string) bool) {
		var buf [10]byte
		for i := 0; i < len(s); {
			r, size := utf8.DecodeRuneInString(s[i:])
			var piece string
			switch {
			case r == utf8.RuneError && size == 1:
				piece = string(appendByteEscape(buf[:0], s[i]))
			case NeedsEscape(r):
				piece = string(appendRuneEscape(buf[:0], r))
			default:
				piece = s[i : i+size]
			}
			if !yield(i, piece) {
				return
			}
			i += size
		}
	}
}

// Cut returns the visible form of s cut to at most limit runes, with "…"
// in place of what was cut, never inside an escape. A limit below 1 counts
// as 1.
func Cut(s string, limit int) string {
	limit = max(limit, 1)
	if firstEscape(s) < 0 && utf8.RuneCountInString(s) <= limit {
		return s
	}
	var b []byte
	n := 0
	for i, p := range Pieces(s) {
		w := utf8.RuneCountInString(p)
		if n+w > limit || n+w == limit && i+pieceLen(s, i) < len(s) {
			// No room for the piece, or for the "…" that must follow it.
			return string(append(b, "…"...))
		}
		b = append(b, p...)
		n += w
	}
	return string(b)
}

// pieceLen is the length in s of the piece at offset i.
func pieceLen(s string, i int) int {
	_, size := utf8.DecodeRuneInString(s[i:])
	return size
}

const hexDigits = "0123456789abcdef"

func appendByteEscape(dst []byte, c byte) []byte {
	return append(dst, '\\', 'x', hexDigits[c>>4], hexDigits[c&0xf])
}

func appendRuneEscape(dst []byte, r rune) []byte {
	switch {
	case r == '\t':
		return append(dst, '\\', 't')
	case r == '\n':
		return append(dst, '\\', 'n')
	case r == '\r':
		return append(dst, '\\', 'r')
	case r < 0x80:
		return appendByteEscape(dst, byte(r))
	case r <= 0xffff:
		dst = append(dst, '\\', 'u')
		return appendHex(dst, uint32(r), 4)
	}
	dst = append(dst, '\\', 'U')
	return appendHex(dst, uint32(r), 8)
}

func appendHex(dst []byte, v uint32, digits int) []byte {
	for shift := 4 * (digits - 1); shift >= 0; shift -= 4 {
		dst = append(dst, hexDigits[v>>shift&0xf])
	}
	return dst
}
