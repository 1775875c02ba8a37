package report

import (
	"encoding/json"
	"fmt"
	"io"
	"slices"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/dustin/go-humanize"
)

// WriteJSON writes the report as one indented JSON document. Maps are written
// with sorted keys, so the same report always gives the same bytes.
func (rep *Report) WriteJSON(w io.Writer) error {
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	return enc.Encode(rep)
}

// WriteText writes the report for a terminal.
func (rep *Report) WriteText(w io.Writer) error {
	tw := tabwriter.NewWriter(w, 0, 4, 2, ' ', 0)
	p := func(format string, args ...any) { fmt.Fprintf(tw, format, args...) }
	from, until := rep.Window.From, rep.Window.Until
	p("cfwatch report\t%s → %s UTC (%s)\n", from.Format("2006-01-02 15:04"), until.Format("2006-01-02 15:04"),
		span(until.Sub(from)))
	in := rep.Input
	p("Input\t%s files (%s), %s records, %s skipped lines", num(in.Files), humanize.IBytes(uint64(in.Bytes)),
		num(in.Records), num(in.SkippedLines))
	if in.FilesOutsideWindow > 0 {
		p(", %s files outside the window not read", num(in.FilesOutsideWindow))
	}
	p("\n")
	for _, f := range in.FailedFiles {
		p("  FAILED\t%s\n", f.Error)
	}
	for _, e := range in.LineErrors {
		p("  skipped\t%s\n", e.Error)
	}
	if in.SkippedLines > int64(len(in.LineErrors)) {
		p("  \t… and %s more skipped lines\n", num(in.SkippedLines-int64(len(in.LineErrors))))
	}
	p("\n")

	t := rep.Totals
	p("Traffic\n")
	p("  Requests\t%s\n", num(t.Requests))
	if t.Requests == 0 {
		p("  \tno requests in the window\n")
		return tw.Flush()
	}
	p("  Bytes\t%s sent, %s received\n", humanize.IBytes(uint64(t.BytesSent)), humanize.IBytes(uint64(t.BytesReceived)))
	var mix []string
	for _, class := range []string{"2xx", "3xx", "4xx", "5xx", "000", "other"} {
		if n := rep.Status.Classes[class]; n > 0 {
			mix = append(mix, fmt.Sprintf("%s %s (%s)", class, num(n), pct(n, t.Requests)))
		}
	}
	p("  Status\t%s\n", strings.Join(mix, "   "))
	var results []string
	for _, k := range sortedByCount(rep.Cache.ResultTypes) {
		results = append(results, fmt.Sprintf("%s %s", k, num(rep.Cache.ResultTypes[k])))
	}
	p("  Cache\thit ratio %.1f%%   %s\n", rep.Cache.HitRatio*100, strings.Join(results, "   "))
	p("\n")

	p("Top paths\tREQUESTS\tSHARE\t4XX\t5XX\tBYTES\n")
	for _, r := range rep.Paths {
		p("  %s\t%s\t%s\t%s\t%s\t%s\n", r.Path, num(r.Requests), pct(r.Requests, t.Requests),
			num(r.Errors4xx), num(r.Errors5xx), humanize.IBytes(uint64(r.BytesSent)))
	}
	p("\n")
	p("Errors by path\tERRORS\tRATE\tMOST COMMON\n")
	if len(rep.Errors) == 0 {
		p("  none\n")
	}
	for _, r := range rep.Errors {
		e := r.Errors4xx + r.Errors5xx
		p("  %s\t%s\t%s\t%d\n", r.Path, num(e), pct(e, r.Requests), r.TopError)
	}
	return tw.Flush()
}

func num[T int | int64](n T) string { return humanize.Comma(int64(n)) }

func pct(n, of int64) string {
	if of == 0 {
		return "-"
	}
	v := 100 * float64(n) / float64(of)
	if v > 0 && v < 0.1 {
		return "<0.1%"
	}
	return fmt.Sprintf("%.1f%%", v)
}

func sortedByCount(m map[string]int64) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	slices.SortFunc(keys, func(a, b string) int {
		if m[a] != m[b] {
			if m[a] > m[b] {
				return -1
			}
			return 1
		}
		return strings.Compare(a, b)
	})
	return keys
}

// span writes a window's length the way it is usually given: "24h", "7d", "90m".
func span(d time.Duration) string {
	switch {
	case d >= 48*time.Hour && d%(24*time.Hour) == 0:
		return fmt.Sprintf("%dd", d/(24*time.Hour))
	case d%time.Hour == 0:
		return fmt.Sprintf("%dh", d/time.Hour)
	case d%time.Minute == 0:
		return fmt.Sprintf("%dm", d/time.Minute)
	}
	return d.String()
}
