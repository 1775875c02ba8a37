package alert

import (
	"strings"
	"unicode"
	"unicode/utf8"
)

// Length limits for values that came from requests, in runes as shown.
const (
	maxPathLen    = 200 // a path or endpoint group
	maxHostLen    = 120 // a host name (DNS allows 253; beyond 120 it is noise)
	maxExampleLen = 80  // an x-edge-request-id (56 characters when CloudFront made it)
	maxProseLen   = 2800
)

// mrkdwn returns s for a Slack mrkdwn text object: the three characters
// Slack reads as control sequences escaped as Slack asks (&amp; &lt; &gt;),
// so that "<!channel>" or "<https://evil|click>" show as typed instead of
// pinging the channel or hiding a link; control characters (newlines
// included) become spaces, so that a value cannot break the layout; and the
// result cut to at most max runes, never inside an entity, with "…" where
// it was cut.
func mrkdwn(s string, max int) string {
	return escapeCut(s, max, false)
}

// code returns s as a mrkdwn `code span`: escaped as mrkdwn does, and with
// backquotes (which would end the span and let the rest be formatted)
// replaced by a look-alike.
func code(s string, max int) string {
	return "`" + escapeCut(s, max, true) + "`"
}

// escapeCut is mrkdwn and code's work: it escapes rune by rune and stops
// before the output would exceed max runes.
func escapeCut(s string, max int, inCode bool) string {
	var b strings.Builder
	n := 0
	for i, r := range s {
		var out string
		switch {
		case r == '&':
			out = "&amp;"
		case r == '<':
			out = "&lt;"
		case r == '>':
			out = "&gt;"
		case r == '`' && inCode:
			out = "ˋ" // U+02CB, a look-alike that does not end the span
		case unicode.IsControl(r) || r == '\u2028' || r == '\u2029':
			out = " "
		default:
			out = string(r)
		}
		w := utf8.RuneCountInString(out)
		if n+w > max-1 && hasMore(s, i, n+w, max) {
			b.WriteString("…")
			return b.String()
		}
		b.WriteString(out)
		n += w
	}
	return b.String()
}

// hasMore reports whether writing the rune at i (giving total runes) would
// leave no room: either it exceeds max, or it reaches max with more input
// after it, which then needs the "…".
func hasMore(s string, i, total, max int) bool {
	if total > max {
		return true
	}
	_, size := utf8.DecodeRuneInString(s[i:])
	return i+size < len(s)
}

// plain returns s for a terminal or a log: control characters (which could
// move the cursor or recolour a terminal) become spaces, and it is cut to
// max runes with "…". Nothing else is changed.
func plain(s string, max int) string {
	var b strings.Builder
	n := 0
	for i, r := range s {
		if n == max-1 && hasMore(s, i, n+1, max) {
			b.WriteString("…")
			return b.String()
		}
		if unicode.IsControl(r) || r == '\u2028' || r == '\u2029' {
			r = ' '
		}
		b.WriteRune(r)
		n++
	}
	return b.String()
}

// cutRunes cuts s to at most max runes, "…" included.
func cutRunes(s string, max int) string {
	if utf8.RuneCountInString(s) <= max {
		return s
	}
	rs := []rune(s)
	return string(rs[:max-1]) + "…"
}

// cutEscaped cuts mrkdwn text to at most max runes, "…" included, never
// inside an entity such as &amp;.
func cutEscaped(s string, max int) string {
	if utf8.RuneCountInString(s) <= max {
		return s
	}
	rs := make([]rune, 0, max)
	for _, r := range s {
		if len(rs) == max-1 {
			break
		}
		rs = append(rs, r)
	}
	// An entity is at most 5 runes ("&amp;"): drop a trailing unfinished one.
	for i := len(rs) - 1; i >= 0 && i >= len(rs)-5; i-- {
		if rs[i] == ';' {
			break
		}
		if rs[i] == '&' {
			rs = rs[:i]
			break
		}
	}
	return string(rs) + "…"
}
