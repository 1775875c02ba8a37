package detectors

import (
	"fmt"
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

var authRules = []string{RuleAuthCacheHit, RuleAuth403Burst, RuleAuthCookieMissing, RuleAuthInsecureScheme}

func scenarios() []scenario {
	return append([]scenario{
		{name: "healthy", duration: 2 * time.Hour, wantOnly: true},
		{name: "healthy-cookies", rph: busy, cookies: true, wantOnly: true},
		{name: "healthy-modest", rph: 2000, duration: 6 * time.Hour, cookies: true, wantOnly: true},

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
		{name: "auth-403-callback-cookies", checks: map[string]string{CheckCallbackRedirects: CheckFail}, rph: busy, cookies: true, incidents: lastHour(loggen.Auth403Callback), wantOnly: true, want: []want{{
			rule: RuleAuth403Burst, severity: SeverityCritical, group: "/api/auth/callback/*",
			remedy:   []string{wantAllViewer, wantAllViewerNoHost},
			cause:    []string{"viewer sent NextAuth cookies", "not forwarding cookies"},
			evidence: []string{"with_nextauth_cookies"},
		}}},
		{name: "auth-403-callback-modest", checks: map[string]string{CheckCallbackRedirects: CheckFail}, rph: 2000, duration: 150 * time.Minute, incidents: []loggen.Incident{incident(loggen.Auth403Callback, 30*time.Minute, 150*time.Minute, 0)}, wantOnly: true, want: []want{{
			rule: RuleAuth403Burst, severity: SeverityCritical, group: "/api/auth/callback/*",
			remedy: []string{wantAllViewer, wantAllViewerNoHost},
		}}},
		{name: "auth-403-session", checks: map[string]string{CheckSessionOK: CheckFail, CheckCSRFOK: CheckFail}, rph: busy, incidents: lastHour(loggen.Auth403Session), wantOnly: true, want: []want{
			{rule: RuleAuth403Burst, severity: SeverityCritical, group: "/api/auth/session", remedy: []string{wantAllViewerNoHost}},
			{rule: RuleAuth403Burst, severity: SeverityCritical, group: "/api/auth/csrf", remedy: []string{wantAllViewerNoHost}},
		}},
		{name: "auth-cookie-missing", checks: map[string]string{CheckSessionOK: CheckFail, CheckCallbackRedirects: CheckFail}, rph: busy, cookies: true, incidents: lastHour(loggen.AuthCookieMissing), wantOnly: true, want: []want{
			{rule: RuleAuthCookieMissing, severity: SeverityWarning, group: "/api/auth/session",
				remedy: []string{"NEXTAUTH_URL", "SameSite", "third-party cookie", wantAllViewer}, evidence: []string{"with_other_cookies"}},
			{rule: RuleAuthCookieMissing, severity: SeverityWarning, group: "/api/auth/callback/*",
				remedy: []string{"NEXTAUTH_URL"}},
			// The 403s themselves are a burst, explained by the missing cookies.
			{rule: RuleAuth403Burst, severity: SeverityCritical, group: "/api/auth/session",
				cause: []string{"carried no NextAuth cookie"}, evidence: []string{"without_nextauth_cookies"}},
			{rule: RuleAuth403Burst, severity: SeverityCritical, group: "/api/auth/callback/*",
				cause: []string{"carried no NextAuth cookie"}},
		}},
		{name: "auth-cookie-missing-modest", checks: map[string]string{CheckSessionOK: CheckFail, CheckCallbackRedirects: CheckFail}, rph: 2000, cookies: true, incidents: lastHour(loggen.AuthCookieMissing), want: []want{
			{rule: RuleAuthCookieMissing, severity: SeverityWarning, group: "/api/auth/session"},
		}},
		// Without cookie logging nothing tells a missing cookie: only the 403 burst.
		{name: "auth-cookie-missing-no-logging", checks: map[string]string{CheckSessionOK: CheckFail, CheckCallbackRedirects: CheckFail}, rph: busy, incidents: lastHour(loggen.AuthCookieMissing), never: []string{RuleAuthCookieMissing}, want: []want{
			{rule: RuleAuth403Burst, severity: SeverityCritical, group: "/api/auth/session", cause: []string{"cookie logging is off"}},
		}},
		{name: "cors-preflight-rejected", rph: busy, cookies: true, incidents: lastHour(loggen.CORSPreflightRejected), wantOnly: true, want: []want{{
			rule: RuleCORSPreflightRejected, severity: SeverityWarning, group: "/api/*",
			remedy:   []string{"OPTIONS", "Origin", "Access-Control-Request-Headers", "Access-Control-Allow-Origin", "headers()"},
			evidence: []string{"status_403"},
		}}},
		{name: "cors-preflight-rejected-modest", rph: 2000, incidents: lastHour(loggen.CORSPreflightRejected), wantOnly: true, want: []want{{
			rule: RuleCORSPreflightRejected, severity: SeverityWarning, group: "/api/*",
		}}},
		{name: "insecure-scheme", rph: busy, cookies: true, incidents: lastHour(loggen.InsecureScheme), wantOnly: true, want: []want{{
			rule: RuleAuthInsecureScheme, severity: SeverityWarning, group: "/api/auth/*",
			remedy:   []string{"Redirect HTTP to HTTPS", "NEXTAUTH_URL", "https://app.example.com", "cloudfront.net"},
			cause:    []string{"plain http", loggen.DefaultCloudFrontDomain},
			evidence: []string{"plain_http", "via_cloudfront_domain"},
		}}},
		{name: "api-origin-403", checks: map[string]string{CheckSessionOK: CheckFail, CheckCSRFOK: CheckFail, CheckCallbackRedirects: CheckFail}, rph: busy, cookies: true, incidents: lastHour(loggen.APIOrigin403), wantOnly: true, want: []want{{
			rule: RuleAPIOriginForbidden, severity: SeverityCritical, group: "/api/*",
			remedy:   []string{wantAllViewerNoHost, "never Host"},
			cause:    []string{"Host header"},
			evidence: []string{"non_auth_403", "auth_403", "small_json_body", "folded_auth_403_burst", "folded_cors_preflight_rejected"},
		}}},
		{name: "api-origin-403-modest", checks: map[string]string{CheckSessionOK: CheckFail, CheckCSRFOK: CheckFail, CheckCallbackRedirects: CheckFail}, rph: 2000, incidents: lastHour(loggen.APIOrigin403), wantOnly: true, want: []want{{
			rule: RuleAPIOriginForbidden, severity: SeverityCritical, group: "/api/*",
		}}},
		// Per path group; quieter groups (/api/profile) may or may not reach the counts.
		{name: "origin-5xx", checks: map[string]string{CheckSessionOK: CheckFail, CheckCSRFOK: CheckFail, CheckCallbackRedirects: CheckFail}, rph: busy, incidents: lastHour(loggen.Origin5xx), never: append(authRules, RuleAPIOriginForbidden, RuleMethodRejected, RuleCORSPreflightRejected), want: []want{
			{rule: RuleOriginErrors, severity: SeverityCritical, group: "/api/auth/*", evidence: []string{"OriginConnectError", "OriginReadError"}},
			{rule: RuleOriginErrors, severity: SeverityCritical, group: "/api/items", remedy: []string{"origin"}},
		}},
		{name: "origin-5xx-low-rate", checks: map[string]string{CheckSessionOK: CheckFail, CheckCSRFOK: CheckFail, CheckCallbackRedirects: CheckFail}, rph: busy, incidents: []loggen.Incident{incident(loggen.Origin5xx, 30*time.Minute, scenarioDuration, 0.1)},
			want: []want{
				{rule: RuleOriginErrors, severity: SeverityWarning, group: "/api/auth/*"},
				{rule: RuleOriginErrors, severity: SeverityWarning, group: "/api/items"},
			}, never: authRules},

		// Noise: nothing must fire.
		{name: "scanner-flood", duration: time.Hour, incidents: []loggen.Incident{incident(loggen.ScannerFlood, 15*time.Minute, 45*time.Minute, 0)}, wantOnly: true},
		// A handful of isolated 403s on /api/auth/session in a busy hour.
		{name: "stray-403", duration: time.Hour, incidents: []loggen.Incident{incident(loggen.Stray403, 0, time.Hour, 0)}, wantOnly: true},
		{name: "stray-403-more", duration: time.Hour, incidents: []loggen.Incident{incident(loggen.Stray403, 0, time.Hour, 12)}, wantOnly: true},
		// Origin 403s on POST /api/items, not edge InvalidRequestMethod.
		{name: "origin-403-post", duration: time.Hour, incidents: []loggen.Incident{incident(loggen.Origin403Post, 0, time.Hour, 0)}, wantOnly: true},
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
			{rule: RuleAPIOriginForbidden, severity: SeverityCritical, group: "/api/*"},
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
