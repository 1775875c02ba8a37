package detectors

import "fmt"

// RuleCORSPreflightRejected: CORS preflights answered 4xx by the origin.
const RuleCORSPreflightRejected = "cors-preflight-rejected"

// cors-preflight-rejected counters of failing requests.
const (
	ev403      = 0
	evOther4xx = 1
)

var ruleCORSPreflightRejectedDef = rule{
	id:        RuleCORSPreflightRejected,
	severity:  SeverityWarning,
	scope:     ScopeAPI,
	doc:       "OPTIONS on API paths answered 4xx by the origin (/api/*; preflight requests)",
	settings:  func(c *Config) Threshold { return c.CORSPreflightRejected },
	series:    corsSeries,
	fails:     corsFails,
	tally:     corsTally,
	evidence:  [numEv]string{"status_403", "other_4xx"},
	explain:   corsExplain,
	failsSQL:  "cs_method = 'OPTIONS' AND sc_status BETWEEN 400 AND 499 AND " + sqlNotRefused + "\n  AND NOT (" + configuredRefusal4xxSQL() + ")",
	countsSQL: "cs_method = 'OPTIONS'",
}

// corsSeries: OPTIONS requests per API behavior.
func corsSeries(e *Engine, r *rule, h *hostState, x *request) *series {
	if x.rec.Method != "OPTIONS" {
		return nil
	}
	p := e.seriesSlot(h, r, x.pc.api)
	if *p == nil {
		*p = e.newSeries(r, e.apiLabel(x.pc.api), "preflight (OPTIONS) requests")
	}
	return *p
}

// corsFails: 4xx, not CloudFront refusing OPTIONS (method-rejected's) nor
// a refusal the owner configured (geo, WAF, signed URL).
func corsFails(x *request) bool {
	return x.rec.Status >= 400 && x.rec.Status <= 499 && !x.refused && !x.configured
}

func corsTally(x *request, ev *[numEv]int64) {
	if x.rec.Status == 403 {
		ev[ev403]++
	} else {
		ev[evOther4xx]++
	}
}

func corsExplain(e *Engine, f *Finding, c *cand, ev [numEv]int64) {
	f.Cause = fmt.Sprintf("%s under %s failed (%s): browsers then block the cross-origin call the preflight was for",
		ofText(f), f.Group, counts(ev, []string{"403", "other 4xx"}, ev403))
	f.Remedy = fmt.Sprintf("Allow OPTIONS on the %s cache behavior (allowed methods GET, HEAD, OPTIONS, PUT, POST, PATCH, DELETE); forward the Origin, Access-Control-Request-Method and Access-Control-Request-Headers headers to the origin (origin request policy %s for API Gateway or Lambda URL origins, or %s, or a custom policy); answer with Access-Control-Allow-Origin for the calling site, from a CloudFront response headers policy (e.g. the managed CORS-With-Preflight) or Next.js headers() in next.config.js.",
		f.Group, allViewerExceptHostHeader, allViewer)
}
