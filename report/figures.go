package report

import (
	"cmp"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/dustin/go-humanize"

	"github.com/cfwatch/cfwatch/detectors"
	"github.com/cfwatch/cfwatch/source"
	"github.com/cfwatch/cfwatch/traffic"
)

// Reports computed by a query engine
//
// The local engine counts records itself (Counter). An engine that aggregates
// elsewhere (package athena: SQL over the dataset) hands the same counts to
// FromFigures, which makes them into the same Report, by the same rules:
// the status classes, the cache hit ratio, the order and length of the path
// tables, the NextAuth endpoints (authClass), the series and the changed
// paths. Findings and checks come from a detectors.Engine the engine fed
// itself.

// Figures are one period's traffic as a query engine computes it: the
// counts a Counter takes from the records, already aggregated. The records are
// those of the period (Options.Window or Options.Baseline).
type Figures struct {
	Requests      int64
	BytesSent     int64 // sc-bytes, an absent value counting 0
	BytesReceived int64 // cs-bytes, likewise
	First, Last   time.Time
	// Statuses counts requests per sc-status (0 for 000, -1 for NULL: absent
	// or unreadable in the log).
	Statuses map[int]int64
	// ResultTypes counts requests per x-edge-result-type, "" when absent.
	ResultTypes map[string]int64
	// Paths counts requests and bytes sent per path (cs-uri-stem as
	// logged) and status. It must hold at least the paths of the report's
	// tables (the TopN with most requests and with most 4xx and 5xx in the
	// window), and with a baseline, in both periods, every path whose error
	// rate may have changed by minRateChange; other paths may be left out.
	Paths []PathStatus
	// Points are the period's time series, one per interval of the
	// report's series: requests, 4xx, 5xx and cache hits and misses (the
	// NextAuth counts are taken from AuthPoints).
	Points []traffic.Point
	// AuthStatuses counts the requests to each path that may lie under the
	// NextAuth prefix, per status; AuthPoints per series point, with their
	// 4xx and 5xx. A path in neither is taken to lie outside the prefix.
	AuthStatuses []PathStatus
	AuthPoints   []AuthPoint
	// Failures are the period's failed requests (detectors.IsFailure),
	// aggregated by what the attribution tells apart; only the window's
	// are used (Report.FailuresByLayer).
	Failures []FailureCount
}

// A PathStatus is the requests of one path answered with one status.
type PathStatus struct {
	Path      string
	Status    int
	Requests  int64
	BytesSent int64
}

// An AuthPoint is the requests to one path in one interval of the series,
// and those answered 4xx or 5xx.
type AuthPoint struct {
	Path     string
	Point    int
	Requests int64
	Failures int64
}

// FromFigures builds the report for opts from figures computed elsewhere:
// cur for opts.Window, base for opts.Baseline (nil without one), and the
// findings and checks of a detectors.Engine that observed the window's
// records. in describes the input (Engine, Queries, DataScannedBytes…, and
// LastRecord for the series' intervals with no data yet); near is the
// nearest data outside the window the engine found, for a report without
// data.
func FromFigures(opts Options, in Input, near source.Near, cur Figures, base *Figures, findings []detectors.Finding, checks []detectors.Check) (*Report, error) {
	if err := opts.Validate(); err != nil {
		return nil, err
	}
	if (opts.Baseline == nil) != (base == nil) {
		return nil, fmt.Errorf("report: a baseline's figures without a baseline window, or the reverse")
	}
	prefix := cleanPrefix(opts.Detectors.AuthPrefix)
	win := opts.Window
	rep := &Report{Schema: Schema, Input: in, AuthPrefix: prefix, Window: Window{win.From, win.Until},
		Findings: findings, Checks: checks}
	p, err := periodOf(&cur, win, opts.Interval, time.Unix(0, 0), prefix)
	if err != nil {
		return nil, fmt.Errorf("time series: %w", err)
	}
	rep.Totals, rep.Status, rep.Cache = cur.figures()
	rep.FailuresByLayer = cur.layerRows(prefix, opts.Detectors.APIPrefixes)
	rows := cur.pathRows()
	rep.Paths = rows.top(opts.TopN, func(r traffic.PathRow) int64 { return r.Requests })
	rep.Errors = rows.top(opts.TopN, func(r traffic.PathRow) int64 { return r.Errors4xx + r.Errors5xx })
	rep.Series = seriesJSON(p.series)
	rep.Series.markNoData(in.LastRecord)
	rep.AuthEndpoints = authEndpoints(prefix, &p.eps)
	for i := range rep.AuthEndpoints {
		rep.AuthEndpoints[i].Series = &EndpointSeries{Requests: p.epReq[i], Failures: p.epFail[i]}
	}
	if base != nil {
		bwin := *opts.Baseline
		bp, err := periodOf(base, bwin, p.series.Interval, baseAnchor(p.series, win, bwin), prefix)
		if err != nil {
			return nil, fmt.Errorf("baseline time series: %w", err)
		}
		b := &Baseline{Window: Window{bwin.From, bwin.Until}}
		b.Offset, b.OffsetSeconds = span(win.From.Sub(bwin.From)), int64(win.From.Sub(bwin.From)/time.Second)
		b.Totals, b.Status, b.Cache = base.figures()
		b.AuthEndpoints = authEndpoints(prefix, &bp.eps)
		b.Series = seriesJSON(bp.series)
		b.Series.markNoData(in.LastRecord)
		brows := base.pathRows()
		b.ChangedPaths = changedPathsOf(rows.all(), brows.get, opts.TopN)
		rep.Baseline = b
	}
	rep.setCoverage(opts.MinRecords, near)
	return rep, nil
}

// periodOf is a period's series and NextAuth endpoints from its figures.
func periodOf(f *Figures, w source.Window, interval time.Duration, anchor time.Time, prefix string) (*tally, error) {
	t, err := newTally(w, interval, anchor)
	if err != nil {
		return nil, err
	}
	if len(f.Points) != len(t.series.Points) {
		return nil, fmt.Errorf("%d points, the series over %s–%s by %s has %d", len(f.Points),
			w.From.Format(time.RFC3339), w.Until.Format(time.RFC3339), t.series.Interval, len(t.series.Points))
	}
	for i, pt := range f.Points {
		pt.AuthRequests, pt.AuthFailures = 0, 0
		t.series.Points[i] = pt
	}
	classes := map[string][2]int{}
	class := func(path string) (bool, int) {
		c, ok := classes[path]
		if !ok {
			under, ep := authClass(path, prefix)
			c = [2]int{0, ep}
			if under {
				c[0] = 1
			}
			classes[path] = c
		}
		return c[0] == 1, c[1]
	}
	for _, a := range f.AuthPoints {
		under, ep := class(a.Path)
		if !under || a.Point < 0 || a.Point >= len(t.series.Points) {
			continue
		}
		pt := &t.series.Points[a.Point]
		pt.AuthRequests += a.Requests
		pt.AuthFailures += a.Failures
		if ep >= 0 {
			t.epReq[ep][a.Point] += a.Requests
			t.epFail[ep][a.Point] += a.Failures
		}
	}
	for _, s := range f.AuthStatuses {
		if _, ep := class(s.Path); ep >= 0 {
			t.eps[ep].addN(s.Status, s.Requests)
		}
	}
	return t, nil
}

// figures are the period's totals, status mix and cache results, as
// traffic.Summary computes them.
func (f *Figures) figures() (Totals, StatusMix, Cache) {
	t := Totals{Requests: f.Requests, BytesSent: f.BytesSent, BytesReceived: f.BytesReceived}
	if f.Requests > 0 {
		first, last := f.First.UTC(), f.Last.UTC()
		t.First, t.Last = &first, &last
	}
	st := StatusMix{Classes: map[string]int64{}, Codes: map[string]int64{}}
	for code, n := range f.Statuses {
		if n == 0 {
			continue
		}
		switch {
		case code < 0:
			st.Classes["unknown"] += n // no sc_status, or one that could not be read
		case code == 0:
			st.Classes["000"] += n
		case code >= 100 && code < 600:
			st.Classes[string(rune('0'+code/100))+"xx"] += n
		default:
			st.Classes["other"] += n
		}
		if code >= 0 && code < 600 {
			st.Codes[fmt.Sprintf("%03d", code)] += n
		}
	}
	c := Cache{ResultTypes: map[string]int64{}}
	for rt, n := range f.ResultTypes {
		if rt == "" {
			rt = "-"
		}
		c.ResultTypes[rt] += n
	}
	hits := c.ResultTypes["Hit"] + c.ResultTypes["RefreshHit"]
	if total := hits + c.ResultTypes["Miss"]; total > 0 {
		c.HitRatio = float64(hits) / float64(total)
	}
	return t, st, c
}

// pathTable is the paths' rows of a period, by path.
type pathTable map[string]*traffic.PathRow

func (f *Figures) pathRows() pathTable {
	rows := pathTable{}
	errs := map[string]map[int]int64{}
	for _, p := range f.Paths {
		path := traffic.LongPath(p.Path) // as traffic.Summary keys it
		r := rows[path]
		if r == nil {
			r = &traffic.PathRow{Path: path}
			rows[path] = r
		}
		r.Requests += p.Requests
		r.BytesSent = traffic.SatAdd(r.BytesSent, p.BytesSent)
		switch p.Status / 100 {
		case 4:
			r.Errors4xx += p.Requests
		case 5:
			r.Errors5xx += p.Requests
		default:
			continue
		}
		if errs[path] == nil {
			errs[path] = map[int]int64{}
		}
		errs[path][p.Status] += p.Requests
	}
	// The most common error status, the lowest code on a tie (as
	// traffic.Summary names it).
	for path, codes := range errs {
		r := rows[path]
		for code, n := range codes {
			if n > r.TopErrorHit || (n == r.TopErrorHit && code < r.TopError) {
				r.TopError, r.TopErrorHit = code, n
			}
		}
	}
	return rows
}

// top returns the n rows with the largest key (above 0), ties by path.
func (t pathTable) top(n int, key func(traffic.PathRow) int64) []PathRow {
	all := make([]traffic.PathRow, 0, len(t))
	for _, r := range t {
		if key(*r) > 0 {
			all = append(all, *r)
		}
	}
	slices.SortFunc(all, func(a, b traffic.PathRow) int {
		if c := cmp.Compare(key(b), key(a)); c != 0 {
			return c
		}
		return strings.Compare(a.Path, b.Path)
	})
	return rows(all[:min(n, len(all))])
}

func (t pathTable) all() []traffic.PathRow {
	out := make([]traffic.PathRow, 0, len(t))
	for _, r := range t {
		out = append(out, *r)
	}
	slices.SortFunc(out, func(a, b traffic.PathRow) int { return strings.Compare(a.Path, b.Path) })
	return out
}

func (t pathTable) get(path string) (traffic.PathRow, bool) {
	r, ok := t[path]
	if !ok {
		return traffic.PathRow{Path: path}, false
	}
	return *r, true
}

// queried describes an input a query engine read (Input.Engine), or "".
func (in *Input) queried() string {
	if in.Engine == "" {
		return ""
	}
	q := "queries"
	if in.Queries == 1 {
		q = "query"
	}
	return fmt.Sprintf("%s: %s %s, %s scanned, %s records", in.Engine, num(int64(in.Queries)), q,
		humanize.IBytes(uint64(in.DataScannedBytes)), num(in.Records))
}
