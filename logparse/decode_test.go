package logparse_test

import (
	"testing"

	"github.com/cfwatch/cfwatch/logparse"
)

func TestDecode(t *testing.T) {
	for _, c := range []struct{ in, want string }{
		{"", ""},
		{"plain", "plain"},
		{"Mozilla/5.0%20(X11)", "Mozilla/5.0 (X11)"},
		{"Mozilla/5.0%2520(X11;%2520Linux)", "Mozilla/5.0 (X11; Linux)"},         // encoded twice
		{"http%253A%252F%252Flocalhost%253A5000%252F", "http://localhost:5000/"}, // query value encoded twice
		{"Safari/605.1.1%0920.51", "Safari/605.1.1\t20.51"},                      // encoded TAB
		{"caf%C3%A9%20%E2%9C%93", "café ✓"},                                      // multi-byte UTF-8
		{"%F0%9F%98%80", "😀"},                                                    // 4-byte UTF-8
		{"100%zz", "100%zz"},                                                     // malformed escape kept
		{"50%", "50%"},                                                           // trailing %
		{"5%2", "5%2"},                                                           // short escape
		{"%%20", "% "},                                                           // % then escape
		{"a+b", "a+b"},                                                           // + is not a space in CloudFront logs
		{"100%25", "100%"},                                                       // a single-encoded percent sign
		{"100%25zz", "100%zz"},                                                   // %25 not followed by hex: once only
		{"Mozilla/5.0%2520(compatible;%2520bingbot/2.0;%2520+http://www.bing.com/bingbot.htm)", "Mozilla/5.0 (compatible; bingbot/2.0; +http://www.bing.com/bingbot.htm)"},
		{"%e9t%e9", "\xe9t\xe9"}, // Latin-1 bytes are kept as bytes
	} {
		if got := logparse.Decode(c.in); got != c.want {
			t.Errorf("Decode(%q) = %q, want %q", c.in, got, c.want)
		}
	}
}

func TestDecodeNoAllocWithoutEscapes(t *testing.T) {
	s := "/_next/static/chunks/main-abc123.js"
	if n := testing.AllocsPerRun(100, func() { _ = logparse.Decode(s) }); n != 0 {
		t.Errorf("Decode of a plain value allocates %v times", n)
	}
}
