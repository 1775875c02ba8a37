package detectors

import (
	"cmp"
	"fmt"
	"slices"
	"time"
)

// One cause, one finding.
//
// Findings of one host fold into one when they share their cause and fix,
// in two ways, decided here once for every rule:
//
//   - absorbed (rule.absorbs): a rule that explains another's failing
//     requests takes in that rule's bursts on the same host that overlap
//     its own in time (api-origin-forbidden takes in the NextAuth and CORS
//     failures that every API request failing explains; auth-403-burst
//     takes in auth-cookie-missing, whose failing requests are its 403s
//     without cookies). Absorbers that are themselves absorbed by another
//     rule go after it, so a chain folds into its first cause; an absorber
//     with a finding of the absorbed group takes that group's bursts.
//   - same fix: findings of the same host, distribution and rule whose
//     Remedy is the same text (origin-errors on /api/auth/* and /api/items
//     when the origin cannot be reached) fold into the most severe, then
//     largest, then first by key.
//
// The finding that takes others in (the lead) keeps its own key, group,
// counts and cause; what it took in is its Related evidence, one entry per
// rule and endpoint group, and its "folded_<rule>" Evidence counts the
// absorbed failing requests.

// Ways a Related entry came into its finding.
const (
	// FoldAbsorbed: bursts of a rule the lead's rule absorbs (rule.absorbs)
	// that overlap the lead's in time.
	FoldAbsorbed = "absorbed"
	// FoldSameFix: a finding of the same rule and host whose remedy is the
	// lead's.
	FoldSameFix = "same_fix"
)

// Related is a finding, or part of one, folded into another (see
// Finding.Related): its rule and endpoint group and what it counted.
type Related struct {
	Rule     string   `json:"rule"`
	Group    string   `json:"group"`
	Severity Severity `json:"severity"`
	// Key is the key the folded finding has when it stands alone.
	Key string `json:"key"`
	// How is FoldAbsorbed or FoldSameFix.
	How              string    `json:"how"`
	Count            int64     `json:"count"`
	Denominator      int64     `json:"denominator"`
	DenominatorLabel string    `json:"denominator_label"`
	FirstSeen        time.Time `json:"first_seen"`
	LastSeen         time.Time `json:"last_seen"`
}

// RelatedKeys returns the keys of the findings folded into f.
func (f *Finding) RelatedKeys() []string {
	var keys []string
	for _, r := range f.Related {
		if !slices.Contains(keys, r.Key) && r.Key != f.Key {
			keys = append(keys, r.Key)
		}
	}
	return keys
}

// absorbOrder returns the candidates' absorbers, a rule absorbed by another
// after that one (a chain folds into its first cause).
func absorbOrder(cands []*cand) []*cand {
	depth := make(map[string]int)
	for range cands { // at most one pass per candidate settles any chain
		changed := false
		for _, f := range cands {
			for _, id := range f.r.absorbs {
				if d := depth[f.r.id] + 1; d > depth[id] && d <= len(cands) {
					depth[id], changed = d, true
				}
			}
		}
		if !changed {
			break
		}
	}
	var out []*cand
	for _, c := range cands {
		if len(c.r.absorbs) > 0 {
			out = append(out, c)
		}
	}
	slices.SortStableFunc(out, func(a, b *cand) int { return cmp.Compare(depth[a.r.id], depth[b.r.id]) })
	return out
}

// absorb folds the bursts of a candidate into the finding of a rule that
// absorbs its rule (rule.absorbs) on the same host when they overlap in
// time: one cause, one finding. When the absorbing rule has a candidate of
// the absorbed one's group on the host, only that one takes it in.
func absorb(cands []*cand) {
	for _, f := range absorbOrder(cands) {
		if f.drop {
			continue
		}
		for _, c := range cands {
			if c == f || c.h != f.h || c.drop || !rulesContain(f.r.absorbs, c.r.id) {
				continue
			}
			if c.s.group != f.s.group && hasGroup(cands, f.r, c.h, c.s.group) {
				continue
			}
			kept := c.acc.eps[:0]
			rel := Related{Rule: c.r.id, Group: c.s.group, Severity: c.r.severity, How: FoldAbsorbed,
				Key: FindingKey(c.r.id, c.h.dist, c.h.host, c.s.group), DenominatorLabel: c.s.noun}
			var first, last int64
			for _, ep := range c.acc.eps {
				if !overlapsAny(ep, f.acc.eps) {
					kept = append(kept, ep)
					continue
				}
				rel.Count += ep.fail
				rel.Denominator += ep.total
				if ep.first != 0 && (first == 0 || ep.first < first) {
					first = ep.first
				}
				last = max(last, ep.last)
			}
			c.acc.eps = kept
			if rel.Count == 0 {
				continue
			}
			rel.FirstSeen, rel.LastSeen = unixTime(first), unixTime(last)
			if f.extra == nil {
				f.extra = make(map[string]int64)
			}
			f.extra[foldedKey(c.r.id)] += rel.Count
			f.related = append(f.related, rel)
			if len(kept) == 0 {
				// What c had absorbed itself goes along with it.
				f.related = append(f.related, c.related...)
				for k, v := range c.extra {
					f.extra[k] += v
				}
				c.related, c.extra = nil, nil
			}
		}
	}
}

// hasGroup reports whether rule r has a candidate of group on host h.
func hasGroup(cands []*cand, r *rule, h *hostState, group string) bool {
	for _, c := range cands {
		if c.r == r && c.h == h && !c.drop && c.s.group == group {
			return true
		}
	}
	return false
}

// overlapsAny reports whether ep overlaps one of eps in time, within a bucket.
func overlapsAny(ep episode, eps []episode) bool {
	for _, x := range eps {
		if ep.from <= x.to+1 && ep.to >= x.from-1 {
			return true
		}
	}
	return false
}

// foldSameFix folds the findings of one host, distribution and rule whose
// remedies are the same text into the most severe, then largest, then
// first by key of them; the others become its Related entries (with what
// they had absorbed), their paths and examples join its own up to the
// usual bounds and their "folded_<rule>" evidence adds to its own.
func (e *Engine) foldSameFix(fs []Finding) []Finding {
	order := make([]int, len(fs))
	for i := range order {
		order[i] = i
	}
	slices.SortStableFunc(order, func(a, b int) int {
		x, y := &fs[a], &fs[b]
		if r := cmp.Compare(y.Severity.Rank(), x.Severity.Rank()); r != 0 {
			return r
		}
		if r := cmp.Compare(y.Count, x.Count); r != 0 {
			return r
		}
		return cmp.Compare(x.Key, y.Key)
	})
	gone := make([]bool, len(fs))
	for oi, i := range order {
		if gone[i] {
			continue
		}
		lead := &fs[i]
		r := e.ruleByID(lead.Rule)
		var folded []*Finding
		for _, j := range order[oi+1:] {
			o := &fs[j]
			if gone[j] || o.Rule != lead.Rule || o.Host != lead.Host || o.DistributionID != lead.DistributionID || !e.sameFix(r, lead, o) {
				continue
			}
			gone[j] = true
			folded = append(folded, o)
			lead.Related = append(lead.Related, Related{Rule: o.Rule, Group: o.Group, Severity: o.Severity, Key: o.Key, How: FoldSameFix,
				Count: o.Count, Denominator: o.Denominator, DenominatorLabel: o.DenominatorLabel, FirstSeen: o.FirstSeen, LastSeen: o.LastSeen})
			lead.Related = append(lead.Related, o.Related...)
			for _, p := range o.Paths {
				if len(lead.Paths) < maxPaths && !containsString(lead.Paths, p) {
					lead.Paths = append(lead.Paths, p)
				}
			}
			for _, x := range o.Examples {
				if len(lead.Examples) < maxExamples && !containsString(lead.Examples, x) {
					lead.Examples = append(lead.Examples, x)
				}
			}
			for k, v := range o.Evidence {
				if isFoldedKey(k) {
					if lead.Evidence == nil {
						lead.Evidence = make(map[string]int64)
					}
					lead.Evidence[k] += v
				}
			}
		}
		if len(folded) > 0 && r != nil && r.refix != nil {
			r.refix(lead, folded)
		}
	}
	out := fs[:0]
	for i := range fs {
		if !gone[i] {
			out = append(out, fs[i])
		}
	}
	return out
}

// sameFix reports whether o has lead's fix: the same remedy text, or, for a
// rule with its own sameFix, the same key and an overlap in time.
func (e *Engine) sameFix(r *rule, lead, o *Finding) bool {
	if o.Remedy == lead.Remedy {
		return true
	}
	if r == nil || r.sameFix == nil {
		return false
	}
	return r.sameFix(e, lead) == r.sameFix(e, o) &&
		!o.FirstSeen.After(lead.LastSeen) && !lead.FirstSeen.After(o.LastSeen)
}

// isFoldedKey reports a "folded_<rule>" evidence name.
func isFoldedKey(k string) bool { return len(k) > len("folded_") && k[:len("folded_")] == "folded_" }

// Summary is one line on a folded finding: "auth-cookie-missing
// /api/auth/session (warning; same failing requests): 382 of 606 session
// requests (63%), 2026-11-20 12:30–13:29 UTC".
func (r *Related) Summary() string {
	how := "same fix"
	if r.How == FoldAbsorbed {
		how = "same failing requests"
	}
	return fmt.Sprintf("%s %s (%s; %s): %s of %s %s (%s), %s", r.Rule, r.Group, r.Severity, how,
		fmtCount(r.Count), fmtCount(r.Denominator), r.DenominatorLabel, pct(r.Count, r.Denominator), span(r.FirstSeen, r.LastSeen))
}

// maxRelated bounds Finding.Related when findings of several files merge.
const maxRelated = 64

// AsRelated returns f as a finding folded into one of rule lead (from
// another log file): FoldSameFix when its rule is lead, else FoldAbsorbed.
func (f *Finding) AsRelated(lead string) Related {
	how := FoldAbsorbed
	if f.Rule == lead {
		how = FoldSameFix
	}
	return Related{Rule: f.Rule, Group: f.Group, Severity: f.Severity, Key: f.Key, How: how, Count: f.Count,
		Denominator: f.Denominator, DenominatorLabel: f.DenominatorLabel, FirstSeen: f.FirstSeen, LastSeen: f.LastSeen}
}

// SameCause reports whether findings f and g, of different log files, are
// one cause: the same key, or one's key folded into the other.
func (f *Finding) SameCause(g *Finding) bool {
	return f.Key == g.Key || slices.Contains(f.RelatedKeys(), g.Key) || slices.Contains(g.RelatedKeys(), f.Key)
}

// AddRelated adds evidence of a folded finding r, from another log file, to
// f: to f's own figures when r is f itself (r.Key == f.Key), else to the
// Related entry of r's key (counts summed, times widened, severity
// raised), a new one when there is none (at most 64).
func (f *Finding) AddRelated(r Related) {
	widen := func(first, last *time.Time) {
		if !r.FirstSeen.IsZero() && (first.IsZero() || r.FirstSeen.Before(*first)) {
			*first = r.FirstSeen
		}
		if r.LastSeen.After(*last) {
			*last = r.LastSeen
		}
	}
	if r.Key == f.Key {
		f.Count += r.Count
		f.Denominator += r.Denominator
		widen(&f.FirstSeen, &f.LastSeen)
		return
	}
	for i := range f.Related {
		x := &f.Related[i]
		if x.Key != r.Key {
			continue
		}
		x.Count += r.Count
		x.Denominator += r.Denominator
		widen(&x.FirstSeen, &x.LastSeen)
		if r.Severity.Rank() > x.Severity.Rank() {
			x.Severity = r.Severity
		}
		return
	}
	if len(f.Related) < maxRelated {
		f.Related = append(f.Related, r)
	}
}

// MergeOther merges g, a finding of another log file with the same cause
// as f (SameCause) but another key, into f: g becomes related evidence,
// with what g had folded in; paths and examples join f's within the
// detectors' bounds, and f takes the more severe severity.
func (f *Finding) MergeOther(g *Finding) {
	f.AddRelated(g.AsRelated(f.Rule))
	for _, r := range g.Related {
		f.AddRelated(r)
	}
	for _, p := range g.Paths {
		if len(f.Paths) < maxPaths && !slices.Contains(f.Paths, p) {
			f.Paths = append(f.Paths, p)
		}
	}
	for _, x := range g.Examples {
		if len(f.Examples) < maxExamples && !slices.Contains(f.Examples, x) {
			f.Examples = append(f.Examples, x)
		}
	}
	if g.Severity.Rank() > f.Severity.Rank() {
		f.Severity = g.Severity
	}
}
