package detectors

import (
	"fmt"
	"strings"
)

// RuleAuthHTMLResponse: NextAuth's JSON endpoints answered with HTML.
const RuleAuthHTMLResponse = "auth-html-response"

// auth-html-response counters.
const (
	evHTML200       = 0 // HTML answers with a 2xx status
	evHTMLCustomErr = 1 // of them, x-edge-result-type Error: a custom error response
	evHTMLHead      = 2 // HEAD requests among them
	evHTMLSession   = 3
	evHTMLCsrf      = 4
	evHTMLProviders = 5
)

var ruleAuthHTMLResponseDef = rule{
	id:        RuleAuthHTMLResponse,
	severity:  SeverityCritical,
	scope:     ScopeEndpoint,
	doc:       "NextAuth's JSON endpoints (session, csrf, providers) answered 2xx with HTML (text/html) by the origin or the cache, typically a 200 index.html from custom error responses (x-edge-result-type Error with status 200) (/api/auth/*; session, csrf and providers requests)",
	settings:  func(c *Config) Threshold { return c.AuthHTMLResponse },
	series:    authHTMLSeries,
	fails:     authHTMLFails,
	tally:     authHTMLTally,
	evidence:  [numEv]string{"html_2xx", "custom_error_response", "head", "session", "csrf", "providers"},
	explain:   authHTMLExplain,
	failsSQL:  authHTMLFailsSQL(),
	countsSQL: authHTMLCountsSQL,
}

// authHTMLSeries: the requests of session, csrf and providers, one series
// per host.
func authHTMLSeries(e *Engine, r *rule, h *hostState, x *request) *series {
	if jsonEndpointOf(x) < 0 {
		return nil
	}
	p := e.seriesSlot(h, r, 0)
	if *p == nil {
		*p = e.newSeries(r, e.authGroup, "session, csrf and providers requests")
	}
	return *p
}

// jsonEndpointOf returns the index in jsonEndpoints of the request's
// NextAuth endpoint, or -1.
func jsonEndpointOf(x *request) int {
	switch x.pc.ep {
	case epSession:
		return 0
	case epCsrf:
		return 1
	case epOther:
		// providers is the only epOther endpoint of that name (authEndpoint).
		if strings.HasSuffix(strings.TrimSuffix(x.pc.path, "/"), jsonEndpoints[2]) {
			return 2
		}
	}
	return -1
}

// authHTMLFails: a successful (2xx) HTML answer of the origin or the cache
// (see JSONEndpointHTML): a page stood in for NextAuth's JSON. An HTML
// error status is the error itself, which the 4xx rules judge.
func authHTMLFails(x *request) bool {
	s := x.rec.Status
	return s >= 200 && s <= 299 && htmlFromOrigin(x.rec)
}

func authHTMLTally(x *request, ev *[numEv]int64) {
	rec := x.rec
	ev[evHTML200]++
	if rec.EdgeResultType == "Error" {
		ev[evHTMLCustomErr]++
	}
	if x.rec.Method == "HEAD" {
		ev[evHTMLHead]++
	}
	if i := jsonEndpointOf(x); i >= 0 {
		ev[evHTMLSession+i]++
	}
}

// SQL of the rule's counted requests (within the finding's group) and of
// its failures. The path test is a superset of the detectors' (which read
// the path normalised): any path naming one of the endpoints, and any
// %-encoded one.
const authHTMLCountsSQL = "(strpos(coalesce(cs_uri_stem, ''), '%') > 0 OR regexp_like(coalesce(cs_uri_stem, ''), '(session|csrf|providers)'))"

func authHTMLFailsSQL() string {
	return authHTMLCountsSQL + " AND sc_status BETWEEN 200 AND 299 AND " + htmlFromOriginSQL()
}

func authHTMLExplain(e *Engine, f *Finding, c *cand, ev [numEv]int64) {
	f.Cause = fmt.Sprintf("%s were answered with HTML instead of NextAuth's JSON (%s)", ofText(f), counts(ev, []string{"session", "csrf", "providers"}, evHTMLSession))
	if n := ev[evHTMLCustomErr]; n > 0 {
		f.Cause += fmt.Sprintf(": %s of them with status 200 and x-edge-result-type Error, the signature of a CloudFront custom error response: the distribution turns the API's 403 or 404 into the single-page app's index.html with 200. The browser's NextAuth client gets a page it cannot parse, and every 4xx count (session-ok included) sees a success: the API's real error is hidden", fmtCount(n))
	} else {
		f.Cause += ": a 2xx HTML page, most likely the single-page app's index.html served for these paths (a custom error response or a rewrite), which hides the API's real answer"
	}
	f.Remedy = fmt.Sprintf("Remove the custom error responses (Error pages: 403 or 404 to /index.html with 200) from the distribution: they apply to every cache behavior, %s included. Serve the single-page app's fallback instead from a CloudFront Function (viewer request) on the default behavior only, rewriting paths without a file extension to /index.html. Then look at the errors the API really returns.", e.authGroup)
}
