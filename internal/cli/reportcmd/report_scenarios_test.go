package reportcmd

import (
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/cfwatch/cfwatch/detectors"
	"github.com/cfwatch/cfwatch/internal/schematest"
	"github.com/cfwatch/cfwatch/loggen"
	"github.com/cfwatch/cfwatch/report"
)

// scenarioDir writes three hours of logs with kind injected over the last
// two at its typical rate (as `loggen --scenario KIND` does), or none for
// "healthy".
func scenarioDir(t *testing.T, kind string) string {
	t.Helper()
	cfg := loggen.Config{Seed: 11, Start: start, Duration: 3 * time.Hour, RequestsPerHour: 6000}
	if kind != "healthy" {
		k, err := loggen.ParseKind(kind)
		if err != nil {
			t.Fatal(err)
		}
		cfg.Incidents = []loggen.Incident{{Kind: k, From: start.Add(time.Hour), Until: start.Add(3 * time.Hour), Rate: k.DefaultRate()}}
		cfg.CookieLogging = k.NeedsCookieLogging()
	}
	dir := filepath.Join(t.TempDir(), "logs")
	if _, err := loggen.WriteDir(context.Background(), dir, cfg); err != nil {
		t.Fatal(err)
	}
	return dir
}

// TestReportScenarios runs report on each generated failure and wants the
// rule that names it, with the fix that mends it; on healthy and noisy
// traffic it wants no finding at all.
func TestReportScenarios(t *testing.T) {
	schema := schematest.Compile(t, report.JSONSchema())
	for _, c := range []struct {
		scenario string
		rule     string // "" for none
		remedy   string // text the remedy must contain
	}{
		{"method-rejected", detectors.RuleMethodRejected, "GET, HEAD, OPTIONS, PUT, POST, PATCH, DELETE"},
		{"auth-cache-hit", detectors.RuleAuthCacheHit, "4135ea2d-6df8-44a3-9df3-4b5a84be39ad"},
		{"auth-403-callback", detectors.RuleAuth403Burst, "216adef6-5c7f-47e4-b989-5492eafa07d3"},
		{"auth-403-session", detectors.RuleAuth403Burst, "216adef6-5c7f-47e4-b989-5492eafa07d3"},
		// One finding for one cause: auth-403-burst takes in auth-cookie-missing.
		{"auth-cookie-missing", detectors.RuleAuth403Burst, "NEXTAUTH_URL"},
		{"cors-preflight-rejected", detectors.RuleCORSPreflightRejected, "Access-Control-Allow-Origin"},
		{"api-origin-403", detectors.RuleAPIOriginForbidden, "b689b0a8-53d0-40ab-baf2-68738e2966ac"},
		{"origin-5xx", detectors.RuleOriginErrors, ""},
		{"insecure-scheme", detectors.RuleAuthInsecureScheme, "NEXTAUTH_URL"},
		{"edge-function-error", detectors.RuleEdgeFunctionError, "/aws/lambda/us-east-1."},
		{"cloudfront-function-error", detectors.RuleEdgeFunctionError, "/aws/cloudfront/function/"},
		{"edge-refusals-on-auth", detectors.RuleEdgeRefusalsOnAuth, "web ACL"},
		{"auth-cookie-oversize", detectors.RuleAuthCookieOversize, "database"},
		{"geo-restricted", "", ""},
		{"waf-noise", "", ""},
		{"healthy", "", ""},
		{"scanner-flood", "", ""},
		{"stray-403", "", ""},
		{"origin-403-post", "", ""},
	} {
		t.Run(c.scenario, func(t *testing.T) {
			t.Parallel()
			dir := scenarioDir(t, c.scenario)
			window := []string{"--from", "2026-11-20T00:00:00Z", "--until", "2026-11-20T03:00:00Z"}
			code, out, errs := runReport(t, append([]string{"--source", dir, "--format", "json", "--fail-on", "warning"}, window...)...)
			var r struct {
				Findings []detectors.Finding `json:"findings"`
				Checks   []detectors.Check   `json:"checks"`
			}
			if err := json.Unmarshal([]byte(out), &r); err != nil {
				t.Fatalf("exit %d, %v: %s", code, err, errs)
			}
			if err := schema.Validate([]byte(out)); err != nil {
				t.Errorf("not the documented JSON: %v", err)
			}
			if c.rule == "" {
				if len(r.Findings) != 0 || code != 0 {
					t.Fatalf("exit %d, want 0 and no finding, got %+v", code, r.Findings)
				}
				return
			}
			if code != 1 {
				t.Errorf("exit %d, want 1 with --fail-on warning", code)
			}
			var found *detectors.Finding
			for i := range r.Findings {
				if r.Findings[i].Rule == c.rule {
					found = &r.Findings[i]
				}
			}
			if found == nil {
				t.Fatalf("no %s finding in %+v", c.rule, r.Findings)
			}
			if c.scenario == "auth-cookie-missing" && (len(r.Findings) != 1 ||
				!slices.ContainsFunc(found.Related, func(x detectors.Related) bool { return x.Rule == detectors.RuleAuthCookieMissing })) {
				t.Errorf("%d findings, want one with auth-cookie-missing folded in: %+v", len(r.Findings), r.Findings)
			}
			if !strings.Contains(found.Remedy, c.remedy) || found.Cause == "" || len(found.Examples) == 0 ||
				found.Count == 0 || found.Denominator < found.Count || found.FirstSeen.Before(start.Add(time.Hour)) {
				t.Errorf("finding %+v", found)
			}
			// The text output leads with the findings, then the checks.
			_, text, _ := runReport(t, append([]string{"--source", dir}, window...)...)
			fi, ci, ti := strings.Index(text, "Findings ("), strings.Index(text, "Post-deploy checks"), strings.Index(text, "Traffic")
			if fi < 0 || !(fi < ci && ci < ti) || !strings.Contains(text, c.rule) {
				t.Errorf("text output order or content wrong:\n%s", text)
			}
		})
	}
}

func TestReportFailOn(t *testing.T) {
	dir := scenarioDir(t, "cors-preflight-rejected") // a warning, no critical
	window := []string{"--source", dir, "--from", "2026-11-20T00:00:00Z", "--until", "2026-11-20T03:00:00Z"}
	for flag, want := range map[string]int{"critical": 0, "warning": 1, "none": 0, "bogus": 2} {
		if code, _, errs := runReport(t, append(window, "--fail-on", flag)...); code != want {
			t.Errorf("--fail-on %s: exit %d, want %d (%s)", flag, code, want, errs)
		}
	}
	// Detector settings from flags: a minimum count no burst reaches.
	if code, _, errs := runReport(t, append(window, "--fail-on", "warning", "--set", "cors_preflight_rejected.min_count=100000")...); code != 0 {
		t.Errorf("--set min_count: exit %d (%s)", code, errs)
	}
	for _, bad := range [][]string{{"--set", "nonsense"}, {"--set", "no_such_rule.min_count=3"}, {"--config", filepath.Join(dir, "missing.json")}, {"--auth-prefix", "auth"}} {
		if code, _, errs := runReport(t, append(window, bad...)...); code != 2 || errs == "" {
			t.Errorf("%v: exit %d, stderr %q", bad, code, errs)
		}
	}
}

// TestJSONSchemaFlag: --json-schema writes the schema the repository holds
// (report/schema/report.v1.json), which docs/json-schema.md points to.
func TestJSONSchemaFlag(t *testing.T) {
	code, out, errs := runReport(t, "--json-schema")
	want, err := os.ReadFile(filepath.Join("..", "..", "..", "report", "schema", "report.v1.json"))
	if err != nil {
		t.Fatal(err)
	}
	if code != exitOK || out != string(want) {
		t.Errorf("exit %d, %d bytes, want the %d of the repository's schema: %s", code, len(out), len(want), errs)
	}
	doc, err := os.ReadFile(filepath.Join("..", "..", "..", "docs", "json-schema.md"))
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(string(doc), "(../report/schema/report.v1.json)") {
		t.Error("docs/json-schema.md does not point to report/schema/report.v1.json")
	}
}

// The case: healthy logs plus one scanner's POST /xmlrpc.php,
// refused by the default (GET/HEAD only) behavior: no finding, exit 0.
// A refused sign-in POST is one (exit 1), until the rule is switched off
// or its path ignored.
func TestReportOneScanner(t *testing.T) {
	dir := scenarioDir(t, "healthy")
	line := func(path, id string) string {
		return strings.Join([]string{"2026-11-20", "01:30:07", "FRA56-P5", "1400", "45.148.10.7", "POST",
			"d111111abcdef8.cloudfront.net", path, "403", "-", "Mozilla/5.0%20zgrab/0.x", "-", "-", "Error", id,
			"app.example.com", "https", "512", "0.003", "-", "TLSv1.3", "TLS_AES_128_GCM_SHA256", "Error", "HTTP/1.1",
			"-", "-", "50294", "0.000", "InvalidRequestMethod", "text/html", "1053", "-", "-"}, "\t") + "\n"
	}
	scanner := loggen.Header + line("/xmlrpc.php", "SCAN0000000000000000000000000000000000000000000000000==")
	if err := os.WriteFile(filepath.Join(dir, "E2QWRUHEXAMPLE.2026-11-20-01.5ca77e4d"), []byte(scanner), 0o644); err != nil {
		t.Fatal(err)
	}
	window := []string{"--source", dir, "--from", "2026-11-20T00:00:00Z", "--until", "2026-11-20T03:00:00Z"}
	code, out, errs := runReport(t, append(window, "--format", "json")...)
	var r struct {
		Findings []detectors.Finding `json:"findings"`
	}
	if err := json.Unmarshal([]byte(out), &r); err != nil || code != 0 || len(r.Findings) != 0 {
		t.Fatalf("exit %d (%v, %s), findings %+v, want 0 and none", code, err, errs, r.Findings)
	}

	signIn := loggen.Header + line("/api/auth/callback/credentials", "SIGN0000000000000000000000000000000000000000000000000==")
	if err := os.WriteFile(filepath.Join(dir, "E2QWRUHEXAMPLE.2026-11-20-01.516e1e1e"), []byte(signIn), 0o644); err != nil {
		t.Fatal(err)
	}
	code, text, errs := runReport(t, window...)
	if code != 1 || !strings.Contains(text, "CRITICAL  method-rejected  app.example.com /api/*") {
		t.Fatalf("refused sign-in POST: exit %d (%s)\n%s", code, errs, text)
	}
	for _, set := range [][]string{
		{"--set", "rules.method_rejected.enabled=false"},
		{"--set", "ignore_paths=/api/auth/callback/*"},
	} {
		if code, text, errs := runReport(t, append(window, set...)...); code != 0 || strings.Contains(text, "method-rejected") {
			t.Errorf("%v: exit %d (%s)\n%s", set, code, errs, text)
		}
	}
}
