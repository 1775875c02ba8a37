package ingest

import (
	"testing"
	"time"

	"github.com/cfwatch/cfwatch/detectors"
)

// Findings of one cause from several files are one, whichever led in each
// file: the first one's key, the others' counts as related evidence.
func TestMergeFindingsOneCause(t *testing.T) {
	t0 := time.Date(2026, 11, 20, 14, 0, 0, 0, time.UTC)
	const a, b, c = "origin-errors|E1|app.example.com|/api/items", "origin-errors|E1|app.example.com|/api/orders", "auth-cache-hit|E1|app.example.com|/api/auth/*"
	finding := func(key, group string, count int64, at time.Duration, related ...detectors.Related) detectors.Finding {
		return detectors.Finding{Rule: "origin-errors", Severity: detectors.SeverityCritical, Key: key, Host: "app.example.com", Group: group,
			Count: count, Denominator: 2 * count, FirstSeen: t0.Add(at), LastSeen: t0.Add(at + 10*time.Minute), Related: related}
	}
	rel := func(key, group string, count int64, at time.Duration) detectors.Related {
		return detectors.Related{Rule: "origin-errors", Group: group, Severity: detectors.SeverityCritical, Key: key, How: detectors.FoldSameFix,
			Count: count, Denominator: 2 * count, FirstSeen: t0.Add(at), LastSeen: t0.Add(at + 10*time.Minute)}
	}
	other := detectors.Finding{Rule: "auth-cache-hit", Severity: detectors.SeverityCritical, Key: c, Count: 4, FirstSeen: t0}
	out := MergeFindings([]detectors.Finding{
		finding(a, "/api/items", 10, 0, rel(b, "/api/orders", 5, 0)),
		finding(b, "/api/orders", 3, time.Hour),                                         // alone in its file
		finding(b, "/api/orders", 8, 2*time.Hour, rel(a, "/api/items", 2, 2*time.Hour)), // leads in its file
		other,
	})
	if len(out) != 2 {
		t.Fatalf("%d findings, want 2: %+v", len(out), out)
	}
	if out[0].Key == c {
		out[0], out[1] = out[1], out[0]
	}
	m := out[0]
	if m.Key != a || m.Count != 12 || m.Denominator != 24 || !m.LastSeen.Equal(t0.Add(2*time.Hour+10*time.Minute)) {
		t.Errorf("merged %s: %d of %d, last %v", m.Key, m.Count, m.Denominator, m.LastSeen)
	}
	if len(m.Related) != 1 || m.Related[0].Key != b || m.Related[0].Count != 16 || m.Related[0].Denominator != 32 ||
		!m.Related[0].FirstSeen.Equal(t0) || !m.Related[0].LastSeen.Equal(t0.Add(2*time.Hour+10*time.Minute)) {
		t.Errorf("related %+v, want /api/orders with 5+3+8 failures over the three files", m.Related)
	}
	if out[1].Key != c || len(out[1].Related) != 0 {
		t.Errorf("an unrelated finding was folded: %+v", out[1])
	}
}
