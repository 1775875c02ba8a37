package detectors

import (
	"encoding/json"
	"strings"
	"testing"
	"time"

	"github.com/cfwatch/cfwatch/loggen"
)

// refusals returns n copies of each case on each of the three checked
// endpoints (a GET each, so the callback check counts them too).
func refusals(n int, cs ...layerCase) []layerCase {
	var out []layerCase
	for _, p := range []string{"/api/auth/csrf", "/api/auth/session", "/api/auth/callback/cognito"} {
		for _, c := range cs {
			c.path = p
			for range n {
				out = append(out, c)
			}
		}
	}
	return out
}

// The case: a geo restriction (and a WAF, and signed URLs) refuse
// sign-in requests on purpose. The checks judge what NextAuth answered,
// exactly as without the refusals, and say beside it what they left out.
func TestChecksLeaveConfiguredRefusalsOut(t *testing.T) {
	healthy := generate(t, loggen.Config{Seed: 5, Duration: time.Hour})
	base := mustNew(t, DefaultConfig())
	observeAll(t, base, healthy, "")

	eng := mustNew(t, DefaultConfig())
	observeAll(t, eng, healthy, "")
	geo := ec("403", "ClientGeoBlocked", "0.000", ReasonGeoRestriction)
	waf := ec("403", "Error", "0.000", ReasonEdgeRefusal)
	signed := layerCase{status: "403", rt: "Error", rrt: "Error", d: "Error", ttfb: "0.000", query: "Expires=1&Signature=s&Key-Pair-Id=K1", want: ReasonSignedURL}
	observeAll(t, eng, []byte(layerLog(append(append(refusals(1077, geo), refusals(12, waf)...), refusals(3, signed)...))), "")

	want, got := base.Checks(), eng.Checks()
	for i := range 3 {
		w, g := want[i], got[i]
		if w.Status != CheckPass {
			t.Fatalf("%s without refusals: %s %s", w.Name, w.Status, w.Evidence)
		}
		suffix := "; 1,077 refused by geo restriction, not counted" +
			"; 12 refused at the edge with the origin not asked (AWS WAF or another edge refusal), not counted" +
			"; 3 refused for a missing or invalid signed URL or cookie, not counted"
		if g.Status != w.Status || g.Evidence != w.Evidence+suffix {
			t.Errorf("%s:\n got %s %q\nwant %s %q", g.Name, g.Status, g.Evidence, w.Status, w.Evidence+suffix)
		}
		wantNC := []NotCounted{
			{"geo-restriction", 1077, "1,077 refused by geo restriction, not counted"},
			{"edge-refusal", 12, "12 refused at the edge with the origin not asked (AWS WAF or another edge refusal), not counted"},
			{"signed-url", 3, "3 refused for a missing or invalid signed URL or cookie, not counted"},
		}
		gj, _ := json.Marshal(g.NotCounted)
		wj, _ := json.Marshal(wantNC)
		if string(gj) != string(wj) {
			t.Errorf("%s not_counted %s, want %s", g.Name, gj, wj)
		}
		if w.NotCounted != nil {
			t.Errorf("%s without refusals: not_counted %+v", w.Name, w.NotCounted)
		}
	}
	if got[3].Status != want[3].Status || got[3].NotCounted != nil {
		t.Errorf("auth-never-cached: %+v, want %s", got[3], want[3].Status)
	}
	b, err := json.Marshal(want[0])
	if err != nil || strings.Contains(string(b), "not_counted") {
		t.Errorf("a check with nothing left out carries not_counted: %s %v", b, err)
	}
}

// Refusals that are not the owner's choice still count: the edge refusing
// the credentials POST (InvalidRequestMethod), the origin's 403s, origin
// timeouts. A check whose every request was refused on purpose has no data.
func TestChecksCountWhatNextAuthDid(t *testing.T) {
	var cases []layerCase
	for range 10 {
		cases = append(cases,
			layerCase{status: "200", rt: "Miss", rrt: "Miss", d: "Miss", ttfb: "0.050", ctype: "application/json", clen: "80", path: "/api/auth/csrf"},
			origin("403", "application/json", "23", ReasonAPIGatewayJSON403),
			ec("504", "OriginCommError", "30.001", ReasonOriginTimeout),
			ec("403", "ClientGeoBlocked", "0.000", ReasonGeoRestriction),
			layerCase{status: "403", rt: "Error", rrt: "Error", d: "ClientGeoBlocked", ttfb: "0.000", path: "/api/auth/callback/github"},
		)
	}
	eng := mustNew(t, DefaultConfig())
	observeAll(t, eng, []byte(layerLog(cases)), "")
	cs := eng.Checks()
	if c := checkByName(t, cs, CheckSessionOK); c.Status != CheckFail || !strings.Contains(c.Evidence, "0 of 20 GET /api/auth/session") ||
		!strings.Contains(c.Evidence, "20 failed (403 ×10, 5xx ×10") || !strings.Contains(c.Evidence, "; 10 refused by geo restriction, not counted") {
		t.Errorf("session-ok: %+v", c)
	}
	if c := checkByName(t, cs, CheckCSRFOK); c.Status != CheckPass || c.NotCounted != nil {
		t.Errorf("csrf-ok: %+v", c)
	}
	c := checkByName(t, cs, CheckCallbackRedirects)
	if c.Status != CheckNoData || c.Evidence != "no /api/auth/callback/* requests answered by NextAuth: 10 refused by geo restriction, not counted" {
		t.Errorf("callback-redirects: %+v", c)
	}
}
