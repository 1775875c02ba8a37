package detectors

import (
	"cmp"
	"maps"
	"slices"
)

// Merge returns the finding of a and b together: the same incident (the
// same Key) seen in two inputs, e.g. two log files of one ingest batch, or a
// new file's finding added to an alert's open incident. a and b are not
// changed, and the result shares no slice or map with them.
//
//   - Count, Denominator and every Evidence counter are added.
//   - FirstSeen is the earlier (a zero time is unknown, not early), LastSeen
//     the later.
//   - Paths and Examples are united, a's first, within the engine's bounds
//     (10 paths, 5 examples).
//   - Clients is the larger count. Distinct clients cannot be united across
//     inputs, so when both had clients the result is a lower bound and
//     ClientsCapped is set (as it is when either was capped).
//   - Severity is the more severe; Cause and Remedy come with it: b's when b
//     is more severe or as severe (the newer evidence) and has a cause, a's
//     otherwise.
//   - Related entries (what a finding folded in) are merged by key
//     (AddRelated). When b has another key, b is one of a's related
//     findings seen leading in another input (SameCause): it joins a as
//     related evidence (MergeOther), not a's own figures.
//   - Rule, Key, DistributionID, Host and Group are a's; DenominatorLabel and
//     Settings are a's unless empty.
func Merge(a, b Finding) Finding {
	m := a.Clone()
	if a.Key != b.Key {
		m.MergeOther(&b)
		return m
	}
	for _, r := range b.Related {
		m.AddRelated(r)
	}
	m.Count += b.Count
	m.Denominator += b.Denominator
	if m.DenominatorLabel == "" {
		m.DenominatorLabel = b.DenominatorLabel
	}
	if m.Settings == "" {
		m.Settings = b.Settings
	}
	if !b.FirstSeen.IsZero() && (m.FirstSeen.IsZero() || b.FirstSeen.Before(m.FirstSeen)) {
		m.FirstSeen = b.FirstSeen
	}
	if b.LastSeen.After(m.LastSeen) {
		m.LastSeen = b.LastSeen
	}
	m.Paths = union(m.Paths, b.Paths, maxPaths)
	m.Examples = union(m.Examples, b.Examples, maxExamples)
	m.ClientsCapped = a.ClientsCapped || b.ClientsCapped || (a.Clients > 0 && b.Clients > 0)
	m.Clients = max(a.Clients, b.Clients)
	if r := cmp.Compare(b.Severity.Rank(), a.Severity.Rank()); r > 0 || (r == 0 && b.Cause != "") {
		m.Severity, m.Cause, m.Remedy = b.Severity, b.Cause, b.Remedy
	}
	for k, v := range b.Evidence {
		if m.Evidence == nil {
			m.Evidence = make(map[string]int64, len(b.Evidence))
		}
		m.Evidence[k] += v
	}
	return m
}

// MergeByKey merges the findings of one cause (Merge, in the order given):
// those of the same Key, and then those one of which folded the other's key
// in its own input (SameCause), so a cause stays one finding across log
// files. It returns one finding per cause, sorted (SortFindings).
func MergeByKey(fs []Finding) []Finding {
	var out []Finding
	for _, f := range fs {
		i := slices.IndexFunc(out, func(m Finding) bool { return m.Key == f.Key })
		if i < 0 {
			i = slices.IndexFunc(out, func(m Finding) bool { return m.SameCause(&f) })
		}
		if i >= 0 {
			out[i] = Merge(out[i], f)
			continue
		}
		out = append(out, f.Clone())
	}
	SortFindings(out)
	return out
}

// SortFindings sorts findings in the order Engine.Findings returns them:
// most severe first, then by FirstSeen, then by Key. The sort is stable.
func SortFindings(fs []Finding) {
	slices.SortStableFunc(fs, func(a, b Finding) int {
		if r := cmp.Compare(b.Severity.Rank(), a.Severity.Rank()); r != 0 {
			return r
		}
		if r := a.FirstSeen.Compare(b.FirstSeen); r != 0 {
			return r
		}
		return cmp.Compare(a.Key, b.Key)
	})
}

// Clone returns a copy of f that shares no slice or map with it.
func (f *Finding) Clone() Finding {
	c := *f
	c.Paths = slices.Clone(f.Paths)
	c.Examples = slices.Clone(f.Examples)
	c.Evidence = maps.Clone(f.Evidence)
	c.Related = slices.Clone(f.Related)
	return c
}

// union appends b's values missing from a while a holds fewer than limit.
func union(a, b []string, limit int) []string {
	for _, s := range b {
		if len(a) >= limit {
			break
		}
		if !slices.Contains(a, s) {
			a = append(a, s)
		}
	}
	return a
}
