package report

import (
	"fmt"
	"time"

	"github.com/cfwatch/cfwatch/detectors"
	"github.com/cfwatch/cfwatch/logparse"
	"github.com/cfwatch/cfwatch/source"
	"github.com/cfwatch/cfwatch/traffic"
)

// A Counter builds a Report from records, one at a time. The local engine
// (package local) reads the input, hands each record to Observe and notes
// what it met reading (files, bad lines, bad values) in Input; the
// counting, the detectors and the figures are the report's, the same as
// FromFigures makes from a query engine's aggregates.
type Counter struct {
	opts      Options
	rep       *Report
	win, bwin source.Window
	prefix    string
	near      source.Near // the nearest data outside the window seen in the records
	cur, base *tally
	engine    *detectors.Engine
	layers    *detectors.LayerTally // the window's failures by layer
	groups    *layerGroups
}

// NewCounter returns the Counter of the audit opts (Options.Validate).
func NewCounter(opts Options) (*Counter, error) {
	if err := opts.Validate(); err != nil {
		return nil, err
	}
	eng, err := detectors.New(*opts.Detectors)
	if err != nil {
		return nil, err
	}
	c := &Counter{opts: opts, win: opts.Window, prefix: cleanPrefix(opts.Detectors.AuthPrefix), engine: eng,
		layers: detectors.NewLayerTally(0)}
	c.groups = newLayerGroups(c.prefix, opts.Detectors.APIPrefixes)
	if c.cur, err = newTally(c.win, opts.Interval, time.Unix(0, 0)); err != nil {
		return nil, fmt.Errorf("time series: %w", err)
	}
	if opts.Baseline != nil {
		c.bwin = *opts.Baseline
		if c.base, err = newTally(c.bwin, c.cur.series.Interval, baseAnchor(c.cur.series, c.win, c.bwin)); err != nil {
			return nil, fmt.Errorf("baseline time series: %w", err)
		}
	}
	c.rep = &Report{Schema: Schema, AuthPrefix: c.prefix, Window: Window{c.win.From, c.win.Until}}
	return c, nil
}

// Input is the report's description of its input, for the engine to fill
// as it reads (files, bytes, bad lines and values, records read); Observe
// counts the records kept or left out.
func (c *Counter) Input() *Input { return &c.rep.Input }

// MayHold reports whether an object whose name gives the hour h may hold
// records of the window or of the baseline.
func (c *Counter) MayHold(h time.Time) bool {
	return c.win.MayHold(h) || (c.base != nil && c.bwin.MayHold(h))
}

// KeepDistribution reports whether the records of distribution dist are
// wanted (Filter).
func (c *Counter) KeepDistribution(dist string) bool { return c.opts.Filter.KeepDistribution(dist) }

// Observe counts one record read: in the window's figures and findings, in
// the baseline's figures, or only as read outside the window. dist is the
// distribution named by the object key, for records that name none. It
// allocates nothing per record.
func (c *Counter) Observe(rec *logparse.Record, dist string) {
	in := &c.rep.Input
	if !c.opts.Filter.Empty() && !c.opts.Filter.keep(rec, dist) {
		in.RecordsFiltered++
		return
	}
	if rec.Time.After(in.LastRecord) {
		in.LastRecord = rec.Time
	}
	inWin := c.win.Contains(rec.Time)
	inBase := c.base != nil && c.bwin.Contains(rec.Time)
	if !inWin {
		in.RecordsOutside++
		c.near.Record(rec.Time, c.win)
		if !inBase {
			return
		}
	}
	under, ep := authClass(rec.URIStem, c.prefix)
	if inWin {
		c.cur.add(rec, under, ep)
		c.engine.Observe(rec, dist)
		if detectors.IsFailure(rec) {
			c.layers.Add(rec, failureHost(rec), c.groups.group(rec.URIStem, under, ep))
		}
	}
	if inBase {
		c.base.add(rec, under, ep)
	}
}

// Finish finishes the report. near is what the engine saw of the input
// outside the window besides the records (the names of the files it left
// unread), for the nearest data a report without data gives. The Counter
// is done with.
func (c *Counter) Finish(near source.Near) *Report {
	c.fill()
	near.Merge(c.near)
	c.rep.setCoverage(c.opts.MinRecords, near)
	return c.rep
}

// A tally is the figures of one period: the traffic summary, the time
// series and the NextAuth endpoints' counts.
type tally struct {
	win    source.Window
	sum    traffic.Summary
	series *traffic.Series
	eps    [numAuthEndpoints]endpointCounts
	epReq  [numAuthEndpoints][]int64 // per series point
	epFail [numAuthEndpoints][]int64
}

// newTally returns the empty tally of w, its series' points on the
// boundaries anchor + k×interval.
func newTally(w source.Window, interval time.Duration, anchor time.Time) (*tally, error) {
	s, err := traffic.NewSeriesAt(anchor, w.From, w.Until, interval)
	if err != nil {
		return nil, err
	}
	t := &tally{win: w, series: s}
	for i := range t.epReq {
		t.epReq[i] = make([]int64, len(s.Points))
		t.epFail[i] = make([]int64, len(s.Points))
	}
	return t, nil
}

// baseAnchor is where the baseline's series puts its boundaries: the
// window's, shifted back by the baseline's offset, so that the baseline's
// point i lies that offset before the window's point i.
func baseAnchor(cur *traffic.Series, win, bwin source.Window) time.Time {
	return cur.Origin.Add(-win.From.Sub(bwin.From))
}

// add counts rec, which lies in t's window; under and ep are its authClass.
func (t *tally) add(rec *logparse.Record, under bool, ep int) {
	t.sum.Add(rec)
	t.series.Add(rec, under)
	if ep < 0 {
		return
	}
	t.eps[ep].add(rec.Status)
	if i := t.series.Index(rec.Time); i >= 0 {
		t.epReq[ep][i]++
		if c := rec.Status / 100; c == 4 || c == 5 {
			t.epFail[ep][i]++
		}
	}
}

// fill copies the tallies into the report's exported fields.
func (c *Counter) fill() {
	rep, topN := c.rep, c.opts.TopN
	s := &c.cur.sum
	rep.Totals, rep.Status, rep.Cache = figures(s)
	rep.Findings = c.engine.Findings()
	rep.Checks = c.engine.Checks()
	rep.FailuresByLayer = c.layers.Rows()
	rep.Paths = rows(s.TopPaths(topN))
	rep.Errors = rows(s.ErrorPaths(topN))
	rep.Series = seriesJSON(c.cur.series)
	rep.Series.markNoData(rep.Input.LastRecord)
	rep.AuthEndpoints = authEndpoints(rep.AuthPrefix, &c.cur.eps)
	for i := range rep.AuthEndpoints {
		rep.AuthEndpoints[i].Series = &EndpointSeries{Requests: c.cur.epReq[i], Failures: c.cur.epFail[i]}
	}
	if b := c.base; b != nil {
		rep.Baseline = &Baseline{Window: Window{b.win.From, b.win.Until}}
		rep.Baseline.Offset, rep.Baseline.OffsetSeconds = span(rep.Window.From.Sub(b.win.From)), int64(rep.Window.From.Sub(b.win.From)/time.Second)
		rep.Baseline.Totals, rep.Baseline.Status, rep.Baseline.Cache = figures(&b.sum)
		rep.Baseline.AuthEndpoints = authEndpoints(rep.AuthPrefix, &b.eps)
		rep.Baseline.Series = seriesJSON(b.series)
		rep.Baseline.Series.markNoData(rep.Input.LastRecord)
		rep.Baseline.ChangedPaths = changedPaths(&b.sum, s, topN)
	}
}

// figures are a summary's totals, status mix and cache results.
func figures(s *traffic.Summary) (Totals, StatusMix, Cache) {
	t := Totals{Requests: s.Requests, BytesSent: s.BytesSent, BytesReceived: s.BytesReceived}
	if s.Requests > 0 {
		first, last := s.First, s.Last
		t.First, t.Last = &first, &last
	}
	st := StatusMix{Classes: s.StatusClasses(), Codes: map[string]int64{}}
	for _, c := range s.StatusCodes() {
		st.Codes[c.Key] = c.N
	}
	c := Cache{HitRatio: s.CacheHitRatio(), ResultTypes: map[string]int64{}}
	for _, r := range s.ResultTypes() {
		c.ResultTypes[r.Key] = r.N
	}
	return t, st, c
}

func rows(in []traffic.PathRow) []PathRow {
	out := make([]PathRow, len(in))
	for i, r := range in {
		out[i] = PathRow{Path: r.Path, Requests: r.Requests, BytesSent: r.BytesSent,
			Errors4xx: r.Errors4xx, Errors5xx: r.Errors5xx, TopError: r.TopError}
	}
	return out
}
