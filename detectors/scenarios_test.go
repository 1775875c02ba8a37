package detectors

import (
	"fmt"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/cfwatch/cfwatch/loggen"
)

// want is a finding a scenario must produce.
type want struct {
	rule     string
	severity Severity
	group    string
	host     string   // default loggen.DefaultDomain
	remedy   []string // substrings of the remedy
	cause    []string // substrings of the cause
	evidence []string // evidence counters that must be > 0
	// related lists the findings folded into this one, "<rule> <group>"
	// (Finding.Related, either way of folding); with it, no other.
	related []string
}

// Managed policies as remedies must name them: name and correct ID.
const (
	wantCachingDisabled  = "CachingDisabled (4135ea2d-6df8-44a3-9df3-4b5a84be39ad)"
	wantAllViewer        = "AllViewer (216adef6-5c7f-47e4-b989-5492eafa07d3)"
	wantAllViewerNoHost  = "AllViewerExceptHostHeader (b689b0a8-53d0-40ab-baf2-68738e2966ac)"
	wrongCachingDisabled = "413fd16d-10f9-4f9f-b0b4-56bc1b56aab4" // the seed's wrong IDs
	wrongAllViewer       = "33f36d7e-f396-46d9-90e0-52428a34d9dc"
	scenarioDistribution = "E2QWRUHEXAMPLE"
)

type scenario struct {
	name      string
	rph       int // requests per hour (default loggen's 20,000)
	duration  time.Duration
	cookies   bool
	incidents []loggen.Incident
	want      []want
	// wantOnly: no finding beyond want. none: no finding at all.
	wantOnly bool
	// never lists rules that must not fire.
	never []string
	// checks gives the expected status of checks; unlisted ones must pass.
	checks map[string]string
}

// Scenarios last 90 minutes (enough for the burst windows, short enough
// for the race detector) unless they say otherwise; incidents fill the last
// hour at loggen's default rate.
const scenarioDuration = 90 * time.Minute

// busy is the volume of most scenarios: a busy site, below loggen's default
// (20,000 requests/hour, used by the reference and noise scenarios) to keep
// the tests fast under the race detector.
const busy = 6000

func lastHour(kind loggen.Kind) []loggen.Incident {
	return []loggen.Incident{incident(kind, scenarioDuration-time.Hour, scenarioDuration, 0)}
}

// issue16Rules are the rules of issue 16 §5 built here.
var issue16Rules = []string{RuleAPIRoutedToStaticOrigin, RulePostSignatureRejected, RuleAuthHTMLResponse}

// anyChecks marks a scenario whose checks are not judged (another rule's
// business).
var anyChecks = map[string]string{"*": "any"}

func scenarios() []scenario {
	return append([]scenario{
		// Healthy traffic, with and without cookie logging, busy and modest:
		// no finding.
		{name: "healthy", duration: 2 * time.Hour, wantOnly: true},
		{name: "healthy-cookies", rph: busy, cookies: true, wantOnly: true},
		{name: "healthy-modest", rph: 2000, duration: 6 * time.Hour, cookies: true, wantOnly: true},

		// One finding per incident below unless a comment says otherwise: one
		// endpoint group, one cause.
		{name: "auth-cache-hit", checks: map[string]string{CheckAuthNeverCached: CheckFail}, rph: busy, incidents: lastHour(loggen.AuthCacheHit), wantOnly: true, want: []want{{
			rule: RuleAuthCacheHit, severity: SeverityCritical, group: "/api/auth/*",
			remedy: []string{wantCachingDisabled}, cause: []string{"distinct clients received cached auth responses"},
			evidence: []string{"Hit", "session_or_csrf"},
		}}},
		{name: "method-rejected", checks: map[string]string{CheckCallbackRedirects: CheckFail}, rph: busy, incidents: lastHour(loggen.MethodRejected), wantOnly: true, want: []want{{
			rule: RuleMethodRejected, severity: SeverityCritical, group: "/api/*",
			remedy:   []string{"GET, HEAD, OPTIONS, PUT, POST, PATCH, DELETE", "Cached HTTP methods to GET, HEAD only", wantCachingDisabled},
			cause:    []string{"InvalidRequestMethod", "origin was never asked"},
			evidence: []string{"POST", "OPTIONS", "time_to_first_byte_zero"},
		}}},
		// The reference case: callbacks fail at 0.6 for two hours.
		{name: "auth-403-callback", checks: map[string]string{CheckCallbackRedirects: CheckFail}, duration: 150 * time.Minute, incidents: []loggen.Incident{incident(loggen.Auth403Callback, 30*time.Minute, 150*time.Minute, 0)}, wantOnly: true, want: []want{{
			rule: RuleAuth403Burst, severity: SeverityCritical, group: "/api/auth/callback/*",
			remedy:   []string{wantAllViewer, wantAllViewerNoHost, wantCachingDisabled, "NEXTAUTH_URL", "cookie logging"},
			cause:    []string{"cookie logging is off", "code/state"},
			evidence: []string{"callbacks_with_code_or_state", "post"},
		}}},
		// One finding: callbacks only; cookies logged and sent, so forwarding.
		{name: "auth-403-callback-cookies", checks: map[string]string{CheckCallbackRedirects: CheckFail}, rph: busy, cookies: true, incidents: lastHour(loggen.Auth403Callback), wantOnly: true, want: []want{{
			rule: RuleAuth403Burst, severity: SeverityCritical, group: "/api/auth/callback/*",
			remedy:   []string{wantAllViewer, wantAllViewerNoHost},
			cause:    []string{"viewer sent NextAuth cookies", "not forwarding cookies"},
			evidence: []string{"with_nextauth_cookies"},
		}}},
		// One finding at 2,000 requests an hour.
		{name: "auth-403-callback-modest", checks: map[string]string{CheckCallbackRedirects: CheckFail}, rph: 2000, duration: 150 * time.Minute, incidents: []loggen.Incident{incident(loggen.Auth403Callback, 30*time.Minute, 150*time.Minute, 0)}, wantOnly: true, want: []want{{
			rule: RuleAuth403Burst, severity: SeverityCritical, group: "/api/auth/callback/*",
			remedy: []string{wantAllViewer, wantAllViewerNoHost},
		}}},
		// Session and csrf fail together with the same remedy: one finding,
		// the csrf endpoint its related evidence.
		{name: "auth-403-session", checks: map[string]string{CheckSessionOK: CheckFail, CheckCSRFOK: CheckFail}, rph: busy, incidents: lastHour(loggen.Auth403Session), wantOnly: true, want: []want{
			{rule: RuleAuth403Burst, severity: SeverityCritical, group: "/api/auth/session", remedy: []string{wantAllViewerNoHost},
				related: []string{"auth-403-burst /api/auth/csrf"}},
		}},
		// One finding for one cause: the 403 burst on session, explained by
		// the missing cookies. auth-cookie-missing's failing requests are
		// the same 403s (auth-403-burst absorbs it), and the callback burst
		// has the same remedy (same fix): both are its related evidence.
		{name: "auth-cookie-missing", checks: map[string]string{CheckSessionOK: CheckFail, CheckCallbackRedirects: CheckFail}, rph: busy, cookies: true, incidents: lastHour(loggen.AuthCookieMissing), wantOnly: true, want: []want{
			{rule: RuleAuth403Burst, severity: SeverityCritical, group: "/api/auth/session",
				remedy:   []string{"NEXTAUTH_URL", "SameSite", "third-party cookie", wantAllViewer},
				cause:    []string{"carried no NextAuth cookie"},
				evidence: []string{"without_nextauth_cookies", "folded_auth_cookie_missing"},
				related: []string{"auth-cookie-missing /api/auth/session", "auth-403-burst /api/auth/callback/*",
					"auth-cookie-missing /api/auth/callback/*"}},
		}},
		// The same at a modest volume: one finding.
		{name: "auth-cookie-missing-modest", checks: map[string]string{CheckSessionOK: CheckFail, CheckCallbackRedirects: CheckFail}, rph: 2000, cookies: true, incidents: lastHour(loggen.AuthCookieMissing), wantOnly: true, want: []want{
			{rule: RuleAuth403Burst, severity: SeverityCritical, group: "/api/auth/session", evidence: []string{"folded_auth_cookie_missing"},
				related: []string{"auth-cookie-missing /api/auth/session", "auth-403-burst /api/auth/callback/*",
					"auth-cookie-missing /api/auth/callback/*"}},
		}},
		// Without cookie logging nothing tells a missing cookie: only the 403
		// burst (session, with callback's of the same remedy folded in).
		{name: "auth-cookie-missing-no-logging", checks: map[string]string{CheckSessionOK: CheckFail, CheckCallbackRedirects: CheckFail}, rph: busy, incidents: lastHour(loggen.AuthCookieMissing), never: []string{RuleAuthCookieMissing}, wantOnly: true, want: []want{
			{rule: RuleAuth403Burst, severity: SeverityCritical, group: "/api/auth/session", cause: []string{"cookie logging is off"},
				related: []string{"auth-403-burst /api/auth/callback/*"}},
		}},
		// One finding: the preflights of /api/*.
		{name: "cors-preflight-rejected", rph: busy, cookies: true, incidents: lastHour(loggen.CORSPreflightRejected), wantOnly: true, want: []want{{
			rule: RuleCORSPreflightRejected, severity: SeverityWarning, group: "/api/*",
			remedy:   []string{"OPTIONS", "Origin", "Access-Control-Request-Headers", "Access-Control-Allow-Origin", "headers()"},
			evidence: []string{"status_403"},
		}}},
		{name: "cors-preflight-rejected-modest", rph: 2000, incidents: lastHour(loggen.CORSPreflightRejected), wantOnly: true, want: []want{{
			rule: RuleCORSPreflightRejected, severity: SeverityWarning, group: "/api/*",
		}}},
		// One finding: plain http and the cloudfront.net name merged into the
		// custom domain's.
		{name: "insecure-scheme", rph: busy, cookies: true, incidents: lastHour(loggen.InsecureScheme), wantOnly: true, want: []want{{
			rule: RuleAuthInsecureScheme, severity: SeverityWarning, group: "/api/auth/*",
			remedy:   []string{"Redirect HTTP to HTTPS", "NEXTAUTH_URL", "https://app.example.com", "cloudfront.net"},
			cause:    []string{"plain http", loggen.DefaultCloudFrontDomain},
			evidence: []string{"plain_http", "via_cloudfront_domain"},
		}}},
		// One finding: every API request fails, so the overlapping auth 403
		// bursts and CORS failures are absorbed into api-origin-forbidden.
		{name: "api-origin-403", checks: map[string]string{CheckSessionOK: CheckFail, CheckCSRFOK: CheckFail, CheckCallbackRedirects: CheckFail}, rph: busy, cookies: true, incidents: lastHour(loggen.APIOrigin403), wantOnly: true, want: []want{{
			rule: RuleAPIOriginForbidden, severity: SeverityCritical, group: "/api/*",
			remedy:   []string{wantAllViewerNoHost, "never Host", "NEXTAUTH_URL", "AUTH_URL", "AUTH_TRUST_HOST", "X-Forwarded-Host: app.example.com"},
			cause:    []string{"Host header"},
			evidence: []string{"non_auth_403", "auth_403", "small_json_body", "folded_auth_403_burst", "folded_cors_preflight_rejected"},
			related:  []string{"auth-403-burst /api/auth/callback/*", "auth-403-burst /api/auth/session", "auth-403-burst /api/auth/csrf", "auth-403-burst /api/auth/signin/*", "auth-403-burst /api/auth/signout", "cors-preflight-rejected /api/*"},
		}}},
		{name: "api-origin-403-modest", checks: map[string]string{CheckSessionOK: CheckFail, CheckCSRFOK: CheckFail, CheckCallbackRedirects: CheckFail}, rph: 2000, incidents: lastHour(loggen.APIOrigin403), wantOnly: true, want: []want{{
			rule: RuleAPIOriginForbidden, severity: SeverityCritical, group: "/api/*",
			related: []string{"auth-403-burst /api/auth/callback/*", "auth-403-burst /api/auth/session", "auth-403-burst /api/auth/csrf", "auth-403-burst /api/auth/signout", "cors-preflight-rejected /api/*"},
		}}},
		// One origin that cannot be reached: origin-errors fires per path
		// group with the same remedy, folded into one finding (the largest
		// group); quieter groups (/api/profile) may or may not reach the
		// counts.
		{name: "origin-5xx", checks: map[string]string{CheckSessionOK: CheckFail, CheckCSRFOK: CheckFail, CheckCallbackRedirects: CheckFail}, rph: busy, incidents: lastHour(loggen.Origin5xx), wantOnly: true, want: []want{
			{rule: RuleOriginErrors, severity: SeverityCritical, group: "/api/auth/*", evidence: []string{"OriginConnectError", "OriginReadError"},
				remedy: []string{"origin"}, related: []string{"origin-errors /api/items"}},
		}},
		// The same at a lower rate: warnings, still one finding.
		{name: "origin-5xx-low-rate", checks: map[string]string{CheckSessionOK: CheckFail, CheckCSRFOK: CheckFail, CheckCallbackRedirects: CheckFail}, rph: busy, incidents: []loggen.Incident{incident(loggen.Origin5xx, 30*time.Minute, scenarioDuration, 0.1)},
			wantOnly: true, want: []want{
				{rule: RuleOriginErrors, severity: SeverityWarning, group: "/api/items", related: []string{"origin-errors /api/auth/*"}},
			}},

		// The /api/* behavior missing: S3 answers the API's GETs, CloudFront
		// refuses its POSTs. One finding: api-routed-to-static-origin takes
		// in the auth-403-burst findings of session and csrf (S3's 403s, not
		// NextAuth's) and method-rejected (the refused POSTs met the default
		// behavior): the cause is the missing behavior, not the methods.
		{name: "api-routed-to-static-origin", checks: map[string]string{CheckSessionOK: CheckFail, CheckCSRFOK: CheckFail, CheckCallbackRedirects: CheckFail}, rph: busy, cookies: true, incidents: lastHour(loggen.APIRoutedToStatic), wantOnly: true, want: []want{{
			rule: RuleAPIRoutedToStaticOrigin, severity: SeverityCritical, group: "/api/*",
			remedy:   []string{"path pattern /api/*", "Do not open the default (S3) behavior to POST", wantCachingDisabled},
			cause:    []string{"answered by S3", "InvalidRequestMethod", "missing"},
			evidence: []string{"s3_access_denied_403", "s3_no_such_key_404", "auth_s3_errors", "invalid_request_method", "folded_auth_403_burst", "folded_method_rejected"},
			related:  []string{"auth-403-burst /api/auth/session", "auth-403-burst /api/auth/csrf", "method-rejected /api/*"},
		}}},
		{name: "api-routed-to-static-origin-modest", checks: map[string]string{CheckSessionOK: CheckFail, CheckCSRFOK: CheckFail, CheckCallbackRedirects: CheckFail}, rph: 2000, incidents: lastHour(loggen.APIRoutedToStatic), wantOnly: true, want: []want{{
			rule: RuleAPIRoutedToStaticOrigin, severity: SeverityCritical, group: "/api/*",
			related: []string{"auth-403-burst /api/auth/session", "auth-403-burst /api/auth/csrf", "method-rejected /api/*"},
		}}},
		// Origin Access Control before a Lambda function URL: every POST and
		// PUT refused by the origin, GETs pass. One finding: the NextAuth
		// POST bursts (callback, signin, signout) are folded into it.
		{name: "post-signature-rejected", checks: map[string]string{CheckCallbackRedirects: CheckFail}, rph: busy, cookies: true, incidents: lastHour(loggen.PostSignatureRejected), wantOnly: true, want: []want{{
			rule: RulePostSignatureRejected, severity: SeverityCritical, group: "/api/*",
			remedy:   []string{"x-amz-content-sha256", "Lambda@Edge", "Origin Access Control"},
			cause:    []string{"Origin Access Control", "Lambda function URL", "GET and HEAD requests"},
			evidence: []string{"post_403", "put_patch_403", "non_callback_403", "get_head_requests", "folded_auth_403_burst"},
			related:  []string{"auth-403-burst /api/auth/callback/*", "auth-403-burst /api/auth/signin/*", "auth-403-burst /api/auth/signout"},
		}}},
		{name: "post-signature-rejected-modest", checks: map[string]string{CheckCallbackRedirects: CheckFail}, rph: 2000, incidents: lastHour(loggen.PostSignatureRejected), wantOnly: true, want: []want{{
			rule: RulePostSignatureRejected, severity: SeverityCritical, group: "/api/*",
			related: []string{"auth-403-burst /api/auth/callback/*"},
		}}},
		// Callbacks refused at 0.8, GET and POST: NextAuth's 403s, not a
		// signature's (the other writes pass). One finding, auth-403-burst.
		{name: "auth-403-callback-high", checks: map[string]string{CheckCallbackRedirects: CheckFail}, rph: busy, incidents: []loggen.Incident{incident(loggen.Auth403Callback, scenarioDuration-time.Hour, scenarioDuration, 0.8)}, wantOnly: true, want: []want{{
			rule: RuleAuth403Burst, severity: SeverityCritical, group: "/api/auth/callback/*",
		}}},
		// Custom error responses: session, csrf and providers answered with
		// the SPA's index.html (200, x-edge-result-type Error). The checks
		// see 200s and pass: only this rule tells.
		{name: "auth-html-response", rph: busy, incidents: lastHour(loggen.AuthHTMLResponse), wantOnly: true, want: []want{{
			rule: RuleAuthHTMLResponse, severity: SeverityCritical, group: "/api/auth/*",
			remedy:   []string{"custom error responses", "CloudFront Function", "default behavior only"},
			cause:    []string{"x-edge-result-type Error", "custom error response", "index.html"},
			evidence: []string{"html_2xx", "custom_error_response", "session", "csrf", "providers"},
		}}},
		{name: "auth-html-response-modest", rph: 2000, incidents: lastHour(loggen.AuthHTMLResponse), wantOnly: true, want: []want{{
			rule: RuleAuthHTMLResponse, severity: SeverityCritical, group: "/api/auth/*",
		}}},
		// Configured refusals (geo, WAF, signed URLs): origin not asked, none
		// of these rules may read them as S3, an origin 403 or HTML.
		{name: "geo-restricted-not-mine", rph: busy, incidents: lastHour(loggen.GeoRestricted), checks: anyChecks, never: issue16Rules},
		{name: "waf-noise-not-mine", rph: busy, incidents: lastHour(loggen.WAFNoise), checks: anyChecks, never: issue16Rules},
		{name: "edge-refusals-on-auth-not-mine", rph: busy, cookies: true, incidents: lastHour(loggen.EdgeRefusalsOnAuth), checks: anyChecks, never: issue16Rules},

		// Noise: nothing must fire.
		{name: "scanner-flood", duration: time.Hour, incidents: []loggen.Incident{incident(loggen.ScannerFlood, 15*time.Minute, 45*time.Minute, 0)}, wantOnly: true},
		// A handful of isolated 403s on /api/auth/session in a busy hour.
		{name: "stray-403", duration: time.Hour, incidents: []loggen.Incident{incident(loggen.Stray403, 0, time.Hour, 0)}, wantOnly: true},
		{name: "stray-403-more", duration: time.Hour, incidents: []loggen.Incident{incident(loggen.Stray403, 0, time.Hour, 12)}, wantOnly: true},
		// Origin 403s on POST /api/items, not edge InvalidRequestMethod.
		{name: "origin-403-post", duration: time.Hour, incidents: []loggen.Incident{incident(loggen.Origin403Post, 0, time.Hour, 0)}, wantOnly: true},
		// All the noise at a modest volume: no finding.
		{name: "noise-modest", rph: 2000, duration: 3 * time.Hour, cookies: true, incidents: []loggen.Incident{
			incident(loggen.ScannerFlood, 0, 3*time.Hour, 0),
			incident(loggen.Stray403, time.Hour, 2*time.Hour, 0),
			incident(loggen.Origin403Post, time.Hour, 2*time.Hour, 0),
		}, wantOnly: true},

		// Two incidents of different causes at different times: the
		// auth-403 burst before the Host-header outage is its own finding.
		{name: "callback-then-api-origin", checks: map[string]string{CheckSessionOK: CheckFail, CheckCSRFOK: CheckFail, CheckCallbackRedirects: CheckFail}, rph: 5000, duration: 3 * time.Hour, incidents: []loggen.Incident{
			incident(loggen.Auth403Callback, 0, time.Hour, 0),
			incident(loggen.APIOrigin403, 2*time.Hour, 3*time.Hour, 0),
		}, wantOnly: true, want: []want{
			{rule: RuleAPIOriginForbidden, severity: SeverityCritical, group: "/api/*",
				related: []string{"auth-403-burst /api/auth/callback/*", "auth-403-burst /api/auth/session", "auth-403-burst /api/auth/csrf", "auth-403-burst /api/auth/signin/*", "auth-403-burst /api/auth/signout", "cors-preflight-rejected /api/*"}},
			// Not folded: it does not overlap the outage in time.
			{rule: RuleAuth403Burst, severity: SeverityCritical, group: "/api/auth/callback/*"},
		}},
	}, append(edgeScenarios(), oversizeScenarios()...)...)
}

func TestScenarios(t *testing.T) {
	for _, sc := range scenarios() {
		t.Run(sc.name, func(t *testing.T) {
			t.Parallel()
			if sc.duration == 0 {
				sc.duration = scenarioDuration
			}
			cfg := loggen.Config{Seed: 42, RequestsPerHour: sc.rph, Duration: sc.duration, CookieLogging: sc.cookies, Incidents: sc.incidents}
			eng := mustNew(t, DefaultConfig())
			data := generate(t, cfg)
			ids := observeAll(t, eng, data, scenarioDistribution)
			// Every scenario has scanners POSTing to static paths, refused by
			// the default behavior: none of them fires.
			if n := refusedStaticPosts(t, data); n == 0 {
				t.Error("no scanner POST refused on a static path")
			}
			fs := eng.Findings()
			checkScenario(t, sc, fs, ids)
			for _, c := range eng.Checks() {
				want := sc.checks[c.Name]
				if sc.checks["*"] == "any" {
					continue
				}
				if want == "" {
					want = CheckPass
				}
				if c.Status != want {
					t.Errorf("check %s: %s, want %s: %s", c.Name, c.Status, want, c.Evidence)
				}
			}
			if t.Failed() {
				for _, f := range fs {
					t.Logf("finding: %s %s: %s", f.Key, f.Summary(), f.Cause)
				}
			}
		})
	}
}

// refusedStaticPosts counts the POSTs CloudFront refused outside /api.
func refusedStaticPosts(t *testing.T, data []byte) int {
	t.Helper()
	n := 0
	for line := range strings.SplitSeq(string(data), "\n") {
		f := strings.Split(line, "\t")
		if len(f) == loggen.NumFields && f[5] == "POST" && f[28] == "InvalidRequestMethod" && !strings.HasPrefix(f[7], "/api") {
			n++
		}
	}
	return n
}

func checkScenario(t *testing.T, sc scenario, fs []Finding, ids map[string]bool) {
	t.Helper()
	matched := make([]bool, len(fs))
	for _, w := range sc.want {
		host := w.host
		if host == "" {
			host = loggen.DefaultDomain
		}
		i := -1
		for j, f := range fs {
			if f.Rule == w.rule && f.Group == w.group && f.Host == host {
				i = j
			}
		}
		if i < 0 {
			t.Errorf("missing %s on %s %s", w.rule, host, w.group)
			continue
		}
		matched[i] = true
		f := fs[i]
		if f.Severity != w.severity {
			t.Errorf("%s: severity %s, want %s", f.Key, f.Severity, w.severity)
		}
		for _, s := range w.remedy {
			if !strings.Contains(f.Remedy, s) {
				t.Errorf("%s: remedy lacks %q: %s", f.Key, s, f.Remedy)
			}
		}
		for _, s := range w.cause {
			if !strings.Contains(f.Cause, s) {
				t.Errorf("%s: cause lacks %q: %s", f.Key, s, f.Cause)
			}
		}
		for _, k := range w.evidence {
			if f.Evidence[k] <= 0 {
				t.Errorf("%s: evidence %q missing: %v", f.Key, k, f.Evidence)
			}
		}
		var related []string
		for _, r := range f.Related {
			related = append(related, r.Rule+" "+r.Group)
		}
		if !slices.Equal(related, w.related) {
			t.Errorf("%s: related %q, want %q", f.Key, related, w.related)
		}
		if want := FindingKey(w.rule, scenarioDistribution, host, w.group); f.Key != want {
			t.Errorf("key %q, want %q", f.Key, want)
		}
		if f.DistributionID != scenarioDistribution {
			t.Errorf("%s: distribution %q", f.Key, f.DistributionID)
		}
		if len(sc.incidents) == 1 {
			from, until := sc.incidents[0].From, sc.incidents[0].Until
			if f.FirstSeen.Before(from) || f.LastSeen.After(until) {
				t.Errorf("%s: seen %v – %v, outside the incident %v – %v", f.Key, f.FirstSeen, f.LastSeen, from, until)
			}
			if f.LastSeen.Sub(f.FirstSeen) < until.Sub(from)/2 {
				t.Errorf("%s: seen %v – %v, a fraction of the incident %v – %v (bursts not merged?)", f.Key, f.FirstSeen, f.LastSeen, from, until)
			}
		}
	}
	for i, f := range fs {
		checkFinding(t, f, ids)
		if !matched[i] && sc.wantOnly {
			t.Errorf("unexpected finding %s: %s: %s", f.Key, f.Summary(), f.Cause)
		}
		for _, r := range sc.never {
			if f.Rule == r {
				t.Errorf("%s must not fire: %s", r, f.Summary())
			}
			for _, x := range f.Related {
				if x.Rule == r {
					t.Errorf("%s must not fire, not even folded into %s", r, f.Key)
				}
			}
		}
		// One cause, one finding: no two of a host's findings of one rule
		// share their remedy.
		for _, g := range fs[i+1:] {
			if g.Rule == f.Rule && g.Host == f.Host && g.DistributionID == f.DistributionID && g.Remedy == f.Remedy {
				t.Errorf("%s and %s have the same remedy: not folded", f.Key, g.Key)
			}
		}
	}
}

// checkFinding checks what every finding must satisfy.
func checkFinding(t *testing.T, f Finding, ids map[string]bool) {
	t.Helper()
	if f.Key != FindingKey(f.Rule, f.DistributionID, f.Host, f.Group) {
		t.Errorf("key %q does not match the finding", f.Key)
	}
	if f.Severity.Rank() == 0 {
		t.Errorf("%s: severity %q", f.Key, f.Severity)
	}
	if f.Count <= 0 || f.Denominator < f.Count {
		t.Errorf("%s: count %d of %d", f.Key, f.Count, f.Denominator)
	}
	if f.DenominatorLabel == "" || f.Cause == "" || f.Remedy == "" {
		t.Errorf("%s: empty label, cause or remedy: %+v", f.Key, f)
	}
	if !strings.Contains(f.Cause, fmtCount(f.Count)) {
		t.Errorf("%s: cause does not give the count %d: %s", f.Key, f.Count, f.Cause)
	}
	if len(f.Examples) == 0 || len(f.Examples) > maxExamples {
		t.Errorf("%s: %d examples", f.Key, len(f.Examples))
	}
	for _, id := range f.Examples {
		if !ids[id] {
			t.Errorf("%s: example %q is not a request ID of the input", f.Key, id)
		}
	}
	if len(f.Paths) == 0 || len(f.Paths) > maxPaths {
		t.Errorf("%s: %d paths", f.Key, len(f.Paths))
	}
	if f.Clients <= 0 {
		t.Errorf("%s: %d clients", f.Key, f.Clients)
	}
	if f.FirstSeen.IsZero() || f.LastSeen.Before(f.FirstSeen) {
		t.Errorf("%s: seen %v – %v", f.Key, f.FirstSeen, f.LastSeen)
	}
	for _, wrong := range []string{wrongCachingDisabled, wrongAllViewer} {
		if strings.Contains(f.Remedy, wrong) {
			t.Errorf("%s: remedy has the seed's wrong policy ID %s", f.Key, wrong)
		}
	}
	if strings.Contains(f.Remedy, "CachingDisabled") && !strings.Contains(f.Remedy, wantCachingDisabled) ||
		strings.Contains(f.Remedy, "AllViewer ") && !strings.Contains(f.Remedy, wantAllViewer) ||
		strings.Contains(f.Remedy, "AllViewerExceptHostHeader") && !strings.Contains(f.Remedy, wantAllViewerNoHost) {
		t.Errorf("%s: remedy names a policy without its ID: %s", f.Key, f.Remedy)
	}
}

// Every rule has a scenario where it fires and one where it must not.
func TestScenariosCoverEveryRule(t *testing.T) {
	fires := map[string]bool{}
	quiet := map[string]bool{}
	for _, sc := range scenarios() {
		for _, w := range sc.want {
			fires[w.rule] = true
			// A rule folded into another finding fired too.
			for _, r := range w.related {
				fires[strings.Fields(r)[0]] = true
			}
		}
		for _, r := range Rules() {
			wanted := false
			for _, w := range sc.want {
				wanted = wanted || w.rule == r
			}
			if !wanted && sc.wantOnly {
				quiet[r] = true
			}
		}
		for _, r := range sc.never {
			quiet[r] = true
		}
	}
	for _, r := range Rules() {
		if !fires[r] || !quiet[r] {
			t.Errorf("rule %s: fires in a scenario %v, quiet in one %v", r, fires[r], quiet[r])
		}
	}
	if fmt.Sprint(Rules()) == "" {
		t.Fatal("no rules")
	}
}
