package alert

import (
	"encoding/json"
	"os/exec"
	"strings"
	"testing"
	"time"
	"unicode/utf8"

	"github.com/cfwatch/cfwatch/detectors"
	"github.com/cfwatch/cfwatch/internal/visible"
)

func TestReportCommand(t *testing.T) {
	f := detectors.Finding{Rule: detectors.RuleAuth403Burst, Host: "app.example.com",
		FirstSeen: t0.Add(2*time.Minute + 42*time.Second), LastSeen: t0.Add(118*time.Minute + 5*time.Second)}
	got := ReportCommand(f, "s3://logs/cf/")
	want := "cfwatch report --source s3://logs/cf/ --from 2026-11-20T13:47:00Z --until 2026-11-20T16:14:00Z --host app.example.com"
	if got != want {
		t.Errorf("got  %s\nwant %s", got, want)
	}
	for _, none := range [][]string{nil, {""}} {
		if got := ReportCommand(f, none...); !strings.Contains(got, "--source "+SourcePlaceholder+" ") {
			t.Errorf("no placeholder: %s", got)
		}
	}
	if got := ReportCommand(f, "/tmp/my logs/", "/var/log/it's"); !strings.Contains(got, `--source '/tmp/my logs/' --source '/var/log/it'\''s'`) {
		t.Errorf("paths not quoted: %s", got)
	}
	// Values from logs are quoted; no host for a pooled one, nor for
	// auth-insecure-scheme.
	f.Host = "a.example.com;rm -rf ~"
	if got := ReportCommand(f, "s3://logs/"); !strings.HasSuffix(got, `--host 'a.example.com;rm -rf ~'`) {
		t.Errorf("host not quoted: %s", got)
	}
	for _, g := range []detectors.Finding{{Rule: detectors.RuleAuth403Burst, Host: "*"}, {Rule: detectors.RuleAuthInsecureScheme, Host: "d111111abcdef8.cloudfront.net"}} {
		if got := ReportCommand(g, "s3://logs/"); strings.Contains(got, "--host") {
			t.Errorf("%s on %s: %s", g.Rule, g.Host, got)
		}
	}
}

func TestLogSource(t *testing.T) {
	cases := []struct {
		o    Origin
		want string
	}{
		{Origin{Bucket: "logs", Key: "cf/E2QWRUHEXAMPLE.2026-11-20-14.a1b2c3d4.gz"}, "s3://logs/cf/"},
		{Origin{Bucket: "logs", Key: "E2QWRUHEXAMPLE.2026-11-20-14.a1b2c3d4.gz"}, "s3://logs/"},
		{Origin{Bucket: "logs", Key: "v2/E2QWRUHEXAMPLE/2026/11/20/14/file.gz"}, "s3://logs/v2/"},
		{Origin{Bucket: "logs", Key: "v2/DistributionId=E2QWRUHEXAMPLE/year=2026/month=11/day=20/hour=14/file.gz"}, "s3://logs/v2/"},
		{Origin{Key: "/var/logs/cf/E2QWRUHEXAMPLE.2026-11-20-14.a1b2c3d4.gz"}, "/var/logs/cf/"},
		{Origin{}, ""},
	}
	for _, c := range cases {
		if got := LogSource(c.o); got != c.want {
			t.Errorf("LogSource(%+v) = %q, want %q", c.o, got, c.want)
		}
	}
}

func TestAthenaQuery(t *testing.T) {
	f := detectors.Finding{
		Rule: detectors.RuleAuth403Burst, DistributionID: "E2QWRUHEXAMPLE", Host: "app.example.com",
		Group: "/api/auth/callback/*", FirstSeen: t0.Add(2 * time.Minute), LastSeen: t0.Add(118 * time.Minute),
	}
	q := AthenaQuery(f, "")
	for _, want := range []string{
		`FROM "cloudfront_logs"`,
		"distribution = 'E2QWRUHEXAMPLE'",
		"(day = '2026-11-20' AND hour BETWEEN 12 AND 17)",
		"request_time BETWEEN TIMESTAMP '2026-11-20 13:47:00.000' AND TIMESTAMP '2026-11-20 16:13:00.000'",
		"coalesce(x_host_header, cs_host) = 'app.example.com'",
		`cs_uri_stem LIKE '/api/auth/callback/%' ESCAPE '\'`,
		"sc_status = 403",
	} {
		if !strings.Contains(q, want) {
			t.Errorf("query lacks %q:\n%s", want, q)
		}
	}

	// Across midnight: the hours of each day (dataset.PartitionPredicate).
	f.FirstSeen, f.LastSeen = time.Date(2026, 11, 20, 23, 50, 0, 0, time.UTC), time.Date(2026, 11, 21, 0, 20, 0, 0, time.UTC)
	if q := AthenaQuery(f, ""); !strings.Contains(q, "day BETWEEN '2026-11-20' AND '2026-11-21' AND ((day = '2026-11-20' AND hour >= 22) OR (day > '2026-11-20' AND day < '2026-11-21') OR (day = '2026-11-21' AND hour <= 1))") {
		t.Errorf("midnight partitions:\n%s", q)
	}

	// Values from requests are literals, never SQL.
	f.Group, f.Host = "/api/it's_100%/*", "a'b"
	q = AthenaQuery(f, "db.t")
	for _, want := range []string{`LIKE '/api/it''s\_100\%/%' ESCAPE '\'`, "= 'a''b'", `FROM "db"."t"`} {
		if !strings.Contains(q, want) {
			t.Errorf("query lacks %q:\n%s", want, q)
		}
	}

	// Every rule has a failure filter.
	for _, r := range detectors.Rules() {
		if ruleFilter(r) == "" {
			t.Errorf("rule %s has no SQL filter", r)
		}
	}
}

// A host with control, bidi or invalid bytes is written in ANSI-C quoting:
// no raw character in the command, and bash reads back the exact value.
func TestShellQuoteControls(t *testing.T) {
	host := "a\x1b[31m\u202eb'\\c\xff\u0085"
	q := shellQuote(host)
	for _, r := range q {
		if visible.NeedsEscape(r) || r == utf8.RuneError {
			t.Fatalf("raw %U in %q", r, q)
		}
	}
	bash, err := exec.LookPath("bash")
	if err != nil {
		t.Skip("bash not installed")
	}
	out, err := exec.Command(bash, "-c", "printf %s "+q).Output()
	if err != nil {
		t.Fatal(err)
	}
	if string(out) != host {
		t.Errorf("bash read %q, want %q", out, host)
	}
}

// method-rejected lists the refused requests of the methods a behavior can
// allow; on the default behavior, of the finding's pages. ignore_paths are
// left out, as LIKE patterns.
func TestAthenaQueryMethodRejected(t *testing.T) {
	f := detectors.Finding{
		Rule: detectors.RuleMethodRejected, DistributionID: "E2QWRUHEXAMPLE", Host: "app.example.com",
		Group: "/*", Paths: []string{"/contact/", "/it's"}, FirstSeen: t0, LastSeen: t0.Add(time.Hour),
	}
	q := AthenaQuery(f, "", "/xmlrpc.php", "*.php", "/wp_?*", "/a'b`c")
	for _, want := range []string{
		"x_edge_detailed_result_type = 'InvalidRequestMethod' AND cs_method IN ('POST', 'PUT', 'PATCH', 'DELETE', 'OPTIONS')",
		"coalesce(cs_uri_stem_decoded, cs_uri_stem) IN ('/contact/', '/it''s')",
		`NOT (coalesce(cs_uri_stem_decoded, cs_uri_stem) LIKE '/xmlrpc.php' ESCAPE '\')`,
		`NOT (coalesce(cs_uri_stem_decoded, cs_uri_stem) LIKE '%.php' ESCAPE '\')`,
		`NOT (coalesce(cs_uri_stem_decoded, cs_uri_stem) LIKE '/wp\__%' ESCAPE '\')`,
		`NOT (coalesce(cs_uri_stem_decoded, cs_uri_stem) LIKE '/a''b_c' ESCAPE '\')`,
	} {
		if !strings.Contains(q, want) {
			t.Errorf("query lacks %s:\n%s", want, q)
		}
	}
	if strings.Contains(q, "`") {
		t.Errorf("a backquote reaches the Slack code block:\n%s", q)
	}
	// On an API behavior: its prefix, not the pages.
	f.Group = "/api/*"
	if q := AthenaQuery(f, ""); strings.Contains(q, " IN ('/contact/'") || !strings.Contains(q, `cs_uri_stem LIKE '/api/%' ESCAPE '\'`) || strings.Contains(q, "NOT (") {
		t.Errorf("API query:\n%s", q)
	}
	// A message's query leaves out the ignore_paths it is given.
	b, err := json.Marshal(Blocks(f, MessageContext{Dataset: "s3://ds/cloudfront", IgnorePaths: []string{"/xmlrpc.php"}}))
	if err != nil || !strings.Contains(string(b), "NOT (coalesce(cs_uri_stem_decoded, cs_uri_stem) LIKE '/xmlrpc.php'") {
		t.Errorf("message query without ignore_paths (%v): %s", err, b)
	}
	if Title(f) == Title(detectors.Finding{Rule: detectors.RuleMethodRejected, Group: "/*"}) {
		t.Error("the same title for refused sign-in POSTs and for refused POSTs to pages")
	}
}
