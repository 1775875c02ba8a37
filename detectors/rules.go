package detectors

import (
	"slices"
	"strings"

	"github.com/cfwatch/cfwatch/logparse"
)

// The rule table.
//
// A rule is one value of type rule, in its own file rule_<id>.go, listed
// once in ruleTable. The value holds everything that is the rule's own:
// its ID, severity, scope, settings, which series a request counts in,
// the predicate that a counted request fails it (a named Go function), the
// same predicate in Athena SQL, its evidence counters, its cause and remedy
// (explain) and its doc line. The machinery they share (series, buckets,
// bursts, episodes, baselines, folding one finding into another, merging
// hosts) lives in series.go and findings.go; Engine.Observe dispatches each
// record over the table.

// Scope says which requests a rule sees, by where their path lies. A rule
// sees a request when their scopes share a bit.
type Scope uint8

// Scopes.
const (
	// ScopeDefault: paths of the default (static) behavior, under no API
	// or auth prefix.
	ScopeDefault Scope = 1 << iota
	// ScopeAPI: paths under an API prefix or the auth prefix.
	ScopeAPI
	// ScopeAuth: paths under the auth prefix.
	ScopeAuth
	// ScopeEndpoint: NextAuth endpoints under the auth prefix (callback/*,
	// session, csrf, signin, signout, providers, …; not an unknown path).
	ScopeEndpoint

	// ScopeAll: every request.
	ScopeAll = ScopeDefault | ScopeAPI
)

// request is the record being observed as the rules see it. Observe fills
// the Engine's one request in place: rule functions take it by pointer and
// must not keep it.
type request struct {
	rec     *logparse.Record
	pc      pathClass
	t       int64 // Unix ns
	mi      int   // methodIndex(rec.Method)
	refused bool  // CloudFront refused the method itself (InvalidRequestMethod)
	// configured: a 4xx refusal the owner configures (Reason.Configured:
	// geo restriction, WAF, signed URLs), not the application's.
	configured bool
	// oversizeWarn, oversizeCritical: auth-cookie-oversize's byte
	// thresholds (Config.AuthCookieOversize), set by New.
	oversizeWarn, oversizeCritical int64
	// lib is the auth library whose cookies count: Config.AuthLibrary
	// (libAny in auto: every library's).
	lib authLib
}

// A rule is one detector. Optional fields may be nil.
type rule struct {
	id       string   // public ID (Finding.Rule)
	severity Severity // of its findings; explain may raise it
	scope    Scope    // the requests it sees
	doc      string   // one line: what it fires on (group; denominator)
	// settings returns the rule's thresholds in the Config.
	settings func(c *Config) Threshold

	// series returns the series a request in scope counts in, creating
	// it (Engine.seriesSlot, Engine.newSeries), or nil when the rule does
	// not count it.
	series func(e *Engine, r *rule, h *hostState, x *request) *series
	// count adds the counters of every counted request (optional).
	count func(x *request, ev *[numEv]int64)
	// fails reports whether a counted request fails the rule.
	fails func(x *request) bool
	// tally adds the counters of a failing request (optional).
	tally func(x *request, ev *[numEv]int64)
	// observe sees every request in scope, besides the series (optional):
	// for what a rule counts over the whole input.
	observe func(e *Engine, h *hostState, x *request)

	// qualifies is a further test of a run of buckets that reaches the
	// threshold, on its summed counters (optional).
	qualifies func(th Threshold, ev *[numEv]int64) bool
	// judge drops episodes of a candidate finding, or the candidate,
	// before findings fold into one another (optional).
	judge func(e *Engine, c *cand)
	// absorbs lists the rules whose bursts on the same host, overlapping
	// this rule's in time, are folded into this rule's finding (same
	// cause): they become its "folded_<rule>" evidence.
	absorbs []string
	// keepQuiet keeps a host's series without bursts as a candidate, for
	// merge (optional).
	keepQuiet func(h *hostState) bool
	// merge changes the candidates once they are judged and folded
	// (optional): auth-insecure-scheme's merge of a distribution's hosts.
	merge func(e *Engine, r *rule, hosts []*hostState, cands []*cand) []*cand
	// extra returns a finding counted outside the series, over the whole
	// input (optional): method-rejected's pages on the default behavior.
	extra func(e *Engine, r *rule, h *hostState) (Finding, bool)
	// newState returns the rule's own state of a new host, for observe
	// and extra: h.own[r.idx] (optional).
	newState func() any

	// evidence names the counters in Finding.Evidence ("" leaves one out).
	evidence [numEv]string
	// adjust corrects the summed counters before they become evidence
	// (optional).
	adjust func(c *cand, ev *[numEv]int64)
	// explain writes the Finding's Cause and Remedy (and may raise its
	// Severity) from the evidence.
	explain func(e *Engine, f *Finding, c *cand, ev [numEv]int64)
	// sameFix (optional) widens "same fix" folding (fold.go) beyond equal
	// remedy texts: it returns what must be equal for two of the rule's
	// findings on one host, overlapping in time, to be one cause; refix
	// then rewrites the lead's remedy to cover what it folded in.
	sameFix func(e *Engine, f *Finding) string
	refix   func(lead *Finding, folded []*Finding)

	// countsSQL and failsSQL are the rule's predicates in Athena SQL over
	// the dataset's columns (see RuleSpec).
	countsSQL, failsSQL string

	// Set by New.
	idx int       // index in Engine.rules and hostState.rs
	th  Threshold // settings(&cfg)
}

// ruleTable lists every rule, in the order of Rules. Adding a rule is
// adding its file and its line here.
func ruleTable() []rule {
	return []rule{
		ruleAuthCacheHitDef,
		ruleAuth403BurstDef,
		ruleMethodRejectedDef,
		ruleCORSPreflightRejectedDef,
		ruleAuthCookieMissingDef,
		ruleAuthInsecureSchemeDef,
		ruleAPIOriginForbiddenDef,
		ruleOriginErrorsDef,
		ruleAPIRoutedToStaticOriginDef,
		rulePostSignatureRejectedDef,
		ruleAuthHTMLResponseDef,
		ruleEdgeFunctionErrorDef,
		ruleEdgeRefusalsOnAuthDef,
		ruleAuthCookieOversizeDef,
	}
}

// Rules returns every rule ID, in a fixed order.
func Rules() []string {
	t := ruleTable()
	ids := make([]string, len(t))
	for i := range t {
		ids[i] = t[i].id
	}
	return ids
}

// A RuleSpec is what a rule is outside the Engine: for the docs, the
// Athena engine and the alerts' Athena query.
type RuleSpec struct {
	ID       string
	Severity Severity // of its findings (origin-errors: warning, critical from critical_rate)
	Scope    Scope    // the requests it sees
	Doc      string   // one line: what it fires on (group; denominator)
	// CountsSQL is the condition, in Athena SQL over the dataset's columns,
	// that a request of the finding's endpoint group (Finding.Group) is one
	// the rule counts (its denominator); "" for all of them.
	CountsSQL string
	// FailsSQL is the condition that a request of the group is one of the
	// finding's failing requests; it implies CountsSQL. It is the Go
	// predicate with the default Config: of the requests the rule counts, it
	// selects exactly those the rule fails (TestRuleSQLEqualsGo), but that
	// NextAuth cookies are read from the cookie names as logged, without
	// undoing %-encoded separators. auth-insecure-scheme's also selects the
	// requests through a *.cloudfront.net name, which its merge counts.
	FailsSQL string
	Evidence []string // the counter names of Finding.Evidence
}

// RuleSpecs returns the specification of every rule, in the order of Rules.
func RuleSpecs() []RuleSpec {
	t := ruleTable()
	out := make([]RuleSpec, len(t))
	for i := range t {
		out[i] = t[i].spec()
	}
	return out
}

// RuleSpecFor returns the specification of rule id.
func RuleSpecFor(id string) (RuleSpec, bool) {
	for _, r := range ruleTable() {
		if r.id == id {
			return r.spec(), true
		}
	}
	return RuleSpec{}, false
}

func (r *rule) spec() RuleSpec {
	var ev []string
	for _, n := range r.evidence {
		if n != "" {
			ev = append(ev, n)
		}
	}
	return RuleSpec{ID: r.id, Severity: r.severity, Scope: r.scope, Doc: r.doc, CountsSQL: r.countsSQL, FailsSQL: r.failsSQL, Evidence: ev}
}

// seriesSlot returns slot i of rule r's series of h, to be filled when nil.
func (e *Engine) seriesSlot(h *hostState, r *rule, i int) **series {
	own := &h.rs[r.idx]
	for len(*own) <= i {
		*own = append(*own, nil)
	}
	return &(*own)[i]
}

// newSeries returns a new series of rule r for the endpoint group group,
// whose requests are noun ("callback requests").
func (e *Engine) newSeries(r *rule, group, noun string) *series {
	return &series{rule: r, group: group, noun: noun, th: r.th, ring: newRing(e.k)}
}

// ruleByID returns the Engine's rule id, or nil.
func (e *Engine) ruleByID(id string) *rule {
	for i := range e.rules {
		if e.rules[i].id == id {
			return &e.rules[i]
		}
	}
	return nil
}

// evidenceKey is the "folded_<rule>" evidence name of a rule ID.
func foldedKey(id string) string { return "folded_" + strings.ReplaceAll(id, "-", "_") }

// Predicates and their SQL shared by several rules.

// isInvalidMethod reports a request CloudFront refused itself because the
// cache behavior does not allow its method.
func isInvalidMethod(rec *logparse.Record) bool {
	return rec.EdgeDetailedResultType == "InvalidRequestMethod"
}

// SQL of isInvalidMethod and its negation.
const (
	sqlRefused    = "x_edge_detailed_result_type = 'InvalidRequestMethod'"
	sqlNotRefused = "x_edge_detailed_result_type IS DISTINCT FROM 'InvalidRequestMethod'"
)

// sqlCacheHit is logparse.Record.IsCacheHit in SQL.
const sqlCacheHit = "(coalesce(x_edge_detailed_result_type, '') IN ('Hit', 'RefreshHit', 'OriginShieldHit')" +
	" OR (coalesce(x_edge_detailed_result_type, '') = '' AND x_edge_result_type IN ('Hit', 'RefreshHit')))"

// sqlNextAuthCookie is hasNextAuthCookie on the logged cookie header (names
// as logged; values are redacted in the dataset).
const sqlNextAuthCookie = `regexp_like(coalesce(cs_cookie, ''), '(^|;)( |%20|%2520)*(__Secure-|__Host-)?(next-auth|authjs|better-auth)\.[^=;]')`

// methodIndex returns the method's counter offset for method-rejected.
func methodIndex(m string) int {
	switch m {
	case "POST":
		return 0
	case "PUT":
		return 1
	case "PATCH":
		return 2
	case "DELETE":
		return 3
	case "OPTIONS":
		return 4
	}
	return -1
}

// getOrPost reports a GET or POST.
func getOrPost(x *request) bool { return x.rec.Method == "GET" || x.rec.Method == "POST" }

// rulesContain reports whether ids holds id.
func rulesContain(ids []string, id string) bool { return slices.Contains(ids, id) }
