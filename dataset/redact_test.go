package dataset

import (
	"strings"
	"testing"
)

func TestRedactCookie(t *testing.T) {
	long := strings.Repeat("v", 100_000)
	tests := []struct{ in, want string }{
		{"", ""},
		{"__Secure-next-auth.session-token=abc;%20_ga=GA1.1", "__Secure-next-auth.session-token=[redacted];%20_ga=[redacted]"},
		{"examplecookie=value", "examplecookie=[redacted]"},
		{"a=1; b=2", "a=[redacted]; b=[redacted]"},
		{"a=1;b=2;", "a=[redacted];b=[redacted];"},
		// Empty values hide nothing and stay.
		{"a=;b=2", "a=;b=[redacted]"},
		{"=", "="},
		// A nameless value is a value.
		{"=abc", "=[redacted]"},
		{"justavalue", "[redacted]"},
		{"a=1;%20justavalue", "a=[redacted];%20[redacted]"},
		{";;", ";;"},
		{"; ;%20;", "; ;%20;"},
		// Only the first '=' names; the rest is value.
		{"a=b=c", "a=[redacted]"},
		{"a=eyJhbGciOi.x.y==", "a=[redacted]"},
		// An encoded '=' names too, once or twice encoded; an encoded ';'
		// is part of the value.
		{"a%3D1%3B%20b%3D2", "a%3D[redacted]"},
		{"a%253Dsecret", "a%253D[redacted]"},
		{"a=1%3Bb=2", "a=[redacted]"},
		{"sess=" + long + ";%20x=1", "sess=[redacted];%20x=[redacted]"},
		{"%", "[redacted]"},
		{"a=%", "a=[redacted]"},
		// Idempotent.
		{"a=[redacted];%20b=[redacted]", "a=[redacted];%20b=[redacted]"},
	}
	for _, tt := range tests {
		if got := RedactCookie(tt.in); got != tt.want {
			t.Errorf("RedactCookie(%.60q) = %.80q, want %.80q", tt.in, got, tt.want)
		}
	}
}

func TestRedactQuery(t *testing.T) {
	long := strings.Repeat("x", 100_000)
	tests := []struct{ in, want string }{
		{"", ""},
		{"code=xyz&state=abc&page=2", "code=[redacted]&state=[redacted]&page=2"},
		{"page=2", "page=2"},
		{"callbackUrl=%2Fprofile%2F", "callbackUrl=%2Fprofile%2F"},
		{"CODE=1&State=2", "CODE=[redacted]&State=[redacted]"},
		// Every kind of token, secret, password, signature.
		{"id_token=a&access_token=b&refresh_token=c&token=d&csrfToken=e", "id_token=[redacted]&access_token=[redacted]&refresh_token=[redacted]&token=[redacted]&csrfToken=[redacted]"},
		{"client_id=app&client_secret=s3cr3t&password=hunter2", "client_id=app&client_secret=[redacted]&password=[redacted]"},
		{"session_token=a&sig=b&signature=c", "session_token=[redacted]&sig=[redacted]&signature=[redacted]"},
		{"X-Amz-Algorithm=AWS4-HMAC-SHA256&X-Amz-Credential=AKIA%2F20261120%2Fus-east-1&X-Amz-Signature=abcdef&X-Amz-Security-Token=IQo",
			"X-Amz-Algorithm=AWS4-HMAC-SHA256&X-Amz-Credential=[redacted]&X-Amz-Signature=[redacted]&X-Amz-Security-Token=[redacted]"},
		{"Expires=1&Signature=abc&Key-Pair-Id=K2", "Expires=1&Signature=[redacted]&Key-Pair-Id=K2"},
		// Names encoded once or twice, values with and without.
		{"%63ode=xyz", "%63ode=[redacted]"},
		{"%2563ode=xyz", "%2563ode=[redacted]"},
		{"code=", "code="},
		{"code", "code"},
		{"code&state=1", "code&state=[redacted]"},
		{"&&code=1&&", "&&code=[redacted]&&"},
		{"=1&=&code==x", "=1&=&code=[redacted]"},
		{"token[]=a&token[]=b", "token[]=[redacted]&token[]=[redacted]"},
		{"page=1;code=xyz", "page=1;code=[redacted]"},
		// Separators inside a secret value go with it.
		{"state=abc%26page%3D2&x=1", "state=[redacted]&x=1"},
		{"state=a?b=c&x=1", "state=[redacted]&x=1"},
		// Encoded queries inside values: the OAuth callback URL.
		{"callbackUrl=https%3A%2F%2Fapp.example.com%2Fapi%2Fauth%2Fcallback%2Fcognito%3Fcode%3Dxyz%26state%3Dabc",
			"callbackUrl=https%3A%2F%2Fapp.example.com%2Fapi%2Fauth%2Fcallback%2Fcognito%3Fcode%3D[redacted]%26state%3D[redacted]"},
		{"next=%2Fcb%253Fcode%253Dxyz%2526state%253Dabc%2526page%253D2",
			"next=%2Fcb%253Fcode%253D[redacted]%2526state%253D[redacted]%2526page%253D2"},
		{"r=%2Fcb%3Fpage%3D2%26code%3Dxyz&z=1", "r=%2Fcb%3Fpage%3D2%26code%3D[redacted]&z=1"},
		{"a%3Db%26code%3Dsecret", "a%3Db%26code%3D[redacted]"},
		// A value encoded once more than its '=' still ends at its own level.
		{"code%3Dx%2526y%26page%3D2", "code%3D[redacted]%26page%3D2"},
		// JWTs go whatever their name, bare ones too.
		{"t=eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiIxIn0.sig&p=1", "t=[redacted]&p=1"},
		{"eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiIxIn0.sig", "[redacted]"},
		{"x=eyJ", "x=eyJ"},
		// Supabase's token_hash, every *_code and *_key, camel-case too.
		{"token_hash=pkce_abc&type=email", "token_hash=[redacted]&type=email"},
		{"auth_code=123&otp_code=456&authCode=789&page=2", "auth_code=[redacted]&otp_code=[redacted]&authCode=[redacted]&page=2"},
		{"secret_key=a&private_key=b&private-key=c&privateKey=d&sortkey=e", "secret_key=[redacted]&private_key=[redacted]&private-key=[redacted]&privateKey=[redacted]&sortkey=e"},
		// Bearer credentials, by name and by value, space encoded or not.
		{"authorization=Bearer%20abc.def&x=1", "authorization=[redacted]&x=1"},
		{"Authorization=Basic%20dXNlcjpwYXNz", "Authorization=[redacted]"},
		{"h=Bearer%20abc&y=bearer+xyz&z=BEARER%2520q&w=bearerish", "h=[redacted]&y=[redacted]&z=[redacted]&w=bearerish"},
		{"Bearer+abc", "[redacted]"},
		{"next=%2Fcb%3Fh%3DBearer%2520tok%26p%3D1", "next=%2Fcb%3Fh%3D[redacted]%26p%3D1"},
		// Fragments: '#' and "%23" start parameters (OAuth's implicit flow).
		{"page=1#code=xyz&state=abc", "page=1#code=[redacted]&state=[redacted]"},
		{"callbackUrl=https%3A%2F%2Fapp%2Fcb%23code%3Dxyz%26p%3D1", "callbackUrl=https%3A%2F%2Fapp%2Fcb%23code%3D[redacted]%26p%3D1"},
		{"r=%2Fcb%2523access_token%253Dabc", "r=%2Fcb%2523access_token%253D[redacted]"},
		{"%23code%3Dxyz", "%23code%3D[redacted]"},
		// Hostile.
		{"%", "%"},
		{"%3", "%3"},
		{"code%3", "code%3"},
		{"code%3D", "code%3D"},
		{"%25%25%25", "%25%25%25"},
		{"code=" + long + "&page=2", "code=[redacted]&page=2"},
		{"q=" + long, "q=" + long},
		{"code=a" + strings.Repeat("%25", 1000) + "&p=1", "code=[redacted]&p=1"},
	}
	for _, tt := range tests {
		if got := RedactQuery(tt.in); got != tt.want {
			t.Errorf("RedactQuery(%.70q) = %.100q, want %.100q", tt.in, got, tt.want)
		}
	}
}

func TestRedactReferrer(t *testing.T) {
	tests := []struct{ in, want string }{
		{"https://app.example.com/", "https://app.example.com/"},
		{"https://app.example.com/api/auth/callback/cognito?code=xyz&state=abc",
			"https://app.example.com/api/auth/callback/cognito?code=[redacted]&state=[redacted]"},
		{"https://auth.example.com/login?client_id=x&redirect_uri=https%3A%2F%2Fapp%2Fcb&state=abc",
			"https://auth.example.com/login?client_id=x&redirect_uri=https%3A%2F%2Fapp%2Fcb&state=[redacted]"},
		{"https://x/a;jsessionid=ABC123?p=1", "https://x/a;jsessionid=[redacted]"},
		{"https://x/verify/eyJhbGciOiJIUzI1NiJ9.e30.sig", "https://x/verify/eyJhbGciOiJIUzI1NiJ9.e30.sig"},
		{"https://app.example.com/cb#code=xyz&state=abc", "https://app.example.com/cb#code=[redacted]&state=[redacted]"},
		{"https://app.example.com/#access_token=abc&token_type=Bearer", "https://app.example.com/#access_token=[redacted]&token_type=Bearer"},
	}
	for _, tt := range tests {
		if got := RedactQuery(tt.in); got != tt.want {
			t.Errorf("RedactQuery(%q) = %q, want %q", tt.in, got, tt.want)
		}
	}
}

func TestIsSecretParam(t *testing.T) {
	for _, name := range []string{
		"code", "state", "token", "id_token", "access_token", "refresh_token",
		"client_secret", "password", "session_token", "sig", "signature",
		"X-Amz-Signature", "X-Amz-Credential", "X-Amz-Security-Token", "CODE",
		"%63ode", "%2573tate", " code ", "token[]", "jsessionid", "code_verifier",
		"token_hash", "auth_code", "otp_code", "OTP_CODE", "authCode", "secret_key", "private_key", "privateKey",
		"api-key", "Authorization",
	} {
		if !IsSecretParam(name) {
			t.Errorf("IsSecretParam(%q) = false", name)
		}
	}
	for _, name := range []string{"page", "callbackUrl", "client_id", "X-Amz-Date", "Expires", "Key-Pair-Id", "error", "q", "", "codes", "statement",
		"barcode", "monkey", "KEY_ID", "token_type", "hash"} {
		if IsSecretParam(name) {
			t.Errorf("IsSecretParam(%q) = true", name)
		}
	}
}

func TestRedactUserAgent(t *testing.T) {
	const jwt = "eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiIxMjM0NSJ9.SflKxwRJSMeKKF2QT4fwpMeJf36POk6yJV_adQssw5c"
	for _, c := range []struct{ in, want string }{
		{"Mozilla/5.0%20(X11;%20Linux%20x86_64)", "Mozilla/5.0%20(X11;%20Linux%20x86_64)"},
		{"MyApp/2.1%20(token%20" + jwt + ")", "MyApp/2.1%20(token%20[redacted])"},
		{jwt, "[redacted]"},
		{"a/" + jwt + "%20b/" + jwt, "a/[redacted]%20b/[redacted]"},
		{"x%20eyJhbGciOiJub25lIn0.eyJzdWIiOiIxIn0.", "x%20[redacted]"},            // unsigned
		{"eyJhbGciOiJSU0EtT0FFUCJ9.ZW5j.aXY.Y2lwaGVy.dGFn%20z", "[redacted]%20z"}, // JWE, five segments
		{"eyJhbGciOiJIUzI1NiJ9.e30", "eyJhbGciOiJIUzI1NiJ9.e30"},                  // two segments: not a JWT
		{"Bot%20eyJ.x.y", "Bot%20eyJ.x.y"},                                        // too short
		{"eyJ", "eyJ"},
		{"", ""},
	} {
		if got := RedactUserAgent(c.in); got != c.want {
			t.Errorf("RedactUserAgent(%q) = %q, want %q", c.in, got, c.want)
		}
	}
}

// TestRedactNoAllocUnchanged: values with nothing to redact come back as
// they are, without allocating.
func TestRedactNoAllocUnchanged(t *testing.T) {
	q := "page=2&callbackUrl=%2Fprofile%2F&sort=asc"
	ref := "https://app.example.com/items/42"
	ua := "Mozilla/5.0%20(iPhone;%20CPU%20iPhone%20OS%2018_1%20like%20Mac%20OS%20X)%20eyJ"
	if n := testing.AllocsPerRun(100, func() {
		_ = RedactQuery(q)
		_ = RedactQuery(ref)
		_ = RedactQuery("flag")
		_ = RedactCookie("")
		_ = RedactUserAgent(ua)
	}); n != 0 {
		t.Errorf("%v allocations for values with nothing to redact", n)
	}
	var buf []byte
	buf = make([]byte, 0, 1024)
	if n := testing.AllocsPerRun(100, func() {
		buf, _ = appendRedactCookie(buf[:0], "__Secure-next-auth.session-token=abc;%20_ga=GA1.1")
		buf, _ = appendRedactQuery(buf[:0], "code=xyz&state=abc&page=2")
		buf, _ = appendRedactUserAgent(buf[:0], "App/1%20eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiIxIn0.sig")
	}); n != 0 {
		t.Errorf("%v allocations appending into a buffer with room", n)
	}
}

// FuzzRedact checks the properties that must hold for any input: a value
// that follows a secret name never survives, the output is stable under a
// second pass, and names survive.
func FuzzRedact(f *testing.F) {
	for _, s := range []string{"code=xyz&state=abc", "a=1;%20b=2", "%3D%26%3F", "x=eyJaaaaaaaaaaaaaaaa", "code%253Dq"} {
		f.Add(s, "SECRETVALUE")
	}
	f.Fuzz(func(t *testing.T, prefix, secret string) {
		if len(secret) < 4 || strings.ContainsAny(secret, "&;?=%[]") || strings.Contains(prefix, secret) {
			return
		}
		q := prefix + "&code=" + secret + "&page=1"
		out := RedactQuery(q)
		if strings.Contains(out, secret) {
			t.Fatalf("RedactQuery(%q) = %q keeps the secret", q, out)
		}
		if again := RedactQuery(out); again != out {
			t.Fatalf("RedactQuery not stable: %q → %q → %q", q, out, again)
		}
		c := prefix + ";%20session=" + secret
		out = RedactCookie(c)
		if strings.Contains(out, secret) {
			t.Fatalf("RedactCookie(%q) = %q keeps the value", c, out)
		}
		if !strings.Contains(out, "session=") {
			t.Fatalf("RedactCookie(%q) = %q lost the name", c, out)
		}
		if again := RedactCookie(out); again != out {
			t.Fatalf("RedactCookie not stable: %q → %q → %q", c, out, again)
		}
	})
}
