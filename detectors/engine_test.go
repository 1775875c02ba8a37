package detectors

import (
	"compress/gzip"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"reflect"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/cfwatch/cfwatch/loggen"
	"github.com/cfwatch/cfwatch/logparse"
)

// mixed is a scenario with several incidents at once.
func mixedConfig() loggen.Config {
	return loggen.Config{
		Seed: 9, RequestsPerHour: 3000, Duration: 2 * time.Hour,
		Incidents: []loggen.Incident{
			incident(loggen.Auth403Callback, 0, time.Hour, 0),
			incident(loggen.MethodRejected, 30*time.Minute, 90*time.Minute, 0),
			incident(loggen.Origin5xx, time.Hour, 2*time.Hour, 0),
			incident(loggen.ScannerFlood, 0, 2*time.Hour, 0.5),
		},
	}
}

// Same records in the same order: same findings, and Findings does not
// disturb the Engine.
func TestDeterministic(t *testing.T) {
	data := generate(t, mixedConfig())
	a, b, mid := mustNew(t, DefaultConfig()), mustNew(t, DefaultConfig()), mustNew(t, DefaultConfig())
	observeAll(t, a, data, "E1")
	observeAll(t, b, data, "E1")

	// mid is asked for findings and checks every 10,000 records.
	r := logparse.NewReader(strings.NewReader(string(data)))
	var rec logparse.Record
	for i := 0; ; i++ {
		if err := r.Read(&rec); err != nil {
			break
		}
		mid.Observe(&rec, "E1")
		if i%10_000 == 0 {
			mid.Findings()
			mid.Checks()
		}
	}

	fa := a.Findings()
	if len(fa) < 3 {
		t.Fatalf("only %d findings: %+v", len(fa), fa)
	}
	for name, got := range map[string][]Finding{"second engine": b.Findings(), "second call": a.Findings(), "interleaved calls": mid.Findings()} {
		if !reflect.DeepEqual(got, fa) {
			t.Errorf("%s: findings differ:\n%+v\n%+v", name, got, fa)
		}
	}
	if !reflect.DeepEqual(a.Checks(), mid.Checks()) {
		t.Error("checks differ")
	}
	// Sorted: most severe first, then first_seen, then key.
	if !slices.IsSortedFunc(fa, func(x, y Finding) int {
		if x.Severity.Rank() != y.Severity.Rank() {
			return y.Severity.Rank() - x.Severity.Rank()
		}
		if c := x.FirstSeen.Compare(y.FirstSeen); c != 0 {
			return c
		}
		return strings.Compare(x.Key, y.Key)
	}) {
		t.Error("findings not sorted")
	}
}

// CloudFront writes several files per hour whose records each span the
// hour. Reading them one after the other must give the same counts as the
// time-ordered stream.
func TestOutOfOrderFiles(t *testing.T) {
	cfg := mixedConfig()
	cfg.Start = scenarioStart
	cfg.FilesPerHour = 4
	dir := t.TempDir()
	files, err := loggen.WriteDir(t.Context(), dir, cfg)
	if err != nil {
		t.Fatal(err)
	}
	slices.Sort(files)
	unordered := mustNew(t, DefaultConfig())
	for _, name := range files {
		key, ok := logparse.ParseKey(filepath.Base(name))
		if !ok {
			t.Fatalf("key %s", name)
		}
		f, err := os.Open(name)
		if err != nil {
			t.Fatal(err)
		}
		zr, err := gzip.NewReader(f)
		if err != nil {
			t.Fatal(err)
		}
		data, err := io.ReadAll(zr)
		f.Close()
		if err != nil {
			t.Fatal(err)
		}
		observeAll(t, unordered, data, key.DistributionID)
	}
	ordered := mustNew(t, DefaultConfig())
	observeAll(t, ordered, generate(t, cfg), loggen.DefaultDistributionID)
	if st := unordered.Stats(); st.Late != 0 {
		t.Errorf("late records: %+v", st)
	}
	fu, fo := unordered.Findings(), ordered.Findings()
	if len(fu) != len(fo) || len(fo) == 0 {
		t.Fatalf("%d findings out of order, %d in order", len(fu), len(fo))
	}
	for i := range fo {
		u, o := fu[i], fo[i]
		if u.Key != o.Key || u.Count != o.Count || u.Denominator != o.Denominator || u.Clients != o.Clients ||
			!u.FirstSeen.Equal(o.FirstSeen) || !u.LastSeen.Equal(o.LastSeen) {
			t.Errorf("out of order:\n%s %s\nin order:\n%s %s", u.Key, u.Summary(), o.Key, o.Summary())
		}
	}
	if !reflect.DeepEqual(unordered.Checks(), ordered.Checks()) {
		t.Errorf("checks differ")
	}
}

// A record further behind the newest than Reorder is only counted by the
// checks.
func TestLateRecords(t *testing.T) {
	s := newSynth()
	e := mustNew(t, DefaultConfig())
	e.Observe(s.rec(0, "GET", "/api/auth/session", 200, 1), "")
	e.Observe(s.rec(3*time.Hour, "GET", "/api/auth/session", 200, 1), "")
	e.Observe(s.rec(80*time.Minute, "GET", "/api/auth/session", 200, 1), "") // 100 min behind
	e.Observe(s.rec(2*time.Hour, "GET", "/api/auth/session", 200, 1), "")    // 60 min behind: fine
	if st := e.Stats(); st.Late != 1 || st.Records != 4 {
		t.Errorf("stats %+v, want 1 late of 4", st)
	}
	if c := checkByName(t, e.Checks(), CheckSessionOK); !strings.HasPrefix(c.Evidence, "4 of 4") {
		t.Errorf("session-ok: %+v", c)
	}
}

// A long input with many separate incidents of one kind: one finding per
// key, first/last seen spanning them all, counts summed, bounded state.
func TestLongInputMergesBursts(t *testing.T) {
	s := newSynth()
	e := mustNew(t, DefaultConfig())
	const days, every, perBurst = 5, 3 * time.Hour, 10
	bursts := 0
	for at := time.Duration(0); at < days*24*time.Hour; at += 10 * time.Minute {
		burst := at%every == 0
		for i := 0; i < 20; i++ {
			r := s.rec(at+time.Duration(i)*time.Second, "GET", "/api/auth/session", 200, i)
			if burst && i < perBurst {
				r.EdgeResultType, r.EdgeDetailedResultType = "Hit", "Hit"
			}
			e.Observe(r, "E1")
		}
		if burst {
			bursts++
		}
	}
	fs := ruleFindings(e.Findings(), RuleAuthCacheHit)
	if len(fs) != 1 {
		t.Fatalf("%d auth-cache-hit findings: %+v", len(fs), fs)
	}
	f := fs[0]
	if f.Count != int64(bursts*perBurst) || f.Denominator != int64(bursts*20) {
		t.Errorf("count %d of %d, want %d of %d", f.Count, f.Denominator, bursts*perBurst, bursts*20)
	}
	if !f.FirstSeen.Equal(s.t0) || f.LastSeen.Before(s.t0.Add((days*24-3)*time.Hour)) {
		t.Errorf("seen %v – %v", f.FirstSeen, f.LastSeen)
	}
	if f.Clients != perBurst || len(f.Examples) != maxExamples {
		t.Errorf("clients %d, examples %d", f.Clients, len(f.Examples))
	}
	cacheHit := e.hosts[0].rs[e.ruleByID(RuleAuthCacheHit).idx][0]
	if len(cacheHit.ring) != e.k || len(cacheHit.acc.eps) > maxEpisodes || len(cacheHit.pending) > perBurst {
		t.Errorf("state not bounded: ring %d, episodes %d, pending %d", len(cacheHit.ring), len(cacheHit.acc.eps), len(cacheHit.pending))
	}
}

func TestHostAndGroupCaps(t *testing.T) {
	cfg := DefaultConfig()
	cfg.MaxHosts = 4
	cfg.MaxPathGroups = 3
	cfg.MaxClients = 7
	e := mustNew(t, cfg)
	s := newSynth()
	for i := 0; i < 10; i++ {
		s.host = fmt.Sprintf("h%d.example.com", i)
		e.Observe(s.rec(0, "GET", "/", 200, i), "E1")
	}
	s.host = "app.example.com"
	// 5xx on 10 API groups of h0... from 50 clients.
	for i := 0; i < 200; i++ {
		e.Observe(s.rec(time.Duration(i)*time.Second, "GET", fmt.Sprintf("/api/g%d/x", i%10), 502, i%50), "E1")
	}
	st := e.Stats()
	if st.Hosts != 4 || st.PooledHosts == 0 {
		t.Errorf("stats %+v", st)
	}
	fs := ruleFindings(e.Findings(), RuleOriginErrors)
	var groups []string
	for _, f := range fs {
		groups = append(groups, f.Host+" "+f.Group)
		// One origin failing everywhere: the groups fold into the largest.
		for _, r := range f.Related {
			groups = append(groups, f.Host+" "+r.Group)
		}
		// Each group fails for 5 clients; the pooled "/api/*" for 35.
		if f.Group == "/api/*" && (f.Clients != 7 || !f.ClientsCapped || f.ClientsText() != "≥7") ||
			f.Group != "/api/*" && (f.Clients != 5 || f.ClientsCapped) {
			t.Errorf("%s: clients %d capped %v", f.Key, f.Clients, f.ClientsCapped)
		}
	}
	slices.Sort(groups)
	want := []string{"* /api/*", "* /api/g0", "* /api/g1", "* /api/g2"}
	if !reflect.DeepEqual(groups, want) {
		t.Errorf("groups %q, want %q", groups, want)
	}
}

// An endpoint that always fails somewhat is judged against its baseline.
func TestAuth403Baseline(t *testing.T) {
	for _, tc := range []struct {
		burstRate int // % of 403s in the last hour
		fire      bool
	}{{40, false}, {80, true}} {
		s := newSynth()
		e := mustNew(t, DefaultConfig())
		for at := time.Duration(0); at < 11*time.Hour; at += time.Minute {
			rate := 10 // % of 403s normally: below min_rate, the baseline
			if at >= 10*time.Hour {
				rate = tc.burstRate
			}
			for i := 0; i < 10; i++ {
				status := 200
				if i < rate/10 {
					status = 403
				}
				e.Observe(s.rec(at+time.Duration(i)*time.Second, "GET", "/api/auth/session", status, i), "E1")
			}
		}
		fs := ruleFindings(e.Findings(), RuleAuth403Burst)
		if (len(fs) > 0) != tc.fire {
			t.Errorf("burst at %d%% over a 10%% baseline: fired %v, want %v: %+v", tc.burstRate, len(fs) > 0, tc.fire, fs)
		}
	}
}

// Traffic split between the custom domain and the *.cloudfront.net name,
// without distribution IDs: the hosts are matched by cs(Host).
func TestSplitHostsWithoutDistribution(t *testing.T) {
	s := newSynth()
	e := mustNew(t, DefaultConfig())
	for i := 0; i < 100; i++ {
		s.host = "app.example.com"
		if i%4 == 0 {
			s.host = "d111111abcdef8.cloudfront.net"
		}
		e.Observe(s.rec(time.Duration(i)*time.Second, "GET", "/api/auth/session", 200, i), "")
	}
	fs := ruleFindings(e.Findings(), RuleAuthInsecureScheme)
	if len(fs) != 1 {
		t.Fatalf("%d findings: %+v", len(fs), fs)
	}
	f := fs[0]
	if f.Host != "app.example.com" || f.Count != 25 || f.Denominator != 100 || f.Evidence["via_cloudfront_domain"] != 25 ||
		f.Key != "auth-insecure-scheme||app.example.com|/api/auth/*" {
		t.Errorf("finding %+v", f)
	}
	// A distribution used only through its cloudfront.net name is not split.
	s, e = newSynth(), mustNew(t, DefaultConfig())
	s.host = "d111111abcdef8.cloudfront.net"
	for i := 0; i < 100; i++ {
		e.Observe(s.rec(time.Duration(i)*time.Second, "GET", "/api/auth/session", 200, i), "")
	}
	if fs := e.Findings(); len(fs) != 0 {
		t.Errorf("findings: %+v", fs)
	}
}

// method-rejected is about any refused method, and never about origin 403s.
func TestMethodRejectedOnlyEdge(t *testing.T) {
	s := newSynth()
	e := mustNew(t, DefaultConfig())
	for i := 0; i < 20; i++ {
		r := s.rec(time.Duration(i)*time.Second, "POST", "/api/items", 403, i) // the origin's 403
		r.TimeToFirstByte = 0.05
		e.Observe(r, "E1")
	}
	if fs := e.Findings(); len(ruleFindings(fs, RuleMethodRejected)) != 0 {
		t.Errorf("method-rejected on origin 403s: %+v", fs)
	}
	r := s.rec(time.Minute, "DELETE", "/api/items/3", 403, 99)
	r.EdgeDetailedResultType = "InvalidRequestMethod"
	e.Observe(r, "E1")
	fs := ruleFindings(e.Findings(), RuleMethodRejected)
	if len(fs) != 1 || fs[0].Count != 1 || fs[0].Denominator != 21 || fs[0].Evidence["DELETE"] != 1 || fs[0].Group != "/api/*" {
		t.Errorf("method-rejected: %+v", fs)
	}
}

// Observe allocates nothing for ordinary records.
func TestObserveDoesNotAllocate(t *testing.T) {
	s := newSynth()
	cfg := DefaultConfig()
	cfg.IgnorePaths = []string{"/xmlrpc.php", "/wp-*", "*.env"}
	e := mustNew(t, cfg)
	refused := s.rec(0, "POST", "/contact/", 403, 8)
	refused.EdgeDetailedResultType = "InvalidRequestMethod"
	recs := []*logparse.Record{
		s.rec(0, "GET", "/", 200, 1),
		s.rec(0, "GET", "/items/42/", 200, 7),
		refused,
		s.rec(0, "POST", "/xmlrpc.php", 403, 9),
		s.rec(0, "GET", "/_next/static/chunks/main-0123.js", 200, 1),
		s.rec(0, "GET", "/_next/static/chunks/pages/items/%5Bid%5D-0123.js", 200, 1),
		s.rec(0, "GET", "/api/auth/session", 200, 2),
		s.rec(0, "POST", "/api/auth/callback/credentials", 200, 3),
		s.rec(0, "GET", "/api/items/12", 200, 4),
		s.rec(0, "OPTIONS", "/api/items", 204, 5),
		s.rec(0, "PUT", "/api/items/12", 200, 6),
	}
	recs[2].Cookie = "__Secure-next-auth.session-token=x"
	// Failures of the issue-16 rules: S3's error on the API, HTML for
	// NextAuth's JSON, a write refused by the origin.
	s3 := s.rec(0, "GET", "/api/auth/csrf", 403, 10)
	s3.ContentType, s3.EdgeResultType, s3.EdgeDetailedResultType = "application/xml", "Error", "Error"
	html := s.rec(0, "GET", "/api/auth/providers", 200, 11)
	html.ContentType, html.EdgeResultType = "text/html", "Error"
	write := s.rec(0, "POST", "/api/items", 403, 12)
	write.ContentType = "application/json"
	recs = append(recs, s3, html, write)
	for _, r := range recs { // create the state
		e.Observe(r, "E1")
	}
	allocs := testing.AllocsPerRun(200, func() {
		for _, r := range recs {
			e.Observe(r, "E1")
		}
	})
	if allocs != 0 {
		t.Errorf("Observe allocates %.1f times per round", allocs)
	}
}

func TestSeverityRank(t *testing.T) {
	if !(SeverityCritical.Rank() > SeverityWarning.Rank() && SeverityWarning.Rank() > SeverityInfo.Rank() && SeverityInfo.Rank() > Severity("x").Rank()) {
		t.Error("ranks out of order")
	}
}
