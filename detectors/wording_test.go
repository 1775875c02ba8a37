package detectors

import (
	"strings"
	"testing"
)

func TestRuleWording(t *testing.T) {
	for _, tc := range []struct {
		rule, group string
		sev         Severity
		want        []string
	}{
		{RuleMethodRejected, "/api/*", SeverityCritical, []string{"Allowed HTTP methods", PolicyIDCachingDisabled, "the /api/* cache behavior"}},
		{RuleAuth403Burst, "/api/auth/callback/*", SeverityCritical, []string{"Forward cookies and query strings", PolicyIDAllViewer, PolicyIDAllViewerExceptHostHeader}},
		{RuleAuthCacheHit, "/api/auth/*", SeverityCritical, []string{PolicyIDCachingDisabled, "invalidation for /api/auth/*"}},
		{RuleCORSPreflightRejected, "/api/*", SeverityWarning, []string{"Allow OPTIONS", "Access-Control-Allow-Origin"}},
		{RuleAPIOriginForbidden, "/api/*", SeverityCritical, []string{PolicyIDAllViewerExceptHostHeader, "never Host"}},
		{"auth-cookie-oversize", "/api/auth/*", SeverityCritical, []string{"20,480 bytes", "database session strategy"}},
	} {
		sev, remedy, ok := RuleWording(tc.rule, "/api/auth", tc.group, "app.example.com")
		if !ok || sev != tc.sev {
			t.Errorf("%s: ok=%v severity %q, want %q", tc.rule, ok, sev, tc.sev)
		}
		for _, w := range tc.want {
			if !strings.Contains(remedy, w) {
				t.Errorf("%s: remedy lacks %q: %s", tc.rule, w, remedy)
			}
		}
	}
	if _, _, ok := RuleWording("no-such-rule", "/api/auth", "/api/*", "h"); ok {
		t.Error("unknown rule: ok")
	}
}
