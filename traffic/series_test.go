package traffic

import (
	"testing"
	"time"
)

func TestSeries(t *testing.T) {
	t0 := time.Date(2026, 11, 20, 10, 0, 0, 0, time.UTC)
	// 32 minutes at 5m: six full points and a short seventh.
	s, err := NewSeries(t0, t0.Add(32*time.Minute), 5*time.Minute)
	if err != nil {
		t.Fatal(err)
	}
	if len(s.Points) != 7 || !s.Start(6).Equal(t0.Add(30*time.Minute)) {
		t.Fatalf("%d points, last at %v", len(s.Points), s.Start(6))
	}
	for _, c := range []struct {
		at   time.Duration
		want int
	}{{-time.Second, -1}, {0, 0}, {5*time.Minute - 1, 0}, {5 * time.Minute, 1}, {31 * time.Minute, 6}, {32 * time.Minute, -1}} {
		if got := s.Index(t0.Add(c.at)); got != c.want {
			t.Errorf("Index(+%v) = %d, want %d", c.at, got, c.want)
		}
	}
	s.Add(rec("/", 200, "Hit", t0), false)
	s.Add(rec("/", 200, "RefreshHit", t0.Add(time.Minute)), false)
	s.Add(rec("/api/auth/session", 403, "Error", t0.Add(2*time.Minute)), true)
	s.Add(rec("/api/auth/session", 200, "Miss", t0.Add(3*time.Minute)), true)
	s.Add(rec("/api/items", 502, "Error", t0.Add(31*time.Minute)), false)
	s.Add(rec("/late", 200, "Hit", t0.Add(40*time.Minute)), false) // outside: ignored
	p := s.Points[0]
	if p.Requests != 4 || p.Errors4xx != 1 || p.AuthRequests != 2 || p.AuthFailures != 1 || p.CacheHits != 2 || p.CacheMisses != 1 {
		t.Errorf("point 0: %+v", p)
	}
	if r, ok := p.HitRatio(); !ok || r != 2.0/3 {
		t.Errorf("hit ratio %v %v", r, ok)
	}
	if _, ok := s.Points[1].HitRatio(); ok {
		t.Error("an empty point has a hit ratio")
	}
	if s.Points[6].Errors5xx != 1 || s.Total().Requests != 5 {
		t.Errorf("last point %+v, total %+v", s.Points[6], s.Total())
	}
}

func TestChooseInterval(t *testing.T) {
	for d, want := range map[time.Duration]time.Duration{
		10 * time.Minute:      time.Minute,
		time.Hour:             time.Minute,
		90 * time.Minute:      5 * time.Minute,
		6 * time.Hour:         5 * time.Minute,
		24 * time.Hour:        15 * time.Minute,
		7 * 24 * time.Hour:    time.Hour,
		30 * 24 * time.Hour:   24 * time.Hour,
		400 * 24 * time.Hour:  24 * time.Hour,
		1000 * 24 * time.Hour: 3 * 24 * time.Hour,
	} {
		if got := ChooseInterval(d); got != want {
			t.Errorf("ChooseInterval(%v) = %v, want %v", d, got, want)
		}
		t0 := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
		s, err := NewSeries(t0, t0.Add(d), 0)
		if err != nil || len(s.Points) == 0 || len(s.Points) > MaxPoints {
			t.Errorf("%v: %v", d, err)
		}
	}
	t0 := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	for _, bad := range []struct {
		d, iv time.Duration
	}{{24 * time.Hour, time.Minute}, {0, time.Minute}, {time.Hour, time.Millisecond}} {
		if _, err := NewSeries(t0, t0.Add(bad.d), bad.iv); err == nil {
			t.Errorf("NewSeries over %v at %v: no error", bad.d, bad.iv)
		}
	}
}

func TestPathLookup(t *testing.T) {
	var s Summary
	s.Add(rec("/b", 404, "Error", time.Time{}))
	s.Add(rec("/a", 200, "Hit", time.Time{}))
	s.Add(rec("/b", 200, "Miss", time.Time{}))
	if r, ok := s.Path("/b"); !ok || r.Requests != 2 || r.Errors4xx != 1 || r.TopError != 404 {
		t.Errorf("Path(/b) = %+v, %v", r, ok)
	}
	if _, ok := s.Path("/c"); ok {
		t.Error("Path(/c) found")
	}
	if all := s.Paths(); len(all) != 2 || all[0].Path != "/a" || all[1].Path != "/b" {
		t.Errorf("Paths() = %+v", all)
	}
}

// TestSeriesAligned: points start on interval boundaries, whatever the
// window's start, so two runs a few seconds apart give the same points.
func TestSeriesAligned(t *testing.T) {
	from := time.Date(2026, 11, 20, 3, 50, 56, 0, time.UTC)
	s, err := NewSeries(from, from.Add(time.Hour), 15*time.Minute)
	if err != nil {
		t.Fatal(err)
	}
	want := []string{"03:45:00", "04:00:00", "04:15:00", "04:30:00", "04:45:00"}
	if len(s.Points) != len(want) {
		t.Fatalf("%d points, want %d", len(s.Points), len(want))
	}
	for i, w := range want {
		if got := s.Start(i).Format(time.TimeOnly); got != w {
			t.Errorf("point %d starts at %s, want %s", i, got, w)
		}
	}
	// Only the window's part of the cut points counts.
	for _, c := range []struct {
		at   time.Time
		want int
	}{
		{from.Add(-time.Second), -1}, // 03:50:55: in point 0's interval, not in the window
		{from, 0},
		{time.Date(2026, 11, 20, 4, 0, 0, 0, time.UTC), 1},
		{from.Add(time.Hour - time.Second), 4},
		{from.Add(time.Hour), -1},
	} {
		if got := s.Index(c.at); got != c.want {
			t.Errorf("Index(%v) = %d, want %d", c.at, got, c.want)
		}
	}
	// A run a few seconds later: the same boundaries.
	later, err := NewSeries(from.Add(3*time.Second), from.Add(time.Hour+3*time.Second), 15*time.Minute)
	if err != nil || !later.Origin.Equal(s.Origin) {
		t.Errorf("origin %v, want %v (%v)", later.Origin, s.Origin, err)
	}
	// Days start at midnight UTC; a baseline anchored a week earlier keeps
	// its points a week before the window's.
	d, err := NewSeries(from, from.Add(30*24*time.Hour), 0)
	if err != nil || d.Interval != 24*time.Hour || !d.Origin.Equal(time.Date(2026, 11, 20, 0, 0, 0, 0, time.UTC)) || len(d.Points) != 31 {
		t.Fatalf("30 days: %v %v, %d points (%v)", d.Interval, d.Origin, len(d.Points), err)
	}
	off := 7*24*time.Hour + 90*time.Minute
	b, err := NewSeriesAt(s.Origin.Add(-off), from.Add(-off), from.Add(time.Hour-off), 15*time.Minute)
	if err != nil || len(b.Points) != len(s.Points) || !b.Start(0).Equal(s.Start(0).Add(-off)) {
		t.Errorf("baseline: %d points from %v (%v)", len(b.Points), b.Start(0), err)
	}
	// 400 days from a time that is not midnight need 401 daily points: the
	// chosen interval grows to keep within MaxPoints.
	long, err := NewSeries(from, from.Add(400*24*time.Hour), 0)
	if err != nil || len(long.Points) > MaxPoints {
		t.Errorf("400 days: %v", err)
	}
	// Windows too long for a time.Duration are refused, not overflowed.
	if _, err := NewSeries(time.Date(1700, 1, 1, 0, 0, 0, 0, time.UTC), from, 0); err == nil {
		t.Error("a window of three centuries: no error")
	}
}
