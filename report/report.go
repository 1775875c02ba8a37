// Package report runs an audit over CloudFront logs and renders it for people
// (text for a terminal, Markdown for a ticket, one self-contained HTML page
// with charts) and programs (JSON).
//
// Run reads the records itself, from log files or from the files of the
// Parquet dataset (source.Object.Parquet), which give the same report: the
// dataset's files are read with dataset.Reader, only the columns the audit
// uses (datasetColumns). FromFigures builds the same Report from figures a
// query engine computed (package athena).
package report

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"runtime"
	"slices"
	"strings"
	"sync/atomic"
	"time"

	"github.com/cfwatch/cfwatch/dataset"
	"github.com/cfwatch/cfwatch/detectors"
	"github.com/cfwatch/cfwatch/internal/timeflag"
	"github.com/cfwatch/cfwatch/logparse"
	"github.com/cfwatch/cfwatch/source"
	"github.com/cfwatch/cfwatch/traffic"
)

// Schema names the version of the JSON document. It changes only when a
// field changes meaning or goes away; new fields may be added.
const Schema = "cfwatch.report/v1"

// Options configure a run.
type Options struct {
	// Window is the period reported on: findings, checks and figures.
	Window source.Window
	// Baseline, when set, is an earlier period whose figures are reported
	// beside the window's (Report.Baseline), usually the window shifted back
	// (see Shifted). The objects must then be listed for both periods
	// (Union); Run leaves out those whose names put them outside both.
	Baseline *source.Window
	// Interval is the time series' step; 0 chooses one from the window's
	// length (traffic.ChooseInterval). Run fails when it would give more
	// than traffic.MaxPoints points.
	Interval time.Duration
	// TopN bounds the path tables.
	TopN int
	// Detectors configures the rules; the zero value means
	// detectors.DefaultConfig().
	Detectors *detectors.Config
	// Logger receives one line per bad input line (up to MaxLineErrors),
	// per bad value (up to MaxFieldErrors) and per failed file. Nil
	// discards.
	Logger *slog.Logger
	// Progress, when set, is called from Run's goroutine as the input is
	// read: at the start, every few thousand records and after each file.
	// It should return quickly (throttle any drawing itself).
	Progress func(Progress)
	// Workers is how many files are fetched ahead of the parsing: 0 means
	// source.DefaultWorkers (none for local files read in parallel), a
	// negative number none. The report does not depend on it.
	Workers int
	// ReadAhead bounds the bytes the files fetched ahead hold in memory: 0
	// means source.DefaultBudget, or DefaultParallelReadAhead when files
	// are read in parallel (Parallel). A larger file is streamed. Local
	// files read in parallel are not fetched ahead unless Workers is set.
	ReadAhead int64
	// Parallel is how many log files are decompressed and parsed at once,
	// each by one goroutine: 0 means runtime.GOMAXPROCS. With 1, or a
	// single file, files are read one at a time (decompression still runs
	// ahead of parsing). The records are counted in name order whatever
	// it is, so the report does not depend on it.
	Parallel int
	// ParallelBudget bounds the memory the records parsed ahead of the file
	// being counted hold: 0 means DefaultParallelBudget. When it is spent,
	// the workers ahead wait.
	ParallelBudget int64
	// Filter, when set, limits the report to some distributions and hosts.
	Filter Filter
	// MinRecords is the fewest records the window must hold for the report
	// to have data (Coverage.NoData); 0 means 1.
	MinRecords int64
	// Near is what the listing saw of the input outside the window
	// (source.Listing.Near), for the nearest times a report without data
	// gives; Run adds what the records read say.
	Near source.Near
}

// A Filter limits a report to the records of some distributions and hosts.
// An empty list lets every value through.
type Filter struct {
	// Distributions: the record's DistributionId (standard logging v2),
	// else the one its object key names. Objects whose key names another
	// distribution are not read at all.
	Distributions []string
	// Hosts: the name the viewer used, x-host-header (cs(Host) when
	// absent), matched without regard to case, as the detectors group
	// findings.
	Hosts []string
}

// Empty reports whether f lets every record through.
func (f Filter) Empty() bool { return len(f.Distributions) == 0 && len(f.Hosts) == 0 }

// keepDist reports whether records of distribution dist are wanted.
func (f Filter) keepDist(dist string) bool {
	return len(f.Distributions) == 0 || slices.Contains(f.Distributions, dist)
}

// keep reports whether rec is wanted; dist is the distribution its object
// key names.
func (f Filter) keep(rec *logparse.Record, dist string) bool {
	if len(f.Distributions) > 0 {
		d := rec.DistributionID
		if d == "" {
			d = dist
		}
		if !slices.Contains(f.Distributions, d) {
			return false
		}
	}
	if len(f.Hosts) > 0 {
		h := rec.HostHeader
		if h == "" {
			h = rec.Host
		}
		if !slices.ContainsFunc(f.Hosts, func(x string) bool { return strings.EqualFold(x, h) }) {
			return false
		}
	}
	return true
}

// Progress is how far a run has read its input.
type Progress struct {
	FilesDone, FilesTotal int
	// BytesDone counts the bytes read from the objects as stored
	// (compressed); a file that ends early counts in full.
	BytesDone, BytesTotal int64
}

// Shifted returns w moved back by d: the same length, d earlier.
func Shifted(w source.Window, d time.Duration) source.Window {
	return source.Window{From: w.From.Add(-d), Until: w.Until.Add(-d)}
}

// CompareOffset is how far back --compare looks when no --baseline is
// given: the same time a day earlier, since traffic has a daily rhythm (the
// night compared with the afternoon before it would show changes that are
// only the hour of day). A window longer than a day is compared with the
// same hours whole days earlier, as many days as it covers, so that the
// two periods do not overlap (a 7-day window with the week before).
func CompareOffset(w source.Window) time.Duration {
	const day = 24 * time.Hour
	d := w.Until.Sub(w.From)
	return max(1, (d+day-1)/day) * day
}

// BaselineWindow is the period a report compares with, from the command
// line's --baseline and --compare: the window shifted back by baseline
// ("24h", "7d") when given (--compare then adds nothing), else with
// compare by CompareOffset; nil for neither.
func BaselineWindow(w source.Window, baseline string, compare bool) (*source.Window, error) {
	switch {
	case baseline != "":
		d, err := timeflag.ParseDuration(baseline)
		if err != nil {
			return nil, fmt.Errorf("--baseline %q: %w", baseline, err)
		}
		b := Shifted(w, d)
		return &b, nil
	case compare:
		b := Shifted(w, CompareOffset(w))
		return &b, nil
	}
	return nil, nil
}

// Union returns the smallest window that holds a and, if set, b: the
// window to list objects for when a run has a baseline.
func Union(a source.Window, b *source.Window) source.Window {
	if b == nil {
		return a
	}
	u := a
	if b.From.Before(u.From) {
		u.From = b.From
	}
	if b.Until.After(u.Until) {
		u.Until = b.Until
	}
	return u
}

// MaxLineErrors bounds how many bad lines a report lists; all are counted.
const MaxLineErrors = 20

// MaxFieldErrors bounds how many bad values (field errors) a report lists;
// all are counted.
const MaxFieldErrors = 20

// A Report is the result of a run; its JSON form is the documented schema
// (JSONSchema).
type Report struct {
	Schema   string              `json:"schema"`
	Window   Window              `json:"window"`
	Coverage Coverage            `json:"coverage"`
	Input    Input               `json:"input"`
	Findings []detectors.Finding `json:"findings"` // most severe first
	Checks   []detectors.Check   `json:"checks"`   // the seed's post-deploy checks
	Totals   Totals              `json:"totals"`
	Status   StatusMix           `json:"status"`
	Cache    Cache               `json:"cache"`
	Paths    []PathRow           `json:"top_paths"`
	Errors   []PathRow           `json:"errors_by_path"`

	// AuthPrefix is the path NextAuth is mounted at ("/api/auth").
	AuthPrefix string `json:"auth_prefix"`
	// AuthEndpoints are NextAuth's endpoints' requests and failures, in a
	// fixed order: callback/*, session, csrf, signin/*, signout.
	AuthEndpoints []AuthEndpoint `json:"auth_endpoints"`
	// Series is the window's traffic per interval.
	Series *Series `json:"series"`
	// Baseline is the earlier period's figures, when one was asked for.
	Baseline *Baseline `json:"baseline,omitempty"`

	cur, base *tally
	engine    *detectors.Engine
}

// A Window is a period, in UTC: [from, until).
type Window struct {
	From  time.Time `json:"from"`
	Until time.Time `json:"until"`
}

// Coverage says whether the window held enough records to judge: a report
// without data is no pass, whatever its findings and checks say.
type Coverage struct {
	// NoData is set when the window holds fewer than MinRecords records.
	NoData bool `json:"no_data"`
	// Records counts the records in the window (after Filter): the
	// requests of Totals.
	Records    int64 `json:"records"`
	MinRecords int64 `json:"min_records"`
	// NearestBefore and NearestAfter, set only with NoData, are the
	// nearest times outside the window the input was seen to hold data: a
	// record's time, or for the files left unread because their names put
	// them outside the window, the end (before) or start (after) of the
	// hour or day their names give. Nil when none was seen on that side.
	NearestBefore *time.Time `json:"nearest_before"`
	NearestAfter  *time.Time `json:"nearest_after"`
}

// setCoverage fills Coverage from the totals.
func (rep *Report) setCoverage(minRecords int64, near source.Near) {
	c := Coverage{Records: rep.Totals.Requests, MinRecords: max(minRecords, 1)}
	c.NoData = c.Records < c.MinRecords
	if c.NoData {
		if t := near.Before; !t.IsZero() {
			t = t.UTC()
			c.NearestBefore = &t
		}
		if t := near.After; !t.IsZero() {
			t = t.UTC()
			c.NearestAfter = &t
		}
	}
	rep.Coverage = c
}

// Input says what was read.
type Input struct {
	Files              int         `json:"files"`                  // files read (in full or until they failed)
	FilesOutsideWindow int         `json:"files_outside_window"`   // not read: their names put them outside the window
	FailedFiles        []FileError `json:"failed_files"`           // files that could not be read to the end
	Bytes              int64       `json:"bytes"`                  // bytes of the files read, as stored (compressed)
	Records            int64       `json:"records"`                // records read, in and out of the window
	RecordsOutside     int64       `json:"records_outside_window"` // records read but outside the window
	// FilesFiltered and RecordsFiltered count what --distribution and
	// --host left out: files whose key names another distribution (not
	// read), and records read but of another distribution or host.
	FilesFiltered   int         `json:"files_filtered"`
	RecordsFiltered int64       `json:"records_filtered"`
	SkippedLines    int64       `json:"skipped_lines"` // lines that could not be read
	LineErrors      []FileError `json:"line_errors"`   // the first few of them
	// InvalidValues counts the values that could not be read (field
	// errors: a fraction for a byte count, a status out of range). Their
	// records are kept with those values unknown.
	InvalidValues int64       `json:"invalid_values"`
	FieldErrors   []FileError `json:"field_errors"` // the first few of them

	// Engine names the query engine that read the input ("athena"), when
	// cfwatch did not read the files itself (FromFigures); Files and Bytes
	// are then 0, Records counts the requests of the window and baseline,
	// and Queries and DataScannedBytes say what the queries cost.
	Engine           string `json:"engine,omitempty"`
	Queries          int    `json:"queries,omitempty"`
	DataScannedBytes int64  `json:"data_scanned_bytes,omitempty"`

	// LastRecord is the time of the latest record read, in the window or
	// out of it (but not one --distribution or --host left out): how far
	// the logs delivered so far reach. Zero when no record was read. The
	// intervals of a series that start after it have no data yet
	// (Series.NoDataAfter). A query engine sets it to the latest record of
	// the partitions it read.
	LastRecord time.Time `json:"-"`
}

// A FileError is a problem with one file, or one line of it.
type FileError struct {
	File    string `json:"file"`
	Line    int    `json:"line,omitempty"`
	Records int    `json:"records_read,omitempty"` // for a failed file: records read before the failure
	Error   string `json:"error"`
}

// Totals are the records inside the window.
type Totals struct {
	Requests      int64      `json:"requests"`
	BytesSent     int64      `json:"bytes_sent"`
	BytesReceived int64      `json:"bytes_received"`
	First         *time.Time `json:"first"` // nil without requests
	Last          *time.Time `json:"last"`
}

// StatusMix counts responses by status class and code.
type StatusMix struct {
	Classes map[string]int64 `json:"classes"` // "2xx" … "5xx", "000"
	Codes   map[string]int64 `json:"codes"`   // "200": n, …
}

// Cache is how CloudFront answered: result types and the hit ratio.
type Cache struct {
	HitRatio    float64          `json:"hit_ratio"` // (Hit+RefreshHit) / (Hit+RefreshHit+Miss)
	ResultTypes map[string]int64 `json:"result_types"`
}

// A PathRow is one path's traffic and errors.
type PathRow struct {
	Path      string `json:"path"`
	Requests  int64  `json:"requests"`
	BytesSent int64  `json:"bytes_sent"`
	Errors4xx int64  `json:"errors_4xx"`
	Errors5xx int64  `json:"errors_5xx"`
	TopError  int    `json:"top_error_status"` // 0 without errors
}

// Run reads every object and builds the report. A file that cannot be read
// to the end is recorded in Input.FailedFiles and the run goes on; Run
// returns an error only when ctx ends or the options are invalid.
//
// The report depends only on the records read, not on the order of the
// objects nor on how they were fetched.
func Run(ctx context.Context, objs []source.Object, skipped int, opts Options) (*Report, error) {
	log := opts.Logger
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	if opts.TopN <= 0 {
		opts.TopN = 10
	}
	cfg := detectors.DefaultConfig()
	if opts.Detectors != nil {
		cfg = *opts.Detectors
	}
	if err := cfg.Validate(); err != nil {
		return nil, err
	}
	win := source.Window{From: opts.Window.From.UTC(), Until: opts.Window.Until.UTC()}
	cur, err := newTally(win, opts.Interval, time.Unix(0, 0))
	if err != nil {
		return nil, fmt.Errorf("time series: %w", err)
	}
	rep := &Report{Schema: Schema, cur: cur, engine: detectors.New(cfg), AuthPrefix: detectors.CleanPrefix(cfg.AuthPrefix)}
	rep.Window = Window{win.From, win.Until}
	var bwin source.Window
	if opts.Baseline != nil {
		bwin = source.Window{From: opts.Baseline.From.UTC(), Until: opts.Baseline.Until.UTC()}
		if rep.base, err = newTally(bwin, cur.series.Interval, baseAnchor(cur.series, win, bwin)); err != nil {
			return nil, fmt.Errorf("baseline time series: %w", err)
		}
	}

	// Objects listed for both periods: leave out those that can hold
	// neither's records.
	near := opts.Near
	kept := make([]source.Object, 0, len(objs))
	for _, o := range objs {
		if o.KeyOK && !win.MayHold(o.Key.Hour) && (rep.base == nil || !bwin.MayHold(o.Key.Hour)) {
			skipped++
			near.Span(o.Key.Hour, o.Key.Hour.Add(time.Hour), win)
			continue
		}
		if o.KeyOK && o.Key.DistributionID != "" && !opts.Filter.keepDist(o.Key.DistributionID) {
			rep.Input.FilesFiltered++
			continue
		}
		kept = append(kept, o)
	}
	// Read in name order, whatever order the objects were listed or
	// fetched in: the detectors see the records in the same order.
	slices.SortStableFunc(kept, func(a, b source.Object) int { return strings.Compare(a.Name, b.Name) })
	objs = kept
	rep.Input.FilesOutsideWindow = skipped

	rd := &reading{rep: rep, win: win, bwin: bwin, prefix: detectors.CleanPrefix(cfg.AuthPrefix), log: log, report: opts.Progress, filter: opts.Filter, near: near}
	rd.progress.FilesTotal = len(objs)
	for _, o := range objs {
		rd.progress.BytesTotal += o.Size
	}
	rd.tick()
	parallel := opts.Parallel
	if parallel <= 0 {
		parallel = runtime.GOMAXPROCS(0)
	}
	parallel = min(parallel, logFiles(objs))
	workers, readAhead := opts.Workers, opts.ReadAhead
	if workers == 0 {
		workers = source.DefaultWorkers
		if parallel > 1 && allLocal(objs) {
			// The workers read local files themselves: reading them
			// ahead into memory would only add copies.
			workers = -1
		}
	}
	if readAhead == 0 && parallel > 1 {
		readAhead = DefaultParallelReadAhead
	}
	files := source.Prefetch(ctx, objs, workers, readAhead)
	defer files.Close()
	onFile := func(obj source.Object, err error) {
		rep.Input.Files++
		rep.Input.Bytes += obj.Size
		if err != nil {
			fe := FileError{File: obj.Name, Error: err.Error()}
			var se *logparse.StreamError
			var pe *partialError
			switch {
			case errors.As(err, &se):
				fe.Records = se.Records
			case errors.As(err, &pe):
				fe.Records = pe.records
			}
			log.Error("file not fully read", "file", obj.Name, "err", err)
			rep.Input.FailedFiles = append(rep.Input.FailedFiles, fe)
		}
		rd.done += max(obj.Size, rd.read)
		rd.progress.FilesDone++
		rd.progress.BytesDone = rd.done
		rd.tick()
	}
	if parallel > 1 {
		if err := rd.readParallel(ctx, objs, files, parallel, opts.ParallelBudget, onFile); err != nil {
			return nil, err
		}
	} else {
		for {
			obj, rc, err := files.Next()
			if err == io.EOF {
				break
			}
			if cerr := ctx.Err(); cerr != nil {
				if rc != nil {
					rc.Close()
				}
				return nil, cerr
			}
			if err == nil {
				err = rd.readObject(ctx, obj, rc)
				rc.Close()
			}
			onFile(obj, err)
		}
	}
	rep.fill(opts.TopN)
	rep.setCoverage(opts.MinRecords, rd.near)
	return rep, nil
}

// logFiles counts the log files (not Parquet) among objs.
func logFiles(objs []source.Object) int {
	n := 0
	for _, o := range objs {
		if !o.Parquet {
			n++
		}
	}
	return n
}

// allLocal reports whether every object is a local file.
func allLocal(objs []source.Object) bool {
	for _, o := range objs {
		if source.IsS3(o.Name) {
			return false
		}
	}
	return true
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

// reading is the state of Run's pass over the objects.
type reading struct {
	rep       *Report
	win, bwin source.Window
	prefix    string
	log       *slog.Logger

	report   func(Progress)
	progress Progress
	done     int64 // bytes of the files finished
	read     int64 // bytes read from the last file

	parquet *dataset.Reader // reads the dataset's files, one after the other
	filter  Filter
	near    source.Near // the nearest data outside the window seen
}

func (rd *reading) tick() {
	if rd.report != nil {
		rd.report(rd.progress)
	}
}

// countingReader counts the bytes read through it. The log reader reads
// from it on its own goroutine, hence the atomic.
type countingReader struct {
	r io.Reader
	n atomic.Int64
}

func (c *countingReader) Read(p []byte) (int, error) {
	n, err := c.r.Read(p)
	c.n.Add(int64(n))
	return n, err
}

// progressEvery is how many records pass between two Progress calls.
const progressEvery = 4096

// readObject reads the records of obj from rc, which Run opened (and may
// have fetched ahead).
func (rd *reading) readObject(ctx context.Context, obj source.Object, rc io.Reader) error {
	if obj.Parquet {
		return rd.readParquet(ctx, obj, rc)
	}
	rep := rd.rep
	rd.read = 0
	cr := &countingReader{r: rc}
	defer func() { rd.read = cr.n.Load() }()
	r := logparse.NewReader(cr)
	r.Name = obj.Name
	defer r.Close()
	var rec logparse.Record
	dist := obj.Key.DistributionID // legacy logs name it only in the key
	for n := 0; ; n++ {
		if rd.report != nil && n%progressEvery == progressEvery-1 {
			b := cr.n.Load()
			if obj.Size > 0 {
				b = min(b, obj.Size)
			}
			rd.progress.BytesDone = rd.done + b
			rd.tick()
		}
		err := r.Read(&rec)
		if err == io.EOF {
			break
		}
		if err != nil {
			var pe *logparse.ParseError
			if errors.As(err, &pe) {
				rd.lineError(obj.Name, pe)
				continue
			}
			if fe := (*logparse.FormatError)(nil); errors.As(err, &fe) && fe.Parquet {
				// A Parquet file under a name that does not say so:
				// open it again, to read it at random.
				return rd.reopenParquet(ctx, obj)
			}
			rep.Input.Records += int64(r.Records())
			return err
		}
		if fe := r.FieldErrors(); len(fe) > 0 {
			rd.fieldErrors(obj.Name, fe)
		}
		rd.observe(&rec, dist)
	}
	rep.Input.Records += int64(r.Records())
	return nil
}

// fieldErrors counts the bad values of a record read, and lists the first
// few.
func (rd *reading) fieldErrors(name string, errs []*logparse.ParseError) {
	for _, pe := range errs {
		rd.fieldError(name, pe)
	}
}

// fieldError counts a bad value, and lists it among the first few.
func (rd *reading) fieldError(name string, pe *logparse.ParseError) {
	in := &rd.rep.Input
	in.InvalidValues++
	if len(in.FieldErrors) >= MaxFieldErrors {
		return
	}
	in.FieldErrors = append(in.FieldErrors, FileError{File: name, Line: pe.Line, Error: pe.Error()})
	rd.log.Warn("value unknown", "file", name, "line", pe.Line, "err", pe)
}

// lineError counts a line that could not be read, and lists it among the
// first few.
func (rd *reading) lineError(name string, pe *logparse.ParseError) {
	in := &rd.rep.Input
	in.SkippedLines++
	if len(in.LineErrors) >= MaxLineErrors {
		return
	}
	in.LineErrors = append(in.LineErrors, FileError{File: name, Line: pe.Line, Error: pe.Error()})
	rd.log.Warn("line skipped", "file", name, "line", pe.Line, "err", pe)
}

// observe counts one record read: in the window's figures and findings, in
// the baseline's figures, or only as read outside the window. dist is the
// distribution named by the object key, for records that name none.
func (rd *reading) observe(rec *logparse.Record, dist string) {
	rep := rd.rep
	if !rd.filter.Empty() && !rd.filter.keep(rec, dist) {
		rep.Input.RecordsFiltered++
		return
	}
	if rec.Time.After(rep.Input.LastRecord) {
		rep.Input.LastRecord = rec.Time
	}
	in := rd.win.Contains(rec.Time)
	inBase := rep.base != nil && rd.bwin.Contains(rec.Time)
	if !in {
		rep.Input.RecordsOutside++
		rd.near.Record(rec.Time, rd.win)
		if !inBase {
			return
		}
	}
	under, ep := authClass(rec.URIStem, rd.prefix)
	if in {
		rep.cur.add(rec, under, ep)
		rep.engine.Observe(rec, dist)
	}
	if inBase {
		rep.base.add(rec, under, ep)
	}
}

// fill copies the tallies into the report's exported fields.
func (rep *Report) fill(topN int) {
	s := &rep.cur.sum
	rep.Totals, rep.Status, rep.Cache = figures(s)
	rep.Findings = rep.engine.Findings()
	rep.Checks = rep.engine.Checks()
	rep.Paths = rows(s.TopPaths(topN))
	rep.Errors = rows(s.ErrorPaths(topN))
	rep.Series = seriesJSON(rep.cur.series)
	rep.Series.markNoData(rep.Input.LastRecord)
	rep.AuthEndpoints = authEndpoints(rep.AuthPrefix, &rep.cur.eps)
	for i := range rep.AuthEndpoints {
		rep.AuthEndpoints[i].Series = &EndpointSeries{Requests: rep.cur.epReq[i], Failures: rep.cur.epFail[i]}
	}
	if b := rep.base; b != nil {
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

// Worst returns the highest severity among the findings, "" if none.
func (rep *Report) Worst() detectors.Severity {
	var worst detectors.Severity
	for _, f := range rep.Findings {
		if f.Severity.Rank() > worst.Rank() {
			worst = f.Severity
		}
	}
	return worst
}

// Failed reports whether some input could not be read.
func (rep *Report) Failed() bool { return len(rep.Input.FailedFiles) > 0 }

// The exit statuses of the report command (ExitCode).
const (
	ExitOK       = 0 // no finding at or above the threshold, and data
	ExitFindings = 1 // a finding at or above the threshold
	ExitError    = 2 // a usage error, or some input could not be read
	ExitNoData   = 3 // the window holds too few records to judge (Coverage.NoData)
)

// ExitCode is the exit status the report gives a deploy gate: ExitError
// when some input could not be read; else ExitFindings when a finding is
// at least as severe as failOn ("" for none); else ExitNoData when the
// window holds too few records, unless allowEmpty; else ExitOK.
func (rep *Report) ExitCode(failOn detectors.Severity, allowEmpty bool) int {
	switch worst := rep.Worst(); {
	case rep.Failed():
		return ExitError
	case failOn != "" && worst != "" && worst.Rank() >= failOn.Rank():
		return ExitFindings
	case rep.Coverage.NoData && !allowEmpty:
		return ExitNoData
	}
	return ExitOK
}

// String is a one-line summary, for logs.
func (rep *Report) String() string {
	return fmt.Sprintf("%d files, %d records, %d requests in window, %d skipped lines, %d invalid values, %d findings",
		rep.Input.Files, rep.Input.Records, rep.Totals.Requests, rep.Input.SkippedLines, rep.Input.InvalidValues, len(rep.Findings))
}
