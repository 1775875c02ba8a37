package detectors

import "fmt"

// RuleEdgeRefusalsOnAuth: configured edge refusals (geo restriction, AWS
// WAF, signed URLs) on NextAuth's endpoints rising well above their
// baseline.
const RuleEdgeRefusalsOnAuth = "edge-refusals-on-auth"

// edge-refusals-on-auth counters of failing requests.
const (
	evRefusalGeo       = 0 // ClientGeoBlocked
	evRefusalWAF       = 1 // generic Error, origin not asked: AWS WAF or another edge refusal
	evRefusalSigned    = 2 // signed URL/cookie refusal
	evRefusalBlocked   = 3 // InvalidRequestBlocked without a signed credential
	evRefusalCallbacks = 4 // on callback/*
	evRefusalPost      = 5 // POSTs (sign-in, sign-out, credentials callbacks)
)

var ruleEdgeRefusalsOnAuthDef = rule{
	id:       RuleEdgeRefusalsOnAuth,
	severity: SeverityWarning,
	scope:    ScopeEndpoint,
	doc:      "geo-restriction, AWS WAF (generic Error, origin not asked) or signed-URL refusals on NextAuth's endpoints rising well above their baseline (/api/auth/*; requests to NextAuth's endpoints)",
	settings: func(c *Config) Threshold { return c.EdgeRefusalsOnAuth.Threshold },
	series:   edgeRefusalSeries,
	fails:    func(x *request) bool { return x.configured },
	tally:    edgeRefusalTally,
	judge:    edgeRefusalBaseline,
	newState: func() any { return new(refusalHistory) },
	evidence: [numEv]string{"geo_restriction", "waf_or_edge_refusal", "signed_url", "access_blocked", "callbacks", "post"},
	explain:  edgeRefusalExplain,
	failsSQL: ConfiguredRefusalSQL(),
}

// edgeRefusalSeries: one series per host over NextAuth's endpoints. It
// also counts the request in the host's refusalHistory.
func edgeRefusalSeries(e *Engine, r *rule, h *hostState, x *request) *series {
	if st, ok := h.own[r.idx].(*refusalHistory); ok {
		st.add(e.bIdx, x.configured)
	}
	p := e.seriesSlot(h, r, 0)
	if *p == nil {
		*p = e.newSeries(r, e.authGroup, "requests to NextAuth's endpoints")
	}
	return *p
}

func edgeRefusalTally(x *request, ev *[numEv]int64) {
	switch Classify(x.rec) {
	case ReasonGeoRestriction:
		ev[evRefusalGeo]++
	case ReasonSignedURL:
		ev[evRefusalSigned]++
	case ReasonAccessBlocked:
		ev[evRefusalBlocked]++
	default:
		ev[evRefusalWAF]++
	}
	if x.pc.ep == epCallback {
		ev[evRefusalCallbacks]++
	}
	if x.rec.Method == "POST" {
		ev[evRefusalPost]++
	}
}

// refusalHistory is a host's requests to NextAuth's endpoints and their
// configured refusals per bucket of the Window, over the whole input (at
// most maxRefusalBuckets, the oldest dropped): the baseline an episode is
// judged against is the rate of the buckets around it, quiet or not, so
// that a steady refusal rate (whose buckets reach min_rate by chance now
// and then) is not read against its own quietest buckets.
type refusalHistory struct {
	b []refusalBucket // by bucket index; out of order within Reorder
}

type refusalBucket struct {
	idx         int64
	fail, total int64
}

// refusalNoBaselineRate is the refusal rate over an episode's span that
// fires without a baseline to compare with (a report window or an alert
// run that holds only the burst): a quarter of sign-in refused.
const refusalNoBaselineRate = 0.27

// maxRefusalBuckets bounds refusalHistory: a week of 5-minute buckets.
const maxRefusalBuckets = 2016

// add counts a request of bucket idx.
func (st *refusalHistory) add(idx int64, failed bool) {
	var f int64
	if failed {
		f = 1
	}
	// Records come nearly in order: look from the newest bucket back.
	for i := len(st.b) - 1; i >= 0 && i >= len(st.b)-64; i-- {
		switch b := &st.b[i]; {
		case b.idx == idx:
			b.fail += f
			b.total++
			return
		case b.idx < idx:
			st.insert(i+1, refusalBucket{idx, f, 1})
			return
		}
	}
	if len(st.b) == 0 || idx > st.b[len(st.b)-1].idx {
		st.insert(len(st.b), refusalBucket{idx, f, 1})
	}
	// Older than anything within reach: counted by the series only.
}

func (st *refusalHistory) insert(i int, b refusalBucket) {
	if len(st.b) == maxRefusalBuckets {
		if i == 0 {
			return
		}
		st.b = append(st.b[:0], st.b[1:]...)
		i--
	}
	st.b = append(st.b, refusalBucket{})
	copy(st.b[i+1:], st.b[i:])
	st.b[i] = b
}

// around returns the refusals and requests of the buckets more than one
// bucket away from [from, to], and of the buckets within it.
func (st *refusalHistory) around(from, to int64) (fail, total, inFail, inTotal int64) {
	for _, b := range st.b {
		switch {
		case b.idx < from-1 || b.idx > to+1:
			fail += b.fail
			total += b.total
		case b.idx >= from && b.idx <= to:
			inFail += b.fail
			inTotal += b.total
		}
	}
	return fail, total, inFail, inTotal
}

// edgeRefusalBaseline keeps the episodes whose refusal rate over their
// span is at least BaselineFactor times the rate of the host's other
// buckets (at least
// BaselineMinRequests requests of them): a refusal rate that stays level
// is the configuration at work (a country blocked on purpose, WAF turning
// scanners away), not a change. Without such a baseline (refusals from
// the start of the input) the episode must refuse refusalNoBaselineRate
// of the requests over its span. The
// refusals must also come from MinClients distinct clients: a blocked
// viewer retrying sign-in makes a burst of its own.
func edgeRefusalBaseline(e *Engine, c *cand) {
	th := e.cfg.EdgeRefusalsOnAuth
	st, _ := c.h.own[c.r.idx].(*refusalHistory)
	if st == nil {
		c.acc.eps = c.acc.eps[:0]
		return
	}
	if len(c.acc.clients) < th.MinClients && !c.acc.clientsCapped {
		c.acc.eps = c.acc.eps[:0]
		return
	}
	kept := c.acc.eps[:0]
	for _, ep := range c.acc.eps {
		// The episode's rate over its whole span, its quiet buckets
		// included: a steady rate's bursts merge over quiet buckets.
		bf, bt, sf, stot := st.around(ep.from, ep.to)
		switch {
		case stot == 0:
		case bt == 0 || bt < th.BaselineMinRequests:
			// Nothing to compare with (the input is the burst): only a
			// rate no steady restriction of a minority reaches.
			if float64(sf) >= refusalNoBaselineRate*float64(stot) {
				kept = append(kept, ep)
			}
		case float64(sf)*float64(bt) >= th.BaselineFactor*float64(bf)*float64(stot):
			kept = append(kept, ep)
		}
	}
	c.acc.eps = kept
}

func edgeRefusalExplain(e *Engine, f *Finding, c *cand, ev [numEv]int64) {
	base := ""
	if st, _ := c.h.own[c.r.idx].(*refusalHistory); st != nil && len(c.acc.eps) > 0 {
		from, to := c.acc.eps[0].from, c.acc.eps[len(c.acc.eps)-1].to
		bf, bt, _, _ := st.around(from, to)
		if bt > 0 {
			base = fmt.Sprintf("; %.1f%% of the %s requests before and after were refused", 100*float64(bf)/float64(bt), fmtCount(bt))
		}
	}
	f.Cause = fmt.Sprintf("%s were refused by CloudFront before reaching the origin (%s)%s: a refusal you configure (AWS WAF rule, geo restriction, signed URLs or cookies) started blocking sign-in; %s callbacks and %s POSTs among them",
		ofText(f), counts(ev, []string{"geo restriction (ClientGeoBlocked)", "AWS WAF or other edge refusal (Error, origin not asked)", "signed URL/cookie refused", "InvalidRequestBlocked"}, evRefusalGeo),
		base, fmtCount(ev[evRefusalCallbacks]), fmtCount(ev[evRefusalPost]))
	f.Remedy = fmt.Sprintf("Find which refusal it is and exempt NextAuth's endpoints %s/*: for AWS WAF, look up the terminating rule of the blocked requests in the web ACL's sampled requests or WAF logs at first_seen (rate-based rules, Bot Control and the managed common rule set often block OAuth callbacks and sign-in POSTs) and add a scope-down or allow rule for %s/*; for a geo restriction, check the distribution's allow or block list against where your users are; for signed URLs or cookies, make sure the behavior serving %s/* does not require them (no trusted key groups on it).",
		e.authPrefix, e.authPrefix, e.authPrefix)
	if ev[evRefusalGeo] == 0 && ev[evRefusalWAF] > 0 {
		f.Remedy += " The log has no result type of its own for a WAF block: a generic Error answered without asking the origin is read as one."
	}
}
