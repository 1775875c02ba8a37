// Package report runs an audit over CloudFront logs and renders it for people
// (text) and programs (JSON).
package report

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"time"

	"github.com/cfwatch/cfwatch/detectors"
	"github.com/cfwatch/cfwatch/logparse"
	"github.com/cfwatch/cfwatch/source"
	"github.com/cfwatch/cfwatch/traffic"
)

// Schema names the version of the JSON document. It changes only when a
// field changes meaning or goes away; new fields may be added.
const Schema = "cfwatch.report/v1"

// Options configure a run.
type Options struct {
	Window source.Window
	// TopN bounds the path tables.
	TopN int
	// Detectors configures the rules; the zero value means
	// detectors.DefaultConfig().
	Detectors *detectors.Config
	// Logger receives one line per bad input line (up to MaxLineErrors) and
	// per failed file. Nil discards.
	Logger *slog.Logger
}

// MaxLineErrors bounds how many bad lines a report lists; all are counted.
const MaxLineErrors = 20

// A Report is the result of a run; its JSON form is the documented schema.
type Report struct {
	Schema string `json:"schema"`
	Window struct {
		From  time.Time `json:"from"`
		Until time.Time `json:"until"`
	} `json:"window"`
	Input    Input               `json:"input"`
	Findings []detectors.Finding `json:"findings"` // most severe first
	Checks   []detectors.Check   `json:"checks"`   // the seed's post-deploy checks
	Totals   Totals              `json:"totals"`
	Status   StatusMix           `json:"status"`
	Cache    Cache               `json:"cache"`
	Paths    []PathRow           `json:"top_paths"`
	Errors   []PathRow           `json:"errors_by_path"`

	summary *traffic.Summary
	engine  *detectors.Engine
}

// Input says what was read.
type Input struct {
	Files              int         `json:"files"`                  // files read (in full or until they failed)
	FilesOutsideWindow int         `json:"files_outside_window"`   // not read: their names put them outside the window
	FailedFiles        []FileError `json:"failed_files,omitempty"` // files that could not be read to the end
	Bytes              int64       `json:"bytes"`                  // bytes of the files read, as stored (compressed)
	Records            int64       `json:"records"`                // records read, in and out of the window
	RecordsOutside     int64       `json:"records_outside_window"` // records read but outside the window
	SkippedLines       int64       `json:"skipped_lines"`          // lines that could not be read
	LineErrors         []FileError `json:"line_errors,omitempty"`  // the first few of them
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
	First         *time.Time `json:"first,omitempty"`
	Last          *time.Time `json:"last,omitempty"`
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
	TopError  int    `json:"top_error_status,omitempty"`
}

// Run reads every object and builds the report. A file that cannot be read
// to the end is recorded in Input.FailedFiles and the run goes on; Run
// returns an error only when ctx ends.
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
	rep := &Report{Schema: Schema, summary: &traffic.Summary{}, engine: detectors.New(cfg)}
	rep.Window.From, rep.Window.Until = opts.Window.From.UTC(), opts.Window.Until.UTC()
	rep.Input.FilesOutsideWindow = skipped
	for _, obj := range objs {
		if err := ctx.Err(); err != nil {
			return nil, err
		}
		rep.Input.Files++
		rep.Input.Bytes += obj.Size
		if err := rep.readObject(ctx, obj, opts.Window, log); err != nil {
			fe := FileError{File: obj.Name, Error: err.Error()}
			var se *logparse.StreamError
			if errors.As(err, &se) {
				fe.Records = se.Records
			}
			log.Error("file not fully read", "file", obj.Name, "err", err)
			rep.Input.FailedFiles = append(rep.Input.FailedFiles, fe)
		}
	}
	rep.fill(opts.TopN)
	return rep, nil
}

func (rep *Report) readObject(ctx context.Context, obj source.Object, w source.Window, log *slog.Logger) error {
	rc, err := obj.Open(ctx)
	if err != nil {
		return err
	}
	defer rc.Close()
	r := logparse.NewReader(rc)
	r.Name = obj.Name
	defer r.Close()
	var rec logparse.Record
	sum := rep.summary
	dist := obj.Key.DistributionID // legacy logs name it only in the key
	for {
		err := r.Read(&rec)
		if err == io.EOF {
			break
		}
		if err != nil {
			var pe *logparse.ParseError
			if errors.As(err, &pe) {
				rep.Input.SkippedLines++
				if len(rep.Input.LineErrors) < MaxLineErrors {
					rep.Input.LineErrors = append(rep.Input.LineErrors, FileError{File: obj.Name, Line: pe.Line, Error: pe.Error()})
					log.Warn("line skipped", "file", obj.Name, "line", pe.Line, "err", pe)
				}
				continue
			}
			rep.Input.Records += int64(r.Records())
			return err
		}
		if !w.Contains(rec.Time) {
			rep.Input.RecordsOutside++
			continue
		}
		sum.Add(&rec)
		rep.engine.Observe(&rec, dist)
	}
	rep.Input.Records += int64(r.Records())
	return nil
}

// fill copies the summary into the report's exported fields.
func (rep *Report) fill(topN int) {
	s := rep.summary
	rep.Totals = Totals{Requests: s.Requests, BytesSent: s.BytesSent, BytesReceived: s.BytesReceived}
	if s.Requests > 0 {
		first, last := s.First, s.Last
		rep.Totals.First, rep.Totals.Last = &first, &last
	}
	rep.Status.Classes = s.StatusClasses()
	rep.Status.Codes = map[string]int64{}
	for _, c := range s.StatusCodes() {
		rep.Status.Codes[c.Key] = c.N
	}
	rep.Cache.HitRatio = s.CacheHitRatio()
	rep.Cache.ResultTypes = map[string]int64{}
	for _, c := range s.ResultTypes() {
		rep.Cache.ResultTypes[c.Key] = c.N
	}
	rep.Findings = rep.engine.Findings()
	rep.Checks = rep.engine.Checks()
	rep.Paths = rows(s.TopPaths(topN))
	rep.Errors = rows(s.ErrorPaths(topN))
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

// String is a one-line summary, for logs.
func (rep *Report) String() string {
	return fmt.Sprintf("%d files, %d records, %d requests in window, %d skipped lines, %d findings",
		rep.Input.Files, rep.Input.Records, rep.Totals.Requests, rep.Input.SkippedLines, len(rep.Findings))
}
