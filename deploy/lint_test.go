package deploy

import (
	"context"
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"
)

// tool returns the path of a command-line tool, or skips the test when it
// is not installed (and fails it in CI, CI=true).
func tool(t *testing.T, name, install string) string {
	t.Helper()
	p, err := exec.LookPath(name)
	if err != nil {
		msg := name + " not found on PATH: " + install
		if os.Getenv("CI") == "true" {
			t.Fatal(msg)
		}
		t.Skip("skipping: " + msg)
	}
	return p
}

// cfn-lint (CloudFormation's linter, with the SAM transform and the
// resource specifications) finds no error and no warning. The template
// suppresses one check, on one resource, with its reason beside it.
func TestCfnLint(t *testing.T) {
	bin := tool(t, "cfn-lint", "pip install 'cfn-lint==1.51.*'")
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Minute)
	defer cancel()
	tmpl := filepath.Join(repoRoot(t), "template.yaml")
	cmd := exec.CommandContext(ctx, bin, "--format", "parseable", "--", tmpl)
	out, err := cmd.CombinedOutput()
	if v, verr := exec.CommandContext(ctx, bin, "--version").Output(); verr == nil {
		t.Logf("%s", strings.TrimSpace(string(v)))
	}
	if err != nil || len(strings.TrimSpace(string(out))) > 0 {
		t.Errorf("cfn-lint %s: %v\n%s", tmpl, err, out)
	}
}

// The only suppressed cfn-lint check is W3002 on the function, whose Code
// is the local directory sam build packages.
func TestCfnLintSuppressions(t *testing.T) {
	tmpl := load(t)
	raw, _ := json.Marshal(tmpl.Raw)
	if n := strings.Count(string(raw), `"cfn-lint"`); n != 1 {
		t.Errorf("%d cfn-lint directives, want 1", n)
	}
	if top := get(tmpl.Raw, "Metadata", "cfn-lint"); top != nil {
		t.Errorf("template-wide cfn-lint configuration %v: suppress per resource, with the reason", top)
	}
	got := list(get(tmpl.Raw, "Resources", "IngestFunction", "Metadata", "cfn-lint", "config", "ignore_checks"))
	if !slices.Equal(got, []string{"W3002"}) {
		t.Errorf("IngestFunction ignores %v, want [W3002]", got)
	}
}

// sam validate, when the AWS SAM CLI is installed (it is not needed to run
// the other tests).
func TestSamValidate(t *testing.T) {
	p, err := exec.LookPath("sam")
	if err != nil {
		t.Skip("skipping: the AWS SAM CLI (sam) is not installed")
	}
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Minute)
	defer cancel()
	cmd := exec.CommandContext(ctx, p, "validate", "--lint", "--template", filepath.Join(repoRoot(t), "template.yaml"))
	cmd.Env = append(os.Environ(), "SAM_CLI_TELEMETRY=0", "AWS_REGION=us-east-1")
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Errorf("sam validate: %v\n%s", err, out)
	}
}
