package local

import (
	"context"
	"encoding/json"
	"strings"
	"testing"
	"time"

	"github.com/cfwatch/cfwatch/report"
	"github.com/cfwatch/cfwatch/source"
)

// TestProgress: the callback sees the input advance to its end.
func TestProgress(t *testing.T) {
	var calls []Progress
	base := report.Shifted(window, 2*time.Hour)
	objs, skipped, err := source.Local([]string{goldenLogs(t)}, report.Union(window, &base))
	if err != nil {
		t.Fatal(err)
	}
	rep, err := run(context.Background(), objs, skipped, report.Options{Window: window, Baseline: &base},
		Options{Progress: func(p Progress) { calls = append(calls, p) }})
	if err != nil {
		t.Fatal(err)
	}
	if len(calls) < 2 {
		t.Fatalf("%d progress calls", len(calls))
	}
	last := calls[len(calls)-1]
	if last.FilesDone != rep.Input.Files || last.FilesTotal != rep.Input.Files || last.BytesDone != rep.Input.Bytes || last.BytesTotal != rep.Input.Bytes {
		t.Errorf("last progress %+v, input %+v", last, rep.Input)
	}
	for i := 1; i < len(calls); i++ {
		if calls[i].BytesDone < calls[i-1].BytesDone || calls[i].FilesDone < calls[i-1].FilesDone {
			t.Errorf("progress went back: %+v then %+v", calls[i-1], calls[i])
		}
	}
}

// TestBaselinePruning: objects listed for both periods are read only when
// their names put them in one.
func TestBaselinePruning(t *testing.T) {
	dir := goldenLogs(t)
	// The window 03:00–04:00 and a baseline 7 days earlier: no file holds
	// the baseline, and files far from 03:00 are not read.
	w := source.Window{From: t0.Add(3 * time.Hour), Until: t0.Add(4 * time.Hour)}
	base := report.Shifted(w, 7*24*time.Hour)
	objs, skipped, err := source.Local([]string{dir}, report.Union(w, &base))
	if err != nil {
		t.Fatal(err)
	}
	rep, err := run(context.Background(), objs, skipped, report.Options{Window: w, Baseline: &base})
	if err != nil {
		t.Fatal(err)
	}
	if rep.Input.Files != 8 || rep.Input.FilesOutsideWindow != 8 {
		t.Errorf("read %d files, %d outside; want 8 and 8", rep.Input.Files, rep.Input.FilesOutsideWindow)
	}
	if rep.Baseline.Totals.Requests != 0 || !strings.Contains(string(render(t, rep, report.FormatText, report.WriteOptions{})), "no requests in the baseline window") {
		t.Errorf("baseline %+v", rep.Baseline.Totals)
	}
	var doc map[string]any
	if err := json.Unmarshal(render(t, rep, report.FormatJSON, report.WriteOptions{}), &doc); err != nil {
		t.Fatal(err)
	}
	if _, ok := doc["baseline"]; !ok {
		t.Error("no baseline in the JSON")
	}
}
