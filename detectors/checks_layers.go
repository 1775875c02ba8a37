package detectors

import (
	"fmt"
	"strings"

	"github.com/cfwatch/cfwatch/logparse"
)

// The post-deploy checks count what NextAuth did: a refusal the owner
// configured on purpose (Reason.Configured: geo restriction, signed URLs,
// InvalidRequestBlocked, WAF-like edge refusals) is left out of its check
// and reported beside it. Every other failure counts, the edge's
// InvalidRequestMethod included (a misconfigured auth path), as do origin
// connection, edge function and viewer failures, which break sign-in too.

// leaveOut reports whether rec is a configured refusal, and counts it.
func (c *endpointCounts) leaveOut(rec *logparse.Record) bool {
	r := Classify(rec)
	if !r.Configured() {
		return false
	}
	c.refused[r]++
	return true
}

// notCounted lists the refusals left out, most first.
func (c *endpointCounts) notCounted() []NotCounted {
	var out []NotCounted
	for r, n := range c.refused {
		if n > 0 {
			out = append(out, NotCounted{Reason: Reason(r).String(), Count: n,
				Text: fmt.Sprintf("%s refused %s, not counted", fmtCount(n), refusedBy(Reason(r)))})
		}
	}
	sortNotCounted(out)
	return out
}

func sortNotCounted(s []NotCounted) {
	for i := 1; i < len(s); i++ { // insertion sort: at most four kinds
		for j := i; j > 0 && (s[j].Count > s[j-1].Count || s[j].Count == s[j-1].Count && s[j].Reason < s[j-1].Reason); j-- {
			s[j], s[j-1] = s[j-1], s[j]
		}
	}
}

// refusedBy completes "1,077 refused …" for a configured reason.
func refusedBy(r Reason) string {
	switch r {
	case ReasonGeoRestriction:
		return "by geo restriction"
	case ReasonSignedURL:
		return "for a missing or invalid signed URL or cookie"
	case ReasonAccessBlocked:
		return "as blocked by CloudFront (InvalidRequestBlocked)"
	case ReasonEdgeRefusal:
		return "at the edge with the origin not asked (AWS WAF or another edge refusal)"
	}
	return "by " + r.Title()
}

func notCountedText(ns []NotCounted) string {
	parts := make([]string, len(ns))
	for i, n := range ns {
		parts[i] = n.Text
	}
	return strings.Join(parts, "; ")
}
