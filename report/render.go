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
	if len(in.FailedFiles) > 0 {
		p(", %s files not read to the end (listed below)", num(len(in.FailedFiles)))
	}
	p("\n\n")

	if err := tw.Flush(); err != nil {
		return err
	}
	if err := rep.writeFindings(w); err != nil {
		return err
	}
	t := rep.Totals
	p("Traffic\n")
	p("  Requests\t%s\n", num(t.Requests))
	if t.Requests == 0 {
		p("  \tno requests in the window\n")
		rep.writeInputProblems(p)
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
	rep.writeInputProblems(p)
	return tw.Flush()
}

// writeInputProblems lists the files that failed and the first skipped lines.
func (rep *Report) writeInputProblems(p func(string, ...any)) {
	in := rep.Input
	if len(in.FailedFiles) == 0 && in.SkippedLines == 0 {
		return
	}
	p("\nInput problems\n")
	for _, f := range in.FailedFiles {
		p("  FAILED\t%s\n", f.Error)
	}
	for _, e := range in.LineErrors {
		p("  skipped\t%s\n", e.Error)
	}
	if in.SkippedLines > int64(len(in.LineErrors)) {
		p("  \t… and %s more skipped lines\n", num(in.SkippedLines-int64(len(in.LineErrors))))
	}
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

// textWidth is where finding texts are wrapped.
const textWidth = 100

// writeFindings writes the findings, most severe first, then the checks.
func (rep *Report) writeFindings(w io.Writer) error {
	var b strings.Builder
	if len(rep.Findings) == 0 {
		b.WriteString("Findings: none\n\n")
	} else {
		fmt.Fprintf(&b, "Findings (%d)\n", len(rep.Findings))
	}
	for _, f := range rep.Findings {
		where := f.Host + " " + f.Group
		if f.DistributionID != "" {
			where += "  (distribution " + f.DistributionID + ")"
		}
		fmt.Fprintf(&b, "  %-8s  %s  %s\n", strings.ToUpper(string(f.Severity)), f.Rule, where)
		fmt.Fprintf(&b, "            %s\n", f.Summary())
		field := func(label, text string) {
			if text == "" {
				return
			}
			b.WriteString(wrap(fmt.Sprintf("            %-9s ", label), text, textWidth))
		}
		field("Cause:", f.Cause)
		field("Fix:", f.Remedy)
		field("Paths:", strings.Join(f.Paths, ", "))
		field("Req IDs:", strings.Join(f.Examples, " "))
		b.WriteByte('\n')
	}
	b.WriteString("Post-deploy checks\n")
	for _, c := range rep.Checks {
		b.WriteString(wrap(fmt.Sprintf("  %-7s  %-19s ", strings.ToUpper(c.Status), c.Name), c.Evidence, textWidth))
	}
	b.WriteByte('\n')
	_, err := io.WriteString(w, b.String())
	return err
}

// wrap writes text after prefix, folded at width, continuation lines
// indented to the prefix's length.
func wrap(prefix, text string, width int) string {
	var b strings.Builder
	indent := strings.Repeat(" ", len([]rune(prefix)))
	b.WriteString(prefix)
	col := len([]rune(prefix))
	for i, word := range strings.Fields(text) {
		n := len([]rune(word))
		if i > 0 && col+1+n > width {
			b.WriteString("\n")
			b.WriteString(indent)
			col = len(indent)
		} else if i > 0 {
			b.WriteByte(' ')
			col++
		}
		b.WriteString(word)
		col += n
	}
	b.WriteByte('\n')
	return b.String()
}
