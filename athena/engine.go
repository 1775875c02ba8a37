package athena

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/cfwatch/cfwatch/dataset"
	"github.com/cfwatch/cfwatch/detectors"
	"github.com/cfwatch/cfwatch/logparse"
	"github.com/cfwatch/cfwatch/report"
	"github.com/cfwatch/cfwatch/source"
	"github.com/cfwatch/cfwatch/traffic"
)

// A Querier submits SQL statements. Client does it with Athena; tests do it
// with DuckDB.
type Querier interface {
	// Start submits sql; name labels it in logs and errors.
	Start(ctx context.Context, name, sql string) (Query, error)
}

// A Query is a submitted statement.
type Query interface {
	// Rows waits for the statement to finish and hands its rows to fn, in
	// order. A value is text, as Athena returns it (a number in decimal),
	// and nil for NULL; the row and its strings are valid only during the
	// call. When ctx ends first, Rows stops the statement and returns
	// ctx's error.
	Rows(ctx context.Context, fn func(row []*string) error) error
}

// A StatsQuerier says what its statements cost (Client does).
type StatsQuerier interface {
	Stats() Stats
}

// Options configure how Run queries the dataset. The audit (window,
// baseline, series interval, TopN, detector settings, filters) is
// report.Options.
type Options struct {
	// Table is the Glue table of the dataset: "cloudfront_logs", or
	// "database.table". Default dataset.DefaultTable.
	Table string
	// Distributions, when set, limits the queries to these distributions'
	// partitions (needed when the table's distribution projection is
	// "injected").
	Distributions []string
	// Dialect is the SQL dialect: Trino for Athena.
	Dialect Dialect
	// Engine names the engine in the report's input ("athena" by default).
	Engine string
	// Logger receives a line per query started and finished. Nil discards.
	Logger *slog.Logger
}

// An Engine runs audits with the queries of Querier (report.Engine).
type Engine struct {
	Querier Querier
	Options Options
}

var _ report.Engine = (*Engine)(nil)

// Report runs the audit opts (Run).
func (e *Engine) Report(ctx context.Context, opts report.Options) (*report.Report, error) {
	return Run(ctx, e.Querier, opts, e.Options)
}

// Run computes the audit ro with SQL over the dataset's table:
// the traffic picture, the NextAuth endpoints and the series from
// aggregates, the findings and checks by replaying the requests into the
// detectors (see the package comment). The three statements are started
// one after the other, then read at the same time; when one fails, the
// others are stopped.
func Run(ctx context.Context, q Querier, ro report.Options, opts Options) (*report.Report, error) {
	log := opts.Logger
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	if err := ro.Validate(); err != nil {
		return nil, err
	}
	cfg := *ro.Detectors
	if cfg.Window%time.Millisecond != 0 {
		return nil, fmt.Errorf("athena: the detectors' window %v is not a whole number of milliseconds", cfg.Window)
	}
	win := ro.Window
	series, err := traffic.NewSeries(win.From, win.Until, ro.Interval)
	if err != nil {
		return nil, fmt.Errorf("time series: %w", err)
	}
	if series.Interval%time.Millisecond != 0 {
		return nil, fmt.Errorf("athena: the series interval %v is not a whole number of milliseconds", series.Interval)
	}
	base := ro.Baseline
	table, err := tableName(opts.Table)
	if err != nil {
		return nil, err
	}
	dists := opts.Distributions
	if len(ro.Filter.Distributions) > 0 {
		dists = ro.Filter.Distributions
	}
	plan := newPlan(table, opts.Dialect, win, base, series.Interval, ro.TopN, cfg, dists)
	// The series' points lie on interval boundaries (traffic.NewSeries);
	// the baseline's on the window's, shifted back by its offset, as
	// the local engine counts them.
	plan.origin = series.Origin
	if base != nil {
		plan.baseOrigin = series.Origin.Add(-win.From.Sub(base.From))
	}
	plan.hosts = ro.Filter.Hosts

	figs := newFigures(len(series.Points), base != nil)
	// The detect statement leaves out the requests of ignore_paths, but for
	// the paths only the detectors can normalise, which the replay tests
	// with an Engine of the same settings: the Engine replayed into must not
	// test the paths again (its bulk rows stand for other paths).
	replayCfg := cfg
	replayCfg.IgnorePaths = nil
	eng, err := detectors.New(replayCfg)
	if err != nil {
		return nil, err
	}
	rp := &replay{eng: eng}
	if len(cfg.IgnorePaths) > 0 {
		if rp.ignore, err = detectors.New(cfg); err != nil {
			return nil, err
		}
	}
	steps := []struct {
		name string
		sql  string
		fn   func([]*string) error
	}{
		{"figures", plan.figuresSQL(), func(r []*string) error { return figs.figuresRow(r, series.Interval) }},
		{"paths", plan.pathsSQL(), figs.pathsRow},
		{"detect", plan.detectSQL(), rp.row},
		{"layers", plan.layersSQL(), figs.layersRow},
	}

	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	queries := make([]Query, 0, len(steps))
	var startErr error
	for _, s := range steps {
		qu, err := q.Start(ctx, s.name, s.sql)
		if err != nil {
			startErr = fmt.Errorf("starting the %s query: %w", s.name, err)
			break
		}
		log.Info("query started", "query", s.name)
		queries = append(queries, qu)
	}
	if startErr != nil {
		cancel() // the queries started are stopped by their Rows
	}
	var (
		wg   sync.WaitGroup
		mu   sync.Mutex
		errs []error
	)
	for i, qu := range queries {
		s := steps[i]
		wg.Go(func() {
			t0 := time.Now()
			err := qu.Rows(ctx, s.fn)
			if err != nil {
				mu.Lock()
				errs = append(errs, fmt.Errorf("%s query: %w", s.name, err))
				mu.Unlock()
				cancel()
				return
			}
			log.Info("query done", "query", s.name, "seconds", time.Since(t0).Seconds())
		})
	}
	wg.Wait()
	if startErr != nil {
		return nil, startErr
	}
	if len(errs) > 0 {
		// The first error is the cause; the others are its cancellation.
		for _, e := range errs {
			if !errors.Is(e, context.Canceled) {
				return nil, e
			}
		}
		return nil, errs[0]
	}

	// A window without data: where does the table have some?
	var near source.Near
	if figs.cur.Requests < ro.MinRecords {
		if near, err = nearest(ctx, q, plan, log); err != nil {
			return nil, err
		}
	}

	in := report.Input{Engine: opts.Engine, Records: figs.cur.Requests, LastRecord: figs.latest}
	if in.Engine == "" {
		in.Engine = "athena"
	}
	var bf *report.Figures
	if base != nil {
		bf = &figs.base
		in.Records += bf.Requests
		in.RecordsOutside = bf.Requests
	}
	if sq, ok := q.(StatsQuerier); ok {
		st := sq.Stats()
		in.Queries, in.DataScannedBytes = st.Queries, st.DataScannedBytes
	}
	return report.FromFigures(ro, in, near, figs.cur, bf, eng.Findings(), eng.Checks())
}

// NearReach is how far from the window Athena looks for the nearest data
// when the window has none (Coverage.NearestBefore and NearestAfter): the
// query reads request_time over these partitions only.
const NearReach = 7 * 24 * time.Hour

// nearest runs the "nearest" statement: the latest request before the
// window and the earliest after it, within NearReach.
func nearest(ctx context.Context, q Querier, plan *queryPlan, log *slog.Logger) (source.Near, error) {
	var near source.Near
	qu, err := q.Start(ctx, "nearest", plan.nearestSQL(NearReach))
	if err != nil {
		return near, fmt.Errorf("starting the nearest query: %w", err)
	}
	log.Info("query started", "query", "nearest")
	err = qu.Rows(ctx, func(r []*string) error {
		c := cols{r: r}
		if !c.null(0) {
			near.Before = time.UnixMilli(c.int(0)).UTC()
		}
		if !c.null(1) {
			near.After = time.UnixMilli(c.int(1)).UTC()
		}
		return c.err
	})
	if err != nil {
		return near, fmt.Errorf("nearest query: %w", err)
	}
	return near, nil
}

// tableName quotes "table" or "database.table".
func tableName(t string) (string, error) {
	if t == "" {
		t = dataset.DefaultTable
	}
	parts := strings.Split(t, ".")
	if len(parts) > 2 {
		return "", fmt.Errorf("athena: table %q: want TABLE or DATABASE.TABLE", t)
	}
	for i, p := range parts {
		if p == "" {
			return "", fmt.Errorf("athena: table %q: empty name", t)
		}
		parts[i] = ident(p)
	}
	return strings.Join(parts, "."), nil
}

// figures accumulates the window's and the baseline's figures from the
// figures and paths queries.
type figures struct {
	mu        sync.Mutex // the two queries' rows arrive concurrently
	cur, base report.Figures
	latest    time.Time // the latest record of the partitions read
}

func newFigures(points int, baseline bool) *figures {
	f := &figures{}
	for _, p := range []*report.Figures{&f.cur, &f.base} {
		p.Statuses, p.ResultTypes = map[int]int64{}, map[string]int64{}
		p.Points = make([]traffic.Point, points)
	}
	if !baseline {
		f.base = report.Figures{}
	}
	return f
}

func (f *figures) period(w int64) (*report.Figures, error) {
	switch w {
	case 0:
		return &f.cur, nil
	case 1:
		return &f.base, nil
	}
	return nil, fmt.Errorf("period %d", w)
}

// cols reads a row's values.
type cols struct {
	r   []*string
	err error
}

func (c *cols) str(i int) string {
	if i >= len(c.r) {
		c.fail(fmt.Errorf("row of %d columns, want more than %d", len(c.r), i))
		return ""
	}
	if c.r[i] == nil {
		return ""
	}
	return *c.r[i]
}

func (c *cols) null(i int) bool { return i < len(c.r) && c.r[i] == nil }

func (c *cols) int(i int) int64 {
	s := c.str(i)
	if s == "" {
		return 0
	}
	n, err := strconv.ParseInt(s, 10, 64)
	if err != nil {
		c.fail(fmt.Errorf("column %d: %q is not an integer", i+1, s))
	}
	return n
}

func (c *cols) fail(err error) {
	if c.err == nil {
		c.err = err
	}
}

// figuresRow adds one row of figuresSQL: g, w, s, rt, o, ak, n, bs, br,
// first_ms, last_ms, e4, e5, hits, misses; or with g = setLatest, the
// latest record's time in last_ms (NULL when the partitions hold none).
func (f *figures) figuresRow(r []*string, interval time.Duration) error {
	c := cols{r: r}
	g, w, n := c.int(0), c.int(1), c.int(6)
	if c.err != nil {
		return c.err
	}
	f.mu.Lock()
	defer f.mu.Unlock()
	if g == setLatest {
		if !c.null(10) {
			f.latest = time.UnixMilli(c.int(10)).UTC()
		}
		return c.err
	}
	p, err := f.period(w)
	if err != nil {
		return err
	}
	switch g {
	case setStatus:
		s, rt := int(c.int(2)), c.str(3)
		first, last := time.UnixMilli(c.int(9)).UTC(), time.UnixMilli(c.int(10)).UTC()
		p.Requests += n
		p.BytesSent = traffic.SatAdd(p.BytesSent, c.int(7))
		p.BytesReceived = traffic.SatAdd(p.BytesReceived, c.int(8))
		if p.First.IsZero() || first.Before(p.First) {
			p.First = first
		}
		if last.After(p.Last) {
			p.Last = last
		}
		p.Statuses[s] += n
		p.ResultTypes[rt] += n
	case setPoints:
		i := c.int(4) / interval.Milliseconds()
		if i < 0 || int(i) >= len(p.Points) {
			return fmt.Errorf("series point %d of %d", i, len(p.Points))
		}
		e4, e5 := c.int(11), c.int(12)
		pt := &p.Points[i]
		pt.Requests += n
		pt.Errors4xx += e4
		pt.Errors5xx += e5
		pt.CacheHits += c.int(13)
		pt.CacheMisses += c.int(14)
		if !c.null(5) {
			p.AuthPoints = append(p.AuthPoints, report.AuthPoint{Path: strings.Clone(c.str(5)), Point: int(i), Requests: n, Failures: e4 + e5})
		}
	case setAuthCode:
		if !c.null(5) {
			p.AuthStatuses = append(p.AuthStatuses, report.PathStatus{Path: strings.Clone(c.str(5)), Status: int(c.int(2)), Requests: n})
		}
	default:
		return fmt.Errorf("grouping set %d", g)
	}
	return c.err
}

// pathsRow adds one row of pathsSQL: w, p, s, n, b.
func (f *figures) pathsRow(r []*string) error {
	c := cols{r: r}
	w, path, s, n, b := c.int(0), c.str(1), c.int(2), c.int(3), c.int(4)
	if c.err != nil {
		return c.err
	}
	f.mu.Lock()
	defer f.mu.Unlock()
	p, err := f.period(w)
	if err != nil {
		return err
	}
	p.Paths = append(p.Paths, report.PathStatus{Path: strings.Clone(path), Status: int(s), Requests: n, BytesSent: b})
	return nil
}

// layersRow adds one row of layersSQL: h, ak, api, reason, s, dt, n.
func (f *figures) layersRow(r []*string) error {
	c := cols{r: r}
	fc := report.FailureCount{Host: c.str(0), AuthPath: c.str(1), API: c.str(2), Reason: c.str(3),
		Status: int(c.int(4)), Detailed: c.str(5), Requests: c.int(6)}
	if c.err != nil {
		return c.err
	}
	fc.Host, fc.AuthPath, fc.API = strings.Clone(fc.Host), strings.Clone(fc.AuthPath), strings.Clone(fc.API)
	fc.Reason, fc.Detailed = strings.Clone(fc.Reason), strings.Clone(fc.Detailed)
	f.mu.Lock()
	defer f.mu.Unlock()
	f.cur.Failures = append(f.cur.Failures, fc)
	return nil
}

// replay feeds detectSQL's rows to the detectors, as records.
type replay struct {
	eng    *detectors.Engine
	ignore *detectors.Engine // tests the paths of rows marked dcIgnorable; nil without ignore_paths
	b      dataset.RecordBuilder
	r      dataset.Row
	rec    logparse.Record
	last   time.Time
	cl, cs int64 // r's ContentLength and BytesReceived
}

// row replays one row of detectSQL (columns dc…): a request, or a count of
// requests alike for the rules, observed as many times.
func (rp *replay) row(r []*string) error {
	if len(r) != numDetectColumns {
		return fmt.Errorf("row of %d columns, want %d", len(r), numDetectColumns)
	}
	c := cols{r: r}
	t := time.UnixMilli(c.int(dcT)).UTC()
	status := int32(c.int(dcStatus))
	rp.cl, rp.cs = c.int(dcContentLength), c.int(dcBytes)
	ttfb := c.int(dcTTFB)
	n := c.int(dcN)
	ignorable := c.int(dcIgnorable) == 1
	if c.err != nil {
		return c.err
	}
	if t.Before(rp.last.Truncate(time.Hour).Add(-24 * time.Hour)) {
		return fmt.Errorf("rows out of order: %v after %v", t, rp.last)
	}
	rp.last = t
	row := &rp.r
	*row = dataset.Row{
		RequestTime:      t,
		DistributionID:   c.str(dcDist),
		HostHeader:       c.str(dcHostHeader),
		Host:             c.str(dcHost),
		URIStem:          c.str(dcPath),
		Method:           c.str(dcMethod),
		EdgeResultType:   c.str(dcResult),
		EdgeDetailedType: c.str(dcDetailed),
		EdgeResponseType: c.str(dcResponse),
		FLEStatus:        c.str(dcFLE),
		Protocol:         c.str(dcProtocol),
		ContentType:      c.str(dcContentType),
		ContentLength:    &rp.cl,
		BytesReceived:    &rp.cs,
		Cookie:           c.str(dcCookie),
		Query:            c.str(dcQuery),
		RequestID:        c.str(dcRequestID),
		ClientIP:         c.str(dcClientIP),
	}
	if status >= 0 {
		row.Status = &status // else NULL: no readable status, unknown to the rules
	}
	// detectSQL's classes are detectors.TTFBClass's.
	class := detectors.TTFBClass(ttfb)
	if int64(class) != ttfb || !class.Valid() {
		return fmt.Errorf("time-to-first-byte class %d", ttfb)
	}
	if v, ok := class.Value(); ok {
		row.TimeToFirstByte = &v
	}
	if ignorable && rp.ignore != nil && rp.ignore.Ignores(row.URIStem) {
		return nil
	}
	rp.b.Record(row, &rp.rec)
	for range n {
		rp.eng.Observe(&rp.rec, "")
	}
	return nil
}
