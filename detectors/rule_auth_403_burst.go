package detectors

import (
	"fmt"
	"strings"
)

// RuleAuth403Burst: bursts of 403 on NextAuth's endpoints.
const RuleAuth403Burst = "auth-403-burst"

// auth-403-burst counters of failing requests.
const (
	evWithCookies    = 0 // carrying NextAuth cookies
	evWithoutCookies = 1 // carrying none
	evCodeState      = 2 // callbacks with code/state in the query
	evPost           = 3 // POSTs
	evHTML           = 4 // answered text/html
	evJSON           = 5 // answered JSON
)

var ruleAuth403BurstDef = rule{
	id:       RuleAuth403Burst,
	severity: SeverityCritical,
	scope:    ScopeEndpoint,
	doc:      "403 bursts on callback/*, session, csrf, signin/*, signout for GET/POST, not edge InvalidRequestMethod, well above the endpoint's baseline (per endpoint; its requests)",
	settings: func(c *Config) Threshold { return c.Auth403Burst.Threshold },
	series:   auth403Series,
	fails:    auth403Fails,
	tally:    auth403Tally,
	judge:    auth403Baseline,
	// auth-cookie-missing's failing requests are these 403s without a
	// cookie, and this cause and remedy say so: one finding.
	absorbs:  []string{RuleAuthCookieMissing},
	evidence: [numEv]string{"with_nextauth_cookies", "without_nextauth_cookies", "callbacks_with_code_or_state", "post", "html_body", "json_body"},
	adjust:   auth403Adjust,
	explain:  auth403Explain,
	// auth403Fails in SQL: configured refusals in their short form, which
	// holds for a 4xx (TestShortLayerSQL).
	failsSQL:  "sc_status = 403 AND cs_method IN ('GET', 'POST') AND " + sqlNotRefused + "\n  AND NOT (" + configuredRefusal4xxSQL() + ")",
	countsSQL: "cs_method IN ('GET', 'POST')",
}

// auth403Series: one series per endpoint of burstEndpoints, GET and POST.
func auth403Series(e *Engine, r *rule, h *hostState, x *request) *series {
	i := burstIndex(x.pc.ep)
	if i < 0 || !getOrPost(x) {
		return nil
	}
	p := e.seriesSlot(h, r, i)
	if *p == nil {
		*p = e.newSeries(r, e.authPrefix+x.pc.ep.groupSuffix(), x.pc.ep.noun()+" requests")
	}
	return *p
}

// auth403Fails: 403, not CloudFront refusing the method, nor a refusal the
// owner configured (geo, WAF, signed URL: edge-refusals-on-auth's).
func auth403Fails(x *request) bool { return x.rec.Status == 403 && !x.refused && !x.configured }

func auth403Tally(x *request, ev *[numEv]int64) {
	rec := x.rec
	if hasAuthCookie(rec.Cookie, x.lib) {
		ev[evWithCookies]++
	} else {
		ev[evWithoutCookies]++
	}
	if x.pc.ep == epCallback && hasCodeOrState(rec.Query) {
		ev[evCodeState]++
	}
	if rec.Method == "POST" {
		ev[evPost]++
	}
	switch {
	case strings.HasPrefix(rec.ContentType, "text/html"):
		ev[evHTML]++
	case strings.Contains(rec.ContentType, "json"):
		ev[evJSON]++
	}
}

// auth403Baseline drops the episodes that do not fail clearly more than
// the endpoint usually does.
func auth403Baseline(e *Engine, c *cand) {
	th := e.cfg.Auth403Burst
	if c.acc.baseTotal < th.BaselineMinRequests || c.acc.baseTotal == 0 {
		return
	}
	base := float64(c.acc.baseFail) / float64(c.acc.baseTotal)
	kept := c.acc.eps[:0]
	for _, ep := range c.acc.eps {
		if float64(ep.fail) >= th.BaselineFactor*base*float64(ep.total) {
			kept = append(kept, ep)
		}
	}
	c.acc.eps = kept
}

// auth403Adjust: without cookie logging every request looks cookie-less.
func auth403Adjust(c *cand, ev *[numEv]int64) {
	if !c.h.cookieLogging {
		ev[evWithCookies], ev[evWithoutCookies] = 0, 0
	}
}

func auth403Explain(e *Engine, f *Finding, c *cand, ev [numEv]int64) {
	of := ofText(f)
	with, without, codeState := ev[evWithCookies], ev[evWithoutCookies], ev[evCodeState]
	h := c.h
	forward := fmt.Sprintf("attach an origin request policy that forwards all cookies and all query strings to the %s cache behavior: %s, or %s when the origin is API Gateway or a Lambda function URL (they reject the viewer's Host header); keep the cache policy %s on it.",
		e.apiLabel(e.authAPI), allViewer, allViewerExceptHostHeader, cachingDisabled)
	qs := ""
	if codeState > 0 {
		qs = fmt.Sprintf("; %s failing callbacks carried code/state in the query, which NextAuth cannot check when the query string is not forwarded", fmtCount(codeState))
	}
	switch {
	case h.cookieLogging && with*2 >= f.Count:
		f.Cause = fmt.Sprintf("%s got 403 from the origin although the viewer sent NextAuth cookies (%s of %s failing requests carried them)%s: CloudFront is not forwarding cookies (or query strings) to the origin, so NextAuth's CSRF/state checks fail",
			of, fmtCount(with), fmtCount(f.Count), qs)
		f.Remedy = "Forward cookies and query strings: " + forward
	case h.cookieLogging:
		f.Cause = fmt.Sprintf("%s got 403 from the origin and %s of %s failing requests carried no NextAuth cookie (session, CSRF or state)%s: the browser did not store or send NextAuth's cookies",
			of, fmtCount(without), fmtCount(f.Count), qs)
		f.Remedy = "Make the browser keep NextAuth's cookies: " + cookieAdvice(f.Host) + " If the browser does hold them, " + forward
	default:
		f.Cause = fmt.Sprintf("%s got 403 from the origin%s; cookie logging is off, so whether the viewer sent NextAuth cookies is unknown: most likely CloudFront does not forward cookies or query strings to the origin (NextAuth's CSRF/state checks fail), otherwise the browser does not keep NextAuth's cookies",
			of, qs)
		f.Remedy = "First, " + forward + " If such a policy is already attached, make the browser keep NextAuth's cookies: " + cookieAdvice(f.Host) +
			" Turning on cookie logging for the distribution lets cfwatch tell the two apart."
	}
}
