package report

import (
	"fmt"
	"io"
	"slices"
	"strings"
	"time"

	"github.com/dustin/go-humanize"

	"github.com/cfwatch/cfwatch/internal/visible"
)

// WriteText writes the report for a terminal, without colour.
func (rep *Report) WriteText(w io.Writer) error { return rep.writeText(w, style{}) }

// writeText writes the text report, painted by st.
func (rep *Report) writeText(w io.Writer, st style) error {
	var b strings.Builder
	if title := rep.noDataTitle(); title != "" {
		b.WriteString(st.paint(sgrBold+";"+sgrYellow, "NO DATA") + "  " + st.paint(sgrBold, upperFirst(title)+".") + "\n")
		for _, l := range rep.noDataLines() {
			b.WriteString(wrap("         ", l, textWidth))
		}
		b.WriteByte('\n')
	}
	from, until := rep.Window.From, rep.Window.Until
	in := rep.Input
	head := textTable{}
	head.add(cell{text: "cfwatch report", sgr: sgrBold}, c(fmt.Sprintf("%s → %s UTC (%s)", from.Format("2006-01-02 15:04"),
		until.Format("2006-01-02 15:04"), span(until.Sub(from)))))
	input := fmt.Sprintf("%s files (%s), %s records, %s skipped lines", num(in.Files), humanize.IBytes(uint64(in.Bytes)),
		num(in.Records), num(in.SkippedLines)) + invalidText(in)
	if in.FilesOutsideWindow > 0 {
		input += fmt.Sprintf(", %s files outside the window not read", num(in.FilesOutsideWindow))
	}
	input += filteredText(in)
	if len(in.FailedFiles) > 0 {
		input += fmt.Sprintf(", %s files not read to the end (listed below)", num(len(in.FailedFiles)))
	}
	if q := in.queried(); q != "" {
		input = q
	}
	head.add(c("Input"), c(input))
	head.render(&b, st)
	b.WriteByte('\n')

	rep.writeFindings(&b, st)

	t := rep.Totals
	b.WriteString(st.paint(sgrBold, "Traffic") + "\n")
	tr := textTable{indent: "  "}
	tr.add(c("Requests"), c(num(t.Requests)))
	if t.Requests == 0 {
		tr.add(c(""), c("no requests in the window"))
		tr.render(&b, st)
		rep.writeBaselineText(&b, st)
		rep.writeInputProblems(&b, st)
		_, err := io.WriteString(w, b.String())
		return err
	}
	tr.add(c("Bytes"), c(fmt.Sprintf("%s sent, %s received", humanize.IBytes(uint64(t.BytesSent)), humanize.IBytes(uint64(t.BytesReceived)))))
	var mix []string
	for _, class := range statusClassOrder {
		if n := rep.Status.Classes[class]; n > 0 {
			m := fmt.Sprintf("%s %s (%s)", class, num(n), pct(n, t.Requests))
			switch class {
			case "4xx":
				m = st.paint(sgrYellow, m)
			case "5xx":
				m = st.paint(sgrRed, m)
			}
			mix = append(mix, m)
		}
	}
	tr.add(c("Status"), cell{text: strings.Join(mix, "   "), painted: true}) // classes and figures only
	var results []string
	for _, k := range sortedByCount(rep.Cache.ResultTypes) {
		results = append(results, fmt.Sprintf("%s %s", k, num(rep.Cache.ResultTypes[k])))
	}
	tr.add(c("Cache"), c(fmt.Sprintf("hit ratio %.1f%%   %s", rep.Cache.HitRatio*100, strings.Join(results, "   "))))
	tr.render(&b, st)
	b.WriteByte('\n')

	rep.writeTimeline(&b, st, "")
	rep.writeAuthText(&b, st)
	rep.writeBaselineText(&b, st)

	pt := textTable{indent: "  ", right: []bool{false, true, true, true, true, true}}
	pt.heading("Top paths", "REQUESTS", "SHARE", "4XX", "5XX", "BYTES")
	for _, r := range rep.Paths {
		pt.add(c(r.Path), c(num(r.Requests)), c(pct(r.Requests, t.Requests)),
			cell{text: num(r.Errors4xx), sgr: nonZero(r.Errors4xx, sgrYellow)}, cell{text: num(r.Errors5xx), sgr: nonZero(r.Errors5xx, sgrRed)},
			c(humanize.IBytes(uint64(r.BytesSent))))
	}
	pt.render(&b, st)
	b.WriteByte('\n')
	et := textTable{indent: "  ", right: []bool{false, true, true, true}}
	et.heading("Errors by path", "ERRORS", "RATE", "MOST COMMON")
	for _, r := range rep.Errors {
		e := r.Errors4xx + r.Errors5xx
		et.add(c(r.Path), c(num(e)), c(pct(e, r.Requests)), c(fmt.Sprint(r.TopError)))
	}
	if len(rep.Errors) == 0 {
		et.add(c("none"))
	}
	et.render(&b, st)
	rep.writeInputProblems(&b, st)
	_, err := io.WriteString(w, b.String())
	return err
}

var statusClassOrder = []string{"2xx", "3xx", "4xx", "5xx", "000", "other", "unknown"}

// invalidText says how many values could not be read, if any.
func invalidText(in Input) string {
	if in.InvalidValues == 0 {
		return ""
	}
	return fmt.Sprintf(", %s invalid values (kept as unknown)", num(in.InvalidValues))
}

// nonZero returns sgr when n is not zero.
func nonZero(n int64, sgr string) string {
	if n == 0 {
		return ""
	}
	return sgr
}

// writeInputProblems lists the files that failed, the first skipped lines
// and the first invalid values.
func (rep *Report) writeInputProblems(b *strings.Builder, st style) {
	in := rep.Input
	if len(in.FailedFiles) == 0 && in.SkippedLines == 0 && in.InvalidValues == 0 {
		return
	}
	b.WriteString("\n" + st.paint(sgrBold, "Input problems") + "\n")
	t := textTable{indent: "  "}
	for _, f := range in.FailedFiles {
		t.add(cell{text: "FAILED", sgr: sgrRedB}, c(f.Error))
	}
	for _, e := range in.LineErrors {
		t.add(cell{text: "skipped", sgr: sgrYellow}, c(e.Error))
	}
	if in.SkippedLines > int64(len(in.LineErrors)) {
		t.add(c(""), c(fmt.Sprintf("… and %s more skipped lines", num(in.SkippedLines-int64(len(in.LineErrors))))))
	}
	for _, e := range in.FieldErrors {
		t.add(cell{text: "unknown", sgr: sgrYellow}, c(e.Error))
	}
	if in.InvalidValues > int64(len(in.FieldErrors)) {
		t.add(c(""), c(fmt.Sprintf("… and %s more invalid values", num(in.InvalidValues-int64(len(in.FieldErrors))))))
	}
	t.render(b, st)
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
func (rep *Report) writeFindings(b *strings.Builder, st style) {
	switch {
	case len(rep.Findings) == 0 && rep.Coverage.NoData:
		b.WriteString(st.paint(sgrBold, "Findings: none") + st.paint(sgrDim, " (no data to judge)") + "\n\n")
	case len(rep.Findings) == 0:
		b.WriteString(st.paint(sgrBold, "Findings: none") + "\n\n")
	default:
		b.WriteString(st.paint(sgrBold, fmt.Sprintf("Findings (%d)", len(rep.Findings))) + "\n")
	}
	for _, f := range rep.Findings {
		where := f.Host + " " + f.Group
		if f.DistributionID != "" {
			where += "  (distribution " + f.DistributionID + ")"
		}
		sev := fmt.Sprintf("%-8s", strings.ToUpper(string(f.Severity)))
		fmt.Fprintf(b, "  %s  %s  %s\n", st.paint(severitySGR(string(f.Severity)), visible.String(sev)),
			st.paint(sgrBold, visible.String(f.Rule)), visible.String(where))
		fmt.Fprintf(b, "            %s\n", visible.String(f.Summary()))
		field := func(label, text string) {
			if text == "" {
				return
			}
			b.WriteString(wrap(fmt.Sprintf("            %-9s ", label), text, textWidth))
		}
		field("Cause:", f.Cause)
		field("Fix:", f.Remedy)
		field("Settings:", f.Settings)
		field("Paths:", strings.Join(f.Paths, ", "))
		field("Req IDs:", strings.Join(f.Examples, " "))
		b.WriteByte('\n')
	}
	b.WriteString(st.paint(sgrBold, "Post-deploy checks") + "\n")
	for _, ch := range rep.Checks {
		status := visible.String(fmt.Sprintf("%-7s", strings.ToUpper(ch.Status)))
		line := wrap(fmt.Sprintf("  %-7s  %-19s ", "", visible.String(ch.Name)), ch.Evidence, textWidth)
		b.WriteString("  " + st.paint(checkSGR(ch.Status), status) + line[2+7:])
	}
	b.WriteByte('\n')
}

// wrap writes text after prefix, folded at width, continuation lines
// indented to the prefix's length. The text is shown with its control
// characters made visible (visible.String), so that only blanks fold it.
func wrap(prefix, text string, width int) string {
	var b strings.Builder
	indent := strings.Repeat(" ", len([]rune(prefix)))
	b.WriteString(prefix)
	col := len([]rune(prefix))
	for i, word := range strings.Fields(visible.String(text)) {
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

// filteredText says what --distribution and --host left out, "" without
// filters.
func filteredText(in Input) string {
	var s string
	if in.FilesFiltered > 0 {
		s += fmt.Sprintf(", %s files of other distributions not read", num(in.FilesFiltered))
	}
	if in.RecordsFiltered > 0 {
		s += fmt.Sprintf(", %s records of other distributions or hosts left out", num(in.RecordsFiltered))
	}
	return s
}

// upperFirst returns s with its first letter upper-cased (ASCII).
func upperFirst(s string) string {
	if s != "" && 'a' <= s[0] && s[0] <= 'z' {
		return string(s[0]-'a'+'A') + s[1:]
	}
	return s
}
