package audit

import (
	"bytes"
	"context"
	"encoding/json"
	"os"
	"strings"
	"testing"

	"github.com/santhosh-tekuri/jsonschema/v6"
)

func run(t *testing.T, args ...string) (string, string, int) {
	t.Helper()
	var out, errb bytes.Buffer
	code := Main(context.Background(), args, &out, &errb, func(string) string { return "" })
	return out.String(), errb.String(), code
}

func TestJSONMatchesSchema(t *testing.T) {
	doc, err := jsonschema.UnmarshalJSON(bytes.NewReader(SchemaJSON))
	if err != nil {
		t.Fatal(err)
	}
	c := jsonschema.NewCompiler()
	if err := c.AddResource("audit.v1.json", doc); err != nil {
		t.Fatal(err)
	}
	sch, err := c.Compile("audit.v1.json")
	if err != nil {
		t.Fatal(err)
	}
	for _, f := range []string{"testdata/cfn-yaml/pass-001.yaml", "testdata/cfn-yaml/fail-waf-blocks-auth.yaml", "testdata/distconfig/fail-auth-cached-seed-typo.json", "testdata/cfn-json/fail-api-behavior-missing.json"} {
		out, stderr, code := run(t, "--format", "json", "--fail-on", "none", f)
		if code != 0 {
			t.Fatalf("%s: exit %d: %s", f, code, stderr)
		}
		v, err := jsonschema.UnmarshalJSON(strings.NewReader(out))
		if err != nil {
			t.Fatal(err)
		}
		if err := sch.Validate(v); err != nil {
			t.Errorf("%s: %v", f, err)
		}
	}
	// The schema rejects what it should.
	bad, _ := jsonschema.UnmarshalJSON(strings.NewReader(`{"schema":"cfwatch.audit/v1"}`))
	if sch.Validate(bad) == nil {
		t.Error("schema accepts a document without findings")
	}
}

func TestSARIF(t *testing.T) {
	out, _, code := run(t, "--format", "sarif", "testdata/cfn-yaml/fail-auth-cached.yaml")
	if code != 1 {
		t.Fatalf("exit %d, want 1", code)
	}
	var log struct {
		Version string `json:"version"`
		Runs    []struct {
			Tool struct {
				Driver struct {
					Name  string `json:"name"`
					Rules []struct {
						ID               string                `json:"id"`
						ShortDescription struct{ Text string } `json:"shortDescription"`
						Help             struct{ Text string } `json:"help"`
					} `json:"rules"`
				} `json:"driver"`
			} `json:"tool"`
			Results []struct {
				RuleID    string                `json:"ruleId"`
				RuleIndex int                   `json:"ruleIndex"`
				Level     string                `json:"level"`
				Message   struct{ Text string } `json:"message"`
				Locations []struct {
					PhysicalLocation struct {
						ArtifactLocation struct{ URI string }    `json:"artifactLocation"`
						Region           struct{ StartLine int } `json:"region"`
					} `json:"physicalLocation"`
				} `json:"locations"`
			} `json:"results"`
		} `json:"runs"`
	}
	if err := json.Unmarshal([]byte(out), &log); err != nil {
		t.Fatal(err)
	}
	if log.Version != "2.1.0" || len(log.Runs) != 1 || log.Runs[0].Tool.Driver.Name == "" {
		t.Fatalf("bad SARIF header: %s", out[:200])
	}
	rules := log.Runs[0].Tool.Driver.Rules
	if len(rules) != 13 {
		t.Fatalf("%d rules", len(rules))
	}
	for _, r := range rules {
		if r.ID == "" || r.ShortDescription.Text == "" || r.Help.Text == "" {
			t.Errorf("rule %+v lacks id, shortDescription or help", r)
		}
	}
	res := log.Runs[0].Results
	if len(res) != 1 || res[0].RuleID != "config-auth-cached" || rules[res[0].RuleIndex].ID != res[0].RuleID || res[0].Level != "error" || res[0].Message.Text == "" {
		t.Fatalf("results %+v", res)
	}
	loc := res[0].Locations[0].PhysicalLocation
	if loc.ArtifactLocation.URI != "testdata/cfn-yaml/fail-auth-cached.yaml" || loc.Region.StartLine != 61 {
		t.Errorf("location %+v", loc)
	}
}

func TestExitCodesAndFormats(t *testing.T) {
	for _, tc := range []struct {
		args []string
		code int
		want string
	}{
		{[]string{"testdata/cfn-yaml/pass-000.yaml"}, 0, "No finding."},
		{[]string{"testdata/cfn-yaml/pass-000.yaml"}, 0, "[ok] config-auth-cached /api/*: CachePolicyId = CachingDisabled"},
		{[]string{"testdata/cfn-yaml/fail-viewer-http-allowed.yaml"}, 0, "WARNING config-viewer-http-allowed"},
		{[]string{"--fail-on", "warning", "testdata/cfn-yaml/fail-viewer-http-allowed.yaml"}, 1, "prevents: auth-insecure-scheme"},
		{[]string{"--format", "markdown", "testdata/cfn-yaml/fail-auth-cached.yaml"}, 1, "| critical | config-auth-cached |"},
		{[]string{"--fail-on", "none", "testdata/cfn-yaml/fail-auth-cached.yaml"}, 0, "CRITICAL config-auth-cached"},
		{[]string{"--format", "xml", "testdata/cfn-yaml/pass-000.yaml"}, 2, ""},
		{[]string{"testdata/nonexistent.yaml"}, 2, ""},
		{[]string{"audit_test.go"}, 2, ""},
		{[]string{}, 2, ""},
	} {
		out, _, code := run(t, tc.args...)
		if code != tc.code || !strings.Contains(out, tc.want) {
			t.Errorf("%v: exit %d, want %d; output lacks %q:\n%s", tc.args, code, tc.code, tc.want, out)
		}
	}
}

func TestControlCharactersEscaped(t *testing.T) {
	dir := t.TempDir()
	data, err := os.ReadFile("testdata/cfn-yaml/fail-auth-cached.yaml")
	if err != nil {
		t.Fatal(err)
	}
	evil := strings.ReplaceAll(string(data), ": app\n", `: "app\u001b]0;pwned\u0007\u001b[2J"`+"\n")
	if err := os.WriteFile(dir+"/t.yaml", []byte(evil), 0o644); err != nil {
		t.Fatal(err)
	}
	for _, format := range []string{"text", "markdown"} {
		out, _, _ := run(t, "--format", format, dir+"/t.yaml")
		if strings.ContainsAny(out, "\x1b\x07") {
			t.Errorf("%s output carries control characters", format)
		}
		if !strings.Contains(out, `\x1b`) {
			t.Errorf("%s output does not show the escaped value", format)
		}
	}
}

func TestYAMLParseErrorNamesLine(t *testing.T) {
	dir := t.TempDir()
	if err := os.WriteFile(dir+"/bad.yaml", []byte("Resources:\n  A: [\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	_, stderr, code := run(t, dir+"/bad.yaml")
	if code != 2 || !strings.Contains(stderr, "bad.yaml:") {
		t.Errorf("exit %d, stderr %q", code, stderr)
	}
}

func TestConfirm(t *testing.T) {
	cfg, err := LoadFiles([]string{"testdata/cfn-yaml/fail-auth-cached.yaml"})
	if err != nil {
		t.Fatal(err)
	}
	ok, text := Confirm(cfg, "auth-cache-hit", "www.example.com", "/api/auth/session")
	if !ok || !strings.Contains(text, "confirmed: /api/* uses cache policy CachingOptimized") {
		t.Errorf("auth-cache-hit: %v %q", ok, text)
	}
	if ok, text := Confirm(cfg, "method-rejected", "", "/api/auth/callback/credentials"); ok {
		t.Errorf("method-rejected confirmed on a config allowing all methods: %q", text)
	}
	for rule, file := range map[string]string{
		"method-rejected":         "fail-methods-restricted",
		"auth-403-burst":          "fail-query-not-forwarded",
		"auth-cookie-missing":     "fail-logging-no-cookies",
		"api-origin-forbidden":    "fail-host-to-apigw",
		"auth-insecure-scheme":    "fail-viewer-http-allowed",
		"cors-preflight-rejected": "fail-origin-header-dropped",
	} {
		cfg, err := LoadFiles([]string{"testdata/cfn-yaml/" + file + ".yaml"})
		if err != nil {
			t.Fatal(err)
		}
		if ok, text := Confirm(cfg, rule, "", "/api/auth/session"); !ok {
			t.Errorf("%s on %s: not confirmed: %q", rule, file, text)
		}
		good, _ := LoadFiles([]string{"testdata/cfn-yaml/pass-001.yaml"})
		if ok, text := Confirm(good, rule, "", "/api/auth/session"); ok {
			t.Errorf("%s confirmed on pass-001: %q", rule, text)
		}
	}
}

func TestMatchPath(t *testing.T) {
	for _, tc := range []struct {
		pattern, path string
		want          bool
	}{
		{"/api/*", "/api/auth/session", true},
		{"api/*", "/api/auth/session", true},
		{"/API/*", "/api/auth/session", false},
		{"/api/auth/session?", "/api/auth/sessions", true},
		{"/api/auth/session?", "/api/auth/session", false},
		{"*.js", "/_next/static/a.js", true},
		{"/api/*/session", "/api/auth/session", true},
		{"/static/*", "/api/x", false},
	} {
		if got := matchPath(tc.pattern, tc.path); got != tc.want {
			t.Errorf("%s ~ %s = %v", tc.pattern, tc.path, got)
		}
	}
}
