package traffic

import (
	"fmt"
	"time"

	"github.com/cfwatch/cfwatch/logparse"
)

// MaxPoints bounds the number of intervals in a Series.
const MaxPoints = 400

// A Series counts records per fixed interval of a window, so that a burst
// can be seen. Its points lie on interval boundaries: point i covers
// [Origin + i×Interval, Origin + (i+1)×Interval), where Origin is the
// boundary at or before From, so the same input gives the same points
// whenever the series is made. Only the part inside [From, Until) is
// counted: the first and last points can be cut short by the window. Every
// interval of the window has a point, with zeros when it had no records.
// The counts do not depend on the order the records are added in.
type Series struct {
	From, Until time.Time
	// Origin is the start of point 0: the latest interval boundary at or
	// before From.
	Origin   time.Time
	Interval time.Duration
	Points   []Point
}

// A Point is the traffic of one interval.
type Point struct {
	Requests  int64
	Errors4xx int64
	Errors5xx int64
	// AuthRequests and AuthFailures count the requests under the NextAuth
	// prefix, and those of them answered 4xx or 5xx.
	AuthRequests int64
	AuthFailures int64
	// CacheHits (Hit, RefreshHit) and CacheMisses (Miss): the cache
	// decisions, as in Summary.CacheHitRatio.
	CacheHits   int64
	CacheMisses int64
}

// HitRatio returns CacheHits / (CacheHits + CacheMisses), and false when
// the interval had no cache decision.
func (p Point) HitRatio() (float64, bool) {
	if p.CacheHits+p.CacheMisses == 0 {
		return 0, false
	}
	return float64(p.CacheHits) / float64(p.CacheHits+p.CacheMisses), true
}

// Add adds o's counts to p.
func (p *Point) Add(o Point) {
	p.Requests += o.Requests
	p.Errors4xx += o.Errors4xx
	p.Errors5xx += o.Errors5xx
	p.AuthRequests += o.AuthRequests
	p.AuthFailures += o.AuthFailures
	p.CacheHits += o.CacheHits
	p.CacheMisses += o.CacheMisses
}

// ChooseInterval returns the interval for a window of length d: 1m up to
// an hour, 5m up to 6 hours, 15m up to a day, 1h up to a week, then 1d (or
// as many whole days as keep the series within MaxPoints).
func ChooseInterval(d time.Duration) time.Duration {
	switch {
	case d <= time.Hour:
		return time.Minute
	case d <= 6*time.Hour:
		return 5 * time.Minute
	case d <= 24*time.Hour:
		return 15 * time.Minute
	case d <= 7*24*time.Hour:
		return time.Hour
	}
	day := 24 * time.Hour
	days := (d + MaxPoints*day - 1) / (MaxPoints * day)
	return time.Duration(max(days, 1)) * day
}

// maxWindow bounds a series' window, well within what a time.Duration
// holds (about 292 years), so that no count of intervals can overflow.
const maxWindow = 200 * 365 * 24 * time.Hour

// NewSeries returns an empty series over [from, until) with the given
// interval (ChooseInterval's when interval is 0), its points on the
// interval's boundaries counted from the Unix epoch: a 15m series has
// points at :00, :15, :30 and :45 of each hour, a 1d series at midnight
// UTC. It fails when the
// window is empty or too long, or would need more than MaxPoints intervals.
func NewSeries(from, until time.Time, interval time.Duration) (*Series, error) {
	return NewSeriesAt(time.Unix(0, 0), from, until, interval)
}

// NewSeriesAt is NewSeries with the boundaries at anchor + k×interval for
// every whole k. A baseline's series uses its window's origin shifted by
// the baseline's offset as anchor, so that its point i lies exactly that
// offset before the window's point i.
func NewSeriesAt(anchor, from, until time.Time, interval time.Duration) (*Series, error) {
	d := until.Sub(from)
	if d <= 0 {
		return nil, fmt.Errorf("empty window")
	}
	if d >= maxWindow {
		return nil, fmt.Errorf("a window of %d days: at most %d", d/(24*time.Hour), maxWindow/(24*time.Hour))
	}
	auto := interval == 0
	if auto {
		interval = ChooseInterval(d)
	}
	if interval < time.Second {
		return nil, fmt.Errorf("interval %v: want at least 1s", interval)
	}
	if interval >= maxWindow {
		return nil, fmt.Errorf("interval %v: too long", interval)
	}
	for {
		origin := alignDown(from, anchor, interval)
		n := (until.Sub(origin) + interval - 1) / interval
		if n <= MaxPoints {
			return &Series{From: from, Until: until, Origin: origin, Interval: interval, Points: make([]Point, n)}, nil
		}
		if !auto || interval < 24*time.Hour {
			return nil, fmt.Errorf("%d points over the window, at most %d: use a longer interval", n, MaxPoints)
		}
		// Whole days chosen for the window's length, one more point for
		// the boundaries: a day longer.
		interval += 24 * time.Hour
	}
}

// alignDown returns the latest anchor + k×interval at or before t.
func alignDown(t, anchor time.Time, interval time.Duration) time.Time {
	// t − anchor can exceed a Duration (anchor is the epoch, t any time):
	// step through whole multiples of the interval that fit.
	const step = 100 * 365 * 24 * time.Hour
	a := anchor
	for t.Sub(a) >= step || a.Sub(t) >= step {
		k := step / interval
		if t.After(a) {
			a = a.Add(k * interval)
		} else {
			a = a.Add(-k * interval)
		}
	}
	off := t.Sub(a) % interval
	if off < 0 {
		off += interval
	}
	return t.Add(-off)
}

// Index returns the index of the point that holds time t, or -1 when t is
// outside the window.
func (s *Series) Index(t time.Time) int {
	if t.Before(s.From) || !t.Before(s.Until) {
		return -1
	}
	return int(t.Sub(s.Origin) / s.Interval)
}

// Start returns the start of point i: an interval boundary, so point 0
// can start before From.
func (s *Series) Start(i int) time.Time { return s.Origin.Add(time.Duration(i) * s.Interval) }

// Add counts rec in its interval; auth says whether its path is under the
// NextAuth prefix. Records outside the window are ignored.
func (s *Series) Add(rec *logparse.Record, auth bool) {
	i := s.Index(rec.Time)
	if i < 0 {
		return
	}
	p := &s.Points[i]
	p.Requests++
	failed := false
	switch rec.Status / 100 {
	case 4:
		p.Errors4xx++
		failed = true
	case 5:
		p.Errors5xx++
		failed = true
	}
	if auth {
		p.AuthRequests++
		if failed {
			p.AuthFailures++
		}
	}
	switch rec.EdgeResultType {
	case "Hit", "RefreshHit":
		p.CacheHits++
	case "Miss":
		p.CacheMisses++
	}
}

// Total returns the sum of every point.
func (s *Series) Total() Point {
	var t Point
	for _, p := range s.Points {
		t.Add(p)
	}
	return t
}
