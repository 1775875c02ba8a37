package detectors

import (
	"strings"

	"github.com/cfwatch/cfwatch/logparse"
)

// endpoint is what a path is to NextAuth.
type endpoint uint8

const (
	epNone     endpoint = iota // not under the auth prefix
	epUnknown                  // under the auth prefix, but no NextAuth endpoint (NextAuth answers 400)
	epCallback                 // callback/<provider>
	epSession                  // session
	epCsrf                     // csrf
	epSignin                   // signin, signin/<provider>
	epSignout                  // signout
	epOther                    // providers, _log, error, verify-request, webauthn-options/<provider>
)

// Endpoints judged by auth-403-burst, in the order of hostState.auth403.
var burstEndpoints = [...]endpoint{epCallback, epSession, epCsrf, epSignin, epSignout}

// burstIndex returns ep's index in burstEndpoints, or -1.
func burstIndex(ep endpoint) int {
	if ep >= epCallback && ep <= epSignout {
		return int(ep - epCallback)
	}
	return -1
}

// known reports whether ep is a real NextAuth endpoint.
func (ep endpoint) known() bool { return ep >= epCallback }

// groupSuffix is the endpoint group under the auth prefix, as it appears in
// finding groups and keys ("/api/auth" + "/callback/*").
func (ep endpoint) groupSuffix() string {
	switch ep {
	case epCallback:
		return "/callback/*"
	case epSession:
		return "/session"
	case epCsrf:
		return "/csrf"
	case epSignin:
		return "/signin/*"
	case epSignout:
		return "/signout"
	}
	return "/*"
}

// noun names the endpoint's requests in denominators ("callback requests").
func (ep endpoint) noun() string {
	switch ep {
	case epCallback:
		return "callback"
	case epSession:
		return "session"
	case epCsrf:
		return "csrf"
	case epSignin:
		return "signin"
	case epSignout:
		return "signout"
	}
	return "auth"
}

// authEndpoint classifies rest, the part of a normalised path after the auth
// prefix ("" or starting with "/").
func authEndpoint(rest string) endpoint {
	if len(rest) < 2 {
		return epUnknown
	}
	rest = strings.TrimSuffix(rest[1:], "/")
	name, arg, hasArg := strings.Cut(rest, "/")
	oneArg := hasArg && arg != "" && strings.IndexByte(arg, '/') < 0
	switch name {
	case "session", "csrf", "signout", "providers", "_log", "error", "verify-request":
		if hasArg {
			return epUnknown
		}
		switch name {
		case "session":
			return epSession
		case "csrf":
			return epCsrf
		case "signout":
			return epSignout
		}
		return epOther
	case "signin":
		if !hasArg || oneArg {
			return epSignin
		}
	case "callback":
		if oneArg {
			return epCallback
		}
	case "webauthn-options":
		if oneArg {
			return epOther
		}
	}
	return epUnknown
}

// hasPathPrefix reports whether p is prefix or lies under it ("/api" covers
// "/api" and "/api/x", not "/apix").
func hasPathPrefix(p, prefix string) bool {
	return strings.HasPrefix(p, prefix) && (len(p) == len(prefix) || p[len(prefix)] == '/')
}

// needsNormalizing reports whether p may change under normalizePath: it has
// an escape, an empty segment or a dot segment. One pass over the bytes.
func needsNormalizing(p string) bool {
	for i := 0; i < len(p); i++ {
		switch p[i] {
		case '%':
			return true
		case '/':
			if i+1 == len(p) {
				break
			}
			switch p[i+1] {
			case '/':
				return true
			case '.':
				k := i + 2 // just past "/."
				if k == len(p) || p[k] == '/' || p[k] == '.' && (k+1 == len(p) || p[k+1] == '/') {
					return true
				}
			}
		}
	}
	return false
}

// hasDotSegment reports whether p has a "." or ".." segment.
func hasDotSegment(p string) bool {
	for i := 0; ; {
		j := strings.Index(p[i:], "/.")
		if j < 0 {
			return false
		}
		k := i + j + 2 // just past "/."
		if k == len(p) || p[k] == '/' {
			return true
		}
		if p[k] == '.' && (k+1 == len(p) || p[k+1] == '/') {
			return true
		}
		i = k
	}
}

// normalizePath returns the path a request really names: CloudFront's
// %XX-encoding undone (logparse.Decode, twice for double encoding), runs of
// "/" collapsed, "." and ".." segments resolved. A trailing "/" is kept.
// A ".." at the root stays at the root, as RFC 3986's remove_dot_segments,
// browsers' URL parsers and the origin's (Node.js, Next.js) resolve it:
// "/../api/auth/session" is the session endpoint the origin answers. Paths
// that do not start with "/" are returned decoded but otherwise unchanged.
//
// It allocates only when the path has something to normalise.
func normalizePath(p string) string {
	if !needsNormalizing(p) {
		return p
	}
	d := logparse.Decode(p)
	if !strings.HasPrefix(d, "/") {
		return d
	}
	if !strings.Contains(d, "//") && !hasDotSegment(d) {
		return d
	}
	segs := make([]string, 0, 8)
	for _, s := range strings.Split(d[1:], "/") {
		switch s {
		case "", ".":
		case "..":
			if len(segs) > 0 {
				segs = segs[:len(segs)-1]
			}
		default:
			segs = append(segs, s)
		}
	}
	var b strings.Builder
	b.Grow(len(d))
	for _, s := range segs {
		b.WriteByte('/')
		b.WriteString(s)
	}
	last := d[strings.LastIndexByte(d, '/')+1:]
	if b.Len() == 0 || (last == "" || last == "." || last == "..") && len(segs) > 0 {
		b.WriteByte('/')
	}
	return b.String()
}

// AuthEndpointNames are the NextAuth endpoints the rules (auth-403-burst)
// and the report follow one by one, as groups under the auth prefix, in the
// order ClassifyAuthPath numbers them.
func AuthEndpointNames() []string {
	return []string{"callback/*", "session", "csrf", "signin/*", "signout"}
}

// ClassifyAuthPath says what a request path (cs-uri-stem as logged) is to
// NextAuth mounted at prefix (a CleanPrefix result, e.g. "/api/auth"):
// whether the path it names lies under the prefix, and which of
// AuthEndpointNames it is (-1 for none). The path is normalised as the
// rules normalise it (%-escapes, "//", "." and ".." segments), so
// "/api//auth/%73ession" and "/../api/auth/session" are the session
// endpoint. It is the classification the rules make (Engine.Observe), for
// the report and the Athena engine to count the same requests.
func ClassifyAuthPath(p, prefix string) (under bool, endpoint int) {
	p = normalizePath(p)
	if !hasPathPrefix(p, prefix) {
		return false, -1
	}
	return true, burstIndex(authEndpoint(p[len(prefix):]))
}

// hasNextAuthCookie reports whether a cs(Cookie) value carries a cookie of
// any auth library's profile (authlib.go): NextAuth v4, Auth.js v5, Better
// Auth.
func hasNextAuthCookie(c string) bool { return hasAuthCookie(c, libAny) }

// trimCookieSpace drops the blanks after a ";" separator, plain or encoded.
func trimCookieSpace(s string) string {
	for {
		switch {
		case strings.HasPrefix(s, " "):
			s = s[1:]
		case strings.HasPrefix(s, "%20"):
			s = s[3:]
		case strings.HasPrefix(s, "%2520"):
			s = s[5:]
		default:
			return s
		}
	}
}

// hasCodeOrState reports whether a query string carries an OAuth "code" or
// "state" parameter: the provider's redirect back to the callback.
func hasCodeOrState(q string) bool {
	for q != "" {
		param := q
		if i := strings.IndexByte(q, '&'); i >= 0 {
			param, q = q[:i], q[i+1:]
		} else {
			q = ""
		}
		if strings.HasPrefix(param, "code=") || strings.HasPrefix(param, "state=") {
			return true
		}
	}
	return false
}
