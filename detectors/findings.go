package detectors

import (
	"fmt"
	"maps"
	"net/netip"
	"slices"
	"time"
)

// Rule IDs are a public contract (alert routing and de-duplication use
// them): each is defined in its rule's file, rule_<id>.go.

// AWS managed policy IDs the remedies name (verified against AWS's
// managed-policy documentation; the seed documents give wrong ones).
const (
	PolicyIDCachingDisabled           = "4135ea2d-6df8-44a3-9df3-4b5a84be39ad" // cache policy
	PolicyIDAllViewer                 = "216adef6-5c7f-47e4-b989-5492eafa07d3" // origin request policy
	PolicyIDAllViewerExceptHostHeader = "b689b0a8-53d0-40ab-baf2-68738e2966ac" // origin request policy
)

const (
	cachingDisabled           = "CachingDisabled (" + PolicyIDCachingDisabled + ")"
	allViewer                 = "AllViewer (" + PolicyIDAllViewer + ")"
	allViewerExceptHostHeader = "AllViewerExceptHostHeader (" + PolicyIDAllViewerExceptHostHeader + ")"
)

// Severity ranks findings.
type Severity string

// Severities, most severe first.
const (
	SeverityCritical Severity = "critical"
	SeverityWarning  Severity = "warning"
	SeverityInfo     Severity = "info"
)

// Rank orders severities: critical 3, warning 2, info 1, anything else 0.
func (s Severity) Rank() int {
	switch s {
	case SeverityCritical:
		return 3
	case SeverityWarning:
		return 2
	case SeverityInfo:
		return 1
	}
	return 0
}

// A Finding is one incident: a rule that fired for one endpoint group of
// one host, with the bursts of the whole input merged.
type Finding struct {
	Rule     string   `json:"rule"`
	Severity Severity `json:"severity"`
	// Key identifies the incident across runs and Lambda invocations:
	// "rule|distribution|host|group", e.g.
	// "auth-403-burst|E2QWRUHEXAMPLE|app.example.com|/api/auth/callback/*"
	// (the distribution is empty when neither the log nor the caller
	// named it).
	Key            string `json:"key"`
	DistributionID string `json:"distribution_id"`
	// Host is the x-host-header the viewers used (cs(Host) when absent).
	Host string `json:"host"`
	// Group is the endpoint group: "/api/auth/callback/*", "/api/auth/*",
	// "/api/*", "/api/items", "/*" (the default behavior).
	Group string `json:"group"`

	// FirstSeen and LastSeen are the times of the first and last failing
	// request counted.
	FirstSeen time.Time `json:"first_seen"`
	LastSeen  time.Time `json:"last_seen"`

	// Count failing requests of Denominator requests of the same group in
	// the same buckets, e.g. 412 of 1,530 "callback requests".
	Count            int64  `json:"count"`
	Denominator      int64  `json:"denominator"`
	DenominatorLabel string `json:"denominator_label"`

	Paths    []string `json:"paths"`    // distinct failing paths (normalised), at most 10
	Examples []string `json:"examples"` // x-edge-request-id of failing requests, at most 5
	// Clients is the number of distinct client IPs among the failing
	// requests; when ClientsCapped it is a lower bound (Config.MaxClients,
	// or findings of several inputs merged: Merge).
	Clients       int  `json:"clients"`
	ClientsCapped bool `json:"clients_capped"`

	Cause  string `json:"cause"`  // what the evidence says happened, one line
	Remedy string `json:"remedy"` // what to change, concretely
	// Settings says whether the distribution's settings confirm the cause,
	// when they were given (report --distribution-config): "confirmed:
	// /api/* uses cache policy CachingOptimized (…)". Empty otherwise.
	Settings string `json:"settings,omitempty"`

	// Evidence holds the counters behind the cause, e.g. with_nextauth_cookies.
	Evidence map[string]int64 `json:"evidence"`

	// Related are the findings of the same host folded into this one (one
	// cause, one finding): per rule and endpoint group, what each counted.
	// Absent when nothing was folded. See fold.go for the rule.
	Related []Related `json:"related,omitempty"`
}

// Rate returns Count / Denominator (0 without a denominator).
func (f *Finding) Rate() float64 {
	if f.Denominator == 0 {
		return 0
	}
	return float64(f.Count) / float64(f.Denominator)
}

// ClientsText is Clients for display: "≥10,000" when capped.
func (f *Finding) ClientsText() string {
	if f.ClientsCapped {
		return "≥" + fmtCount(int64(f.Clients))
	}
	return fmtCount(int64(f.Clients))
}

// Summary is a one-line description: "412 of 1,530 callback requests (27%)
// from 311 clients, 2026-11-20 14:02–15:58 UTC".
func (f *Finding) Summary() string {
	clients := "clients"
	if f.Clients == 1 && !f.ClientsCapped {
		clients = "client"
	}
	return fmt.Sprintf("%s of %s %s (%s) from %s %s, %s", fmtCount(f.Count), fmtCount(f.Denominator),
		f.DenominatorLabel, pct(f.Count, f.Denominator), f.ClientsText(), clients, span(f.FirstSeen, f.LastSeen))
}

func span(a, b time.Time) string {
	const day, clock = "2006-01-02 15:04", "15:04"
	if a.IsZero() {
		return "time unknown"
	}
	if a.Format("2006-01-02") == b.Format("2006-01-02") {
		return a.Format(day) + "–" + b.Format(clock) + " UTC"
	}
	return a.Format(day) + " – " + b.Format(day) + " UTC"
}

// FindingKey returns the stable key of a finding (see Finding.Key).
func FindingKey(rule, dist, host, group string) string {
	return rule + "|" + dist + "|" + host + "|" + group
}

// cand is a finding being assembled.
type cand struct {
	r         *rule
	h         *hostState
	s         *series
	acc       accum
	extra     map[string]int64
	split     []*hostState // auth-insecure-scheme: the *.cloudfront.net hosts merged in
	httpCount int64        // failures of the series itself (without split's)
	drop      bool
	related   []Related // what absorb folded into it
}

// Findings evaluates the rules over everything observed so far and returns
// the findings, most severe first, then by first_seen, then by key. The
// same records in the same order give the same findings. It does not change
// the Engine: more records may follow.
func (e *Engine) Findings() []Finding {
	hosts := e.hosts
	if e.pooled != nil {
		hosts = append(slices.Clip(hosts), e.pooled)
	}
	var cands []*cand
	for _, h := range hosts {
		for i := range e.rules {
			r := &e.rules[i]
			if r.th.Disabled {
				continue
			}
			for _, s := range h.rs[i] {
				if s == nil {
					continue
				}
				acc := e.final(s)
				if len(acc.eps) == 0 && (r.keepQuiet == nil || !r.keepQuiet(h)) {
					continue
				}
				cands = append(cands, &cand{r: r, h: h, s: s, acc: acc})
			}
		}
	}
	for _, c := range cands {
		if c.r.judge != nil {
			c.r.judge(e, c)
		}
	}
	absorb(cands)
	for i := range e.rules {
		if r := &e.rules[i]; r.merge != nil && !r.th.Disabled {
			cands = r.merge(e, r, hosts, cands)
		}
	}

	var out []Finding
	for _, c := range cands {
		if c.drop {
			continue
		}
		if f, ok := e.finding(c); ok {
			out = append(out, f)
		}
	}
	for i := range e.rules {
		r := &e.rules[i]
		if r.extra == nil || r.th.Disabled {
			continue
		}
		for _, h := range hosts {
			if f, ok := r.extra(e, r, h); ok {
				out = append(out, f)
			}
		}
	}
	out = e.foldSameFix(out)
	SortFindings(out)
	return out
}

// finding builds the Finding of c; ok is false when nothing is left of it.
func (e *Engine) finding(c *cand) (Finding, bool) {
	s, h := c.s, c.h
	r := c.r
	f := Finding{
		Rule:             r.id,
		Severity:         r.severity,
		DistributionID:   h.dist,
		Host:             h.host,
		Group:            s.group,
		DenominatorLabel: s.noun,
		Paths:            append([]string{}, c.acc.paths...),
		Examples:         append([]string{}, c.acc.examples...),
		Clients:          len(c.acc.clients),
		ClientsCapped:    c.acc.clientsCapped,
	}
	var ev [numEv]int64
	var first, last int64
	for _, ep := range c.acc.eps {
		f.Count += ep.fail
		f.Denominator += ep.total
		for i := range ev {
			ev[i] += ep.ev[i]
		}
		if ep.first != 0 && (first == 0 || ep.first < first) {
			first = ep.first
		}
		last = max(last, ep.last)
	}
	c.httpCount = f.Count
	if len(c.split) > 0 {
		f.Denominator = h.authRequests
		f.DenominatorLabel = "NextAuth requests"
		clients := maps.Clone(c.acc.clients)
		if clients == nil {
			clients = make(map[netip.Addr]struct{})
		}
		capped := c.acc.clientsCapped
		for _, cf := range c.split {
			v := &cf.via
			f.Count += v.count
			f.Denominator += cf.authRequests
			if first == 0 || v.first < first {
				first = v.first
			}
			last = max(last, v.last)
			for _, p := range v.paths {
				if len(f.Paths) < maxPaths && !containsString(f.Paths, p) {
					f.Paths = append(f.Paths, p)
				}
			}
			for _, x := range v.examples {
				if len(f.Examples) < maxExamples {
					f.Examples = append(f.Examples, x)
				}
			}
			capped = capped || v.capped
			for ip := range v.clients {
				if _, ok := clients[ip]; ok {
					continue
				}
				if len(clients) >= e.cfg.MaxClients {
					capped = true
					break
				}
				clients[ip] = struct{}{}
			}
		}
		f.Clients, f.ClientsCapped = len(clients), capped
	}
	if f.Count == 0 {
		return f, false
	}
	f.FirstSeen, f.LastSeen = unixTime(first), unixTime(last)
	f.Key = FindingKey(f.Rule, f.DistributionID, f.Host, f.Group)
	if r.adjust != nil {
		r.adjust(c, &ev)
	}
	for i, name := range r.evidence {
		if name != "" && ev[i] != 0 {
			if f.Evidence == nil {
				f.Evidence = make(map[string]int64)
			}
			f.Evidence[name] = ev[i]
		}
	}
	for k, v := range c.extra {
		if f.Evidence == nil {
			f.Evidence = make(map[string]int64)
		}
		f.Evidence[k] = v
	}
	if len(c.related) > 0 {
		f.Related = slices.Clone(c.related)
	}
	r.explain(e, &f, c, ev)
	return f, true
}
