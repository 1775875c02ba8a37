package detectors

import (
	"fmt"
	"reflect"
	"testing"
	"time"
)

func TestMerge(t *testing.T) {
	t0 := time.Date(2026, 11, 20, 14, 0, 0, 0, time.UTC)
	key := FindingKey(RuleAuth403Burst, "E1", "app.example.com", "/api/auth/*")
	a := Finding{
		Rule: RuleAuth403Burst, Severity: SeverityWarning, Key: key,
		DistributionID: "E1", Host: "app.example.com", Group: "/api/auth/*",
		FirstSeen: t0.Add(time.Hour), LastSeen: t0.Add(2 * time.Hour),
		Count: 10, Denominator: 100, DenominatorLabel: "auth requests",
		Paths: []string{"/api/auth/session"}, Examples: []string{"r1", "r2"},
		Clients: 7, Cause: "cause a", Remedy: "remedy a",
		Evidence: map[string]int64{"with_nextauth_cookies": 3, "waf": 1},
	}
	b := Finding{
		Rule: RuleAuth403Burst, Severity: SeverityCritical, Key: key,
		DistributionID: "E1", Host: "app.example.com", Group: "/api/auth/*",
		FirstSeen: t0, LastSeen: t0.Add(90 * time.Minute),
		Count: 5, Denominator: 20, DenominatorLabel: "auth requests",
		Paths: []string{"/api/auth/session", "/api/auth/csrf"}, Examples: []string{"r2", "r3"},
		Clients: 9, Cause: "cause b", Remedy: "remedy b",
		Evidence: map[string]int64{"with_nextauth_cookies": 2},
	}
	aBefore, bBefore := a.Clone(), b.Clone()

	m := Merge(a, b)
	want := Finding{
		Rule: RuleAuth403Burst, Severity: SeverityCritical, Key: key,
		DistributionID: "E1", Host: "app.example.com", Group: "/api/auth/*",
		FirstSeen: t0, LastSeen: t0.Add(2 * time.Hour),
		Count: 15, Denominator: 120, DenominatorLabel: "auth requests",
		Paths: []string{"/api/auth/session", "/api/auth/csrf"}, Examples: []string{"r1", "r2", "r3"},
		Clients: 9, ClientsCapped: true, Cause: "cause b", Remedy: "remedy b",
		Evidence: map[string]int64{"with_nextauth_cookies": 5, "waf": 1},
	}
	if !reflect.DeepEqual(m, want) {
		t.Errorf("Merge:\n got %+v\nwant %+v", m, want)
	}
	// The inputs are untouched and share nothing with the result.
	m.Paths[0], m.Examples[0], m.Evidence["waf"] = "x", "x", 99
	if !reflect.DeepEqual(a, aBefore) || !reflect.DeepEqual(b, bBefore) {
		t.Errorf("Merge changed its inputs: %+v, %+v", a, b)
	}

	// The less severe finding keeps the more severe one's cause, whichever
	// comes first; on a tie the newer (b) cause wins.
	if got := Merge(b, a); got.Severity != SeverityCritical || got.Cause != "cause b" || got.Remedy != "remedy b" {
		t.Errorf("Merge(critical, warning): severity %q cause %q remedy %q", got.Severity, got.Cause, got.Remedy)
	}
	a2 := a
	a2.Cause, a2.Remedy = "cause a2", "remedy a2"
	if got := Merge(a, a2); got.Cause != "cause a2" || got.Remedy != "remedy a2" {
		t.Errorf("Merge of equal severity: cause %q remedy %q, want the newer", got.Cause, got.Remedy)
	}
	a2.Cause = ""
	if got := Merge(a, a2); got.Cause != "cause a" {
		t.Errorf("Merge with an empty newer cause: cause %q, want the older", got.Cause)
	}
}

func TestMergeClientsAndTimes(t *testing.T) {
	t0 := time.Date(2026, 11, 20, 14, 0, 0, 0, time.UTC)
	for _, tc := range []struct {
		name         string
		a, b         Finding
		clients      int
		capped       bool
		first, last  time.Time
		label, setng string
	}{
		{
			name:    "one side without clients is exact",
			a:       Finding{Clients: 4, FirstSeen: t0, LastSeen: t0},
			b:       Finding{Clients: 0},
			clients: 4, first: t0, last: t0,
		},
		{
			name:    "a capped side stays capped",
			a:       Finding{Clients: 10000, ClientsCapped: true},
			b:       Finding{},
			clients: 10000, capped: true,
		},
		{
			name:    "zero first seen is unknown, not early",
			a:       Finding{FirstSeen: time.Time{}, DenominatorLabel: "", Settings: ""},
			b:       Finding{Clients: 1, FirstSeen: t0, LastSeen: t0.Add(time.Minute), DenominatorLabel: "callback requests", Settings: "confirmed"},
			clients: 1, first: t0, last: t0.Add(time.Minute), label: "callback requests", setng: "confirmed",
		},
	} {
		t.Run(tc.name, func(t *testing.T) {
			m := Merge(tc.a, tc.b)
			if m.Clients != tc.clients || m.ClientsCapped != tc.capped {
				t.Errorf("clients %d capped %v, want %d %v", m.Clients, m.ClientsCapped, tc.clients, tc.capped)
			}
			if !m.FirstSeen.Equal(tc.first) || !m.LastSeen.Equal(tc.last) {
				t.Errorf("span %v–%v, want %v–%v", m.FirstSeen, m.LastSeen, tc.first, tc.last)
			}
			if m.DenominatorLabel != tc.label || m.Settings != tc.setng {
				t.Errorf("label %q settings %q, want %q %q", m.DenominatorLabel, m.Settings, tc.label, tc.setng)
			}
		})
	}
}

func TestMergeBounds(t *testing.T) {
	var a, b Finding
	for i := range 8 {
		a.Paths = append(a.Paths, fmt.Sprintf("/a%d", i))
		b.Paths = append(b.Paths, fmt.Sprintf("/b%d", i))
		if i < 4 {
			a.Examples = append(a.Examples, fmt.Sprintf("a%d", i))
			b.Examples = append(b.Examples, fmt.Sprintf("b%d", i))
		}
	}
	m := Merge(a, b)
	if len(m.Paths) != maxPaths || m.Paths[7] != "/a7" || m.Paths[8] != "/b0" {
		t.Errorf("paths %q: want a's 8 then b's first 2", m.Paths)
	}
	if len(m.Examples) != maxExamples || m.Examples[4] != "b0" {
		t.Errorf("examples %q: want a's 4 then b's first", m.Examples)
	}
}

func TestMergeByKey(t *testing.T) {
	t0 := time.Date(2026, 11, 20, 14, 0, 0, 0, time.UTC)
	f := func(key string, sev Severity, first time.Duration, count int64) Finding {
		return Finding{Key: key, Severity: sev, FirstSeen: t0.Add(first), LastSeen: t0.Add(first), Count: count, Clients: 1}
	}
	in := []Finding{
		f("info|x", SeverityInfo, 0, 1),
		f("warn|b", SeverityWarning, time.Hour, 2),
		f("crit|z", SeverityCritical, 3*time.Hour, 3),
		f("warn|a", SeverityWarning, time.Hour, 4),
		f("warn|b", SeverityWarning, 30*time.Minute, 5), // merged into the first warn|b
		f("crit|y", SeverityCritical, 2*time.Hour, 6),
	}
	out := MergeByKey(in)
	var got []string
	for _, g := range out {
		got = append(got, fmt.Sprintf("%s:%d", g.Key, g.Count))
	}
	// Most severe first (warning before info, not only critical first),
	// then first seen, then key.
	want := []string{"crit|y:6", "crit|z:3", "warn|b:7", "warn|a:4", "info|x:1"}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("MergeByKey order %q, want %q", got, want)
	}
	if b := out[2]; !b.FirstSeen.Equal(t0.Add(30*time.Minute)) || !b.ClientsCapped {
		t.Errorf("warn|b merged: first %v capped %v", b.FirstSeen, b.ClientsCapped)
	}
	// The input is not reordered or changed.
	if in[0].Key != "info|x" || in[1].Count != 2 {
		t.Errorf("MergeByKey changed its input: %+v", in[:2])
	}
}

// Findings of one cause from several files are one, whichever led in each
// file: the first one's key, the others' counts as related evidence.
func TestMergeByKeyOneCause(t *testing.T) {
	t0 := time.Date(2026, 11, 20, 14, 0, 0, 0, time.UTC)
	const a, b, c = "origin-errors|E1|app.example.com|/api/items", "origin-errors|E1|app.example.com|/api/orders", "auth-cache-hit|E1|app.example.com|/api/auth/*"
	finding := func(key, group string, count int64, at time.Duration, related ...Related) Finding {
		return Finding{Rule: "origin-errors", Severity: SeverityCritical, Key: key, Host: "app.example.com", Group: group,
			Count: count, Denominator: 2 * count, FirstSeen: t0.Add(at), LastSeen: t0.Add(at + 10*time.Minute), Related: related}
	}
	rel := func(key, group string, count int64, at time.Duration) Related {
		return Related{Rule: "origin-errors", Group: group, Severity: SeverityCritical, Key: key, How: FoldSameFix,
			Count: count, Denominator: 2 * count, FirstSeen: t0.Add(at), LastSeen: t0.Add(at + 10*time.Minute)}
	}
	other := Finding{Rule: "auth-cache-hit", Severity: SeverityCritical, Key: c, Count: 4, FirstSeen: t0}
	out := MergeByKey([]Finding{
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
