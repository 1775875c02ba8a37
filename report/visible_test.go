package report_test

import (
	"bytes"
	"context"
	"encoding/json"
	"encoding/xml"
	"github.com/cfwatch/cfwatch/report"
	"io"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/cfwatch/cfwatch/detectors"
	"github.com/cfwatch/cfwatch/internal/visible/visibletest"
	"github.com/cfwatch/cfwatch/loggen"
	"github.com/cfwatch/cfwatch/source"
)

// hostileReport returns a real report (two hours of logs with a baseline,
// an auth-403-burst finding, a bad line) whose every string that comes from
// a log holds visibletest.Value(field): the fields a renderer shows.
func hostileReport(t *testing.T) *report.Report {
	t.Helper()
	dir := t.TempDir()
	var b strings.Builder
	b.WriteString(loggen.Header)
	for i := range 60 {
		at := t0.Add(time.Duration(i) * time.Minute)
		b.WriteString(logLine(at, "/api/auth/callback/cognito", 302))
		b.WriteString(logLine(at, "/items", 200))
		b.WriteString(logLine(at, "/old", 200))
		b.WriteString(logLine(at.Add(time.Hour), "/items", 200))
		b.WriteString(logLine(at.Add(time.Hour), "/old", 404))
		if i < 30 {
			b.WriteString(logLine(at.Add(time.Hour).Add(time.Second), "/api/auth/callback/cognito", 403))
		}
	}
	b.WriteString(strings.Replace(logLine(t0.Add(time.Hour), "/items", 200), "01:00:00", "01:00:99", 1)) // a skipped line
	file := filepath.Join(dir, "E2QWRUHEXAMPLE.2026-11-20-00.test")
	if err := os.WriteFile(file, []byte(b.String()), 0o644); err != nil {
		t.Fatal(err)
	}
	win := source.Window{From: t0.Add(time.Hour), Until: t0.Add(2 * time.Hour)}
	base := report.Shifted(win, time.Hour)
	objs, skipped, err := source.Local([]string{file}, report.Union(win, &base))
	if err != nil {
		t.Fatal(err)
	}
	rep, err := run(context.Background(), objs, skipped, report.Options{Window: win, Baseline: &base})
	if err != nil {
		t.Fatal(err)
	}
	if len(rep.Findings) == 0 || len(rep.Paths) == 0 || len(rep.Errors) == 0 || len(rep.Input.LineErrors) == 0 ||
		rep.Baseline == nil || rep.Baseline.Totals.Requests == 0 || len(rep.Checks) == 0 {
		t.Fatalf("the input does not give every section: %d findings, %d paths, %d error paths, %d line errors, baseline %v",
			len(rep.Findings), len(rep.Paths), len(rep.Errors), len(rep.Input.LineErrors), rep.Baseline)
	}

	v := visibletest.Value
	for i := range rep.Findings {
		f := &rep.Findings[i]
		f.Host, f.Group, f.DistributionID, f.Key = v("host"), v("group"), v("dist"), v("key")
		f.Paths, f.Examples = []string{v("fpath"), "/ok"}, []string{v("reqid"), "ok"}
		f.Cause, f.Remedy, f.DenominatorLabel = "because "+v("cause")+" said", "do "+v("remedy"), v("denom")
		// A finding folded into it: its group is a path segment (origin-errors).
		f.Related = []detectors.Related{{Rule: detectors.RuleOriginErrors, Group: v("relgroup"), Severity: detectors.SeverityWarning,
			How: detectors.FoldSameFix, Count: 3, Denominator: 9, DenominatorLabel: "requests", FirstSeen: f.FirstSeen, LastSeen: f.LastSeen}}
	}
	for i := range rep.Checks {
		rep.Checks[i].Evidence = "seen " + v("evidence")
	}
	for i := range rep.Paths {
		rep.Paths[i].Path = v("toppath")
	}
	for i := range rep.Errors {
		rep.Errors[i].Path = v("errpath")
	}
	rep.Cache.ResultTypes[v("result")] = 1
	if len(rep.FailuresByLayer) == 0 {
		t.Fatal("no failures_by_layer row")
	}
	for i := range rep.FailuresByLayer {
		r := &rep.FailuresByLayer[i]
		r.Host, r.Group = v("layerhost"), v("layergroup")
		r.DetailedResultTypes = append(r.DetailedResultTypes, detectors.NamedCount{Name: v("detailed"), Count: 1})
	}
	rep.Input.FailedFiles = append(rep.Input.FailedFiles, report.FileError{File: v("failedfile"), Error: v("failederr") + ": read failed"})
	for i := range rep.Input.LineErrors {
		rep.Input.LineErrors[i].File, rep.Input.LineErrors[i].Error = v("linefile"), v("lineerr")+":line 3: invalid"
	}
	rep.Baseline.ChangedPaths = append(rep.Baseline.ChangedPaths, report.PathChange{Path: v("changedpath"), RequestsBefore: 10, Requests: 10, Change: 0.5})
	return rep
}

// shown are the fields of hostileReport every human format shows.
var shown = []string{"host", "group", "dist", "fpath", "reqid", "cause", "remedy", "denom", "evidence", "relgroup",
	"toppath", "errpath", "result", "failederr", "lineerr", "changedpath", "layerhost", "layergroup", "detailed"}

// ownSGR are the report's own colours.
var ownSGR = regexp.MustCompile("\x1b\\[[0-9;]*m")

// TestVisible: no value from a log reaches the text, Markdown or HTML report
// with a control, bidi or zero-width character or invalid UTF-8 in it; each
// is there, made visible. The scan covers the whole output, so a renderer
// that writes a value without making it visible fails it; the only raw
// controls allowed are the formats' own newlines (and the text format's
// own colours), and none may fall inside a value.
func TestVisible(t *testing.T) {
	rep := hostileReport(t)
	for _, c := range []struct {
		f     report.Format
		color bool
	}{{report.FormatText, false}, {report.FormatText, true}, {report.FormatMarkdown, false}, {report.FormatHTML, false}} {
		out := render(t, rep, c.f, report.WriteOptions{Color: c.color})
		name := string(c.f)
		scan := out
		if c.color {
			name += "+color"
			if !ownSGR.Match(out) {
				t.Fatalf("%s: no colour", name)
			}
			scan = ownSGR.ReplaceAll(out, nil)
		}
		if raw := visibletest.Raw(scan, "\n"); raw != nil {
			t.Errorf("%s: %d raw characters, first %q", name, len(raw), raw[:min(len(raw), 5)])
		}
		// The page lets long paths wrap with <wbr/>: formatting, not part
		// of the value (the Raw scan above still covers the whole page).
		values := bytes.ReplaceAll(out, []byte("<wbr/>"), nil)
		for _, field := range shown {
			n, problems := visibletest.Unescaped(values, field, 4000)
			if n == 0 {
				t.Errorf("%s: %s is not shown", name, field)
			}
			if problems != nil {
				t.Errorf("%s: %d problems, first %q", name, len(problems), problems[:min(len(problems), 3)])
			}
		}
	}

	// The page stays well-formed XML (which allows no C0 control).
	d := xml.NewDecoder(bytes.NewReader(render(t, rep, report.FormatHTML, report.WriteOptions{})))
	d.Strict = true
	for {
		if _, err := d.Token(); err == io.EOF {
			break
		} else if err != nil {
			t.Fatalf("html: not well-formed: %v", err)
		}
	}

	// JSON keeps the values: its encoder escapes them.
	var back report.Report
	if err := json.Unmarshal(render(t, rep, report.FormatJSON, report.WriteOptions{}), &back); err != nil {
		t.Fatal(err)
	}
	if h := back.Findings[0].Host; !strings.Contains(h, "\x1b") || !strings.Contains(h, "\u202e") || !strings.Contains(h, "\u0085") {
		t.Errorf("JSON host %q lost its characters", h)
	}
	if js := render(t, rep, report.FormatJSON, report.WriteOptions{}); bytes.ContainsAny(js, "\x1b\x00\x07") {
		t.Error("JSON has raw C0 controls")
	}
}
