package report_test

import (
	"context"
	"encoding/json"
	"github.com/cfwatch/cfwatch/local"
	"github.com/cfwatch/cfwatch/report"
	"strings"
	"testing"
	"time"

	"github.com/cfwatch/cfwatch/detectors"
	"github.com/cfwatch/cfwatch/source"
)

// noDataReport is the report of the golden input (2026-11-20 00:00–04:00)
// over w, listed as the command lists it.
func noDataReport(t *testing.T, w source.Window, minRecords int64) *report.Report {
	t.Helper()
	l, err := source.LocalListing([]string{goldenLogs(t)}, w, nil)
	if err != nil {
		t.Fatal(err)
	}
	rep, err := local.Run(context.Background(), l, report.Options{Window: w, MinRecords: minRecords}, local.Options{})
	if err != nil {
		t.Fatal(err)
	}
	return rep
}

// TestNoData: a window the input holds no records of is said to be so
// first, in every format, with the nearest times the input covers; its
// checks are no pass.
func TestNoData(t *testing.T) {
	for _, c := range []struct {
		name          string
		w             source.Window
		before, after string // the nearest data, "" for none
	}{
		// Weeks before the logs: every file is left out by its name.
		{"before", source.Window{From: t0.Add(-19 * 24 * time.Hour), Until: t0.Add(-18 * 24 * time.Hour)}, "", "2026-11-20T00:00:00Z"},
		// A day after: the hours the last files are named for.
		{"after", source.Window{From: t0.Add(24 * time.Hour), Until: t0.Add(25 * time.Hour)}, "2026-11-20T04:00:00Z", ""},
		// Just after: the last hour's file is read, and its last record
		// is the nearest data.
		{"just-after", source.Window{From: t0.Add(4*time.Hour + 30*time.Minute), Until: t0.Add(5 * time.Hour)}, "2026-11-20T03:59:", ""},
	} {
		t.Run(c.name, func(t *testing.T) {
			rep := noDataReport(t, c.w, 0)
			cv := rep.Coverage
			if !cv.NoData || cv.Records != 0 || cv.MinRecords != 1 {
				t.Fatalf("coverage %+v", cv)
			}
			at := func(p *time.Time) string {
				if p == nil {
					return ""
				}
				return p.Format(time.RFC3339Nano)
			}
			if b, a := at(cv.NearestBefore), at(cv.NearestAfter); !strings.HasPrefix(b, c.before) || (c.before == "") != (b == "") || a != c.after {
				t.Errorf("nearest before %q, after %q; want %q…, %q", b, a, c.before, c.after)
			}
			if rep.ExitCode(detectors.SeverityCritical, false) != report.ExitNoData || rep.ExitCode(detectors.SeverityCritical, true) != report.ExitOK {
				t.Errorf("exit %d, %d with --allow-empty", rep.ExitCode(detectors.SeverityCritical, false), rep.ExitCode(detectors.SeverityCritical, true))
			}
			for _, f := range report.Formats() {
				out := string(render(t, rep, f, report.WriteOptions{}))
				if f == report.FormatJSON {
					var doc struct {
						Coverage map[string]any `json:"coverage"`
					}
					if err := json.Unmarshal([]byte(out), &doc); err != nil || doc.Coverage["no_data"] != true {
						t.Errorf("json coverage %v (%v)", doc.Coverage, err)
					}
					continue
				}
				// Said before anything else the report says: its input,
				// findings, checks and figures.
				if f == report.FormatHTML {
					out = out[strings.Index(out, "<body"):] // what the page shows, not its style sheet
				}
				nd := strings.Index(strings.ToLower(out), "no data: the window holds no records")
				if f == report.FormatText {
					nd = strings.Index(out, "NO DATA  The window holds no records.")
				}
				first := len(out)
				for _, s := range []string{"Input", "Findings", "checks", `class="cards"`, "Traffic"} {
					if i := strings.Index(out, s); i >= 0 && i < first {
						first = i
					}
				}
				if nd < 0 || nd > first {
					t.Errorf("%s does not say first that the window holds no records:\n%.600s", f, out)
				}
				if c.after != "" && !strings.Contains(out, "from 2026-11-20 00:00:00 UTC") {
					t.Errorf("%s does not give the nearest data:\n%.600s", f, out)
				}
				if strings.Contains(out, "Findings: none\n") || strings.Contains(out, "none of the rules fired") {
					t.Errorf("%s says the rules found nothing, with no data to judge", f)
				}
			}
			// The page shows the checks as without data, grey: never a
			// green "checks failed 0 of 4".
			page := string(render(t, rep, report.FormatHTML, report.WriteOptions{}))
			if !strings.Contains(page, `<div class="card nodata"><div class="l">checks failed</div><div class="v">no data</div>`) ||
				strings.Contains(page, `<div class="card good"><div class="l">checks failed</div>`) {
				t.Errorf("checks card:\n%s", page[strings.Index(page, `<div class="cards">`):][:800])
			}
		})
	}
}

// TestMinRecords: fewer records than asked for is no data either, but a
// finding in them still fails the gate.
func TestMinRecords(t *testing.T) {
	w := source.Window{From: t0.Add(3 * time.Hour), Until: t0.Add(4 * time.Hour)} // the incident
	rep := noDataReport(t, w, 1_000_000)
	cv := rep.Coverage
	if !cv.NoData || cv.Records == 0 || cv.Records != rep.Totals.Requests || cv.MinRecords != 1_000_000 || cv.NearestBefore == nil {
		t.Fatalf("coverage %+v", cv)
	}
	if len(rep.Findings) == 0 {
		t.Fatal("no finding in the incident")
	}
	for _, c := range []struct {
		failOn     detectors.Severity
		allowEmpty bool
		want       int
	}{
		{detectors.SeverityCritical, false, report.ExitFindings},
		{detectors.SeverityCritical, true, report.ExitFindings},
		{"", false, report.ExitNoData}, // --fail-on none
		{"", true, report.ExitOK},
	} {
		if got := rep.ExitCode(c.failOn, c.allowEmpty); got != c.want {
			t.Errorf("ExitCode(%q, %v) = %d, want %d", c.failOn, c.allowEmpty, got, c.want)
		}
	}
	text := string(render(t, rep, report.FormatText, report.WriteOptions{}))
	if !strings.HasPrefix(text, "NO DATA  The window holds only "+report.Num(cv.Records)+" records, fewer than the 1,000,000 of --min-records.") {
		t.Errorf("text:\n%.400s", text)
	}
	// With enough records, no word of it.
	rep = noDataReport(t, w, 0)
	if rep.Coverage.NoData || rep.Coverage.NearestBefore != nil || strings.Contains(string(render(t, rep, report.FormatText, report.WriteOptions{})), "NO DATA") {
		t.Errorf("coverage %+v", rep.Coverage)
	}
	rep.Input.FailedFiles = []report.FileError{{File: "x", Error: "x: broken"}}
	if got := rep.ExitCode(detectors.SeverityCritical, false); got != report.ExitError {
		t.Errorf("a file failed: exit %d, want %d", got, report.ExitError)
	}
}
