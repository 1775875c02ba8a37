package detectors

import (
	"bytes"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/cfwatch/cfwatch/loggen"
)

// cfLog builds standard-log lines (loggen.Header's 33 fields) by hand.
type cfLog struct {
	b   bytes.Buffer
	n   int
	t0  time.Time
	ids map[string]bool
}

func newCFLog() *cfLog {
	l := &cfLog{t0: scenarioStart, ids: map[string]bool{}}
	l.b.WriteString(loggen.Header)
	return l
}

// line adds a request at t0+at from client 203.0.113.<client>/24 blocks.
func (l *cfLog) line(at time.Duration, client int, method, path string, status int, result, detailed, ctype string, clen int, ttfb, ua string) string {
	l.n++
	id := fmt.Sprintf("TEST%05dxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx==", l.n)
	l.ids[id] = true
	ts := l.t0.Add(at)
	fields := []string{
		ts.Format("2006-01-02"), ts.Format("15:04:05"), "FRA56-P5", "1403",
		fmt.Sprintf("203.0.%d.%d", 113+client/250, 1+client%250), method, "d111111abcdef8.cloudfront.net", path,
		fmt.Sprint(status), "-", ua, "-", "-", result, id, loggen.DefaultDomain, "https", "320", "0.001", "-",
		"TLSv1.3", "TLS_AES_128_GCM_SHA256", result, "HTTP/1.1", "-", "-", "50294", ttfb, detailed, ctype,
		fmt.Sprint(clen), "-", "-",
	}
	l.b.WriteString(strings.Join(fields, "\t") + "\n")
	return id
}

const (
	uaScanner = "Mozilla/5.0%20zgrab/0.x"
	uaBrowser = "Mozilla/5.0%20(Macintosh;%20Intel%20Mac%20OS%20X%2010_15_7)%20AppleWebKit/605.1.15%20(KHTML,%20like%20Gecko)%20Version/17.3.1%20Safari/605.1.15"
)

// refused adds a request CloudFront refused itself, with its real
// signature: 403, Error/Error/InvalidRequestMethod, text/html 1053 bytes,
// time-to-first-byte 0.000.
func (l *cfLog) refused(at time.Duration, client int, method, path, ua string) string {
	return l.line(at, client, method, path, 403, "Error", "InvalidRequestMethod", "text/html", 1053, "0.000", ua)
}

// get adds a page load answered from the cache.
func (l *cfLog) get(at time.Duration, client int, path string) string {
	return l.line(at, client, "GET", path, 200, "Hit", "Hit", "text/html", 5120, "0.002", uaBrowser)
}

func (l *cfLog) findings(t *testing.T, cfg Config) []Finding {
	t.Helper()
	eng := mustNew(t, cfg)
	observeAll(t, eng, l.b.Bytes(), scenarioDistribution)
	return eng.Findings()
}

// The case: healthy traffic plus one scanner's POST /xmlrpc.php,
// refused by the default (GET/HEAD only) behavior. Nothing to report.
func TestMethodRejectedOneScanner(t *testing.T) {
	data := generate(t, loggen.Config{Seed: 42, RequestsPerHour: busy, Duration: time.Hour})
	l := newCFLog()
	l.refused(40*time.Minute, 7, "POST", "/xmlrpc.php", uaScanner)
	eng := mustNew(t, DefaultConfig())
	observeAll(t, eng, data, scenarioDistribution)
	observeAll(t, eng, l.b.Bytes(), scenarioDistribution)
	if fs := eng.Findings(); len(fs) != 0 {
		t.Fatalf("%d findings, want none: %s: %s", len(fs), fs[0].Summary(), fs[0].Cause)
	}
}

// Scanners POSTing to static paths, many of them and from several IPs:
// paths no visitor loads (/xmlrpc.php, /plugin/add), or that are no page
// (/wp-login.php, even if it answered GETs), or a page few clients refused
// on. None fires.
func TestMethodRejectedScannersQuiet(t *testing.T) {
	l := newCFLog()
	for i := range 60 {
		at := time.Duration(i) * time.Minute
		for c := range 12 {
			l.get(at+time.Duration(c)*time.Second, 100+c, "/")
			l.get(at+time.Duration(c)*time.Second, 100+c, "/wp-login.php")
		}
		path := []string{"/xmlrpc.php", "/wp-login.php", "/plugin/add", "/x7f3.php", "/boaform/admin/formLogin"}[i%5]
		l.refused(at+30*time.Second, i%8, "POST", path, uaScanner)
		// Three scanner IPs POST / (a page many load) 20 times: below the
		// distinct clients needed.
		if i%3 == 0 {
			l.refused(at+40*time.Second, 200+i%9/3, "POST", "/", uaScanner)
		}
		l.refused(at+50*time.Second, 300+i, "PROPFIND", "/api/items", uaScanner) // no method a behavior can allow
	}
	if fs := l.findings(t, DefaultConfig()); len(fs) != 0 {
		t.Fatalf("%d findings, want none: %s: %s", len(fs), fs[0].Summary(), fs[0].Cause)
	}
}

// On the paths the app serves, one refused sign-in POST is an incident.
func TestMethodRejectedSignInPOST(t *testing.T) {
	l := newCFLog()
	for c := range 5 {
		l.line(time.Duration(c)*time.Minute, c, "GET", "/api/auth/session", 200, "Miss", "Miss", "application/json", 2, "0.050", uaBrowser)
	}
	id := l.refused(10*time.Minute, 3, "POST", "/api/auth/callback/credentials", uaBrowser)
	fs := l.findings(t, DefaultConfig())
	if len(fs) != 1 {
		t.Fatalf("%d findings, want 1: %+v", len(fs), fs)
	}
	f := fs[0]
	if f.Rule != RuleMethodRejected || f.Severity != SeverityCritical || f.Group != "/api/*" || f.Count != 1 || f.Denominator != 1 ||
		f.Clients != 1 || len(f.Examples) != 1 || f.Examples[0] != id || f.Paths[0] != "/api/auth/callback/credentials" {
		t.Errorf("finding %+v", f)
	}
	for _, s := range []string{"GET, HEAD, OPTIONS, PUT, POST, PATCH, DELETE on the /api/* cache behavior", wantCachingDisabled} {
		if !strings.Contains(f.Remedy, s) {
			t.Errorf("remedy lacks %q: %s", s, f.Remedy)
		}
	}
	checkFinding(t, f, l.ids)
}

// sitePagePosts is a site whose /contact/ page posts its form to itself:
// 40 visitors load it, 12 of them submit the form and are refused by the
// static behavior. Three scanners POST /xmlrpc.php and / meanwhile. reverse writes the
// refusals before the page loads. ids are the refusals', in time order.
func sitePagePosts(reverse bool) (l *cfLog, ids []string) {
	l = newCFLog()
	var posts []func()
	for c := range 40 {
		at := time.Duration(c) * time.Minute
		if !reverse {
			l.get(at, c, "/contact/")
			l.get(at+time.Second, c, "/")
		}
		if c%3 == 0 {
			posts = append(posts, func() { ids = append(ids, l.refused(at+20*time.Second, c, "POST", "/contact/", uaBrowser)) })
		}
		l.refused(at+30*time.Second, 500+c%3, "POST", "/xmlrpc.php", uaScanner)
		l.refused(at+35*time.Second, 500+c%3, "POST", "/", uaScanner) // a page, but three scanners
	}
	for _, p := range posts {
		p()
	}
	if reverse {
		for c := range 40 {
			at := time.Duration(c) * time.Minute
			l.get(at, c, "/contact/")
			l.get(at+time.Second, c, "/")
		}
	}
	return l, ids
}

// Many visitors' POSTs to a page that also gets GETs: the app needs them,
// a behavior like /api/* must take them; the remedy never says to open the
// static behavior to POST.
func TestMethodRejectedSitePage(t *testing.T) {
	l, ids := sitePagePosts(false)
	fs := l.findings(t, DefaultConfig())
	if len(fs) != 1 {
		t.Fatalf("%d findings, want 1: %+v", len(fs), fs)
	}
	f := fs[0]
	if f.Rule != RuleMethodRejected || f.Severity != SeverityCritical || f.Group != "/*" ||
		f.Key != FindingKey(RuleMethodRejected, scenarioDistribution, loggen.DefaultDomain, "/*") {
		t.Errorf("finding %s %s %s", f.Key, f.Severity, f.Group)
	}
	// 14 refused POSTs of 40 loads + 14 POSTs, from 14 visitors; the
	// scanners' /xmlrpc.php and / are not among them.
	if f.Count != 14 || f.Denominator != 54 || f.Clients != 14 || f.DenominatorLabel != "requests to these pages" ||
		len(f.Paths) != 1 || f.Paths[0] != "/contact/" || f.Evidence["POST"] != 14 || f.Evidence["time_to_first_byte_zero"] != 14 || f.Evidence["pages"] != 1 {
		t.Errorf("finding: %s %v paths %q", f.Summary(), f.Evidence, f.Paths)
	}
	if f.FirstSeen != scenarioStart.Add(20*time.Second) || f.LastSeen != scenarioStart.Add(39*time.Minute+20*time.Second) {
		t.Errorf("seen %v – %v", f.FirstSeen, f.LastSeen)
	}
	checkFinding(t, f, l.ids)
	if fmt.Sprint(f.Examples) != fmt.Sprint(ids[:5]) {
		t.Errorf("examples %q, want the earliest refusals %q", f.Examples, ids[:5])
	}
	for _, s := range []string{"behavior like /api/*", "path pattern /contact/", "GET, HEAD, OPTIONS, PUT, POST, PATCH, DELETE", wantCachingDisabled, "ignore_paths", "scanners"} {
		if !strings.Contains(f.Remedy, s) {
			t.Errorf("remedy lacks %q: %s", s, f.Remedy)
		}
	}
	// Not the old advice: allowing POST on the default behavior.
	for _, s := range []string{"default", "on the cache behavior serving these paths", "Set Allowed HTTP methods"} {
		if strings.Contains(f.Remedy, s) {
			t.Errorf("remedy says %q: %s", s, f.Remedy)
		}
	}
	for _, s := range []string{"InvalidRequestMethod", "/contact/", "14 distinct clients", "Server Action"} {
		if !strings.Contains(f.Cause, s) {
			t.Errorf("cause lacks %q: %s", s, f.Cause)
		}
	}

	// The order of the records does not matter: the page loads may come
	// after the refusals (a later file).
	rl, rids := sitePagePosts(true)
	rs := rl.findings(t, DefaultConfig())
	if len(rs) != 1 || rs[0].Count != f.Count || rs[0].Denominator != f.Denominator || rs[0].Clients != f.Clients ||
		rs[0].Cause != f.Cause || !rs[0].FirstSeen.Equal(f.FirstSeen) || fmt.Sprint(rs[0].Examples) != fmt.Sprint(rids[:5]) {
		t.Errorf("reversed: %+v\nwant %+v", rs, f)
	}

	// Thresholds: fewer loaders than page_min_clients, fewer refused
	// clients than static_min_clients, a higher count or rate: no finding.
	for _, kv := range []string{"method_rejected.page_min_clients=41", "method_rejected.static_min_clients=15",
		"method_rejected.static_min_count=15", "method_rejected.static_min_rate=0.3"} {
		cfg := DefaultConfig()
		if err := cfg.SetAll([]string{kv}); err != nil {
			t.Fatal(err)
		}
		if fs := l.findings(t, cfg); len(fs) != 0 {
			t.Errorf("%s: %d findings: %s", kv, len(fs), fs[0].Summary())
		}
	}
}

// enabled=false silences a rule; ignore_paths silences a path, before
// every rule.
func TestMethodRejectedSwitches(t *testing.T) {
	site, _ := sitePagePosts(false)
	signIn := newCFLog()
	signIn.refused(time.Minute, 1, "POST", "/api/auth/callback/credentials", uaBrowser)
	signIn.refused(2*time.Minute, 2, "POST", "/api/items", uaBrowser)

	for _, c := range []struct {
		name    string
		set     []string
		json    string
		site    int // findings of each log
		signIn  int
		ignored bool
	}{
		{name: "defaults", site: 1, signIn: 1},
		{name: "disabled", set: []string{"rules.method_rejected.enabled=false"}},
		{name: "disabled-short", set: []string{"method_rejected.enabled=false"}},
		{name: "disabled-json", json: `{"rules": {"method_rejected": {"enabled": false}}}`},
		{name: "disabled-json-short", json: `{"method_rejected": {"enabled": false, "min_count": 3}}`},
		{name: "re-enabled", set: []string{"rules.method_rejected.enabled=false", "rules.method_rejected.enabled=true"}, site: 1, signIn: 1},
		{name: "other-rule-disabled", set: []string{"rules.origin_errors.enabled=false"}, site: 1, signIn: 1},
		{name: "ignore-page", set: []string{"ignore_paths=/contact/*,/contact/"}, signIn: 1, ignored: true},
		{name: "ignore-glob", set: []string{"ignore_paths=/con?act*"}, signIn: 1, ignored: true},
		{name: "ignore-api", json: `{"ignore_paths": ["/api/auth/*", "*/items"]}`, site: 1},
		{name: "ignore-other", set: []string{`ignore_paths=["/xmlrpc.php"]`}, site: 1, signIn: 1, ignored: true},
	} {
		t.Run(c.name, func(t *testing.T) {
			cfg := DefaultConfig()
			if c.json != "" {
				var err error
				if cfg, err = ParseConfig([]byte(c.json), "test"); err != nil {
					t.Fatal(err)
				}
			}
			if err := cfg.SetAll(c.set); err != nil {
				t.Fatal(err)
			}
			if err := cfg.Validate(); err != nil {
				t.Fatal(err)
			}
			if fs := site.findings(t, cfg); len(fs) != c.site {
				t.Errorf("site page: %d findings, want %d", len(fs), c.site)
			}
			if fs := signIn.findings(t, cfg); len(ruleFindings(fs, RuleMethodRejected)) != c.signIn {
				t.Errorf("sign-in: %d findings, want %d", len(fs), c.signIn)
			}
			eng := mustNew(t, cfg)
			observeAll(t, eng, site.b.Bytes(), "")
			if got := eng.Stats().Ignored > 0; got != c.ignored {
				t.Errorf("ignored %d records", eng.Stats().Ignored)
			}
		})
	}
}

// Every rule can be switched off; the others keep firing.
func TestRulesEnabled(t *testing.T) {
	data := generate(t, mixedConfig())
	all := mustNew(t, DefaultConfig())
	observeAll(t, all, data, "E1")
	fired := map[string]int{}
	for _, f := range all.Findings() {
		fired[f.Rule]++
	}
	if len(fired) < 3 {
		t.Fatalf("the mixed scenario fires %v", fired)
	}
	for i, rule := range Rules() {
		cfg := DefaultConfig()
		if err := cfg.Set("rules."+ruleKeys[i]+".enabled", "false"); err != nil {
			t.Fatal(err)
		}
		eng := mustNew(t, cfg)
		observeAll(t, eng, data, "E1")
		got := map[string]int{}
		for _, f := range eng.Findings() {
			got[f.Rule]++
		}
		for r, n := range fired {
			want := n
			if r == rule {
				want = 0
			}
			if got[r] != want {
				t.Errorf("%s off: %d %s findings, want %d", rule, got[r], r, want)
			}
		}
	}
}

func TestGlobMatch(t *testing.T) {
	for _, c := range []struct {
		pattern, path string
		want          bool
	}{
		{"/xmlrpc.php", "/xmlrpc.php", true},
		{"/xmlrpc.php", "/xmlrpc.php5", false},
		{"/xmlrpc.php", "/a/xmlrpc.php", false},
		{"*.php", "/a/b/c.php", true},
		{"*.php", "/a.php/x", false},
		{"/wp-*", "/wp-admin/setup-config.php", true},
		{"/wp-*", "/wp", false},
		{"/api/*/x", "/api/a/b/x", true},
		{"/a?c", "/abc", true},
		{"/a?c", "/ac", false},
		{"/a?c", "/aéc", true}, // one character, two bytes
		{"/*", "/", true},
		{"*", "", true},
		{"/a*b*c", "/aXbYbZc", true},
		{"/a*b*c", "/aXbYbZ", false},
		{"/100%", "/100%", true},
		{"/a_b", "/a_b", true},
		{"/a_b", "/aXb", false},
	} {
		if got := globMatch(c.pattern, c.path); got != c.want {
			t.Errorf("globMatch(%q, %q) = %v, want %v", c.pattern, c.path, got, c.want)
		}
	}
	if got := LikePattern(`/a_b%c\d*e?`); got != `/a\_b\%c\\d%e_` {
		t.Errorf("LikePattern: %s", got)
	}
}
