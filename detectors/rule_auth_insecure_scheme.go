package detectors

import (
	"fmt"
	"strings"

	"github.com/cfwatch/cfwatch/logparse"
)

// RuleAuthInsecureScheme: NextAuth used where its cookies cannot work:
// over plain http, or through the distribution's *.cloudfront.net name
// while the custom domain serves it too.
const RuleAuthInsecureScheme = "auth-insecure-scheme"

var ruleAuthInsecureSchemeDef = rule{
	id:        RuleAuthInsecureScheme,
	severity:  SeverityWarning,
	scope:     ScopeAuth,
	doc:       "auth requests answered over plain http (not CloudFront's redirect), or NextAuth used through the *.cloudfront.net name while the custom domain serves it too (/api/auth/*)",
	settings:  func(c *Config) Threshold { return c.AuthInsecureScheme },
	series:    authGroupSeries,
	fails:     func(x *request) bool { return plainHTTP(x.rec) },
	observe:   insecureObserveVia,
	keepQuiet: func(h *hostState) bool { return h.viaCF },
	merge:     mergeSplitHosts,
	explain:   insecureExplain,
	failsSQL: "((cs_protocol = 'http' AND coalesce(x_edge_result_type, '') <> 'Redirect' AND coalesce(sc_status, 0) NOT IN (301, 308))" +
		" OR coalesce(x_host_header, cs_host) LIKE '%.cloudfront.net')",
}

// plainHTTP reports a request answered over plain http (CloudFront's own
// redirect to https is fine).
func plainHTTP(rec *logparse.Record) bool {
	return rec.Protocol == "http" && rec.EdgeResultType != "Redirect" && rec.Status != 301 && rec.Status != 308
}

// insecureObserveVia counts, over the whole input, the NextAuth requests
// made through a *.cloudfront.net name.
func insecureObserveVia(e *Engine, h *hostState, x *request) {
	if h.viaCF && x.pc.ep.known() {
		e.addViaCF(h, x.rec, x.pc.path, x.t, plainHTTP(x.rec))
	}
}

// mergeSplitHosts turns NextAuth traffic through a distribution's
// *.cloudfront.net name, while its custom domain also serves NextAuth, into
// an auth-insecure-scheme finding for the custom domain (merged with that
// domain's plain-http one, which shares its key).
func mergeSplitHosts(e *Engine, r *rule, hosts []*hostState, cands []*cand) []*cand {
	th := r.th
	for _, cf := range hosts {
		v := &cf.via
		if !cf.viaCF || v.count == 0 {
			continue
		}
		var site *hostState
		for _, h := range hosts {
			if h.viaCF || h == e.pooled || !sameDistribution(cf, h) {
				continue
			}
			if site == nil || h.authRequests > site.authRequests {
				site = h
			}
		}
		if site == nil {
			continue
		}
		total := cf.authRequests + site.authRequests
		if v.count < th.MinCount || float64(v.count) < th.MinRate*float64(total) || site.authRequests < th.MinCount {
			continue
		}
		var sc *cand
		for _, c := range cands {
			if c.r != r {
				continue
			}
			switch c.h {
			case cf:
				c.drop = true // its plain-http requests are in v already
			case site:
				sc = c
			}
		}
		if sc == nil {
			var s *series // the site's, if any; a detached one otherwise (Findings changes no host)
			if own := site.rs[r.idx]; len(own) > 0 {
				s = own[0]
			}
			if s == nil {
				s = e.newSeries(r, e.authGroup, "auth requests")
			}
			sc = &cand{r: r, h: site, s: s}
			cands = append(cands, sc)
		}
		sc.drop = false
		sc.split = append(sc.split, cf)
	}
	// The cloudfront.net host's own series was only kept for this merge.
	for _, c := range cands {
		if c.r == r && len(c.split) == 0 && len(c.acc.eps) == 0 {
			c.drop = true
		}
	}
	return cands
}

// sameDistribution reports whether two hosts belong to one distribution:
// the same ID, or without IDs the same cs(Host) domain name.
func sameDistribution(a, b *hostState) bool {
	if a.dist != "" || b.dist != "" {
		return a.dist == b.dist
	}
	return a.cfName != "" && a.cfName == b.cfName
}

func insecureExplain(e *Engine, f *Finding, c *cand, ev [numEv]int64) {
	var parts []string
	var viaCount, viaHTTP int64
	var viaHosts []string
	for _, cf := range c.split {
		viaCount += cf.via.count
		viaHTTP += cf.via.http
		viaHosts = append(viaHosts, cf.host)
	}
	plain := c.httpCount + viaHTTP
	f.Evidence = addEvidence(f.Evidence, "plain_http", plain)
	f.Evidence = addEvidence(f.Evidence, "via_cloudfront_domain", viaCount)
	if plain > 0 {
		parts = append(parts, fmt.Sprintf("%s were answered over plain http (not redirected to https), where browsers never send __Secure-/__Host- cookies", fmtCount(plain)))
	}
	if viaCount > 0 {
		part := fmt.Sprintf("%s reached the distribution through %s while the site signs in on %s: cookies set for one host name are never sent to the other (host-only and __Host- cookies)",
			fmtCount(viaCount), strings.Join(viaHosts, " and "), f.Host)
		if viaHTTP > 0 {
			part += fmt.Sprintf(" (%s of them over http as well)", fmtCount(viaHTTP))
		}
		parts = append(parts, part)
	}
	f.Cause = fmt.Sprintf("%s were insecure for NextAuth's cookies: %s", ofText(f), strings.Join(parts, "; "))
	f.Remedy = fmt.Sprintf("Set Viewer protocol policy to Redirect HTTP to HTTPS (or HTTPS only) on every cache behavior, at least %s and the default one; set NEXTAUTH_URL (AUTH_URL for Auth.js v5) to https://%s; keep users on that one host name: do not link to or sign in through the *.cloudfront.net name (redirect it to https://%s, e.g. with a CloudFront Function).",
		e.apiLabel(e.authAPI), f.Host, f.Host)
}
