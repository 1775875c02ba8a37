package local

import (
	"bytes"
	"context"
	"fmt"
	"github.com/cfwatch/cfwatch/report"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/cfwatch/cfwatch/dataset"
	"github.com/cfwatch/cfwatch/detectors"
	"github.com/cfwatch/cfwatch/internal/datasettest"
	"github.com/cfwatch/cfwatch/loggen"
	"github.com/cfwatch/cfwatch/source"
)

// incidentsStart is the start of the generated day of incidents.
var incidentsStart = time.Date(2026, 11, 20, 0, 0, 0, 0, time.UTC)

// incidentsConfig is every incident kind in its own hour
// (datasettest.Incidents), and auth-cookie-oversize, which it leaves out,
// in the first hour.
func incidentsConfig() loggen.Config {
	cfg := datasettest.Incidents(incidentsStart, 23, 5000)
	k := loggen.AuthCookieOversize
	cfg.Incidents = append(cfg.Incidents, loggen.Incident{Kind: k, From: incidentsStart, Until: incidentsStart.Add(time.Hour), Rate: k.DefaultRate()})
	return cfg
}

// The incidents' logs and dataset are written once per test run, into
// incidentsDir (removed by TestMain).
var (
	incidentsOnce sync.Once
	incidentsDir  string
	incidentsErr  error
)

// incidentsInput writes the logs of incidentsConfig and the dataset
// written from them, once per test run.
func incidentsInput(t *testing.T) (logs, ds string) {
	t.Helper()
	incidentsOnce.Do(func() {
		dir, err := os.MkdirTemp("", "cfwatch-report-dataset")
		if err != nil {
			incidentsErr = err
			return
		}
		incidentsDir = dir
		if _, err := loggen.WriteDir(context.Background(), filepath.Join(dir, "logs"), incidentsConfig()); err != nil {
			incidentsErr = err
			return
		}
		// Small row groups and pages, so that reading crosses both.
		datasettest.Write(t, filepath.Join(dir, "logs"), filepath.Join(dir, "dataset"),
			dataset.Options{RowGroupRows: 1000, PageBytes: 16 << 10})
	})
	if incidentsErr != nil || incidentsDir == "" {
		t.Fatalf("writing the input: %v", incidentsErr)
	}
	return filepath.Join(incidentsDir, "logs"), filepath.Join(incidentsDir, "dataset")
}

func runOver(t *testing.T, dir string, opts report.Options) *report.Report {
	t.Helper()
	objs, skipped, err := source.Local([]string{dir}, report.Union(opts.Window, opts.Baseline))
	if err != nil {
		t.Fatal(err)
	}
	rep, err := run(context.Background(), objs, skipped, opts)
	if err != nil {
		t.Fatal(err)
	}
	return rep
}

// withoutInput is the report's JSON and text with the input section
// blanked: the input is files of another kind, the rest must not differ.
func withoutInput(t *testing.T, rep *report.Report) (js, text string) {
	t.Helper()
	c := *rep
	c.Input = report.Input{}
	var b bytes.Buffer
	if err := c.WriteJSON(&b); err != nil {
		t.Fatal(err)
	}
	var tb bytes.Buffer
	if err := c.WriteText(&tb); err != nil {
		t.Fatal(err)
	}
	return b.String(), tb.String()
}

// TestDatasetMatchesLogs: a report over the Parquet dataset written from a
// day of logs is the report over the logs: findings (counts, clients,
// paths, example request IDs, causes), checks, traffic figures, endpoints,
// time series and the comparison, byte for byte, for several windows.
func TestDatasetMatchesLogs(t *testing.T) {
	logs, ds := incidentsInput(t)
	for _, c := range []struct {
		name string
		opts report.Options
	}{
		{"whole", report.Options{Window: source.Window{From: incidentsStart, Until: incidentsStart.Add(12 * time.Hour)}}},
		{"part-with-baseline", func() report.Options {
			w := source.Window{From: incidentsStart.Add(6*time.Hour + 30*time.Minute), Until: incidentsStart.Add(11 * time.Hour)}
			b := report.Shifted(w, 5*time.Hour)
			return report.Options{Window: w, Baseline: &b, TopN: 15}
		}()},
		{"edge-minutes", report.Options{Window: source.Window{From: incidentsStart.Add(2*time.Hour + 7*time.Minute), Until: incidentsStart.Add(3*time.Hour + 55*time.Minute)}}},
	} {
		t.Run(c.name, func(t *testing.T) {
			fromLogs := runOver(t, logs, c.opts)
			fromDS := runOver(t, ds, c.opts)
			if fromLogs.Totals.Requests == 0 {
				t.Fatal("no requests in the window")
			}
			jl, tl := withoutInput(t, fromLogs)
			jd, td := withoutInput(t, fromDS)
			if jl != jd {
				t.Errorf("JSON differs:\n%s", firstDiff(jl, jd))
			}
			if tl != td {
				t.Errorf("text differs:\n%s", firstDiff(tl, td))
			}
			if len(fromDS.Input.FailedFiles) > 0 {
				t.Errorf("failed files: %+v", fromDS.Input.FailedFiles)
			}
		})
	}
	// The comparison means something only if the rules found things.
	rep := runOver(t, logs, report.Options{Window: source.Window{From: incidentsStart, Until: incidentsStart.Add(12 * time.Hour)}})
	var rules []string
	for _, f := range rep.Findings {
		if !slices.Contains(rules, f.Rule) {
			rules = append(rules, f.Rule)
		}
		// A rule folded into another finding fired too (Finding.Related).
		for _, r := range f.Related {
			if !slices.Contains(rules, r.Rule) {
				rules = append(rules, r.Rule)
			}
		}
	}
	slices.Sort(rules)
	want := slices.Sorted(slices.Values(detectors.Rules()))
	if !slices.Equal(rules, want) {
		t.Errorf("rules found over the logs: %v, want every rule %v", rules, want)
	}
	for _, ck := range rep.Checks {
		if ck.Status == detectors.CheckNoData {
			t.Errorf("check %s has no data", ck.Name)
		}
	}
}

// TestDatasetPruning: a window of two hours opens only the dataset files
// of the hours that may hold its records, and says so.
func TestDatasetPruning(t *testing.T) {
	_, ds := incidentsInput(t)
	w := source.Window{From: incidentsStart.Add(5 * time.Hour), Until: incidentsStart.Add(7 * time.Hour)}
	objs, skipped, err := source.Local([]string{ds}, w)
	if err != nil {
		t.Fatal(err)
	}
	hours := map[string]bool{}
	for _, o := range objs {
		if !o.Parquet || !o.KeyOK {
			t.Fatalf("%s: parquet %v, partition %v", o.Name, o.Parquet, o.KeyOK)
		}
		hours[o.Key.Hour.Format("15")] = true
	}
	// 05:00–07:00 needs the hours 04 (late records) to 07 (early ones).
	if got := strings.Join(sortedKeys(hours), ","); got != "04,05,06,07" {
		t.Errorf("hours read: %s, want 04,05,06,07", got)
	}
	if skipped != 0 {
		t.Errorf("skipped %d: pruned directories are not entered, so nothing is counted", skipped)
	}
	rep, err := run(context.Background(), objs, skipped, report.Options{Window: w})
	if err != nil {
		t.Fatal(err)
	}
	if rep.Input.Files != len(objs) || rep.Totals.Requests == 0 {
		t.Errorf("files %d of %d, requests %d", rep.Input.Files, len(objs), rep.Totals.Requests)
	}
}

func sortedKeys(m map[string]bool) []string {
	var k []string
	for s := range m {
		k = append(k, s)
	}
	slices.Sort(k)
	return k
}

// firstDiff shows where two texts part.
func firstDiff(a, b string) string {
	al, bl := strings.Split(a, "\n"), strings.Split(b, "\n")
	for i := 0; i < min(len(al), len(bl)); i++ {
		if al[i] != bl[i] {
			return fmt.Sprintf("line %d:\n  logs:    %s\n  dataset: %s", i+1, al[i], bl[i])
		}
	}
	return "one is a prefix of the other"
}
