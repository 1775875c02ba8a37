package reportcmd

import (
	"encoding/json"
	"path/filepath"
	"strings"
	"testing"
)

// TestDistributionConfig: with --distribution-config, each finding says
// whether the distribution's settings confirm its cause, in every format;
// settings that do not cause it say so; a file that is not a distribution's
// settings is an error (exit 2).
func TestDistributionConfig(t *testing.T) {
	dir := scenarioDir(t, "method-rejected")
	fixture := func(name string) string {
		return filepath.Join("..", "..", "..", "audit", "testdata", "distconfig", name)
	}
	window := []string{"--source", dir, "--from", "2026-11-20T00:00:00Z", "--until", "2026-11-20T03:00:00Z", "--fail-on", "none"}

	code, out, errs := runReport(t, append(window, "--format", "json", "--distribution-config", fixture("fail-methods-restricted.json"))...)
	var r struct {
		Findings []struct {
			Rule     string `json:"rule"`
			Settings string `json:"settings"`
		} `json:"findings"`
	}
	if err := json.Unmarshal([]byte(out), &r); err != nil || code != exitOK || len(r.Findings) == 0 {
		t.Fatalf("exit %d (%v): %s", code, err, errs)
	}
	for _, f := range r.Findings {
		if f.Rule == "method-rejected" && !strings.HasPrefix(f.Settings, "confirmed: /api/* has AllowedMethods") {
			t.Errorf("method-rejected: settings %q, want it confirmed by the behavior's AllowedMethods", f.Settings)
		}
	}
	for _, format := range []string{"text", "markdown", "html"} {
		_, out, _ := runReport(t, append(window, "--format", format, "--distribution-config", fixture("fail-methods-restricted.json"))...)
		if !strings.Contains(out, "Settings") || !strings.Contains(out, "config-methods-restricted") {
			t.Errorf("%s does not show the settings' confirmation", format)
		}
	}

	// The checklist's settings do not cause it.
	_, out, _ = runReport(t, append(window, "--format", "json", "--distribution-config", fixture("pass-000.json"))...)
	if err := json.Unmarshal([]byte(out), &r); err != nil || len(r.Findings) == 0 || strings.HasPrefix(r.Findings[0].Settings, "confirmed") || r.Findings[0].Settings == "" {
		t.Errorf("a distribution whose settings are right: %+v (%v)", r.Findings, err)
	}

	// Without the flag, no settings field.
	_, out, _ = runReport(t, append(window, "--format", "json")...)
	if strings.Contains(out, `"settings"`) {
		t.Error("settings in a report without --distribution-config")
	}

	if code, _, errs := runReport(t, append(window, "--distribution-config", filepath.Join(dir, "nothing.json"))...); code != exitUsage || !strings.Contains(errs, "--distribution-config") {
		t.Errorf("a missing file: exit %d, %s", code, errs)
	}
}
