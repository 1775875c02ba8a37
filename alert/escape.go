package alert

import (
	"strings"
	"unicode/utf8"

	"github.com/cfwatch/cfwatch/internal/visible"
)

// Length limits for values that came from requests, in runes as shown.
const (
	maxPathLen    = 200 // a path or endpoint group
	maxHostLen    = 120 // a host name (DNS allows 253; beyond 120 it is noise)
	maxExampleLen = 80  // an x-edge-request-id (56 characters when CloudFront made it)
	maxProseLen   = 2800
)

// mrkdwn returns s for a Slack mrkdwn text object: control, bidi and
// zero-width characters (newlines included) made visible as escapes
// (visible.String: `\x1b`, `\u202e`), so that a value cannot break the
// layout or reorder what is shown; then the three characters Slack reads as
// control sequences escaped as Slack asks (&amp; &lt; &gt;), so that
// "<!channel>" or "<https://evil|click>" show as typed instead of pinging
// the channel or hiding a link; and the result cut to at most max runes,
// never inside an escape or an entity, with "…" where it was cut.
func mrkdwn(s string, max int) string {
	return escapeCut(s, max, false)
}

// code returns s as a mrkdwn `code span`: escaped as mrkdwn does, and with
// backquotes (which would end the span and let the rest be formatted)
// replaced by a look-alike.
func code(s string, max int) string {
	return "`" + escapeCut(s, max, true) + "`"
}

// escapeCut is mrkdwn and code's work: it takes s piece by piece as
// visible.Pieces shows it, escapes each for mrkdwn, and stops before the
// output would exceed max runes.
func escapeCut(s string, max int, inCode bool) string {
	var b strings.Builder
	n := 0
	for i, p := range visible.Pieces(s) {
		var out string
		switch {
		case p == "&":
			out = "&amp;"
		case p == "<":
			out = "&lt;"
		case p == ">":
			out = "&gt;"
		case p == "`" && inCode:
			out = "ˋ" // U+02CB, a look-alike that does not end the span
		default:
			out = p // a rune, or an escape of printable ASCII without & < > `
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

// hasMore reports whether writing the piece at i (giving total runes) would
// leave no room: either it exceeds max, or it reaches max with more input
// after it, which then needs the "…".
func hasMore(s string, i, total, max int) bool {
	if total > max {
		return true
	}
	_, size := utf8.DecodeRuneInString(s[i:])
	return i+size < len(s)
}

// plain returns s for a terminal or a log: control, bidi and zero-width
// characters made visible as escapes, cut to max runes with "…"
// (visible.Cut). Nothing else is changed.
func plain(s string, max int) string { return visible.Cut(s, max) }

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
