package report

import (
	"strings"
	"testing"
)

func TestPathParts(t *testing.T) {
	long := strings.Repeat("%2e", 10) // 30 characters without a slash
	for in, want := range map[string][]string{
		"":                    {""},
		"/":                   {"/"},
		"/api/auth/session":   {"/api", "/auth", "/session"},
		"api//x/":             {"api", "/", "/x", "/"},
		"/a" + long:           {"/a" + long[:18], long[18:]},
		"/é" + long + "/next": {"/é" + long[:18], long[18:], "/next"},
	} {
		got := pathParts(in)
		if strings.Join(got, "|") != strings.Join(want, "|") {
			t.Errorf("pathParts(%q) = %q, want %q", in, got, want)
		}
		if strings.Join(got, "") != in {
			t.Errorf("pathParts(%q) loses characters: %q", in, got)
		}
	}
}

func TestMarkdownCode(t *testing.T) {
	for in, want := range map[string]string{
		"/a":    "`/a`",
		"/a|b":  "`/a\\|b`",
		"/a`b":  "``/a`b``",
		"`/a``": "``` `/a`` ```",
	} {
		if got := mdCode(in, true); got != want {
			t.Errorf("mdCode(%q) = %q, want %q", in, got, want)
		}
	}
	if got := mdEscape("/api/*|x_y<b>"); got != `/api/\*\|x\_y\<b\>` {
		t.Errorf("mdEscape: %q", got)
	}
}

// authClass is the rules' classification (detectors.ClassifyAuthPath,
// tested there with every spelling); the report reads the prefix setting as
// the rules do.
func TestAuthClass(t *testing.T) {
	// Auth.js v5 or a custom basePath.
	if under, ep := authClass("/auth/callback/github", cleanPrefix("/auth/*")); !under || ep != 0 {
		t.Errorf("authClass under /auth: %v %d", under, ep)
	}
}

// TestPercent: one formatter for every percentage, detectors.Percent's,
// with a floor for the rates it would show as zero.
func TestPercent(t *testing.T) {
	for r, want := range map[float64]string{
		0: "0%", 0.27: "27%", 0.485: "48%", 0.016: "1.6%", 0.996: "99.6%", 1: "100%",
		0.0035: "0.35%", 0.00007: "0.01%", 0.00001: "<0.01%",
	} {
		if got := percent(r); got != want {
			t.Errorf("percent(%v) = %q, want %q", r, got, want)
		}
	}
	if got := share(1, 0); got != "-" {
		t.Errorf("share of nothing: %q", got)
	}
	if got, want := signedPercent(-0.063), "-6.3%"; got != want {
		t.Errorf("signedPercent(-0.063) = %q, want %q", got, want)
	}
	if got, want := signedPercent(0.25), "+25%"; got != want {
		t.Errorf("signedPercent(0.25) = %q, want %q", got, want)
	}
}
