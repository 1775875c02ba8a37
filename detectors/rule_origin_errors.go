package detectors

import (
	"fmt"
	"sort"
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

// originEvidence names origin-errors' counters in Finding.Evidence.
var originEvidence = [numEv]string{"OriginConnectError", "OriginCommError", "OriginReadError", "OriginDnsError", "other_origin_error", "5xx_without_origin_detail"}

var ruleOriginErrorsDef = rule{
	id:       RuleOriginErrors,
	severity: SeverityWarning,
	scope:    ScopeAll,
	doc:      "5xx and Origin*Error per path group, not edge-compute failures (edge-function-error's): /api/auth/*, /api/<segment>, /* (static); critical from OriginErrors.CriticalRate (group; its requests)",
	settings: func(c *Config) Threshold { return c.OriginErrors.Threshold },
	series:   originSeries,
	fails:    originErrorsFails,
	tally:    func(x *request, ev *[numEv]int64) { ev[originErrorKind(x.rec)]++ },
	evidence: originEvidence,
	explain:  originExplain,
	sameFix:  originBehavior,
	refix:    originRefix,
	// originErrorsFails in SQL: a status of 500–599 (a hostile log can hold
	// a larger one) or Origin…Error, not of the edge-compute layer.
	failsSQL: "(sc_status BETWEEN 500 AND 599 OR x_edge_detailed_result_type LIKE 'Origin%Error')\n  AND NOT " + EdgeComputeSQL(),
}

// originErrorsFails: a 5xx or an origin-side failure that no Lambda@Edge
// function or CloudFront Function caused (those are edge-function-error's).
func originErrorsFails(x *request) bool {
	return isOriginError(x.rec) && Classify(x.rec).Layer() != LayerEdgeCompute
}

// OriginResponseTimeout is CloudFront's default origin response timeout,
// in seconds: a 504 whose time-to-first-byte comes within
// originTimeoutSlack of it is a read timeout.
const (
	OriginResponseTimeout = 30.0
	originTimeoutSlack    = 0.9
)

// OriginReadTimeoutTTFB is the time-to-first-byte, in seconds, from which a
// 504 without detail is a read timeout (27 s: exact as a float32, the
// dataset's type for the column).
const OriginReadTimeoutTTFB = originTimeoutSlack * OriginResponseTimeout

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
	case "Error", "":
		// A 504 without detail after about the origin response timeout
		// (or any longer one set for the origin): CloudFront gave up
		// waiting for the first byte.
		if rec.Status == 504 && rec.TimeToFirstByte >= OriginReadTimeoutTTFB {
			return evRead
		}
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
	f.Cause = fmt.Sprintf("%s to %s failed with 5xx or an origin-side error: %s",
		ofText(f), f.Group, originKinds(ev))
	f.Remedy = originRemedy(ev)
}

// originKindOrder lists origin-errors' counters, the way the cause and the
// remedy tell them apart.
var originKindOrder = [...]struct {
	ev           int
	name, remedy string
}{
	{evRead, "read timeouts ×%s (504 / OriginReadError: no answer within the origin response timeout, 30 s by default)",
		"Read timeouts: raise the origin response timeout in the origin settings (default 30 s, up to 60 s, more with a quota increase) or fix the slow route or its cold start (Lambda duration and memory, provisioned concurrency, database calls)."},
	{evConnect, "connection failures ×%s (502 OriginConnectError: TCP connect, TLS handshake or SNI)",
		"Connection failures: check the origin domain name, protocol and port, that its TLS certificate matches the origin domain (or the Host header forwarded) and is valid, the origin SSL protocols, and the origin's security groups, API Gateway stage or custom domain mapping."},
	{evDNS, "DNS failures ×%s (502 OriginDnsError)",
		"DNS failures: the origin domain name does not resolve: check its spelling and its DNS records (a deleted load balancer, bucket or API)."},
	{evComm, "dropped connections ×%s (502 OriginCommError: the connection failed or timed out mid-request)",
		"Dropped connections: check the origin's keep-alive and idle timeouts (above CloudFront's keep-alive timeout), its connection limits and crashes of the origin process."},
	{evOriginOth, "invalid responses ×%s (OriginError, OriginInvalidResponseError, OriginHeaderTooBigError…: the origin's answer was not valid HTTP or too large)",
		"Invalid responses: check the origin's response headers (size, malformed or duplicated ones) and Content-Length."},
	{evStatusOnly, "5xx answered by the origin ×%s",
		"5xx from the origin: check the application and API Gateway / Lambda logs at first_seen; 503 {\"message\":\"Service Unavailable\"} from API Gateway or Lambda means throttling (raise reserved or account concurrency)."},
}

// originKinds lists the non-zero kinds of origin failure, most first.
func originKinds(ev [numEv]int64) string {
	var parts []string
	for _, i := range originOrder(ev) {
		k := originKindOrder[i]
		parts = append(parts, fmt.Sprintf(k.name, fmtCount(ev[k.ev])))
	}
	if len(parts) == 0 {
		return "no detail"
	}
	return strings.Join(parts, ", ")
}

// originOrder returns the indexes of originKindOrder with failures, most
// failures first (stable).
func originOrder(ev [numEv]int64) []int {
	var idx []int
	for i, k := range originKindOrder {
		if ev[k.ev] > 0 {
			idx = append(idx, i)
		}
	}
	sort.SliceStable(idx, func(a, b int) bool { return ev[originKindOrder[idx[a]].ev] > ev[originKindOrder[idx[b]].ev] })
	return idx
}

// originRemedy advises on each kind of origin failure seen, in a fixed
// order (the cause gives them most frequent first): path groups failing the
// same ways get the same remedy, and fold into one finding (same fix).
func originRemedy(ev [numEv]int64) string {
	var parts []string
	for _, k := range originKindOrder {
		if ev[k.ev] > 0 {
			parts = append(parts, k.remedy)
		}
	}
	if len(parts) == 0 {
		parts = append(parts, originKindOrder[len(originKindOrder)-1].remedy)
	}
	return strings.Join(parts, " ") + " Consider a custom error response or origin failover for the affected behavior."
}

// originBehavior is the cache behavior a finding's path group is served by,
// as far as the settings tell: the longest API prefix the group lies under
// (the auth prefix's group included), else the group ("/*", the default
// behavior). The groups of one behavior share its origin: their failures,
// at the same time, are one outage, whatever kinds each group saw most.
func originBehavior(e *Engine, f *Finding) string {
	best := ""
	for _, g := range e.apiGroups {
		if len(g) > len(best) && hasPathPrefix(f.Group, g) {
			best = g
		}
	}
	if best == "" {
		return f.Group
	}
	return best
}

// originRefix gives the lead of folded origin-errors findings the remedy of
// every kind of failure among them.
func originRefix(lead *Finding, folded []*Finding) {
	var ev [numEv]int64
	add := func(f *Finding) {
		for i, name := range originEvidence {
			if name != "" {
				ev[i] += f.Evidence[name]
			}
		}
	}
	add(lead)
	for _, f := range folded {
		add(f)
	}
	lead.Remedy = originRemedy(ev)
}
