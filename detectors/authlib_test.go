package detectors

import (
	"testing"
)

func TestAuthLibraryCookies(t *testing.T) {
	for _, c := range []struct {
		cookie string
		lib    authLib
		want   bool
	}{
		{"__Secure-next-auth.session-token=x;%20theme=dark", libNextAuth, true},
		{"__Host-next-auth.csrf-token=x", libNextAuth, true},
		{"__Host-next-auth.csrf-token=x", libAuthJS, false},
		{"authjs.session-token.0=x;%20authjs.session-token.1=y", libAuthJS, true},
		{"__Host-authjs.csrf-token=x", libAuthJS, true},
		{"__Secure-authjs.callback-url=x", libNextAuth, false},
		{"better-auth.session_token=x", libBetterAuth, true},
		{"__Secure-better-auth.session_data=x", libBetterAuth, true},
		{"__Secure-better-auth.session_token=x", libNextAuth, false},
		{"better-auth.session_token=x", libAny, true},
		{"next-auth=x;%20better-auth=y", libAny, false}, // no name after the prefix
		{"theme=dark%3B%20authjs.session-token%3Dx", libAny, true},
		{"", libAny, false},
	} {
		if got := hasAuthCookie(c.cookie, c.lib); got != c.want {
			t.Errorf("hasAuthCookie(%q, %s) = %v, want %v", c.cookie, libNames[c.lib], got, c.want)
		}
	}
	if n := testing.AllocsPerRun(100, func() { hasAuthCookie("a=1;%20__Secure-authjs.session-token.1=y", libAuthJS) }); n != 0 {
		t.Errorf("hasAuthCookie allocates %v times", n)
	}
	if n := testing.AllocsPerRun(100, func() {
		sessionChunks("a=1;%20__Secure-next-auth.session-token.0=x;%20__Secure-next-auth.session-token.3=y")
	}); n != 0 {
		t.Errorf("sessionChunks allocates %v times", n)
	}
}

func TestSessionChunks(t *testing.T) {
	for c, want := range map[string]int{
		"":                                   0,
		"theme=dark":                         0,
		"__Secure-next-auth.session-token=x": 1,
		"__Secure-next-auth.session-token.0=x;%20__Secure-next-auth.session-token.1=y;%20__Secure-next-auth.session-token.4=z": 5,
		"authjs.session-token.2=x":        3,
		"better-auth.session_token=x":     1,
		"next-auth.session-token.x=1":     0,
		"next-auth.session-token.99999=1": 0, // not a chunk number
	} {
		if got := sessionChunks(c); got != want {
			t.Errorf("sessionChunks(%q) = %d, want %d", c, got, want)
		}
	}
}

// With auth_library set, another library's cookies are no auth cookies:
// a failing session request carrying only stale next-auth.* cookies on an
// Auth.js v5 site lacks its cookies.
func TestAuthLibrarySetting(t *testing.T) {
	cfg := DefaultConfig()
	if err := cfg.Set("auth_library", "authjs"); err != nil {
		t.Fatal(err)
	}
	bad := cfg
	bad.AuthLibrary = "lucia"
	if _, err := New(bad); err == nil {
		t.Error("auth_library lucia accepted")
	}
	e := mustNew(t, cfg)
	if e.lib != libAuthJS {
		t.Fatalf("lib %d, want authjs", e.lib)
	}
	if hasAuthCookie("next-auth.session-token=x", e.lib) {
		t.Error("next-auth cookie counted for authjs")
	}
}
