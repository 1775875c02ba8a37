package report

import (
	"bufio"
	"encoding/json"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
)

// A Format is an output format of the report.
type Format string

// The formats.
const (
	FormatText     Format = "text"     // for a terminal
	FormatJSON     Format = "json"     // the documented schema
	FormatMarkdown Format = "markdown" // for an incident ticket or a pull request
	FormatHTML     Format = "html"     // one self-contained page with charts
)

// Formats returns every format, in a fixed order.
func Formats() []Format { return []Format{FormatText, FormatJSON, FormatMarkdown, FormatHTML} }

// ParseFormat returns the format named s ("md" is markdown).
func ParseFormat(s string) (Format, error) {
	if s == "md" {
		return FormatMarkdown, nil
	}
	for _, f := range Formats() {
		if string(f) == s {
			return f, nil
		}
	}
	return "", fmt.Errorf("unknown format %q: want text, json, markdown or html", s)
}

// WriteOptions change how a report is written.
type WriteOptions struct {
	// Color paints the text format with ANSI colours (for a terminal).
	// Other formats ignore it.
	Color bool
}

// Write writes the report in format f. The same report always gives the
// same bytes.
func (rep *Report) Write(w io.Writer, f Format, o WriteOptions) error {
	switch f {
	case FormatText:
		return rep.writeText(w, style{on: o.Color})
	case FormatJSON:
		return rep.WriteJSON(w)
	case FormatMarkdown:
		return rep.WriteMarkdown(w)
	case FormatHTML:
		return rep.WriteHTML(w)
	}
	return fmt.Errorf("unknown format %q", f)
}

// WriteJSON writes the report as one indented JSON document, valid against
// JSONSchema: every array of the schema is an array ([] when empty, never
// null) and every object is there. Maps are written with sorted keys, so
// the same report always gives the same bytes.
func (rep *Report) WriteJSON(w io.Writer) error {
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	return enc.Encode(rep.jsonView())
}

// jsonView returns a shallow copy of rep whose nil slices and maps are
// empty ones, so that JSON has [] and {} where Go has nil. rep is not
// changed: two goroutines may write the same report.
func (rep *Report) jsonView() *Report {
	c := *rep
	c.Findings = slices.Clone(nonNil(c.Findings))
	for i := range c.Findings {
		f := &c.Findings[i]
		f.Paths, f.Examples = nonNil(f.Paths), nonNil(f.Examples)
		if f.Evidence == nil {
			f.Evidence = map[string]int64{}
		}
	}
	c.Checks = nonNil(c.Checks)
	c.Paths, c.Errors = nonNil(c.Paths), nonNil(c.Errors)
	c.Input.FailedFiles, c.Input.LineErrors, c.Input.FieldErrors = nonNil(c.Input.FailedFiles), nonNil(c.Input.LineErrors), nonNil(c.Input.FieldErrors)
	c.Status = statusView(c.Status)
	c.Cache = cacheView(c.Cache)
	c.AuthEndpoints = endpointsView(c.AuthEndpoints)
	c.Series = seriesView(c.Series)
	if b := c.Baseline; b != nil {
		bc := *b
		bc.Status, bc.Cache = statusView(bc.Status), cacheView(bc.Cache)
		bc.AuthEndpoints = endpointsView(bc.AuthEndpoints)
		bc.Series = seriesView(bc.Series)
		bc.ChangedPaths = nonNil(bc.ChangedPaths)
		c.Baseline = &bc
	}
	return &c
}

func nonNil[T any](s []T) []T {
	if s == nil {
		return []T{}
	}
	return s
}

func statusView(s StatusMix) StatusMix {
	if s.Classes == nil {
		s.Classes = map[string]int64{}
	}
	if s.Codes == nil {
		s.Codes = map[string]int64{}
	}
	return s
}

func cacheView(c Cache) Cache {
	if c.ResultTypes == nil {
		c.ResultTypes = map[string]int64{}
	}
	return c
}

func endpointsView(eps []AuthEndpoint) []AuthEndpoint {
	eps = slices.Clone(nonNil(eps))
	for i := range eps {
		e := &eps[i]
		if e.Codes == nil {
			e.Codes = map[string]int64{}
		}
		if e.Series != nil {
			s := *e.Series
			s.Requests, s.Failures = nonNil(s.Requests), nonNil(s.Failures)
			e.Series = &s
		}
	}
	return eps
}

func seriesView(s *Series) *Series {
	if s == nil {
		return &Series{Points: []SeriesPoint{}}
	}
	c := *s
	c.Points = nonNil(c.Points)
	return &c
}

// MarshalJSON writes a line's error as {file, line, error} and a file's
// (Line 0) as {file, records_read, error}, records_read even when 0.
func (e FileError) MarshalJSON() ([]byte, error) {
	type plain FileError
	if e.Line > 0 {
		return json.Marshal(plain(e))
	}
	return json.Marshal(struct {
		plain
		Records int `json:"records_read"`
	}{plain(e), e.Records})
}

// WriteFile writes the report in format f to the file at path, atomically:
// into a hidden temporary file in the same directory, renamed over path
// only when written in full and synced. A write that fails (a full disk)
// leaves path as it was, the previous report included. A new file gets
// mode 0644; an existing one keeps its mode.
func WriteFile(path string, rep *Report, f Format, o WriteOptions) (err error) {
	dir, base := filepath.Split(path)
	if dir == "" {
		dir = "."
	}
	mode := fs.FileMode(0o644)
	if st, err := os.Stat(path); err == nil {
		if !st.Mode().IsRegular() {
			return fmt.Errorf("writing the report to %s: not a regular file", path)
		}
		mode = st.Mode().Perm()
	}
	tmp, err := os.CreateTemp(dir, "."+base+".*.tmp")
	if err != nil {
		return fmt.Errorf("writing the report to %s: %w", path, err)
	}
	defer func() {
		if err != nil {
			tmp.Close()
			os.Remove(tmp.Name())
			err = fmt.Errorf("writing the report to %s: %w", path, err)
		}
	}()
	bw := bufio.NewWriterSize(tmp, 64<<10)
	if err := rep.Write(bw, f, o); err != nil {
		return err
	}
	if err := bw.Flush(); err != nil {
		return err
	}
	if err := tmp.Chmod(mode); err != nil {
		return err
	}
	if err := tmp.Sync(); err != nil {
		return err
	}
	if err := tmp.Close(); err != nil {
		return err
	}
	return os.Rename(tmp.Name(), path)
}
