package dataset

import (
	"bytes"
	"strings"

	"github.com/cfwatch/cfwatch/logparse"
)

// Redacted replaces every value the dataset must not hold.
const Redacted = "[redacted]"

// RedactCookie returns a cs(Cookie) value with every cookie value replaced by
// [Redacted] and the cookie names kept:
//
//	__Secure-next-auth.session-token=abc;%20_ga=GA1.1
//	→ __Secure-next-auth.session-token=[redacted];%20_ga=[redacted]
//
// All values go, not a list of known secret cookies: a site's session,
// CSRF and callback cookies have names no list can know in advance, and the
// rest (analytics IDs such as _ga) identify a person. The names are what the
// detectors use (is a next-auth cookie present?), so they stay.
//
// Parsing is deliberately suspicious:
//   - pairs are split on ';' only, as CloudFront logs them (";%20"); an
//     encoded separator inside a value ("%3B") is part of the value;
//   - the name ends at the first '=' or encoded '=' ("%3D", "%253D", …), so a
//     header logged encoded once more still loses its values;
//   - a pair with no '=' at all is treated as a value (browsers read it as a
//     nameless cookie) and replaced whole;
//   - an empty value ("name=") stays empty: it hides nothing and shows that
//     the cookie was cleared.
//
// It returns s itself when there is nothing to replace.
func RedactCookie(s string) string {
	b, changed := appendRedactCookie(nil, s)
	if !changed {
		return s
	}
	return string(b)
}

// RedactQuery returns a query string (or a URL, such as a referrer) with the
// values of secret-bearing parameters replaced by [Redacted] and every name
// kept:
//
//	code=xyz&state=abc&page=2 → code=[redacted]&state=[redacted]&page=2
//
// Secret-bearing parameters are matched by name, case-insensitively, after
// undoing URL-encoding once or twice (see [IsSecretParam]): OAuth's code and
// state and every kind of token, code and key, passwords, client secrets,
// session IDs, authorization, and request signatures (X-Amz-Signature,
// X-Amz-Credential, X-Amz-Security-Token, CloudFront's Signature). A value
// that looks like a JWT ("eyJ…") or a bearer credential ("Bearer …") is
// replaced whatever its name, and so is such a bare token.
//
// Parameters are found at every level of encoding, because OAuth puts one URL
// inside another: in
//
//	callbackUrl=https%3A%2F%2Fapp%2Fcb%3Fcode%3Dxyz%26state%3Dabc
//
// the encoded '?', '=' and '&' ("%3F", "%3D", "%26", and "%253D" and so on
// when encoded twice) start and separate parameters as the plain ones do, and
// code and state lose their values. A fragment ('#' or "%23") starts
// parameters too, as OAuth's implicit flow puts its tokens there
// ("%23access_token%3D…", "#code=…"). Parameters are separated by '&' and ';'.
// A secret value runs to the next separator at its own level of encoding or
// below, so anything nested inside it goes with it.
//
// It returns s itself when there is nothing to replace.
func RedactQuery(s string) string {
	b, changed := appendRedactQuery(nil, s)
	if !changed {
		return s
	}
	return string(b)
}

// RedactUserAgent returns a cs(User-Agent) value with every JSON Web Token
// in it (three or more base64url segments joined by '.', the first starting
// "eyJ", the encoding of `{"`) replaced by [Redacted]:
//
//	MyApp/2.1%20(token%20eyJhbGciOi….eyJzdWIi….sig) → MyApp/2.1%20(token%20[redacted])
//
// Apps and scripts put bearer tokens into their user agents; the rest of the
// user agent is kept, it is what the dataset is queried for. It returns s
// itself when there is nothing to replace.
func RedactUserAgent(s string) string {
	b, changed := appendRedactUserAgent(nil, s)
	if !changed {
		return s
	}
	return string(b)
}

// appendRedactUserAgent appends the redacted form of s to dst and reports
// whether it differs from s; when it does not, dst is returned unchanged.
func appendRedactUserAgent(dst []byte, s string) ([]byte, bool) {
	start, last, changed := len(dst), 0, false
	for i := 0; ; {
		j := strings.Index(s[i:], "eyJ")
		if j < 0 {
			break
		}
		i += j
		if end := jwtEnd(s, i); end > i {
			dst = append(dst, s[last:i]...)
			dst = append(dst, Redacted...)
			last, changed, i = end, true, end
			continue
		}
		i += 3
	}
	if !changed {
		return dst[:start], false
	}
	return append(dst, s[last:]...), true
}

// jwtEnd returns the end of the JWT that starts at s[i] ("eyJ…"): three or
// more base64url segments joined by '.', the first two at least 4 and 2
// characters long, the last possibly empty (an unsigned token); i if there
// is none.
func jwtEnd(s string, i int) int {
	p, segs := i, 0
	for {
		q := p
		for q < len(s) && isBase64URL(s[q]) {
			q++
		}
		n := q - p
		if segs == 0 && n < 4 || segs == 1 && n < 2 {
			return i
		}
		segs++
		if q < len(s) && s[q] == '.' && segs < 5 {
			p = q + 1
			continue
		}
		if segs < 3 {
			return i
		}
		return q
	}
}

func isBase64URL(c byte) bool {
	return 'a' <= c && c <= 'z' || 'A' <= c && c <= 'Z' || '0' <= c && c <= '9' || c == '-' || c == '_'
}

// appendRedactCookie appends the redacted form of s to dst and reports
// whether it differs from s. When it does not, dst is returned unchanged
// (nothing appended), so callers can use s itself.
func appendRedactCookie(dst []byte, s string) ([]byte, bool) {
	start, last, changed := len(dst), 0, false
	for i := 0; i < len(s); {
		j := strings.IndexByte(s[i:], ';')
		if j < 0 {
			j = len(s)
		} else {
			j += i
		}
		k := i + skipSpaces(s[i:j])
		if k < j {
			v := k // no '=': the whole pair is a value
			if eq, n, _ := findEq(s[k:j]); eq >= 0 {
				v = k + eq + n
			}
			if v < j {
				dst = append(dst, s[last:v]...)
				dst = append(dst, Redacted...)
				last, changed = j, true
			}
		}
		i = j + 1
	}
	if !changed {
		return dst[:start], false
	}
	return append(dst, s[last:]...), true
}

// skipSpaces returns the length of the leading blanks of s: spaces, tabs and
// encoded spaces ("%20", "%2520").
func skipSpaces(s string) int {
	i := 0
	for i < len(s) {
		switch {
		case s[i] == ' ' || s[i] == '\t':
			i++
		case s[i] == '%':
			c, _, n := escapeAt(s, i)
			if c != ' ' {
				return i
			}
			i += n
		default:
			return i
		}
	}
	return i
}

// findEq returns the index and length of the first '=' of s, plain or
// URL-encoded at any level, and that level (0 for a plain '='); -1 if none.
func findEq(s string) (at, n, level int) {
	for i := 0; i < len(s); i++ {
		switch s[i] {
		case '=':
			return i, 1, 0
		case '%':
			if c, lvl, m := escapeAt(s, i); c == '=' {
				return i, m, lvl
			}
		}
	}
	return -1, 0, 0
}

// escapeAt decodes the escape at s[i] == '%' when it encodes one of the
// characters that structure queries and cookies (= & ; ? # and space), once or
// more times over ("%3D", "%253D", "%25253D"…). It returns the character,
// the level of encoding (1 for "%3D") and the escape's length; c is 0 for
// any other escape.
func escapeAt(s string, i int) (c byte, level, n int) {
	j, level := i+1, 1
	for j+4 <= len(s) && s[j] == '2' && s[j+1] == '5' {
		j += 2
		level++
	}
	if j+2 > len(s) {
		return 0, 0, 0
	}
	switch s[j] {
	case '2':
		switch s[j+1] {
		case '6':
			c = '&'
		case '0':
			c = ' '
		case '3':
			c = '#'
		}
	case '3':
		switch s[j+1] {
		case 'D', 'd':
			c = '='
		case 'B', 'b':
			c = ';'
		case 'F', 'f':
			c = '?'
		}
	}
	if c == 0 {
		return 0, 0, 0
	}
	return c, level, j + 2 - i
}

// appendRedactQuery appends the redacted form of s to dst and reports whether
// it differs from s; when it does not, dst is returned unchanged.
func appendRedactQuery(dst []byte, s string) ([]byte, bool) {
	// Fast path: no '=' (plain or encoded) means no parameters, and no
	// "eyJ" or "bearer" no bare JWT or bearer credential.
	if strings.IndexByte(s, '=') < 0 && strings.IndexByte(s, '%') < 0 && !strings.Contains(s, "eyJ") && !hasBearer(s) {
		return dst, false
	}
	start, last, changed := len(dst), 0, false
	redact := func(a, b int) {
		dst = append(dst, s[last:a]...)
		dst = append(dst, Redacted...)
		last, changed = b, true
	}
	for i := 0; i < len(s); {
		// A parameter starts at i: find its '=' or the boundary that ends
		// it as a bare token.
		eq, eqLen, eqLevel, end, endLen := -1, 0, 0, len(s), 0
	scan:
		for p := i; p < len(s); p++ {
			switch s[p] {
			case '=':
				eq, eqLen = p, 1
				break scan
			case '&', ';', '?', '#':
				end, endLen = p, 1
				break scan
			case '%':
				c, lvl, n := escapeAt(s, p)
				switch c {
				case '=':
					eq, eqLen, eqLevel = p, n, lvl
					break scan
				case '&', ';', '?', '#':
					end, endLen = p, n
					break scan
				}
			}
		}
		if eq < 0 {
			// A bare token (a flag, or the path part of a URL).
			if looksLikeJWT(s[i:end]) || looksLikeBearer(s[i:end]) {
				redact(i, end)
			}
			i = end + endLen
			continue
		}
		v := eq + eqLen
		if isSecretKey(s[i:eq]) {
			end, endLen = nextSeparator(s, v, eqLevel)
			if end > v {
				redact(v, end)
			}
		} else {
			end, endLen = nextBoundary(s, v)
			if looksLikeJWT(s[v:end]) || looksLikeBearer(s[v:end]) {
				end, endLen = nextSeparator(s, v, eqLevel)
				redact(v, end)
			}
		}
		i = end + endLen
	}
	if !changed {
		return dst[:start], false
	}
	return append(dst, s[last:]...), true
}

// nextSeparator finds, from i, the '&' or ';' that ends a value found at
// encoding level: a plain one, or one encoded no more times than level.
func nextSeparator(s string, i, level int) (at, n int) {
	for p := i; p < len(s); p++ {
		switch s[p] {
		case '&', ';':
			return p, 1
		case '%':
			if level == 0 {
				continue
			}
			if c, lvl, m := escapeAt(s, p); (c == '&' || c == ';') && lvl <= level {
				return p, m
			}
		}
	}
	return len(s), 0
}

// nextBoundary finds, from i, where a harmless value ends: at any '&', ';',
// '?' or '#', plain or encoded, since a nested URL's parameters (or its
// fragment's) start there.
func nextBoundary(s string, i int) (at, n int) {
	for p := i; p < len(s); p++ {
		switch s[p] {
		case '&', ';', '?', '#':
			return p, 1
		case '%':
			switch c, _, m := escapeAt(s, p); c {
			case '&', ';', '?', '#':
				return p, m
			}
		}
	}
	return len(s), 0
}

// looksLikeJWT reports whether v is a JSON Web Token (or another base64url
// JSON blob: "eyJ" is the encoding of `{"`), a bearer credential whatever the
// parameter that carries it.
func looksLikeJWT(v string) bool {
	return len(v) >= 16 && strings.HasPrefix(v, "eyJ")
}

// looksLikeBearer reports whether v is an HTTP bearer credential,
// "Bearer <token>" (any case), its space plain, '+' or URL-encoded at any
// level ("Bearer%20…", "Bearer%2520…").
func looksLikeBearer(v string) bool {
	const word = "bearer"
	if len(v) <= len(word) || !strings.EqualFold(v[:len(word)], word) {
		return false
	}
	switch rest := v[len(word):]; rest[0] {
	case ' ', '+':
		return len(rest) > 1
	case '%':
		c, _, n := escapeAt(rest, 0)
		return c == ' ' && len(rest) > n
	}
	return false
}

// hasBearer reports whether s holds "bearer" in any case.
func hasBearer(s string) bool {
	for i := 0; i+6 <= len(s); i++ {
		if (s[i] == 'b' || s[i] == 'B') && strings.EqualFold(s[i:i+6], "bearer") {
			return true
		}
	}
	return false
}

// secretParams are the parameter names whose values are always replaced,
// lower-case; secretSuffixes catch the rest of a family (id_token,
// x-amz-security-token, client_secret, x-amz-signature, auth_code,
// otp_code, secret_key, private-key…); secretCamel the camel-case ones
// (authCode, privateKey), matched on the name as written.
var (
	secretParams = []string{
		"code", "state", "sig", "key", "apikey", "api_key", "api-key",
		"auth", "jwt", "otp", "ticket", "assertion", "client_assertion",
		"code_verifier", "samlresponse", "oauth_verifier", "token_hash",
		"authorization", "pass", "passwd", "pwd", "session", "sid", "sessionid",
		"session_id", "jsessionid", "phpsessid",
	}
	secretSuffixes = []string{"token", "secret", "password", "signature", "credential", "credentials",
		"_code", "-code", ".code", "_key", "-key", ".key"}
	secretCamel = []string{"Code", "Key"}
)

// IsSecretParam reports whether the query parameter name carries a value the
// dataset must not keep. The name is matched case-insensitively, after
// undoing URL-encoding once or twice (as logparse.Decode does) and dropping a
// trailing "[]".
func IsSecretParam(name string) bool { return isSecretKey(name) }

func isSecretKey(key string) bool {
	if strings.IndexByte(key, '%') >= 0 {
		key = logparse.Decode(key)
	}
	var buf [64]byte
	b := bytes.TrimSpace(append(buf[:0], key...))
	if n := len(b); n >= 2 && b[n-2] == '[' && b[n-1] == ']' {
		b = b[:n-2]
	}
	for _, suf := range secretCamel {
		// "authCode": a lower-case letter or digit, then the word.
		if n := len(b) - len(suf); n >= 1 && string(b[n:]) == suf && ('a' <= b[n-1] && b[n-1] <= 'z' || '0' <= b[n-1] && b[n-1] <= '9') {
			return true
		}
	}
	for i, c := range b {
		if 'A' <= c && c <= 'Z' {
			b[i] = c + 'a' - 'A'
		}
	}
	for _, p := range secretParams {
		if string(b) == p {
			return true
		}
	}
	for _, suf := range secretSuffixes {
		if len(b) >= len(suf) && string(b[len(b)-len(suf):]) == suf {
			return true
		}
	}
	return false
}
