// Package report is the audit's result, Report, and its renderings: text for
// a terminal, Markdown for a ticket, one self-contained HTML page with
// charts, and JSON for programs (the documented schema).
//
// A Report is made by an Engine from the audit's Options: package local
// reads the log files or the dataset's files and counts the records with a
// Counter; package athena queries the dataset and hands its aggregates to
// FromFigures. Both give the same Report for the same records. The
// renderers share one view of it (view.go): every figure is formatted
// once, and each format lays the same sections out in the same order.
package report

import (
	"fmt"
	"time"

	"github.com/cfwatch/cfwatch/detectors"
	"github.com/cfwatch/cfwatch/internal/timeflag"
	"github.com/cfwatch/cfwatch/source"
)

// Schema names the version of the JSON document. It changes only when a
// field changes meaning or goes away; new fields may be added.
const Schema = "cfwatch.report/v1"

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
	// FailuresByLayer is where the window's failed requests (4xx, 5xx,
	// 000) come from: per host and endpoint group, the layer that decided
	// them, by status, with their reasons and detailed result types (see
	// docs/layers.md). Hosts and result types are as logged.
	FailuresByLayer []detectors.LayerRow `json:"failures_by_layer"`

	// AuthPrefix is the path NextAuth is mounted at ("/api/auth").
	AuthPrefix string `json:"auth_prefix"`
	// AuthEndpoints are NextAuth's endpoints' requests and failures, in a
	// fixed order: callback/*, session, csrf, signin/*, signout.
	AuthEndpoints []AuthEndpoint `json:"auth_endpoints"`
	// Series is the window's traffic per interval.
	Series *Series `json:"series"`
	// Baseline is the earlier period's figures, when one was asked for.
	Baseline *Baseline `json:"baseline,omitempty"`
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
