package local

import (
	"context"
	"github.com/cfwatch/cfwatch/report"
	"testing"
	"time"

	"github.com/cfwatch/cfwatch/source"
)

// TestSeriesBoundaries: a window that starts at an odd second (--since
// from now) has its points on the interval's boundaries, so two runs a
// few seconds apart give the same points; the first and last count only
// the window's part, and the baseline's lie its offset earlier.
func TestSeriesBoundaries(t *testing.T) {
	dir := goldenLogs(t)
	from := t0.Add(2*time.Hour + 50*time.Minute + 56*time.Second)
	w := source.Window{From: from, Until: from.Add(time.Hour)}
	base := report.Shifted(w, time.Hour)
	objs, skipped, err := source.Local([]string{dir}, report.Union(w, &base))
	if err != nil {
		t.Fatal(err)
	}
	rep, err := run(context.Background(), objs, skipped, report.Options{Window: w, Baseline: &base, Interval: 15 * time.Minute})
	if err != nil {
		t.Fatal(err)
	}
	want := []string{"02:45:00", "03:00:00", "03:15:00", "03:30:00", "03:45:00"}
	pts := rep.Series.Points
	if len(pts) != len(want) {
		t.Fatalf("%d points, want %d", len(pts), len(want))
	}
	var sum int64
	for i, p := range pts {
		if got := p.Start.Format(time.TimeOnly); got != want[i] {
			t.Errorf("point %d starts at %s, want %s", i, got, want[i])
		}
		if b := rep.Baseline.Series.Points[i].Start; !b.Equal(p.Start.Add(-time.Hour)) {
			t.Errorf("baseline point %d starts at %v", i, b)
		}
		sum += p.Requests
	}
	if sum != rep.Totals.Requests || sum == 0 {
		t.Errorf("points sum to %d requests, the window has %d", sum, rep.Totals.Requests)
	}
	// Three seconds later: the same points.
	later := source.Window{From: w.From.Add(3 * time.Second), Until: w.Until.Add(3 * time.Second)}
	rep2, err := run(context.Background(), objs, skipped, report.Options{Window: later, Interval: 15 * time.Minute})
	if err != nil {
		t.Fatal(err)
	}
	for i := range pts {
		if !rep2.Series.Points[i].Start.Equal(pts[i].Start) {
			t.Errorf("point %d: %v, then %v", i, pts[i].Start, rep2.Series.Points[i].Start)
		}
	}
}
