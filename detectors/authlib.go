package detectors

import (
	"fmt"
	"strings"

	"github.com/cfwatch/cfwatch/logparse"
)

// Auth-library profiles: which cookie names are the auth library's.
//
// The names, without the __Secure- / __Host- prefixes the libraries add
// over https:
//   - NextAuth v4: next-auth.session-token (split in .0, .1, … chunks past
//     4 KB), next-auth.csrf-token (__Host-next-auth.csrf-token),
//     next-auth.callback-url, next-auth.state, next-auth.pkce.code_verifier,
//     next-auth.nonce;
//   - Auth.js v5: the same names under authjs. (authjs.session-token,
//     __Host-authjs.csrf-token, …);
//   - Better Auth: better-auth.session_token, better-auth.session_data,
//     better-auth.dont_remember, … (its default cookiePrefix "better-auth";
//     __Secure-better-auth.* in production).

// Auth libraries, the values of Config.AuthLibrary.
const (
	AuthLibraryAuto       = "auto"
	AuthLibraryNextAuth   = "next-auth"
	AuthLibraryAuthJS     = "authjs"
	AuthLibraryBetterAuth = "better-auth"
)

// authLib is one library's profile, or none (auto: every library's).
type authLib uint8

const (
	libAny authLib = iota // auto, not detected yet: any library's cookies
	libNextAuth
	libAuthJS
	libBetterAuth
	numLibs
)

// libCookiePrefixes are the cookie name prefixes of each library (libAny:
// all of them).
var libCookiePrefixes = [numLibs][]string{
	libAny:        {"next-auth.", "authjs.", "better-auth."},
	libNextAuth:   {"next-auth."},
	libAuthJS:     {"authjs."},
	libBetterAuth: {"better-auth."},
}

var libNames = [numLibs]string{AuthLibraryAuto, AuthLibraryNextAuth, AuthLibraryAuthJS, AuthLibraryBetterAuth}

// parseAuthLibrary returns the profile of a Config.AuthLibrary value ("" is
// auto).
func parseAuthLibrary(s string) (authLib, error) {
	if s == "" {
		return libAny, nil
	}
	for i, n := range libNames {
		if s == n {
			return authLib(i), nil
		}
	}
	return libAny, fmt.Errorf("detectors: auth_library %q is not one of %s", s, strings.Join(libNames[:], ", "))
}

// AuthCookieLibrary returns the library (AuthLibraryNextAuth,
// AuthLibraryAuthJS or AuthLibraryBetterAuth) of the first auth cookie in
// a cs(Cookie) value as logged, or "" for none: what a digest of requests
// keeps of their cookies (the real-time one, in ingest).
func AuthCookieLibrary(cookie string) string {
	if l := cookieLib(cookie, libAny); l != numLibs {
		return libNames[l]
	}
	return ""
}

// SessionCookie returns a cs(Cookie) value carrying library lib's session
// cookie (lib as AuthCookieLibrary returns it), which the rules read as
// they read any request of that library with a session: for replaying a
// digest. It returns "" for an unknown library.
func SessionCookie(lib string) string {
	switch lib {
	case AuthLibraryNextAuth:
		return "next-auth.session-token=1"
	case AuthLibraryAuthJS:
		return "authjs.session-token=1"
	case AuthLibraryBetterAuth:
		return "better-auth.session_token=1"
	}
	return ""
}

// hasAuthCookie reports whether a cs(Cookie) value carries a cookie of
// library lib. CloudFront logs the header URL-encoded ("a=1;%20b=2"); both
// that form and the plain one are read, and a value whose separators were
// encoded too ("%3B") is decoded first (the only case that allocates).
func hasAuthCookie(c string, lib authLib) bool {
	return cookieLib(c, lib) != numLibs
}

// cookieLib returns the library of the first auth cookie in c among those
// of lib (libAny: any library), or numLibs for none.
func cookieLib(c string, lib authLib) authLib {
	if c == "" {
		return numLibs
	}
	if strings.Contains(c, "%3B") || strings.Contains(c, "%3b") || strings.Contains(c, "%253B") {
		c = logparse.Decode(c)
	}
	for c != "" {
		var pair string
		pair, c, _ = strings.Cut(c, ";")
		if l := authCookieLib(trimCookieSpace(pair), lib); l != numLibs {
			return l
		}
	}
	return numLibs
}

// authCookieLib returns the library whose cookie the pair "name=value" is,
// among lib's (libAny: any), or numLibs.
func authCookieLib(pair string, lib authLib) authLib {
	name := pair
	if i := strings.IndexByte(pair, '='); i >= 0 {
		name = pair[:i]
	}
	if strings.HasPrefix(name, "__Secure-") {
		name = name[len("__Secure-"):]
	} else if strings.HasPrefix(name, "__Host-") {
		name = name[len("__Host-"):]
	}
	for _, p := range libCookiePrefixes[lib] {
		if strings.HasPrefix(name, p) && len(name) > len(p) {
			if lib != libAny {
				return lib
			}
			for l := libNextAuth; l < numLibs; l++ {
				if libCookiePrefixes[l][0] == p {
					return l
				}
			}
		}
	}
	return numLibs
}

// cookieNames names the library's cookies for people.
func (l authLib) cookieNames() string {
	switch l {
	case libNextAuth:
		return "NextAuth's cookies (next-auth.*, __Secure-next-auth.*, __Host-next-auth.*)"
	case libAuthJS:
		return "Auth.js's cookies (authjs.*, __Secure-authjs.*, __Host-authjs.*)"
	case libBetterAuth:
		return "Better Auth's cookies (better-auth.*, __Secure-better-auth.*)"
	}
	return "NextAuth's cookies (next-auth.*, __Secure-next-auth.*, __Host-next-auth.*, authjs.*)" // auto: as before profiles
}
