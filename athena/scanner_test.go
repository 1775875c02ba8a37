package athena

import (
	"context"
	"database/sql"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/cfwatch/cfwatch/alert"
	"github.com/cfwatch/cfwatch/dataset"
	"github.com/cfwatch/cfwatch/detectors"
	"github.com/cfwatch/cfwatch/internal/athenatest"
	"github.com/cfwatch/cfwatch/internal/datasettest"
	"github.com/cfwatch/cfwatch/loggen"
	"github.com/cfwatch/cfwatch/report"
)

// siteLog writes, beside loggen's traffic, what it does not make: a site
// whose /contact/ page posts its form to itself, refused by the static
// behavior for the 15 of its 45 visitors who submit it; scanners POSTing
// to / (a page) from three IPs, to /xmlrpc.php from many; a refused
// sign-in POST; and refused POSTs whose paths only the detectors can
// normalise ("/a/../contact/", "/api/%2e%2e/contact/").
func siteLog(t *testing.T, dir string) {
	t.Helper()
	var b strings.Builder
	b.WriteString(loggen.Header)
	n := 0
	line := func(at time.Duration, client, method, path string, status int, result, detailed, ttfb, ua string) {
		n++
		ts := t0.Add(time.Hour + at)
		fields := []string{
			ts.Format("2006-01-02"), ts.Format("15:04:05"), "FRA56-P5", "1403", client, method,
			"d111111abcdef8.cloudfront.net", path, fmt.Sprint(status), "-", ua, "-", "-", result,
			fmt.Sprintf("SITE%05dxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx==", n), loggen.DefaultDomain, "https", "320",
			"0.001", "-", "TLSv1.3", "TLS_AES_128_GCM_SHA256", result, "HTTP/1.1", "-", "-", "50294", ttfb, detailed,
			"text/html", "1053", "-", "-",
		}
		b.WriteString(strings.Join(fields, "\t") + "\n")
	}
	refused := func(at time.Duration, client, method, path, ua string) {
		line(at, client, method, path, 403, "Error", "InvalidRequestMethod", "0.000", ua)
	}
	const browser, scanner = "Mozilla/5.0%20(X11;%20Linux%20x86_64)", "Mozilla/5.0%20zgrab/0.x"
	for c := range 45 {
		at := time.Duration(c) * 80 * time.Second
		ip := fmt.Sprintf("198.51.100.%d", c+1)
		line(at, ip, "GET", "/contact/", 200, "Hit", "Hit", "0.002", browser)
		line(at+time.Second, ip, "HEAD", "/contact/", 304, "Hit", "Hit", "0.002", browser)
		if c%3 == 0 {
			refused(at+30*time.Second, ip, "POST", "/contact/", browser)
		}
		refused(at+40*time.Second, fmt.Sprintf("192.0.2.%d", c%3+1), "POST", "/", scanner)
		refused(at+50*time.Second, fmt.Sprintf("203.0.113.%d", c+1), "POST", "/xmlrpc.php", scanner)
		if c%9 == 0 {
			refused(at+55*time.Second, ip, "POST", "/a/../contact/", browser)
			refused(at+56*time.Second, ip, "PUT", "/api/%2e%2e/contact/", browser)
		}
	}
	refused(10*time.Minute, "198.51.100.200", "POST", "/api/auth/callback/credentials", browser)
	if err := os.WriteFile(filepath.Join(dir, "E2QWRUHEXAMPLE.2026-11-20-01.5174e0a1"), []byte(b.String()), 0o644); err != nil {
		t.Fatal(err)
	}
}

// sameAsLocalScanners is TestSameAsLocal's scanner scenario: healthy
// traffic with a scanner flood (scanners POSTing to static paths), and
// siteLog. With the defaults, method-rejected fires for the sign-in POST
// and for the /contact/ page, not for the scanners; with ignore_paths or
// the rule off, not at all. The statements give the local engine's report
// each time, and each finding's Athena query (alert.AthenaQuery) lists
// its refused requests.
func sameAsLocalScanners(t *testing.T) {
	tmp := t.TempDir()
	logs := filepath.Join(tmp, "logs")
	cfg := loggen.Config{Seed: 5, Start: t0, Duration: 3 * time.Hour, RequestsPerHour: 4000,
		Incidents: []loggen.Incident{{Kind: loggen.ScannerFlood, From: t0.Add(time.Hour), Until: t0.Add(2 * time.Hour), Rate: 2}}}
	if _, err := loggen.WriteDir(context.Background(), logs, cfg); err != nil {
		t.Fatal(err)
	}
	siteLog(t, logs)
	root := filepath.Join(tmp, "ds")
	datasettest.Write(t, logs, root, dataset.Options{})
	db := openTable(t, root)

	settings := func(kvs ...string) *detectors.Config {
		c := detectors.DefaultConfig()
		if err := c.SetAll(kvs); err != nil {
			t.Fatal(err)
		}
		if err := c.Validate(); err != nil {
			t.Fatal(err)
		}
		return &c
	}
	w := window(0, 3*time.Hour)
	for _, c := range []struct {
		name  string
		cfg   *detectors.Config
		want  []string // method-rejected groups
		pages []string // the /* finding's
	}{
		{"defaults", nil, []string{"/*", "/api/*"}, []string{"/contact/"}},
		// The scanners' / is a page with three refused clients.
		{"low", settings("method_rejected.static_min_clients=2", "method_rejected.static_min_count=2", "method_rejected.page_min_clients=3"),
			[]string{"/*", "/api/*"}, []string{"/", "/contact/"}},
		// The refusals on /a/../contact/ and /api/%2e%2e/contact/ are
		// ignored as /contact/.
		{"ignore-page", settings("ignore_paths=/contact/,/api/auth/*"), nil, nil},
		// The scanners' / is then a page with enough refused clients.
		{"ignore-normalised", settings("ignore_paths=/cont?ct*,*/callback/*", "method_rejected.static_min_clients=2"), []string{"/*"}, []string{"/"}},
		{"ignore-scanners", settings(`ignore_paths=["*.php", "/"]`, "method_rejected.static_min_clients=2"), []string{"/*", "/api/*"}, []string{"/contact/"}},
		{"off", settings("rules.method_rejected.enabled=false"), nil, nil},
	} {
		t.Run(c.name, func(t *testing.T) {
			opts := report.Options{Window: w, Detectors: c.cfg}
			local := localReport(t, root, opts)
			rep, err := Run(context.Background(), &duck{db: db}, opts, Options{Dialect: DuckDB})
			if err != nil {
				t.Fatal(err)
			}
			if l, a := jsonOf(t, local, false), jsonOf(t, rep, false); l != a {
				t.Errorf("reports differ:\n%s", firstDiff(l, a))
			}
			var groups []string
			for _, f := range local.Findings {
				if f.Rule != detectors.RuleMethodRejected {
					continue
				}
				groups = append(groups, f.Group)
				if f.Group == "/*" && (!slices.Equal(f.Paths, c.pages) || f.Severity != detectors.SeverityCritical) {
					t.Errorf("site finding: %s %q, want pages %q", f.Summary(), f.Paths, c.pages)
				}
				var ignore []string
				if c.cfg != nil {
					ignore = c.cfg.IgnorePaths
				}
				checkAlertQuery(t, db, f, ignore)
			}
			slices.Sort(groups)
			if !slices.Equal(groups, c.want) {
				t.Errorf("method-rejected on %q, want %q", groups, c.want)
			}
			for _, f := range local.Findings {
				if f.Rule != detectors.RuleMethodRejected {
					t.Errorf("unexpected finding %s: %s", f.Key, f.Summary())
				}
			}
		})
	}
}

// checkAlertQuery runs the Athena query of an alert about f on the dataset:
// it lists refused requests of f's group and pages, and for an API group
// every one of f's (f.Count ≤ 200), which ignoring their paths removes.
// (It filters cs_uri_stem_decoded: refusals whose paths the detectors
// normalise out of the group or into a page may be listed or not.)
func checkAlertQuery(t *testing.T, db *sql.DB, f detectors.Finding, ignore []string) {
	t.Helper()
	run := func(ignore []string) int {
		q := alert.AthenaQuery(f, "cloudfront_logs", ignore...)
		rows := 0
		err := athenatest.Rows(context.Background(), db, q, func(r []*string) error {
			rows++
			method, path, detailed := *r[1], *r[3], *r[6]
			if detailed != "InvalidRequestMethod" || method == "GET" || method == "HEAD" {
				return fmt.Errorf("%s %s %s is no refused request", method, path, detailed)
			}
			if f.Group == "/*" && !slices.Contains(f.Paths, path) {
				return fmt.Errorf("%s is none of the finding's pages %q", path, f.Paths)
			}
			return nil
		})
		if err != nil {
			t.Fatalf("%s: %v\n%s", f.Key, err, q)
		}
		return rows
	}
	rows := run(ignore)
	if f.Group == "/*" {
		if rows == 0 || int64(rows) > f.Count {
			t.Errorf("%s: the alert's query lists %d requests, the finding counts %d", f.Key, rows, f.Count)
		}
		return
	}
	if n := run(append(slices.Clone(ignore), "/api/auth/callback/*")); int64(rows-n) != f.Count {
		t.Errorf("%s: the alert's query lists %d requests, %d with the finding's path ignored; the finding counts %d", f.Key, rows, n, f.Count)
	}
}
