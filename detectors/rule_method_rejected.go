package detectors

import (
	"fmt"
	"strings"

	"github.com/cfwatch/cfwatch/logparse"
)

// RuleMethodRejected: methods CloudFront refuses itself (403
// InvalidRequestMethod): on an API behavior any one, on the default
// behavior only on pages of the site (static.go).
const RuleMethodRejected = "method-rejected"

// method-rejected counters of refused requests.
const (
	evTTFBZero = 0 // refused with time-to-first-byte 0
	evMethod   = 1 // + methodIndex: refused POST, PUT, PATCH, DELETE, OPTIONS
)

const sqlNonGetMethods = "cs_method IN ('POST', 'PUT', 'PATCH', 'DELETE', 'OPTIONS')"

var ruleMethodRejectedDef = rule{
	id:       RuleMethodRejected,
	severity: SeverityCritical,
	scope:    ScopeAll,
	doc:      "POST, PUT, PATCH, DELETE or OPTIONS refused by CloudFront itself, 403 InvalidRequestMethod: on an API or the auth prefix any one (/api/*; non-GET/HEAD requests); on the default behavior only on pages of the site, from several clients (/*; requests to these pages)",
	settings: func(c *Config) Threshold { return c.MethodRejected.Threshold },
	series:   methodSeries,
	fails:    methodFails,
	tally:    methodTally,
	observe:  methodObservePages,
	extra:    func(e *Engine, r *rule, h *hostState) (Finding, bool) { return e.staticFinding(r, h) },
	evidence: [numEv]string{"time_to_first_byte_zero", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"},
	explain:  methodExplain,
	// On the default behavior the alert query also names the pages.
	failsSQL:  sqlRefused + " AND " + sqlNonGetMethods,
	countsSQL: sqlNonGetMethods,
}

// methodSeries: per API behavior, the methods a behavior can allow but
// GET/HEAD. The default behavior's pages are methodObservePages'.
func methodSeries(e *Engine, r *rule, h *hostState, x *request) *series {
	if x.pc.api < 0 || x.mi < 0 {
		return nil
	}
	p := e.seriesSlot(h, r, x.pc.api)
	if *p == nil {
		*p = e.newSeries(r, e.apiLabel(x.pc.api), "non-GET/HEAD requests")
	}
	return *p
}

// methodFails: CloudFront refused the method itself.
func methodFails(x *request) bool { return x.refused }

func methodTally(x *request, ev *[numEv]int64) {
	if x.rec.Has(logparse.FieldTimeToFirstByte) && x.rec.TimeToFirstByte == 0 {
		ev[evTTFBZero]++
	}
	ev[evMethod+x.mi]++
}

// methodObservePages counts the requests of the default behavior in its
// page table (static.go).
func methodObservePages(e *Engine, h *hostState, x *request) {
	if x.pc.api < 0 {
		e.observeStatic(h, x.rec, x.pc.path, x.rec.Method, x.t, x.refused)
	}
}

func methodExplain(e *Engine, f *Finding, c *cand, ev [numEv]int64) {
	ttfb := "time-to-first-byte 0"
	if z := ev[evTTFBZero]; z != f.Count {
		ttfb = fmt.Sprintf("%s of them with time-to-first-byte 0", fmtCount(z))
	}
	allows := "allows only GET and HEAD"
	if ev[evMethod+methodIndex("OPTIONS")] == 0 {
		allows = "allows only GET and HEAD (or GET, HEAD and OPTIONS)"
	}
	f.Cause = fmt.Sprintf("CloudFront itself refused %s with 403 InvalidRequestMethod (%s; the origin was never asked, %s): the cache behavior for %s %s, while the app needs POST there (sign-in, OAuth callbacks, API calls)",
		ofText(f), counts(ev, c.r.evidence[1:], evMethod), ttfb, f.Group, allows)
	f.Remedy = fmt.Sprintf("Set Allowed HTTP methods to GET, HEAD, OPTIONS, PUT, POST, PATCH, DELETE on the %s cache behavior, keep Cached HTTP methods to GET, HEAD only, and use the managed cache policy %s for dynamic routes so that POST and the NextAuth callbacks reach the origin uncached.",
		f.Group, cachingDisabled)
}

// explainStaticMethod writes the Cause and Remedy of method-rejected on the
// default (static) behavior: refusals on pages of the site.
func (e *Engine) explainStaticMethod(r *rule, f *Finding, ev [numEv]int64, pages int) {
	ttfb := "time-to-first-byte 0"
	if z := ev[evTTFBZero]; z != f.Count {
		ttfb = fmt.Sprintf("%s of them with time-to-first-byte 0", fmtCount(z))
	}
	what := "a page"
	if pages > 1 {
		what = fmtCount(int64(pages)) + " pages"
	}
	f.Cause = fmt.Sprintf("CloudFront itself refused %s with 403 InvalidRequestMethod (%s; the origin was never asked, %s) from %s distinct clients, on %s of the site that at least %d visitors load with GET (%s): the behavior serving these paths allows only GET and HEAD, as one for static files should, yet they are sent other methods, as a form post or a Next.js Server Action does",
		ofText(f), counts(ev, r.evidence[1:], evMethod), ttfb, f.ClientsText(), what, e.cfg.MethodRejected.PageMinClients, strings.Join(f.Paths, ", "))
	example := f.Paths[0]
	f.Remedy = fmt.Sprintf("Leave the static behavior as it is. If the app serves these requests (a form post, a Server Action, a route handler), they need a behavior like /api/*: add a cache behavior for them (path pattern %s) pointing at the app's origin, with Allowed HTTP methods GET, HEAD, OPTIONS, PUT, POST, PATCH, DELETE, Cached HTTP methods GET, HEAD, and the managed cache policy %s. If the app does not serve them, they are bots or scanners: ignore the paths with the ignore_paths setting (e.g. --set ignore_paths=%s).",
		example, cachingDisabled, example)
}
