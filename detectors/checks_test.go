package detectors

import (
	"fmt"
	"io"
	"strings"
	"testing"
	"time"

	"github.com/cfwatch/cfwatch/loggen"
	"github.com/cfwatch/cfwatch/logparse"
)

func checkByName(t *testing.T, cs []Check, name string) Check {
	t.Helper()
	for _, c := range cs {
		if c.Name == name {
			return c
		}
	}
	t.Fatalf("no check %s in %v", name, cs)
	return Check{}
}

func TestChecksNoData(t *testing.T) {
	cs := mustNew(t, DefaultConfig()).Checks()
	var names []string
	for _, c := range cs {
		names = append(names, c.Name)
		if c.Status != CheckNoData || c.Evidence == "" {
			t.Errorf("%s: %s %q, want no-data with evidence", c.Name, c.Status, c.Evidence)
		}
	}
	if got := strings.Join(names, ","); got != "csrf-ok,session-ok,callback-redirects,auth-never-cached" {
		t.Errorf("checks %s", got)
	}
}

// session-ok fails on at least 5 failures that are more than 2% of the
// session requests, or when the endpoint never succeeded; fewer failures
// are evidence, not failure.
func TestChecksSessionThresholds(t *testing.T) {
	for _, tc := range []struct {
		name     string
		ok, f403 int
		want     string
		evidence []string
	}{
		{"healthy", 500, 0, CheckPass, []string{"500 of 500 GET /api/auth/session requests answered 200/204"}},
		{"isolated", 500, 4, CheckPass, []string{"4 failed (403 ×4", "isolated"}},
		{"few in a busy day", 5000, 20, CheckPass, []string{"20 failed", "isolated"}},
		{"broken", 100, 5, CheckFail, []string{"5 failed (403 ×5", "fails"}},
		{"small site, never works", 0, 2, CheckFail, []string{"never answered as expected"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			s := newSynth()
			e := mustNew(t, DefaultConfig())
			for i := 0; i < tc.ok; i++ {
				e.Observe(s.rec(time.Duration(i)*time.Second, "GET", "/api/auth/session", 200, i), "")
			}
			for i := 0; i < tc.f403; i++ {
				e.Observe(s.rec(time.Duration(i)*time.Minute, "GET", "/api/auth/session", 403, 1000+i), "")
			}
			c := checkByName(t, e.Checks(), CheckSessionOK)
			if c.Status != tc.want {
				t.Errorf("status %s, want %s: %s", c.Status, tc.want, c.Evidence)
			}
			for _, s := range tc.evidence {
				if !strings.Contains(c.Evidence, s) {
					t.Errorf("evidence lacks %q: %s", s, c.Evidence)
				}
			}
		})
	}
}

func TestChecksCallbackAndCache(t *testing.T) {
	s := newSynth()
	e := mustNew(t, DefaultConfig())
	e.Observe(s.rec(0, "GET", "/api/auth/callback/cognito", 302, 1), "")
	e.Observe(s.rec(time.Second, "POST", "/api/auth/callback/credentials", 200, 2), "")
	for i := 0; i < 10; i++ { // wrong passwords: NextAuth working
		e.Observe(s.rec(time.Minute, "POST", "/api/auth/callback/credentials", 401, 3), "")
	}
	e.Observe(s.rec(2*time.Minute, "GET", "/api/auth/csrf", 200, 4), "")
	cs := e.Checks()
	if c := checkByName(t, cs, CheckCallbackRedirects); c.Status != CheckPass || !strings.Contains(c.Evidence, "2 of 12") {
		t.Errorf("callback-redirects: %+v", c)
	}
	if c := checkByName(t, cs, CheckCSRFOK); c.Status != CheckPass {
		t.Errorf("csrf-ok: %+v", c)
	}
	if c := checkByName(t, cs, CheckAuthNeverCached); c.Status != CheckPass {
		t.Errorf("auth-never-cached: %+v", c)
	}

	// One cached answer proves the behavior caches.
	hit := s.rec(3*time.Minute, "GET", "/api/auth/session", 200, 5)
	hit.EdgeResultType, hit.EdgeDetailedResultType = "Hit", "Hit"
	e.Observe(hit, "")
	if c := checkByName(t, e.Checks(), CheckAuthNeverCached); c.Status != CheckFail || !strings.Contains(c.Evidence, "Hit ×1") {
		t.Errorf("auth-never-cached after a hit: %+v", c)
	}
}

// A handful of isolated 403s on /api/auth/session in a busy hour: no
// finding, and session-ok passes with the 403s in its evidence.
func TestChecksStray403Evidence(t *testing.T) {
	eng := mustNew(t, DefaultConfig())
	observeAll(t, eng, generate(t, loggen.Config{Seed: 3, Duration: time.Hour,
		Incidents: []loggen.Incident{incident(loggen.Stray403, 0, time.Hour, 3)}}), "")
	if fs := eng.Findings(); len(fs) != 0 {
		t.Errorf("findings on stray 403s: %+v", fs)
	}
	c := checkByName(t, eng.Checks(), CheckSessionOK)
	if c.Status != CheckPass || !strings.Contains(c.Evidence, "403 ×3") || !strings.Contains(c.Evidence, "isolated") {
		t.Errorf("session-ok: %+v", c)
	}
}

// A session request whose status the log gave unreadably is neither a
// success nor a failure; a logged 000 (the viewer left) still fails.
func TestChecksUnknownStatus(t *testing.T) {
	log := "#Fields: date time cs-method cs-uri-stem sc-status\n"
	for i := range 100 {
		log += fmt.Sprintf("2026-11-20\t12:%02d:%02d\tGET\t/api/auth/session\t200\n", i/60, i%60)
	}
	unknown := log
	for i := range 10 {
		unknown += fmt.Sprintf("2026-11-20\t12:30:%02d\tGET\t/api/auth/session\t99999999999\n", i)
	}
	noResponse := log
	for i := range 10 {
		noResponse += fmt.Sprintf("2026-11-20\t12:30:%02d\tGET\t/api/auth/session\t000\n", i)
	}
	observe := func(in string) Check {
		e := mustNew(t, DefaultConfig())
		r := logparse.NewReader(strings.NewReader(in))
		defer r.Close()
		var rec logparse.Record
		for {
			err := r.Read(&rec)
			if err == io.EOF {
				break
			}
			if err != nil {
				t.Fatal(err)
			}
			e.Observe(&rec, "E1")
		}
		return checkByName(t, e.Checks(), CheckSessionOK)
	}
	if c := observe(unknown); c.Status != CheckPass || strings.Contains(c.Evidence, "failed") {
		t.Errorf("unknown statuses: %s %q, want a pass with no failure", c.Status, c.Evidence)
	}
	if c := observe(noResponse); c.Status != CheckFail || !strings.Contains(c.Evidence, "10 failed") {
		t.Errorf("000s: %s %q, want 10 failures", c.Status, c.Evidence)
	}
}
