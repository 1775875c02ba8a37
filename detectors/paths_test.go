package detectors

import (
	"fmt"
	"strings"
	"testing"
)

func TestNormalizePath(t *testing.T) {
	for _, tc := range []struct{ in, want string }{
		{"/api/auth/session", "/api/auth/session"},
		{"/", "/"},
		{"/items/1/", "/items/1/"},
		{"/api//auth///session", "/api/auth/session"},
		{"//api/auth/csrf", "/api/auth/csrf"},
		{"/api/auth/./session", "/api/auth/session"},
		{"/api/auth/callback/../session", "/api/auth/session"},
		{"/api/auth/../../etc/passwd", "/etc/passwd"},
		{"/api/auth/%2e%2e/%2e%2e/etc/passwd", "/etc/passwd"},
		{"/api/auth/%2E%2E/items", "/api/items"},
		{"/api/auth/%252e%252e/%252e%252e/etc/passwd", "/etc/passwd"}, // encoded twice
		{"/api/auth/..%2f..%2fetc/passwd", "/etc/passwd"},
		{"/api/auth/../../../etc/passwd", "/etc/passwd"}, // ".." at the root stays there
		{"/..", "/"},
		{"/%2e%2e/x", "/x"},
		{"/../api/auth/session", "/api/auth/session"},
		{"/api/auth/../../../api/auth/session", "/api/auth/session"},
		{"/a/b/..", "/a/"},
		{"/a/b/.", "/a/b/"},
		{"/a/..", "/"},
		{"/_next/static/chunks/pages/items/%5Bid%5D-0123.js", "/_next/static/chunks/pages/items/[id]-0123.js"},
		{"/%61pi/auth/session", "/api/auth/session"},
		{"/api/auth/session.", "/api/auth/session."}, // a dot inside a segment is not a dot segment
		{"/.env", "/.env"},
		{"/api/.env", "/api/.env"},
		{"/...", "/..."},
		{"*", "*"},
	} {
		if got := normalizePath(tc.in); got != tc.want {
			t.Errorf("normalizePath(%q) = %q; want %q", tc.in, got, tc.want)
		}
	}
}

// A path that needsNormalizing says is fine must come back unchanged.
func TestNeedsNormalizingAgrees(t *testing.T) {
	for _, p := range []string{
		"/", "/api/auth/session", "/items/1/", "/.env", "/api/.env", "/a.b/c", "/api/auth/session.",
		"/api//auth", "/a/./b", "/a/../b", "/a/..", "/a/.", "/%41", "/...", "/..a", "/a/.b/",
	} {
		if got := normalizePath(p); !needsNormalizing(p) && got != p {
			t.Errorf("needsNormalizing(%q) is false but normalizePath gives %q", p, got)
		}
		if needsNormalizing(p) != (strings.Contains(p, "%") || strings.Contains(p, "//") || hasDotSegment(p)) {
			t.Errorf("needsNormalizing(%q) = %v disagrees with the definition", p, needsNormalizing(p))
		}
	}
}

func FuzzNormalizePath(f *testing.F) {
	for _, s := range []string{"/api/auth/../x", "/a//b/./c/..", "/%2e%2e/", "/api/auth/%252e%252e/x", "/"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, p string) {
		got := normalizePath(p)
		if !strings.HasPrefix(got, "/") {
			return
		}
		if strings.Contains(got, "//") || hasDotSegment(got) {
			t.Errorf("normalizePath(%q) = %q still has // or a dot segment", p, got)
		}
	})
}

func TestClassify(t *testing.T) {
	e := mustNew(t, DefaultConfig())
	for _, tc := range []struct {
		path  string
		ep    endpoint
		group string // API behavior group, "" for the default behavior
		seg   string
	}{
		{"/api/auth/session", epSession, "/api/*", ""},
		{"/api/auth/session/", epSession, "/api/*", ""},
		{"/api/auth/csrf", epCsrf, "/api/*", ""},
		{"/api/auth/callback/cognito", epCallback, "/api/*", ""},
		{"/api/auth/callback/credentials", epCallback, "/api/*", ""},
		{"/api/auth/callback", epUnknown, "/api/*", ""},
		{"/api/auth/callback/", epUnknown, "/api/*", ""},
		{"/api/auth/callback/a/b", epUnknown, "/api/*", ""},
		{"/api/auth/signin", epSignin, "/api/*", ""},
		{"/api/auth/signin/cognito", epSignin, "/api/*", ""},
		{"/api/auth/signout", epSignout, "/api/*", ""},
		{"/api/auth/providers", epOther, "/api/*", ""},
		{"/api/auth/_log", epOther, "/api/*", ""},
		{"/api/auth/session/extra", epUnknown, "/api/*", ""},
		{"/api/auth", epUnknown, "/api/*", ""},
		{"/api/auth//session", epSession, "/api/*", ""},
		{"/api/auth/%73ession", epSession, "/api/*", ""},
		// Scanner traversal probes are not NextAuth endpoints.
		{"/api/auth/../../etc/passwd", epNone, "", ""},
		{"/api/auth/%2e%2e/%2e%2e/etc/passwd", epNone, "", ""},
		{"/api/auth/../../../../etc/passwd", epNone, "", ""},
		// ".." at the root stays there, as the origin resolves it.
		{"/../api/auth/session", epSession, "/api/*", ""},
		{"/api/auth/../../../api/auth/session", epSession, "/api/*", ""},
		{"/api/auth/../items/3", epNone, "/api/*", "items"},
		{"/api/authx/session", epNone, "/api/*", "authx"},
		{"/api/items/12", epNone, "/api/*", "items"},
		{"/api/items", epNone, "/api/*", "items"},
		{"/api/.env", epNone, "/api/*", ".env"},
		{"/api", epNone, "/api/*", ""},
		{"/apix", epNone, "", ""},
		{"/", epNone, "", ""},
		{"/_next/static/chunks/pages/items/%5Bid%5D-0123.js", epNone, "", ""},
		{"/auth/signin/", epNone, "", ""},
	} {
		var pc pathClass
		e.classify(tc.path, &pc)
		group := ""
		if pc.api >= 0 {
			group = e.apiLabel(pc.api)
		}
		if pc.ep != tc.ep || group != tc.group || pc.seg != tc.seg {
			t.Errorf("classify(%q) = ep %d group %q seg %q; want ep %d group %q seg %q", tc.path, pc.ep, group, pc.seg, tc.ep, tc.group, tc.seg)
		}
	}
}

// Auth.js v5 and a custom basePath: the auth prefix outside /api, and more
// API prefixes.
func TestClassifyCustomPrefixes(t *testing.T) {
	cfg := DefaultConfig()
	cfg.AuthPrefix = "/auth/"
	cfg.APIPrefixes = []string{"/api/*", "/trpc", "/api/v2"}
	e := mustNew(t, cfg)
	for _, tc := range []struct {
		path  string
		ep    endpoint
		group string
	}{
		{"/auth/session", epSession, "/auth/*"},
		{"/auth/callback/github", epCallback, "/auth/*"},
		{"/api/auth/session", epNone, "/api/*"},
		{"/trpc/items.list", epNone, "/trpc/*"},
		{"/api/v2/items", epNone, "/api/v2/*"},
		{"/api/v1/items", epNone, "/api/*"},
		{"/authz", epNone, ""},
	} {
		var pc pathClass
		e.classify(tc.path, &pc)
		group := ""
		if pc.api >= 0 {
			group = e.apiLabel(pc.api)
		}
		if pc.ep != tc.ep || group != tc.group {
			t.Errorf("classify(%q) = ep %d group %q; want ep %d group %q", tc.path, pc.ep, group, tc.ep, tc.group)
		}
	}
}

func TestHasNextAuthCookie(t *testing.T) {
	for _, tc := range []struct {
		cookie string
		want   bool
	}{
		{"", false},
		{"-", false},
		{"_ga=GA1.1.123.456", false},
		{"__Host-next-auth.csrf-token=abc%7Cdef;%20__Secure-next-auth.callback-url=https%253A%252F%252Fapp.example.com", true},
		{"_ga=GA1.1.1.2;%20__Secure-next-auth.session-token=eyJ", true},
		{"_ga=GA1.1.1.2; next-auth.session-token=eyJ", true}, // plain separator, http (no prefix)
		{"_ga=1;next-auth.csrf-token=x", true},
		{"__Secure-next-auth.session-token.0=aaa;%20__Secure-next-auth.session-token.1=bbb", true}, // split session
		{"authjs.session-token=x", true},
		{"__Secure-authjs.callback-url=x", true},
		{"__Host-authjs.csrf-token=x", true},
		{"_ga=1%3B%20__Secure-next-auth.state=x", true},      // separator encoded too
		{"_ga=1;%2520__Secure-next-auth.nonce=x", true},      // blank encoded twice
		{"theme=next-auth.session-token", false},             // a value, not a name
		{"next-auth=1;%20authjs=2;%20next-authx.a=3", false}, // not the cookie names
		{"_ga=GA1.1.1.2;%20other=1", false},
	} {
		if got := hasNextAuthCookie(tc.cookie); got != tc.want {
			t.Errorf("hasNextAuthCookie(%q) = %v, want %v", tc.cookie, got, tc.want)
		}
	}
}

func TestHasCodeOrState(t *testing.T) {
	for _, tc := range []struct {
		q    string
		want bool
	}{
		{"", false},
		{"code=abc&state=def", true},
		{"state=def", true},
		{"foo=1&code=2", true},
		{"callbackUrl=%2F", false},
		{"xcode=1&nostate=2", false},
	} {
		if got := hasCodeOrState(tc.q); got != tc.want {
			t.Errorf("hasCodeOrState(%q) = %v, want %v", tc.q, got, tc.want)
		}
	}
}

// ClassifyAuthPath is the rules' classification, for the report and the
// Athena engine: the same endpoint for every spelling of a path.
func TestClassifyAuthPath(t *testing.T) {
	for p, want := range map[string]string{
		"/api/auth/callback/cognito": "true 0",
		"/api/auth/session":          "true 1",
		"/api/auth/session/":         "true 1",
		"/api/auth/csrf":             "true 2",
		"/api/auth/signin":           "true 3",
		"/api/auth/signin/github":    "true 3",
		"/api/auth/signout":          "true 4",
		"/api/auth/providers":        "true -1",
		"/api/auth/callback":         "true -1",
		"/api/auth/callback/a/b":     "true -1",
		"/api/auth":                  "true -1",
		"/api//auth/%73ession":       "true 1",
		"/api/auth/%2573ession":      "true 1",
		"/api/authx/session":         "false -1",
		"/api/items":                 "false -1",
		"/api/auth/../items":         "false -1",
		"/api/auth/../../etc/passwd": "false -1",
		// Once apart: report said session, the rules no endpoint.
		"/../api/auth/session":                "true 1",
		"/api/auth/../../../api/auth/session": "true 1",
	} {
		under, ep := ClassifyAuthPath(p, "/api/auth")
		if got := fmt.Sprint(under, ep); got != want {
			t.Errorf("ClassifyAuthPath(%q) = %s, want %s", p, got, want)
		}
		// The Engine places the path the same way.
		var pc pathClass
		mustNew(t, DefaultConfig()).classify(p, &pc)
		if wantUnder := want[0] == 't'; (pc.ep != epNone) != wantUnder || burstIndex(pc.ep) != ep {
			t.Errorf("classify(%q): ep %d, want %s", p, pc.ep, want)
		}
	}
	if under, ep := ClassifyAuthPath("/auth/callback/github", CleanPrefix("/auth/*")); !under || ep != 0 {
		t.Errorf("ClassifyAuthPath under /auth: %v %d", under, ep)
	}
	if n := len(AuthEndpointNames()); n != len(burstEndpoints) {
		t.Errorf("%d endpoint names for %d endpoints", n, len(burstEndpoints))
	}
}
