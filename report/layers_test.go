package report_test

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/cfwatch/cfwatch/detectors"
	"github.com/cfwatch/cfwatch/loggen"
	"github.com/cfwatch/cfwatch/logparse"
	"github.com/cfwatch/cfwatch/report"
	"github.com/cfwatch/cfwatch/source"
)

// layersReport is the local engine's report of two hours with a geo
// restriction (12% of viewers), WAF blocks, a Lambda@Edge failure and S3
// answering the API.
func layersReport(t *testing.T) *report.Report {
	t.Helper()
	dir := t.TempDir()
	at := func(k loggen.Kind, from, until time.Duration) loggen.Incident {
		return loggen.Incident{Kind: k, From: t0.Add(from), Until: t0.Add(until), Rate: k.DefaultRate()}
	}
	cfg := loggen.Config{Seed: 7, Start: t0, Duration: 2 * time.Hour, RequestsPerHour: 3000, Incidents: []loggen.Incident{
		at(loggen.GeoRestricted, 0, 2*time.Hour), at(loggen.WAFNoise, 0, 2*time.Hour),
		at(loggen.EdgeFunctionError, 0, time.Hour), at(loggen.APIRoutedToStatic, time.Hour, 2*time.Hour),
	}}
	if _, err := loggen.WriteDir(context.Background(), dir, cfg); err != nil {
		t.Fatal(err)
	}
	win := source.Window{From: t0, Until: t0.Add(2 * time.Hour)}
	objs, skipped, err := source.Local([]string{filepath.Join(dir)}, win)
	if err != nil {
		t.Fatal(err)
	}
	rep, err := run(context.Background(), objs, skipped, report.Options{Window: win})
	if err != nil {
		t.Fatal(err)
	}
	return rep
}

// TestFailuresByLayer: every failed request of the window is in exactly one
// row of failures_by_layer, its statuses and reasons add up, and the
// layers the incidents stand for are there, in the groups they hit.
func TestFailuresByLayer(t *testing.T) {
	rep := layersReport(t)
	var failed, rows int64
	for class, n := range rep.Status.Classes {
		if class == "4xx" || class == "5xx" || class == "000" {
			failed += n
		}
	}
	byReason := map[string]int64{}
	groups := map[string]bool{}
	for _, r := range rep.FailuresByLayer {
		rows += r.Requests
		var st, rs int64
		for _, s := range r.ByStatus {
			st += s.Count
		}
		for _, x := range r.Reasons {
			rs += x.Count
			byReason[x.Name] += x.Count
			if l := detectors.ReasonByID(x.Name).Layer().String(); l != r.Layer {
				t.Errorf("row %s %s %s: reason %s of layer %s", r.Host, r.Group, r.Layer, x.Name, l)
			}
		}
		if st != r.Requests || rs != r.Requests {
			t.Errorf("row %s %s %s: %d requests, statuses add up to %d, reasons to %d", r.Host, r.Group, r.Layer, r.Requests, st, rs)
		}
		groups[r.Group+" "+r.Layer] = true
	}
	if rows != failed || failed == 0 {
		t.Errorf("rows hold %d failures, the status mix %d", rows, failed)
	}
	for _, reason := range []string{"geo-restriction", "edge-refusal", "lambda-edge-error", "s3-xml-error", "invalid-method"} {
		if byReason[reason] == 0 {
			t.Errorf("no %s: %v", reason, byReason)
		}
	}
	for _, g := range []string{"/api/auth/session edge-config", "/api/auth/session edge-compute", "/api/* origin", "/* edge-config", "/api/auth/csrf origin", "/api/auth/callback/* edge-compute"} {
		if !groups[g] {
			t.Errorf("no row %q: %v", g, groups)
		}
	}

	// Every format says how many failures the configuration refused on
	// purpose, and which.
	conf := byReason["geo-restriction"] + byReason["edge-refusal"] + byReason["signed-url"] + byReason["access-blocked"]
	want := fmt.Sprintf("%s of the %s failures", comma(conf), comma(rows))
	for _, f := range []report.Format{report.FormatText, report.FormatMarkdown, report.FormatHTML} {
		out := string(render(t, rep, f, report.WriteOptions{}))
		for _, s := range []string{"Where failures come from", want, "refused at the edge by configuration",
			comma(byReason["geo-restriction"]) + " geo restriction", "edge refusal, origin not asked", "edge compute", "origin answered"} {
			if !strings.Contains(out, s) {
				t.Errorf("%s: no %q", f, s)
			}
		}
	}
}

func comma(n int64) string {
	s := fmt.Sprint(n)
	for i := len(s) - 3; i > 0; i -= 3 {
		s = s[:i] + "," + s[i:]
	}
	return s
}

// TestFailuresNone: a window without failures says so; a window without
// requests has no section in the human formats and an empty list in JSON.
func TestFailuresNone(t *testing.T) {
	dir := t.TempDir()
	var b strings.Builder
	b.WriteString(loggen.Header)
	for i := range 30 {
		b.WriteString(logLine(t0.Add(time.Duration(i)*time.Minute), "/items", 200))
	}
	file := filepath.Join(dir, "E2QWRUHEXAMPLE.2026-11-20-00.test")
	if err := os.WriteFile(file, []byte(b.String()), 0o644); err != nil {
		t.Fatal(err)
	}
	for _, c := range []struct {
		name  string
		win   source.Window
		shows string
	}{
		{"no failure", source.Window{From: t0, Until: t0.Add(time.Hour)}, "no request failed"},
		{"no data", source.Window{From: t0.Add(5 * time.Hour), Until: t0.Add(6 * time.Hour)}, ""},
	} {
		objs, skipped, err := source.Local([]string{file}, c.win)
		if err != nil {
			t.Fatal(err)
		}
		rep, err := run(context.Background(), objs, skipped, report.Options{Window: c.win})
		if err != nil {
			t.Fatal(err)
		}
		if rep.FailuresByLayer == nil || len(rep.FailuresByLayer) != 0 {
			t.Errorf("%s: failures_by_layer %#v", c.name, rep.FailuresByLayer)
		}
		if js := string(render(t, rep, report.FormatJSON, report.WriteOptions{})); !strings.Contains(js, `"failures_by_layer": []`) {
			t.Errorf("%s: JSON has no empty failures_by_layer", c.name)
		}
		text := strings.ToLower(string(render(t, rep, report.FormatText, report.WriteOptions{})))
		if c.shows == "" {
			if strings.Contains(text, "where failures come from") {
				t.Errorf("%s: the section is shown without requests", c.name)
			}
		} else if !strings.Contains(text, "where failures come from\n  "+c.shows) {
			t.Errorf("%s: no %q in\n%s", c.name, c.shows, text)
		}
	}
}

// TestCounterLayersNoAlloc: counting a failed request into the failures by
// layer allocates nothing once its host, group and layer are known.
func TestCounterLayersNoAlloc(t *testing.T) {
	c, err := report.NewCounter(report.Options{Window: source.Window{From: t0, Until: t0.Add(time.Hour)}})
	if err != nil {
		t.Fatal(err)
	}
	recs := make([]logparse.Record, 3)
	for i, line := range []string{
		logLine(t0.Add(time.Minute), "/api/auth/session", 403),
		logLine(t0.Add(time.Minute), "/api/items/3", 502),
		logLine(t0.Add(time.Minute), "/", 404),
	} {
		// One reader per record: a Reader's records point into its buffer.
		if err := logparse.NewReader(strings.NewReader(loggen.Header + line)).Read(&recs[i]); err != nil {
			t.Fatal(err)
		}
	}
	for i := range recs {
		c.Observe(&recs[i], "")
	}
	allocs := testing.AllocsPerRun(50, func() {
		for i := range recs {
			c.Observe(&recs[i], "")
		}
	})
	if allocs != 0 {
		t.Errorf("%v allocations per run", allocs)
	}
}
