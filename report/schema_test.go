package report_test

import (
	"bytes"
	"context"
	"github.com/cfwatch/cfwatch/report"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/cfwatch/cfwatch/internal/schematest"
	"github.com/cfwatch/cfwatch/loggen"
	"github.com/cfwatch/cfwatch/source"
)

// TestSchemaGolden: every golden JSON report validates against the
// schema, as published and strict (no property it does not list).
func TestSchemaGolden(t *testing.T) {
	s := schematest.Compile(t, report.JSONSchema())
	files, err := filepath.Glob(filepath.Join("testdata", "*.json*"))
	if err != nil || len(files) == 0 {
		t.Fatalf("no golden JSON (%v)", err)
	}
	for _, f := range files {
		b, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		if err := s.Validate(b); err != nil {
			t.Errorf("%s: %v", f, err)
		}
	}
}

// TestSchemaScenarios: the report of every loggen scenario (healthy and
// each incident kind, compared with the hour before), of a window without
// data, and of an input with a bad line and a broken file validates.
func TestSchemaScenarios(t *testing.T) {
	s := schematest.Compile(t, report.JSONSchema())
	dir := t.TempDir()
	scenarios := []string{"healthy"}
	for _, k := range loggen.Kinds() {
		scenarios = append(scenarios, string(k))
	}
	start := time.Date(2026, 11, 20, 0, 0, 0, 0, time.UTC)
	w := source.Window{From: start.Add(time.Hour), Until: start.Add(2 * time.Hour)}
	base := report.Shifted(w, time.Hour)
	for _, name := range scenarios {
		t.Run(name, func(t *testing.T) {
			cfg := loggen.Config{Seed: 9, Start: start, Duration: 2 * time.Hour, RequestsPerHour: 3000}
			if name != "healthy" {
				k, err := loggen.ParseKind(name)
				if err != nil {
					t.Fatal(err)
				}
				cfg.Incidents = []loggen.Incident{{Kind: k, From: w.From, Until: w.Until, Rate: k.DefaultRate()}}
				cfg.CookieLogging = k.NeedsCookieLogging()
			}
			logs := filepath.Join(dir, name)
			if _, err := loggen.WriteDir(context.Background(), logs, cfg); err != nil {
				t.Fatal(err)
			}
			objs, skipped, err := source.Local([]string{logs}, report.Union(w, &base))
			if err != nil {
				t.Fatal(err)
			}
			rep, err := run(context.Background(), objs, skipped, report.Options{Window: w, Baseline: &base})
			if err != nil {
				t.Fatal(err)
			}
			if name != "healthy" && !loggen.Kind(name).Noise() && len(rep.Findings) == 0 {
				t.Errorf("%s: no finding to validate", name)
			}
			if err := s.Validate(render(t, rep, report.FormatJSON, report.WriteOptions{})); err != nil {
				t.Error(err)
			}
		})
	}
	t.Run("no-data", func(t *testing.T) {
		rep := noDataReport(t, source.Window{From: t0.Add(-48 * time.Hour), Until: t0.Add(-24 * time.Hour)}, 0)
		if err := s.Validate(render(t, rep, report.FormatJSON, report.WriteOptions{})); err != nil {
			t.Error(err)
		}
	})
	t.Run("input-problems", func(t *testing.T) {
		bad := filepath.Join(t.TempDir(), "bad")
		if err := os.MkdirAll(bad, 0o755); err != nil {
			t.Fatal(err)
		}
		log := "#Version: 1.0\n#Fields: date time x-edge-location sc-bytes c-ip cs-method cs(Host) cs-uri-stem sc-status\n" +
			"2026-11-20\t01:00:00\tIAD89-C1\t10\t192.0.2.1\tGET\td1.cloudfront.net\t/\t200\n" +
			"not a log line\n"
		if err := os.WriteFile(filepath.Join(bad, "a.log"), []byte(log), 0o644); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(filepath.Join(bad, "b.gz"), []byte("\x1f\x8b\x08\x00broken"), 0o644); err != nil {
			t.Fatal(err)
		}
		objs, skipped, err := source.Local([]string{bad}, w)
		if err != nil {
			t.Fatal(err)
		}
		rep, err := run(context.Background(), objs, skipped, report.Options{Window: w})
		if err != nil {
			t.Fatal(err)
		}
		if len(rep.Input.FailedFiles) != 1 || len(rep.Input.LineErrors) != 1 {
			t.Fatalf("input %+v", rep.Input)
		}
		if err := s.Validate(render(t, rep, report.FormatJSON, report.WriteOptions{})); err != nil {
			t.Error(err)
		}
	})
}

// TestSchemaCatches: the schema refuses what the JSON once had wrong: a
// null for an empty array (findings, failed_files), a null clients_capped,
// a missing section.
func TestSchemaCatches(t *testing.T) {
	s := schematest.Compile(t, report.JSONSchema())
	good, err := os.ReadFile(filepath.Join("testdata", "report.json.golden"))
	if err != nil {
		t.Fatal(err)
	}
	if err := s.Validate(good); err != nil {
		t.Fatal(err)
	}
	for _, c := range []struct{ name, old, new string }{
		{"null findings", `"findings": [`, `"findings": null, "x": [`},
		{"null failed_files", `"failed_files": []`, `"failed_files": null`},
		{"null clients_capped", `"clients_capped": false`, `"clients_capped": null`},
		{"no coverage", `"coverage": {`, `"coverage_": {`},
		{"null checks", `"checks": [`, `"checks": null, "y": [`},
		{"a status the schema does not know", `"status": "pass"`, `"status": "ok"`},
		{"null failures_by_layer", `"failures_by_layer": [`, `"failures_by_layer": null, "z": [`},
		{"a layer the schema does not know", `"layer": "origin",`, `"layer": "cdn",`},
		{"a reason the schema does not know", `"name": "invalid-method",`, `"name": "blocked",`},
		{"a time that is not one", `"from": "2026-11-20T02:00:00Z"`, `"from": "2026-11-20 02:00"`},
	} {
		doc := strings.Replace(string(good), c.old, c.new, 1)
		if doc == string(good) {
			t.Fatalf("%s: %q not in the golden report", c.name, c.old)
		}
		if err := s.Published.Validate(mustJSON(t, doc)); err == nil {
			t.Errorf("%s: valid", c.name)
		}
	}
	// The strict schema refuses a field the schema does not list.
	doc := strings.Replace(string(good), `"auth_prefix":`, `"undocumented": 1, "auth_prefix":`, 1)
	if err := s.Validate([]byte(doc)); err == nil {
		t.Error("an undocumented field: valid")
	}
}

func mustJSON(t *testing.T, doc string) any {
	t.Helper()
	v, err := schematest.Decode(bytes.NewReader([]byte(doc)))
	if err != nil {
		t.Fatal(err)
	}
	return v
}
