package detectors

import (
	"strings"
	"testing"
	"time"
)

// originFailures observes, over an hour, healthy traffic and failing
// requests (502, detailed result type kind) on the API groups given.
func originFailures(e *Engine, s *synth, kinds map[string]string) {
	for i := 0; i < 600; i++ {
		at := time.Duration(i) * 6 * time.Second
		for path, kind := range kinds {
			e.Observe(s.rec(at, "GET", path, 200, i%40), "E1")
			r := s.rec(at, "GET", path, 502, i%40)
			r.EdgeDetailedResultType = kind
			e.Observe(r, "E1")
		}
	}
}

// Same rule, same host, same remedy: one finding, the other its related
// evidence; a different remedy (another cause) stays its own finding.
func TestFoldSameFix(t *testing.T) {
	e := mustNew(t, DefaultConfig())
	originFailures(e, newSynth(), map[string]string{"/api/items/1": "OriginConnectError", "/api/orders/2": "OriginConnectError"})
	fs := e.Findings()
	if len(fs) != 1 {
		t.Fatalf("%d findings, want 1: %+v", len(fs), fs)
	}
	f := fs[0]
	if len(f.Related) != 1 {
		t.Fatalf("related %+v, want the other group", f.Related)
	}
	r := f.Related[0]
	groups := f.Group + " " + r.Group
	if groups != "/api/items /api/orders" && groups != "/api/orders /api/items" {
		t.Errorf("groups %q", groups)
	}
	if r.How != FoldSameFix || r.Rule != RuleOriginErrors || r.Count != 600 || r.Denominator != 1200 || r.Severity != SeverityCritical ||
		r.Key != FindingKey(RuleOriginErrors, "E1", "app.example.com", r.Group) || r.FirstSeen.IsZero() || r.LastSeen.Before(r.FirstSeen) {
		t.Errorf("related %+v", r)
	}
	if got := f.RelatedKeys(); len(got) != 1 || got[0] != r.Key {
		t.Errorf("RelatedKeys %q", got)
	}
	if len(f.Paths) != 2 {
		t.Errorf("paths %q, want both groups'", f.Paths)
	}

	// Groups of one behavior failing at the same time in different ways:
	// one origin, one outage; the remedy covers every kind.
	e = mustNew(t, DefaultConfig())
	originFailures(e, newSynth(), map[string]string{"/api/items/1": "OriginConnectError", "/api/orders/2": "OriginReadError"})
	fs = e.Findings()
	if len(fs) != 1 || len(fs[0].Related) != 1 {
		t.Fatalf("one behavior, two kinds: %d findings, want 1 with the other related: %+v", len(fs), fs)
	}
	if rem := fs[0].Remedy; !strings.Contains(rem, "Connection failures") || !strings.Contains(rem, "Read timeouts") {
		t.Errorf("remedy does not cover both kinds: %s", rem)
	}

	// Another behavior (the static site's origin) fails another way: its
	// own cause, its own finding.
	e = mustNew(t, DefaultConfig())
	originFailures(e, newSynth(), map[string]string{"/api/items/1": "OriginConnectError", "/images/a.png": "OriginReadError"})
	fs = e.Findings()
	if len(fs) != 2 || len(fs[0].Related)+len(fs[1].Related) != 0 {
		t.Errorf("different behaviors, different remedies: %d findings, want 2 unfolded: %+v", len(fs), fs)
	}
}

// auth-cookie-missing folds into auth-403-burst only where its failures
// overlap a 403 burst: 400s without cookies, with no 403 burst, stand
// alone.
func TestCookieMissingAloneWithout403(t *testing.T) {
	for _, status := range []int{400, 403} {
		e := mustNew(t, DefaultConfig())
		s := newSynth()
		for i := 0; i < 600; i++ {
			at := time.Duration(i) * 6 * time.Second
			ok := s.rec(at, "GET", "/api/auth/session", 200, i%50)
			ok.Cookie = "__Secure-next-auth.session-token=x"
			e.Observe(ok, "E1")
			bad := s.rec(at, "GET", "/api/auth/session", status, i%50)
			bad.Cookie = "theme=dark"
			e.Observe(bad, "E1")
		}
		fs := e.Findings()
		if len(fs) != 1 {
			t.Fatalf("status %d: %d findings, want 1: %+v", status, len(fs), fs)
		}
		f := fs[0]
		switch status {
		case 400:
			if f.Rule != RuleAuthCookieMissing || len(f.Related) != 0 {
				t.Errorf("400s: %s with related %+v, want auth-cookie-missing alone", f.Rule, f.Related)
			}
		case 403:
			if f.Rule != RuleAuth403Burst || len(f.Related) != 1 || f.Related[0].Rule != RuleAuthCookieMissing ||
				f.Related[0].How != FoldAbsorbed || f.Related[0].Count != 600 || f.Evidence["folded_auth_cookie_missing"] != 600 {
				t.Errorf("403s: %s related %+v evidence %v, want auth-403-burst absorbing auth-cookie-missing", f.Rule, f.Related, f.Evidence)
			}
		}
	}
}

// A chain of absorbing rules folds into its first cause, whatever the
// order of the rule table: a rule that absorbs X and Y takes both in
// before X takes in Y, and what X took in goes along when X is absorbed.
func TestAbsorbChain(t *testing.T) {
	h := &hostState{host: "app.example.com", dist: "E1"}
	ep := func(from, to, fail int64) episode {
		return episode{from: from, to: to, fail: fail, total: 2 * fail, first: 1, last: 2}
	}
	mk := func(id, group string, absorbs []string, eps ...episode) *cand {
		r := &rule{id: id, severity: SeverityCritical, absorbs: absorbs}
		return &cand{r: r, h: h, s: &series{group: group, noun: "requests"}, acc: accum{eps: eps}}
	}
	for _, order := range [][3]int{{0, 1, 2}, {2, 1, 0}, {1, 2, 0}} {
		all := []*cand{
			mk("outage", "/api/*", []string{"burst", "cookie"}, ep(10, 20, 100)),
			mk("burst", "/api/auth/session", []string{"cookie"}, ep(12, 14, 30), ep(40, 41, 7)),
			mk("cookie", "/api/auth/session", nil, ep(12, 14, 30), ep(40, 41, 5)),
		}
		cands := []*cand{all[order[0]], all[order[1]], all[order[2]]}
		absorb(cands)
		outage, burst, cookie := all[0], all[1], all[2]
		if got := outage.extra; got["folded_burst"] != 30 || got["folded_cookie"] != 30 {
			t.Errorf("order %v: outage took in %v, want the overlapping 30 of each", order, got)
		}
		if len(burst.acc.eps) != 1 || burst.acc.eps[0].fail != 7 || burst.extra["folded_cookie"] != 5 {
			t.Errorf("order %v: burst keeps %+v, took in %v; want its later episode with cookie's", order, burst.acc.eps, burst.extra)
		}
		if len(cookie.acc.eps) != 0 {
			t.Errorf("order %v: cookie keeps %+v", order, cookie.acc.eps)
		}
		if len(outage.related) != 2 || len(burst.related) != 1 || burst.related[0].Key != FindingKey("cookie", "E1", "app.example.com", "/api/auth/session") {
			t.Errorf("order %v: related %+v / %+v", order, outage.related, burst.related)
		}
	}
}
