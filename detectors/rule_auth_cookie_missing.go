package detectors

import "fmt"

// RuleAuthCookieMissing: NextAuth requests failing without NextAuth's
// cookies.
const RuleAuthCookieMissing = "auth-cookie-missing"

// auth-cookie-missing counters of failing requests.
const (
	evOtherCookies = 0 // with other (non-NextAuth) cookies
	evNoCookie     = 1 // with no Cookie header at all
)

var ruleAuthCookieMissingDef = rule{
	id:       RuleAuthCookieMissing,
	severity: SeverityWarning,
	scope:    ScopeEndpoint,
	doc:      "callback/session GET/POST failing (4xx other than 401/404) without any NextAuth cookie, only when the host's log has cookies and NextAuth's appear elsewhere (per endpoint)",
	settings: func(c *Config) Threshold { return c.AuthCookieMissing },
	series:   cookieSeries,
	fails:    cookieFails,
	tally:    cookieTally,
	// Only meaningful when cookies are logged and NextAuth's appear.
	judge:     func(_ *Engine, c *cand) { c.drop = !c.h.cookieLogging || !c.h.authCookies },
	evidence:  [numEv]string{"with_other_cookies", "without_cookie_header"},
	explain:   cookieExplain,
	failsSQL:  "cs_method IN ('GET', 'POST') AND sc_status BETWEEN 400 AND 499 AND sc_status NOT IN (401, 404) AND " + sqlNotRefused + " AND NOT " + sqlNextAuthCookie + "\n  AND NOT (" + configuredRefusal4xxSQL() + ")",
	countsSQL: "cs_method IN ('GET', 'POST')",
}

// cookieSeries: callback and session, GET and POST.
func cookieSeries(e *Engine, r *rule, h *hostState, x *request) *series {
	ep := x.pc.ep
	if ep != epCallback && ep != epSession || !getOrPost(x) {
		return nil
	}
	i := 0
	if ep == epSession {
		i = 1
	}
	p := e.seriesSlot(h, r, i)
	if *p == nil {
		*p = e.newSeries(r, e.authPrefix+ep.groupSuffix(), ep.noun()+" requests")
	}
	return *p
}

// cookieFails: 4xx but 401 (wrong credentials) and 404, not CloudFront
// refusing the method, without a NextAuth cookie.
func cookieFails(x *request) bool {
	st := x.rec.Status
	return st >= 400 && st <= 499 && st != 401 && st != 404 && !x.refused && !x.configured && !hasAuthCookie(x.rec.Cookie, x.lib)
}

func cookieTally(x *request, ev *[numEv]int64) {
	if x.rec.Cookie == "" {
		ev[evNoCookie]++
	} else {
		ev[evOtherCookies]++
	}
}

func cookieExplain(e *Engine, f *Finding, c *cand, ev [numEv]int64) {
	f.Cause = fmt.Sprintf("%s failed (4xx) carrying none of %s while other requests to %s carry them (%s): the browser did not store or did not send the session, CSRF or state cookie",
		ofText(f), e.lib.cookieNames(), f.Host, counts(ev, []string{"with other cookies", "no Cookie header"}, evOtherCookies))
	f.Remedy = "Make the browser keep NextAuth's cookies: " + cookieAdvice(f.Host) + fmt.Sprintf(" If the browser does hold them, make CloudFront forward all cookies to the origin with the origin request policy %s, or %s for API Gateway or Lambda URL origins.",
		allViewer, allViewerExceptHostHeader)
}
