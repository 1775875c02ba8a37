package athena

import (
	"context"
	"encoding/json"
	"fmt"
	"math/rand/v2"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/cfwatch/cfwatch/dataset"
	"github.com/cfwatch/cfwatch/detectors"
	"github.com/cfwatch/cfwatch/internal/datasettest"
	"github.com/cfwatch/cfwatch/loggen"
	"github.com/cfwatch/cfwatch/report"
)

// Paths whose classification takes the detectors' normalisation: prefixes
// and near-misses, "//", dot segments, %-escapes once and twice, paths
// that climb out of the root, and a second API prefix inside the first.
var trickyPaths = []string{
	"/", "/index.html", "-", "*", "/api", "/api/", "/api/items", "/api/items/42", "/api/v1/things", "/api/v1",
	"/api/auth", "/api/auth/", "/api/auth/session", "/api/auth/session/", "/api/auth/csrf", "/api/auth/signout",
	"/api/auth/callback/google", "/api/auth/callback/", "/api/auth/callback/a/b", "/api/auth/signin",
	"/api/auth/signin/github", "/api/auth/providers", "/api/auth/unknown/x", "/api/authx", "/api/authx/session",
	"/api//auth/session", "/api/./auth/session", "/api/auth/../auth/session", "/api/auth/%73ession",
	"/api/auth/%2573ession", "/%61pi/auth/csrf", "/api/auth/%2e%2e/%2e%2e/etc/passwd", "/api/auth/../../etc/passwd",
	"/api/.env", "/admin/.env", "/.env", "//api/auth/session", "/a/../api/auth/session", "/x/../api/auth/session",
	"/api/auth/callback/%zz", "/api/items%2Fx", "/_next/static/chunks/%5Bid%5D.js", "/api/auth/session/.",
	"/api/auth/..", "/api/..", "/api/%2e%2e/x", "/api/auth/session%2F..%2F..%2Fcsrf", "/ap", "/apix/y",
	"/../api/auth/session", "/api/auth/../../../api/auth/session", "/./api/auth/csrf", "//api//auth//signout",
}

// trickyLog writes n records over two hours, every field drawn from values
// that the rules tell apart, in two files of each hour.
func trickyLog(t *testing.T, dir string, n int) {
	t.Helper()
	rng := rand.New(rand.NewPCG(1, 2))
	pick := func(vs ...string) string { return vs[rng.IntN(len(vs))] }
	// Request sizes and session tokens in chunks (auth-cookie-oversize),
	// drawn apart so as not to change the other fields' draws.
	sz := rand.New(rand.NewPCG(3, 4))
	tokens := []string{"next-auth.session-token", "__Secure-next-auth.session-token", "authjs.session-token",
		"__Host-__Secure-authjs.session-token", "better-auth.session_token", "next-auth.session-tokenx"}
	type line struct {
		at   time.Time
		text string
	}
	files := map[string][]line{}
	for i := range n {
		at := t0.Add(time.Duration(rng.Int64N(int64(2 * time.Hour))))
		at = at.Truncate(time.Second)
		// Values a log may give unreadably (a status out of range, a
		// fraction for a byte count) are NULL in the dataset, unknown to
		// both engines.
		status := pick("200", "200", "200", "302", "401", "403", "403", "404", "500", "502", "000", "99999999999")
		detailed := pick("Miss", "Miss", "Hit", "RefreshHit", "OriginShieldHit", "-", "Error", "OriginConnectError", "OriginReadError")
		result := pick("Miss", "Hit", "RefreshHit", "Error", "Redirect")
		method := pick("GET", "GET", "HEAD", "POST", "POST", "OPTIONS", "PUT")
		if rng.IntN(25) == 0 {
			status, detailed, result = "403", "InvalidRequestMethod", "Error"
		}
		hostHeader := pick("app.example.com", "app.example.com", "d111111abcdef8.cloudfront.net", "-", "other.example.com")
		cookie := pick("-", "-", "next-auth.session-token=abc;%20_ga=1", "_ga=GA1", "a=1%3Bnext-auth.csrf-token=x",
			"__Secure-authjs.session-token.0=x", "__Host-next-auth.csrf-token=y", "next-auth.=z")
		if hostHeader == "other.example.com" {
			// This host's only NextAuth cookie hides behind an encoded
			// separator, which the detectors decode (the dataset keeps it:
			// it is part of a name).
			cookie = pick("-", "_ga=GA1", "x%3Bnext-auth.csrf-token=1")
		}
		query := pick("-", "code=abc&state=def", "page=2", "state=x")
		ttfb := pick("-", "0.000", "0.012", "0.5")
		ctype := pick("-", "application/json", "text/html", "application/json;charset=utf-8", "text/xml", "application/xml")
		clen := pick("-", "0", "34", "300", "9000", "570129.7648412298")
		proto := pick("https", "https", "https", "http")
		if cookie == "x%3Bnext-auth.csrf-token=1" && (status != "200" || proto != "https" || detailed != "Miss") {
			// Only on requests no rule counts as failing: the host's
			// NextAuth cookies are then known only from the counted ones.
			cookie = "_ga=GA1"
		}
		csBytes := pick("100", "-")
		if sz.IntN(2) == 0 {
			csBytes = strconv.Itoa(sz.IntN(20000))
		}
		if strings.Contains(cookie, "session-token") && sz.IntN(2) == 0 {
			// More chunks as time goes: each hour has a most of its own.
			name, n := tokens[sz.IntN(len(tokens))], 1+sz.IntN(1+int(at.Sub(t0)/(20*time.Minute)))
			pairs := []string{"_ga=GA1"}
			for i := range n {
				pairs = append(pairs, fmt.Sprintf("%s.%d=v", name, i))
			}
			cookie = strings.Join(pairs, ";%20")
		}
		fields := []string{
			at.Format("2006-01-02"), at.Format("15:04:05"), "IAD89-C1", pick("512", "-", "0", "9223372036854775807"),
			fmt.Sprintf("192.0.2.%d", rng.IntN(60)+1), method, "d111111abcdef8.cloudfront.net",
			pick(trickyPaths...), status, "-", "Mozilla/5.0", query, cookie, result,
			fmt.Sprintf("req%06dx%02d==", i, rng.IntN(100)), hostHeader, proto, csBytes, "0.010", "-",
			"TLSv1.3", "TLS_AES_128_GCM_SHA256", result, "HTTP/2.0", "-", "-", "443", ttfb, detailed, ctype, clen, "-", "-",
		}
		name := fmt.Sprintf("E2QWRUHEXAMPLE.%s.%08x", at.Format("2006-01-02-15"), rng.IntN(2))
		files[name] = append(files[name], line{at, strings.Join(fields, "\t")})
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	for name, lines := range files {
		slices.SortStableFunc(lines, func(a, b line) int { return a.at.Compare(b.at) })
		var b strings.Builder
		b.WriteString(loggen.Header)
		for _, l := range lines {
			b.WriteString(l.text + "\n")
		}
		if err := os.WriteFile(filepath.Join(dir, name), []byte(b.String()), 0o644); err != nil {
			t.Fatal(err)
		}
	}
}

// TestTrickyPaths: on traffic made of the cases the rules tell apart, with
// every threshold lowered so that the rules fire on almost anything, the
// statements give the local engine's report.
func TestTrickyPaths(t *testing.T) {
	tmp := t.TempDir()
	trickyLog(t, filepath.Join(tmp, "logs"), 30000)
	root := filepath.Join(tmp, "ds")
	datasettest.Write(t, filepath.Join(tmp, "logs"), root, dataset.Options{})
	db := openTable(t, root)

	cfg := detectors.DefaultConfig()
	cfg.APIPrefixes = []string{"/api", "/api/v1"}
	low := detectors.Threshold{MinCount: 2, MinRate: 0.01}
	cfg.AuthCacheHit, cfg.MethodRejected.Threshold, cfg.CORSPreflightRejected = low, low, low
	cfg.AuthCookieMissing, cfg.AuthInsecureScheme, cfg.APIOriginForbidden = low, low, low
	cfg.Auth403Burst.Threshold, cfg.OriginErrors.Threshold = low, low
	cfg.APIRoutedToStaticOrigin, cfg.PostSignatureRejected, cfg.AuthHTMLResponse = low, low, low
	cfg.MethodRejected.StaticMinCount, cfg.MethodRejected.StaticMinClients = 2, 2
	cfg.MethodRejected.StaticMinRate, cfg.MethodRejected.PageMinClients = 0.001, 2
	cfg.MaxPathGroups = 1000
	// Not api-origin-forbidden: it would fold the NextAuth and CORS bursts.
	noForbidden := cfg
	noForbidden.APIOriginForbidden = detectors.Threshold{MinCount: 1 << 40, MinRate: 1}
	// Nor the rules that fold them on a cause of their own.
	noForbidden.APIRoutedToStaticOrigin = detectors.Threshold{Disabled: true, MinCount: 1}
	noForbidden.PostSignatureRejected = detectors.Threshold{Disabled: true, MinCount: 1}
	// ignore_paths of every kind of path: placed as logged, decoded, or
	// normalised by the detectors only.
	ignoring := noForbidden
	ignoring.IgnorePaths = []string{"/api/auth/session", "*/etc/passwd", "/index.html", "/api/items*", "*.js", "/ap?", "/api/v1/*", "/api/auth/c?llback/*"}
	// auth-cookie-oversize firing, with a warn_bytes under its SQL's, in
	// a window that does not divide an hour: the counts on the auth prefix
	// are split at the hour, whose chunks differ.
	oversize := detectors.DefaultConfig()
	oversize.APIPrefixes = []string{"/api", "/api/v1"}
	oversize.Window = 7 * time.Minute
	oversize.AuthCookieOversize.Threshold = low
	oversize.AuthCookieOversize.WarnBytes = 9000
	for _, c := range []struct {
		name string
		opts report.Options
	}{
		{"low-thresholds", report.Options{Window: window(0, 2*time.Hour), Detectors: &cfg, TopN: 40}},
		{"low-no-forbidden", report.Options{Window: window(0, 2*time.Hour), Detectors: &noForbidden}},
		{"low-ignoring", report.Options{Window: window(0, 2*time.Hour), Detectors: &ignoring}},
		{"oversize", report.Options{Window: window(0, 2*time.Hour), Detectors: &oversize}},
		{"defaults", func() report.Options {
			w := window(time.Hour, 2*time.Hour)
			b := report.Shifted(w, time.Hour)
			return report.Options{Window: w, Baseline: &b, TopN: 40}
		}()},
	} {
		t.Run(c.name, func(t *testing.T) {
			local := localReport(t, root, c.opts)
			rep, err := Run(context.Background(), &duck{db: db}, c.opts, Options{Dialect: DuckDB})
			if err != nil {
				t.Fatal(err)
			}
			if l, a := jsonOf(t, local, false), jsonOf(t, rep, false); l != a {
				t.Errorf("reports differ:\n%s", firstDiff(l, a))
			}
			if c.name == "oversize" && !slices.ContainsFunc(rep.Findings, func(f detectors.Finding) bool {
				return f.Rule == detectors.RuleAuthCookieOversize && f.Evidence["session_token_chunks_last_hour"] > f.Evidence["session_token_chunks_first_hour"]
			}) {
				t.Error("no auth-cookie-oversize finding with more chunks in the last hour than in the first")
			}
			if c.name == "low-ignoring" {
				other, _ := json.Marshal(localReport(t, root, report.Options{Window: window(0, 2*time.Hour), Detectors: &noForbidden}).Findings)
				if mine, _ := json.Marshal(local.Findings); string(mine) == string(other) {
					t.Error("ignore_paths changed no finding")
				}
			}
			if c.name == "low-no-forbidden" {
				var rules []string
				for _, f := range local.Findings {
					if !slices.Contains(rules, f.Rule) {
						rules = append(rules, f.Rule)
					}
					for _, r := range f.Related {
						if !slices.Contains(rules, r.Rule) {
							rules = append(rules, r.Rule)
						}
					}
				}
				// The seed's eight rules but one: the tricky paths are theirs.
				if len(rules) < 7 || len(local.Findings) < 15 {
					t.Errorf("%d findings of rules %v: the test needs the rules to fire", len(local.Findings), rules)
				}
				// auth-403-burst takes it in where its failures are 403s.
				if !slices.ContainsFunc(local.Findings, func(f detectors.Finding) bool {
					return f.Host == "other.example.com" && (f.Rule == detectors.RuleAuthCookieMissing ||
						slices.ContainsFunc(f.Related, func(r detectors.Related) bool { return r.Rule == detectors.RuleAuthCookieMissing }))
				}) {
					t.Error("no auth-cookie-missing finding for the host whose NextAuth cookie is encoded")
				}
				if !slices.ContainsFunc(local.Findings, func(f detectors.Finding) bool {
					return f.Rule == detectors.RuleMethodRejected && f.Group == "/*"
				}) {
					t.Error("no method-rejected finding on the static behavior")
				}
			}
		})
	}
}
