package detectors

import "fmt"

// RuleAuthCacheHit: NextAuth answers served from CloudFront's cache.
const RuleAuthCacheHit = "auth-cache-hit"

// auth-cache-hit counters.
const (
	evHit             = 0
	evRefreshHit      = 1
	evOriginShieldHit = 2
	evSessionOrCSRF   = 3 // hits on session or csrf
)

var ruleAuthCacheHitDef = rule{
	id:        RuleAuthCacheHit,
	severity:  SeverityCritical,
	scope:     ScopeAuth,
	doc:       "/api/auth/* answered from CloudFront's cache: Hit, RefreshHit, OriginShieldHit (/api/auth/*; auth requests)",
	settings:  func(c *Config) Threshold { return c.AuthCacheHit },
	series:    authGroupSeries,
	fails:     authCacheHitFails,
	tally:     authCacheHitTally,
	evidence:  [numEv]string{"Hit", "RefreshHit", "OriginShieldHit", "session_or_csrf"},
	explain:   authCacheHitExplain,
	failsSQL:  sqlCacheHit,
	countsSQL: "",
}

// authGroupSeries is the one series per host of a rule over the whole auth
// prefix ("/api/auth/*"; auth requests).
func authGroupSeries(e *Engine, r *rule, h *hostState, _ *request) *series {
	p := e.seriesSlot(h, r, 0)
	if *p == nil {
		*p = e.newSeries(r, e.authGroup, "auth requests")
	}
	return *p
}

// authCacheHitFails: CloudFront answered from its cache.
func authCacheHitFails(x *request) bool { return x.rec.IsCacheHit() }

func authCacheHitTally(x *request, ev *[numEv]int64) {
	rec := x.rec
	switch rec.EdgeDetailedResultType {
	case "RefreshHit":
		ev[evRefreshHit]++
	case "OriginShieldHit":
		ev[evOriginShieldHit]++
	default:
		if rec.EdgeResultType == "RefreshHit" {
			ev[evRefreshHit]++
		} else {
			ev[evHit]++
		}
	}
	if x.pc.ep == epSession || x.pc.ep == epCsrf {
		ev[evSessionOrCSRF]++
	}
}

func authCacheHitExplain(e *Engine, f *Finding, c *cand, ev [numEv]int64) {
	p := e.authPrefix
	f.Cause = fmt.Sprintf("%s under %s/* were answered from CloudFront's cache (%s): NextAuth responses are cached, so one user's session or CSRF token can be served to another; %s distinct clients received cached auth responses",
		ofText(f), p, counts(ev, c.r.evidence[:3], 0), f.ClientsText())
	f.Remedy = fmt.Sprintf("Attach the managed cache policy %s to the cache behavior that serves %s/* (and the rest of %s), then create an invalidation for %s/*. NextAuth sends Cache-Control: private, no-store; a cache policy with a minimum TTL above 0 overrides it.",
		cachingDisabled, p, e.apiLabel(e.authAPI), p)
}
