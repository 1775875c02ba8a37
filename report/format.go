package report

import (
	"encoding/json"
	"fmt"
	"io"
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

// WriteJSON writes the report as one indented JSON document. Maps are written
// with sorted keys, so the same report always gives the same bytes.
func (rep *Report) WriteJSON(w io.Writer) error {
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	return enc.Encode(rep)
}
