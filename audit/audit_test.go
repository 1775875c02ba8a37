package audit

import (
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
)

// fixtureRules is, for each fixture variant (testdata/gen/gen.py), exactly
// the rules that must fire, per input kind when they differ.
var fixtureRules = map[string][]string{
	"pass-000":                          nil,
	"pass-001":                          nil,
	"pass-legacy-no-cache":              nil,
	"pass-cookies-wildcard-allowlist":   nil,
	"pass-apigw-except-host":            nil,
	"pass-origin-header-cors-policy":    nil,
	"pass-lambda-url-no-oac":            nil,
	"pass-error-pages-404":              nil,
	"pass-waf-overrides":                nil,
	"fail-api-behavior-missing":         {"config-api-behavior-missing"},
	"fail-api-behavior-to-s3":           {"config-api-behavior-missing", "config-cookies-to-static"},
	"fail-auth-cached":                  {"config-auth-cached"},
	"fail-auth-cached-seed-typo":        {"config-auth-cached"},
	"fail-auth-cached-legacy-ttl":       {"config-auth-cached"},
	"fail-methods-restricted":           {"config-methods-restricted"},
	"fail-cookies-allowlist":            {"config-cookies-not-forwarded"},
	"fail-cookies-none":                 {"config-cookies-not-forwarded"},
	"fail-query-not-forwarded":          {"config-query-not-forwarded"},
	"fail-host-to-apigw":                {"config-host-to-apigw"},
	"fail-host-to-apigw-seed-allviewer": {"config-host-to-apigw"},
	"fail-viewer-http-allowed":          {"config-viewer-http-allowed"},
	"fail-origin-header-dropped":        {"config-origin-header-dropped"},
	"fail-logging-off":                  {"config-logging-off"},
	"fail-logging-no-cookies":           {"config-logging-off"},
	"fail-oac-lambda-url-post":          {"config-oac-lambda-url-post"},
	"fail-error-pages-mask-api":         {"config-error-pages-mask-api"},
	"fail-cookies-to-static":            {"config-cookies-to-static"},
	"fail-waf-blocks-auth":              {"config-waf-blocks-auth"},
}

// The distribution config holds only the web ACL's ARN: its rules are
// unknown there, so the WAF rule cannot fire.
var distConfigExceptions = map[string][]string{
	"fail-waf-blocks-auth": nil,
}

type fixtureKind struct {
	dir, ext, kind string
}

var fixtureKinds = []fixtureKind{
	{"distconfig", ".json", KindDistributionConfig},
	{"cfn-yaml", ".yaml", KindCloudFormation},
	{"cfn-json", ".json", KindCloudFormation},
	{"terraform", ".json", KindTerraform},
}

func firedRules(rep *Report) []string {
	var out []string
	for _, f := range rep.Findings {
		if !slices.Contains(out, f.Rule) {
			out = append(out, f.Rule)
		}
	}
	slices.Sort(out)
	return out
}

func TestFixtures(t *testing.T) {
	// Every rule has a failing fixture.
	for _, r := range Rules() {
		found := false
		for _, want := range fixtureRules {
			if slices.Contains(want, r.ID) {
				found = true
			}
		}
		if !found {
			t.Errorf("rule %s has no failing fixture", r.ID)
		}
	}
	for name, want := range fixtureRules {
		for _, k := range fixtureKinds {
			t.Run(k.dir+"/"+name, func(t *testing.T) {
				file := filepath.Join("testdata", k.dir, name+k.ext)
				files := []string{file}
				if pol := filepath.Join("testdata", k.dir, name+".policy.json"); k.dir == "distconfig" && exists(pol) {
					files = append([]string{pol}, files...)
				}
				cfg, err := LoadFiles(files)
				if err != nil {
					t.Fatal(err)
				}
				if len(cfg.Distributions) != 1 || cfg.Inputs[len(cfg.Inputs)-1].Kind != k.kind {
					t.Fatalf("read %d distributions, inputs %+v", len(cfg.Distributions), cfg.Inputs)
				}
				rep := Audit(cfg, Options{})
				exp := want
				if e, ok := distConfigExceptions[name]; ok && k.dir == "distconfig" {
					exp = e
				}
				exp = slices.Clone(exp)
				slices.Sort(exp)
				if got := firedRules(rep); !slices.Equal(got, exp) {
					for _, f := range rep.Findings {
						t.Logf("%s %s %s=%s: %s", f.Rule, f.PathPattern, f.Setting, f.Value, f.Cause)
					}
					t.Fatalf("fired %v, want %v", got, exp)
				}
				if k.dir == "distconfig" || k.dir == "terraform" {
					return
				}
				checkLines(t, file, rep)
			})
		}
	}
}

// checkLines asserts that every finding on a template points at the line
// of its setting.
func checkLines(t *testing.T, file string, rep *Report) {
	t.Helper()
	data, err := os.ReadFile(file)
	if err != nil {
		t.Fatal(err)
	}
	lines := strings.Split(string(data), "\n")
	for _, f := range rep.Findings {
		if f.File != file || f.Line < 1 || f.Line > len(lines) {
			t.Errorf("%s: file %q line %d", f.Rule, f.File, f.Line)
			continue
		}
		text := lines[f.Line-1]
		token := f.Setting[strings.LastIndexAny(f.Setting, ". ")+1:]
		switch {
		case f.Setting == "CacheBehaviors", f.Setting == "DistributionConfig.Logging":
			token = `Dist"`
			if strings.HasSuffix(file, ".yaml") {
				token = "Dist:"
			}
		case f.Rule == "config-error-pages-mask-api":
			token = "ErrorCode"
		case f.Rule == "config-waf-blocks-auth":
			token = "core"
		case f.Rule == "config-auth-cached" && f.Setting == "DefaultTTL":
			token = "PathPattern"
		case f.Setting == "DistributionConfig.Logging.IncludeCookies":
			token = "Logging"
		}
		if !strings.Contains(text, token) {
			t.Errorf("%s: %s:%d is %q, want the line of %s", f.Rule, file, f.Line, strings.TrimSpace(text), token)
		}
	}
}

func exists(p string) bool { _, err := os.Stat(p); return err == nil }

func TestLinesExact(t *testing.T) {
	for _, tc := range []struct {
		file, rule string
		line       int
	}{
		// CachePolicyId of the /api/* behavior.
		{"testdata/cfn-yaml/fail-auth-cached.yaml", "config-auth-cached", 61},
		{"testdata/cfn-json/fail-auth-cached.json", "config-auth-cached", 0},
	} {
		cfg, err := LoadFiles([]string{tc.file})
		if err != nil {
			t.Fatal(err)
		}
		want := tc.line
		if want == 0 {
			want = lineOf(t, tc.file, `"CachePolicyId": "658327ea-f89d-4fab-a63d-7e88639e58f6"`, 2)
		}
		rep := Audit(cfg, Options{})
		if len(rep.Findings) != 1 || rep.Findings[0].Rule != tc.rule || rep.Findings[0].Line != want {
			t.Errorf("%s: findings %+v, want %s at line %d", tc.file, rep.Findings, tc.rule, want)
		}
	}
}

// lineOf returns the line of the nth occurrence of s in file.
func lineOf(t *testing.T, file, s string, nth int) int {
	t.Helper()
	data, err := os.ReadFile(file)
	if err != nil {
		t.Fatal(err)
	}
	for i, l := range strings.Split(string(data), "\n") {
		if strings.Contains(l, s) {
			nth--
			if nth == 0 {
				return i + 1
			}
		}
	}
	t.Fatalf("%s: %q not found", file, s)
	return 0
}

// A plan whose cache policy is created in the same plan: the distribution's
// cache_policy_id is known only after apply, and the audit follows the
// configuration's reference to the planned policy.
func TestTerraformPlanFollowsReferences(t *testing.T) {
	cfg, err := LoadFiles([]string{"testdata/terraform/plan-policy-known-after-apply.json"})
	if err != nil {
		t.Fatal(err)
	}
	rep := Audit(cfg, Options{})
	if got := firedRules(rep); !slices.Equal(got, []string{"config-auth-cached"}) {
		t.Fatalf("fired %v, want config-auth-cached", got)
	}
	f := rep.Findings[0]
	if f.Resource != "aws_cloudfront_distribution.site" || !strings.Contains(f.Value, "api-cache") || !strings.Contains(f.Value, "DefaultTTL 3600") {
		t.Errorf("finding %+v", f)
	}
}
