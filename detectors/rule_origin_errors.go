package detectors

import (
	"fmt"
	"strings"

	"github.com/cfwatch/cfwatch/logparse"
)

// RuleOriginErrors: 5xx and origin-side failures per path group.
const RuleOriginErrors = "origin-errors"

// origin-errors counters of failing requests.
const (
	evConnect    = 0 // OriginConnectError
	evComm       = 1 // OriginCommError
	evRead       = 2 // OriginReadError (timeout)
	evDNS        = 3 // OriginDnsError
	evOriginOth  = 4 // other Origin*Error
	evStatusOnly = 5 // 5xx with no origin-side detail (throttling, S3, Lambda errors)
)

var ruleOriginErrorsDef = rule{
	id:       RuleOriginErrors,
	severity: SeverityWarning,
	scope:    ScopeAll,
	doc:      "5xx and Origin*Error per path group: /api/auth/*, /api/<segment>, /* (static); critical from OriginErrors.CriticalRate (group; its requests)",
	settings: func(c *Config) Threshold { return c.OriginErrors.Threshold },
	series:   originSeries,
	fails:    func(x *request) bool { return isOriginError(x.rec) },
	tally:    func(x *request, ev *[numEv]int64) { ev[originErrorKind(x.rec)]++ },
	evidence: [numEv]string{"OriginConnectError", "OriginCommError", "OriginReadError", "OriginDnsError", "other_origin_error", "5xx_without_origin_detail"},
	explain:  originExplain,
	// The alert query's filter since the first release: keep its text
	// (CloudFront logs no status above 599).
	failsSQL: "(sc_status >= 500 OR x_edge_detailed_result_type LIKE 'Origin%Error')",
}

// Slots of origin-errors' series of a host: the auth prefix, the default
// behavior, then one per "<api prefix>/<first segment>" group (series.sub
// the API index, series.key the segment, "" for the prefix's overflow).
const (
	originSlotAuth   = 0
	originSlotStatic = 1
	originSlotGroups = 2
)

// originSeries returns the series of the request's path group: the auth
// prefix, "<api prefix>/<first segment>" (bounded by MaxPathGroups, then
// "<api prefix>/*"), or "/*" for everything else.
func originSeries(e *Engine, r *rule, h *hostState, x *request) *series {
	pc := &x.pc
	switch {
	case pc.ep != epNone:
		p := e.seriesSlot(h, r, originSlotAuth)
		if *p == nil {
			*p = e.newSeries(r, e.authGroup, "requests")
		}
		return *p
	case pc.api < 0:
		p := e.seriesSlot(h, r, originSlotStatic)
		if *p == nil {
			*p = e.newSeries(r, "/*", "requests")
		}
		return *p
	}
	own := h.rs[r.idx]
	seg := pc.seg
	for pass := 0; pass < 2; pass++ {
		for i := originSlotGroups; i < len(own); i++ {
			if s := own[i]; s.sub == pc.api && s.key == seg {
				return s
			}
		}
		if seg == "" || len(own)-originSlotGroups < e.cfg.MaxPathGroups {
			break
		}
		seg = "" // over the cap: pool in "<prefix>/*"
	}
	label := e.apiGroups[pc.api] + "/*"
	if seg != "" {
		seg = strings.Clone(seg)
		label = e.apiGroups[pc.api] + "/" + seg
	}
	s := e.newSeries(r, label, "requests")
	s.sub, s.key = pc.api, seg
	*e.seriesSlot(h, r, max(len(own), originSlotGroups)) = s
	return s
}

// isOriginError reports a 5xx or an origin-side failure
// (OriginConnectError, OriginCommError, OriginReadError, OriginDnsError,
// OriginError, …).
func isOriginError(rec *logparse.Record) bool {
	if rec.Status >= 500 && rec.Status <= 599 {
		return true
	}
	d := rec.EdgeDetailedResultType
	return len(d) > len("OriginError")-1 && strings.HasPrefix(d, "Origin") && strings.HasSuffix(d, "Error")
}

// originErrorKind returns the origin-errors counter of a failing request.
func originErrorKind(rec *logparse.Record) int {
	switch d := rec.EdgeDetailedResultType; d {
	case "OriginConnectError":
		return evConnect
	case "OriginCommError":
		return evComm
	case "OriginReadError":
		return evRead
	case "OriginDnsError":
		return evDNS
	default:
		if strings.HasPrefix(d, "Origin") && strings.HasSuffix(d, "Error") {
			return evOriginOth
		}
	}
	return evStatusOnly
}

func originExplain(e *Engine, f *Finding, c *cand, ev [numEv]int64) {
	if f.Rate() >= e.cfg.OriginErrors.CriticalRate {
		f.Severity = SeverityCritical
	}
	f.Cause = fmt.Sprintf("%s to %s failed with 5xx or an origin-side error (%s)",
		ofText(f), f.Group, counts(ev, []string{"OriginConnectError", "OriginCommError", "OriginReadError", "OriginDnsError", "other Origin*Error", "5xx from the origin"}, evConnect))
	f.Remedy = originRemedy(ev)
}

// originRemedy advises on the dominant kind of origin failure.
func originRemedy(ev [numEv]int64) string {
	best := evStatusOnly
	for i := evConnect; i <= evStatusOnly; i++ {
		if ev[i] > ev[best] {
			best = i
		}
	}
	var first string
	switch best {
	case evConnect, evDNS:
		first = "CloudFront cannot reach the origin: check the origin domain name, protocol and port, that its TLS certificate matches the origin domain, and the origin's security groups, API Gateway stage or custom domain mapping."
	case evRead:
		first = "The origin does not answer within the origin response timeout: raise it in the origin settings (default 30 s) or make the route faster (Lambda duration, cold starts, database calls)."
	case evComm:
		first = "CloudFront loses the connection to the origin mid-request: check the origin's keep-alive and idle timeouts, the origin SSL protocols, and crashes of the origin process."
	case evOriginOth:
		first = "The origin failed at the connection level: check the origin's health and the CloudFront origin settings."
	default:
		first = "The origin answered 5xx itself: check the application and API Gateway / Lambda logs at first_seen; 503 {\"message\":\"Service Unavailable\"} from API Gateway or Lambda means throttling (raise reserved or account concurrency)."
	}
	return first + " Consider a custom error response or origin failover for the affected behavior."
}
