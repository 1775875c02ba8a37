package report

import (
	"cmp"
	"math"
	"slices"
	"strings"
	"time"

	"github.com/cfwatch/cfwatch/traffic"
)

// Series is a period's traffic per interval (JSON "series").
type Series struct {
	Interval        string        `json:"interval"` // "5m", "15m", "1h", "24h"
	IntervalSeconds int64         `json:"interval_seconds"`
	Points          []SeriesPoint `json:"points"`
	// NoDataAfter, when set, is the time of the latest record delivered
	// (Input.LastRecord): the points that start after it have no data yet,
	// their zeros are logs not yet delivered rather than no traffic. It is
	// set only when some point starts after it.
	NoDataAfter *time.Time `json:"no_data_after,omitempty"`
}

// markNoData sets NoDataAfter to last when some point starts after it.
func (s *Series) markNoData(last time.Time) {
	if last.IsZero() || len(s.Points) == 0 || !s.Points[len(s.Points)-1].Start.After(last) {
		return
	}
	t := last.UTC()
	s.NoDataAfter = &t
}

// NoData reports whether point i starts after the last record delivered.
func (s *Series) NoData(i int) bool {
	return s.NoDataAfter != nil && s.Points[i].Start.After(*s.NoDataAfter)
}

// A SeriesPoint is one interval. It starts at Start and lasts the series'
// interval; the last one ends at the window's end, which may cut it short.
type SeriesPoint struct {
	Start        time.Time `json:"start"`
	Requests     int64     `json:"requests"`
	Errors4xx    int64     `json:"errors_4xx"`
	Errors5xx    int64     `json:"errors_5xx"`
	AuthRequests int64     `json:"auth_requests"` // under the NextAuth prefix
	AuthFailures int64     `json:"auth_failures"` // of those, answered 4xx or 5xx
	CacheHits    int64     `json:"cache_hits"`    // Hit + RefreshHit
	CacheMisses  int64     `json:"cache_misses"`  // Miss
	// CacheHitRatio is hits / (hits + misses); null when the interval had
	// no cache decision.
	CacheHitRatio *float64 `json:"cache_hit_ratio"`
}

func seriesJSON(s *traffic.Series) *Series {
	out := &Series{Interval: span(s.Interval), IntervalSeconds: int64(s.Interval / time.Second),
		Points: make([]SeriesPoint, len(s.Points))}
	for i, p := range s.Points {
		sp := SeriesPoint{Start: s.Start(i), Requests: p.Requests, Errors4xx: p.Errors4xx, Errors5xx: p.Errors5xx,
			AuthRequests: p.AuthRequests, AuthFailures: p.AuthFailures, CacheHits: p.CacheHits, CacheMisses: p.CacheMisses}
		if r, ok := p.HitRatio(); ok {
			sp.CacheHitRatio = &r
		}
		out.Points[i] = sp
	}
	return out
}

// total sums the points.
func (s *Series) total() traffic.Point {
	var t traffic.Point
	for _, p := range s.Points {
		t.Add(p.point())
	}
	return t
}

func (p SeriesPoint) point() traffic.Point {
	return traffic.Point{Requests: p.Requests, Errors4xx: p.Errors4xx, Errors5xx: p.Errors5xx,
		AuthRequests: p.AuthRequests, AuthFailures: p.AuthFailures, CacheHits: p.CacheHits, CacheMisses: p.CacheMisses}
}

// Baseline is the earlier period a report is compared with (JSON
// "baseline"): the same figures as the report's, for that period.
type Baseline struct {
	Window Window `json:"window"`
	// Offset is how far the baseline starts before the window: "24h", "7d".
	Offset        string         `json:"offset"`
	OffsetSeconds int64          `json:"offset_seconds"`
	Totals        Totals         `json:"totals"`
	Status        StatusMix      `json:"status"`
	Cache         Cache          `json:"cache"`
	AuthEndpoints []AuthEndpoint `json:"auth_endpoints"`
	// Series has the report's interval; point i lies Offset before the
	// report's point i.
	Series *Series `json:"series"`
	// ChangedPaths are the paths whose error rate changed most, largest
	// change first.
	ChangedPaths []PathChange `json:"changed_paths"`
}

// A PathChange is one path's error rate (4xx and 5xx) then and now.
type PathChange struct {
	Path            string  `json:"path"`
	RequestsBefore  int64   `json:"requests_before"`
	ErrorsBefore    int64   `json:"errors_before"`
	ErrorRateBefore float64 `json:"error_rate_before"` // 0 when the path had no request then
	Requests        int64   `json:"requests"`
	Errors          int64   `json:"errors"`
	ErrorRate       float64 `json:"error_rate"`
	Change          float64 `json:"change"` // error_rate − error_rate_before
}

// A path is judged on its error rate when it had at least
// minChangeRequests requests in the window and some in the baseline. Its
// rate must have moved by at least minRateChange, and by more than chance
// explains: a two-proportion z-test at minChangeZ, so that a path seen 8
// times then and 21 times now does not crowd out the real change.
const (
	minChangeRequests = 20
	minRateChange     = 0.01
	minChangeZ        = 3
)

// changedPaths returns the n paths whose error rate moved most between
// before and now.
func changedPaths(before, now *traffic.Summary, n int) []PathChange {
	return changedPathsOf(now.Paths(), before.Path, n)
}

// changedPathsOf is changedPaths over the window's rows and a lookup of
// the baseline's.
func changedPathsOf(now []traffic.PathRow, before func(path string) (traffic.PathRow, bool), n int) []PathChange {
	out := []PathChange{}
	for _, r := range now {
		if r.Requests < minChangeRequests || r.Path == traffic.OtherPaths {
			continue
		}
		b, ok := before(r.Path)
		if !ok || b.Requests == 0 {
			continue
		}
		c := PathChange{Path: r.Path, Requests: r.Requests, Errors: r.Errors4xx + r.Errors5xx,
			RequestsBefore: b.Requests, ErrorsBefore: b.Errors4xx + b.Errors5xx}
		c.ErrorRate = float64(c.Errors) / float64(c.Requests)
		c.ErrorRateBefore = float64(c.ErrorsBefore) / float64(c.RequestsBefore)
		c.Change = c.ErrorRate - c.ErrorRateBefore
		if math.Abs(c.Change) >= minRateChange && significant(c) {
			out = append(out, c)
		}
	}
	slices.SortFunc(out, func(a, b PathChange) int {
		if c := cmp.Compare(math.Abs(b.Change), math.Abs(a.Change)); c != 0 {
			return c
		}
		if c := cmp.Compare(b.Errors, a.Errors); c != 0 {
			return c
		}
		return strings.Compare(a.Path, b.Path)
	})
	return out[:min(n, len(out))]
}

// significant reports whether a change of error rate is more than chance:
// |z| ≥ minChangeZ in a two-proportion z-test with the pooled rate.
func significant(c PathChange) bool {
	n0, n1 := float64(c.RequestsBefore), float64(c.Requests)
	p := float64(c.ErrorsBefore+c.Errors) / (n0 + n1)
	se := math.Sqrt(p * (1 - p) * (1/n0 + 1/n1))
	if se == 0 {
		return c.Change != 0
	}
	return math.Abs(c.Change)/se >= minChangeZ
}

// rate is n / of, 0 when of is 0.
func rate(n, of int64) float64 {
	if of == 0 {
		return 0
	}
	return float64(n) / float64(of)
}
