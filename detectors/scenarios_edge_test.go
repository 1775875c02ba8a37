package detectors

import (
	"time"

	"github.com/cfwatch/cfwatch/loggen"
)

// edgeScenarios are the scenarios of the edge rules (issue 16):
// edge-function-error, edge-refusals-on-auth, auth-cookie-oversize, and the
// configured refusals that must stay silent.
func edgeScenarios() []scenario {
	statusChecks := map[string]string{CheckSessionOK: CheckFail, CheckCSRFOK: CheckFail, CheckCallbackRedirects: CheckFail}
	return []scenario{
		// Lambda@Edge on the auth and API paths fails for 30% of their
		// requests: one critical finding for the /api/* behavior, and no
		// origin-errors (the origin was never the cause).
		{name: "edge-function-error", checks: statusChecks, rph: busy, incidents: lastHour(loggen.EdgeFunctionError), wantOnly: true, never: []string{RuleOriginErrors}, want: []want{{
			rule: RuleEdgeFunctionError, severity: SeverityCritical, group: "/api/*",
			cause:    []string{"Lambda", "NextAuth"},
			remedy:   []string{"Lambda@Edge", "/aws/lambda/us-east-1.", "Region of the edge location", "LambdaLimitExceeded", "concurrent executions"},
			evidence: []string{"LambdaExecutionError", "LambdaValidationError", "LambdaLimitExceeded", "auth"},
		}}},
		// CloudFront Functions failing and throttled: one critical finding.
		{name: "cloudfront-function-error", checks: statusChecks, rph: busy, incidents: lastHour(loggen.CloudFrontFunctionError), wantOnly: true, never: []string{RuleOriginErrors}, want: []want{{
			rule: RuleEdgeFunctionError, severity: SeverityCritical, group: "/api/*",
			remedy:   []string{"CloudFront Functions", "us-east-1", "/aws/cloudfront/function/", "FunctionThrottledError", "compute utilization"},
			evidence: []string{"FunctionExecutionError", "FunctionThrottledError"},
		}}},
		// WAF, geo and signed-URL refusals start on a third of the auth
		// requests: one warning for the host's NextAuth endpoints. The 403s
		// are configured refusals, not NextAuth's: no auth-403-burst, no
		// auth-cookie-missing. The checks leave them out (not_counted).
		{name: "edge-refusals-on-auth", rph: busy, cookies: true, incidents: lastHour(loggen.EdgeRefusalsOnAuth), wantOnly: true, want: []want{{
			rule: RuleEdgeRefusalsOnAuth, severity: SeverityWarning, group: "/api/auth/*",
			cause:    []string{"refused by CloudFront", "AWS WAF"},
			remedy:   []string{"web ACL", "geo restriction", "signed URLs"},
			evidence: []string{"geo_restriction", "waf_or_edge_refusal", "signed_url", "callbacks"},
		}}},
		// A geo restriction refusing 12% of the viewers all along, on every
		// path: no finding at all. Configured refusals are not NextAuth's
		// (no auth-403-burst, auth-cookie-missing or cors-preflight-rejected),
		// and edge-refusals-on-auth sees a steady rate: where its blocked
		// viewers' retries make a burst, the rate over the burst's span is
		// far from 4 times the rate around it, and few clients make it.
		{name: "geo-restricted", rph: busy, cookies: true, duration: 3 * time.Hour, incidents: []loggen.Incident{incident(loggen.GeoRestricted, 0, 3*time.Hour, 0)}, wantOnly: true},
		{name: "geo-restricted-modest", rph: 2000, duration: 3 * time.Hour, incidents: []loggen.Incident{incident(loggen.GeoRestricted, 0, 3*time.Hour, 0)}, wantOnly: true},
		// WAF blocking half of the scanners' probes: no finding (the
		// probes are not NextAuth's endpoints, and a traversal probe like
		// /api/auth/../../etc/passwd leaves the auth prefix).
		{name: "waf-noise", duration: time.Hour, incidents: []loggen.Incident{incident(loggen.WAFNoise, 0, time.Hour, 0)}, wantOnly: true},
		{name: "waf-noise-geo", rph: busy, duration: 2 * time.Hour, incidents: []loggen.Incident{incident(loggen.WAFNoise, 0, 2*time.Hour, 0), incident(loggen.GeoRestricted, 0, 2*time.Hour, 0)}, wantOnly: true},
	}
}

// oversizeScenarios: NextAuth's session cookie growing towards the 20 KB
// limit (cookie logging on: the signature is in the cookie names and
// sizes).
func oversizeScenarios() []scenario {
	return []scenario{
		// One critical finding for the /api/* behavior: requests over 16,000
		// bytes, Node's 431s, the session token in more chunks at the end.
		// The 431s are no auth-403-burst (not 403) and carry cookies (no
		// auth-cookie-missing).
		{name: "auth-cookie-oversize", checks: map[string]string{CheckSessionOK: CheckFail, CheckCSRFOK: CheckFail}, rph: busy, cookies: true, duration: 2 * time.Hour, incidents: []loggen.Incident{incident(loggen.AuthCookieOversize, 0, 2*time.Hour, 0)}, wantOnly: true, want: []want{{
			rule: RuleAuthCookieOversize, severity: SeverityCritical, group: "/api/*",
			cause:    []string{"20 KB", "session token is split", "95th percentile"},
			remedy:   []string{"database", "fewer claims in the JWT"},
			evidence: []string{"over_warn_bytes", "over_critical_bytes", "header_size_refusals", "chunked_session_token", "auth_cs_bytes_p95", "auth_cs_bytes_max", "session_token_chunks_last_hour"},
		}}},
	}
}
