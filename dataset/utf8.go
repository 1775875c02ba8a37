package dataset

import (
	"unicode/utf8"
)

// Every string column is a Parquet STRING (UTF-8), and readers hold the
// file to it: DuckDB, polars and arrow-rs refuse a file with one invalid
// value in it. A log is attacker-written, so its bytes are not trusted to
// be UTF-8:
//
//   - the columns copied from the log (cs_uri_stem, cs_user_agent, …) have
//     each byte that is not part of valid UTF-8 %XX-escaped, as CloudFront
//     itself logs bytes outside printable ASCII: nothing is lost, and the
//     decoded column shows the byte as U+FFFD;
//   - the decoded columns (cs_uri_stem_decoded, cs_user_agent_decoded) have
//     each such byte, the result of decoding %FF or an overlong
//     %c0%ae, replaced by U+FFFD.
//
// Valid strings, all of CloudFront's in practice, cost one
// utf8.ValidString and no allocation.

// appendEscapeInvalid appends s to b with every byte that is not part of a
// valid UTF-8 sequence written as %XX.
func appendEscapeInvalid(b []byte, s string) []byte {
	for i := 0; i < len(s); {
		r, size := utf8.DecodeRuneInString(s[i:])
		if r == utf8.RuneError && size == 1 {
			const hex = "0123456789ABCDEF"
			b = append(b, '%', hex[s[i]>>4], hex[s[i]&0xF])
			i++
			continue
		}
		b = append(b, s[i:i+size]...)
		i += size
	}
	return b
}

// validDecoded returns s with every byte that is not part of a valid UTF-8
// sequence replaced by U+FFFD; s itself when it is valid.
func validDecoded(s string) string {
	if utf8.ValidString(s) {
		return s
	}
	b := make([]byte, 0, len(s)+8)
	for i := 0; i < len(s); {
		r, size := utf8.DecodeRuneInString(s[i:])
		if r == utf8.RuneError && size == 1 {
			b = utf8.AppendRune(b, utf8.RuneError)
		} else {
			b = append(b, s[i:i+size]...)
		}
		i += size
	}
	return string(b)
}
