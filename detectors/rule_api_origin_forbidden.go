package detectors

import (
	"fmt"
	"strings"

	"github.com/cfwatch/cfwatch/logparse"
)

// RuleAPIOriginForbidden: most API requests get 403 from the origin.
const RuleAPIOriginForbidden = "api-origin-forbidden"

// api-origin-forbidden counters.
const (
	evNonAuthTotal = 0 // non-auth API requests (all, not only failures)
	evNonAuthFail  = 1 // their 403s
	evSmallJSON    = 2 // 403s with a small JSON body
	evAuthFail     = 3 // 403s on auth paths
)

var ruleAPIOriginForbiddenDef = rule{
	id:        RuleAPIOriginForbidden,
	severity:  SeverityCritical,
	scope:     ScopeAPI,
	doc:       "most API requests, auth and non-auth alike, get 403 from the origin (real time-to-first-byte, JSON or no body): the viewer Host header reaching API Gateway / a Lambda URL (/api/*; API requests other than OPTIONS)",
	settings:  func(c *Config) Threshold { return c.APIOriginForbidden },
	series:    forbiddenSeries,
	count:     forbiddenCount,
	fails:     forbiddenFails,
	tally:     forbiddenTally,
	qualifies: forbiddenQualifies,
	// Every API request failing explains these: one critical is enough.
	absorbs:  []string{RuleAuth403Burst, RuleAuthCookieMissing, RuleCORSPreflightRejected},
	evidence: [numEv]string{"non_auth_requests", "non_auth_403", "small_json_body", "auth_403"},
	explain:  forbiddenExplain,
	failsSQL: "coalesce(cs_method, '') <> 'OPTIONS' AND sc_status = 403 AND " + sqlNotRefused + " AND NOT " + sqlCacheHit +
		" AND (time_to_first_byte IS NULL OR time_to_first_byte > 0)" +
		" AND (coalesce(sc_content_type, '') = '' OR strpos(sc_content_type, 'json') > 0)",
	countsSQL: "coalesce(cs_method, '') <> 'OPTIONS'",
}

// forbiddenSeries: API requests but OPTIONS (cors-preflight-rejected's),
// per API behavior.
func forbiddenSeries(e *Engine, r *rule, h *hostState, x *request) *series {
	if x.rec.Method == "OPTIONS" {
		return nil
	}
	p := e.seriesSlot(h, r, x.pc.api)
	if *p == nil {
		*p = e.newSeries(r, e.apiLabel(x.pc.api), "API requests")
	}
	return *p
}

func forbiddenCount(x *request, ev *[numEv]int64) {
	if x.pc.ep == epNone {
		ev[evNonAuthTotal]++
	}
}

// forbiddenFails: 403 from the origin after a real round trip, with JSON
// or no body (API Gateway's and Lambda's {"message":"Forbidden"}), not
// from the cache, not CloudFront refusing the method.
func forbiddenFails(x *request) bool {
	rec := x.rec
	return rec.Status == 403 && !x.refused && !rec.IsCacheHit() && originAnswered(rec) && !nonJSONBody(rec)
}

func forbiddenTally(x *request, ev *[numEv]int64) {
	if x.pc.ep == epNone {
		ev[evNonAuthFail]++
	} else {
		ev[evAuthFail]++
	}
	if x.rec.ContentLength <= 256 && strings.Contains(x.rec.ContentType, "json") {
		ev[evSmallJSON]++
	}
}

// forbiddenQualifies: "most API requests, not only auth": the non-auth ones
// fail as much (an auth-only failure is auth-403-burst's business).
func forbiddenQualifies(th Threshold, ev *[numEv]int64) bool {
	nt, nf := ev[evNonAuthTotal], ev[evNonAuthFail]
	return nf > 0 && float64(nf) >= th.MinRate*float64(nt)
}

// originAnswered reports whether the origin was asked: a real
// time-to-first-byte (or none logged).
func originAnswered(rec *logparse.Record) bool {
	return !rec.Has(logparse.FieldTimeToFirstByte) || rec.TimeToFirstByte > 0
}

// nonJSONBody reports a response whose logged content type is not JSON (an
// S3 AccessDenied XML answer to a scanner, an HTML error page), which API
// Gateway's and Lambda's "Forbidden" answers are not.
func nonJSONBody(rec *logparse.Record) bool {
	ct := rec.ContentType
	return ct != "" && !strings.Contains(ct, "json")
}

func forbiddenExplain(e *Engine, f *Finding, c *cand, ev [numEv]int64) {
	f.Cause = fmt.Sprintf("%s under %s got 403 from the origin after a real round trip (%s of %s non-auth API requests; %s with a small JSON body such as {\"message\":\"Forbidden\"}), not from CloudFront: the signature of API Gateway or a Lambda function URL receiving the viewer's Host header (%s) instead of its own domain name",
		ofText(f), f.Group, fmtCount(ev[evNonAuthFail]), fmtCount(ev[evNonAuthTotal]), fmtCount(ev[evSmallJSON]), f.Host)
	if n := len(c.extra); n > 0 {
		f.Cause += "; the overlapping NextAuth and CORS failures are folded in here (same cause)"
	}
	f.Remedy = fmt.Sprintf("Attach the managed origin request policy %s to the %s cache behavior, or a custom policy forwarding only what the app needs (all cookies, all query strings, headers such as Accept and Accept-Language), never Host; %s forwards Host and causes exactly this. The origin then no longer sees the public host, so tell NextAuth: set NEXTAUTH_URL (AUTH_URL for Auth.js v5) to https://%s, or set AUTH_TRUST_HOST=true and add an origin custom header X-Forwarded-Host: %s to the distribution's origin; otherwise NextAuth builds its callback URLs and cookies for the origin's own domain.",
		allViewerExceptHostHeader, f.Group, allViewer, f.Host, f.Host)
}
