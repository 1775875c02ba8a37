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
	v := rep.view()
	tw := &textWriter{st: st}
	tw.noData(v)
	tw.head(v)
	tw.findings(v.Findings)
	tw.checks(v.Checks)
	if !v.Traffic.Empty {
		tw.failures(v.Failures)
	}
	tw.traffic(v.Traffic)
	if !v.Traffic.Empty {
		rep.writeTimeline(&tw.b, st, "")
		tw.endpoints(v.Endpoints)
	}
	tw.baseline(v.Baseline)
	if !v.Traffic.Empty {
		tw.topPaths(v.TopPaths)
		tw.errorPaths(v.ErrorPaths)
	}
	tw.problems(v.Problems)
	_, err := io.WriteString(w, tw.b.String())
	return err
}

// textWriter lays a view out for a terminal, one method per section.
type textWriter struct {
	b  strings.Builder
	st style
}

// toneSGR is the colour of a tone.
func toneSGR(t tone) string {
	switch t {
	case toneBad:
		return sgrRedB
	case toneWarn:
		return sgrYellow
	case toneGood:
		return sgrGreen
	}
	return ""
}

func (tw *textWriter) noData(v *view) {
	if v.NoData == "" {
		return
	}
	tw.b.WriteString(tw.st.paint(sgrBold+";"+sgrYellow, "NO DATA") + "  " + tw.st.paint(sgrBold, upperFirst(v.NoData)+".") + "\n")
	for _, l := range v.NoDataText {
		tw.b.WriteString(wrap("         ", l, textWidth))
	}
	tw.b.WriteByte('\n')
}

func (tw *textWriter) head(v *view) {
	head := textTable{}
	head.add(cell{text: "cfwatch report", sgr: sgrBold}, c(v.Window))
	head.add(c("Input"), c(plainInput(v.Input)))
	head.render(&tw.b, tw.st)
	tw.b.WriteByte('\n')
}

func (tw *textWriter) traffic(tv trafficView) {
	b, st := &tw.b, tw.st
	b.WriteString(st.paint(sgrBold, "Traffic") + "\n")
	tr := textTable{indent: "  "}
	tr.add(c("Requests"), c(tv.Requests))
	if tv.Empty {
		tr.add(c(""), c("no requests in the window"))
		tr.render(b, st)
		return
	}
	tr.add(c("Bytes"), c(fmt.Sprintf("%s sent, %s received", tv.BytesSent, tv.BytesReceived)))
	var mix []string
	for _, s := range tv.Status {
		m := fmt.Sprintf("%s %s (%s)", s.Label, s.Count, s.Share)
		switch s.Class {
		case "4xx":
			m = st.paint(sgrYellow, m)
		case "5xx":
			m = st.paint(sgrRed, m)
		}
		mix = append(mix, m)
	}
	tr.add(c("Status"), cell{text: strings.Join(mix, "   "), painted: true}) // classes and figures only
	var results []string
	for _, r := range tv.Results {
		results = append(results, r.Label+" "+r.Count)
	}
	tr.add(c("Cache"), c(fmt.Sprintf("hit ratio %s   %s", tv.HitRatio, strings.Join(results, "   "))))
	tr.render(b, st)
	b.WriteByte('\n')
}

func (tw *textWriter) topPaths(paths []pathView) {
	pt := textTable{indent: "  ", right: []bool{false, true, true, true, true, true}}
	pt.heading("Top paths", "REQUESTS", "SHARE", "4XX", "5XX", "BYTES")
	for _, r := range paths {
		pt.add(c(r.Path), c(r.Requests), c(r.Share), cell{text: r.E4xx, sgr: toneSGR(r.E4xxTone)},
			cell{text: r.E5xx, sgr: nonZeroRed(r.E5xxTone)}, c(r.Bytes))
	}
	pt.render(&tw.b, tw.st)
	tw.b.WriteByte('\n')
}

// nonZeroRed paints a count of 5xx red (not bold): a count, not a rate.
func nonZeroRed(t tone) string {
	if t == toneNone {
		return ""
	}
	return sgrRed
}

func (tw *textWriter) errorPaths(paths []pathView) {
	et := textTable{indent: "  ", right: []bool{false, true, true, true}}
	et.heading("Errors by path", "ERRORS", "RATE", "MOST COMMON")
	for _, r := range paths {
		et.add(c(r.Path), c(r.Errors), c(r.Rate), c(r.Top))
	}
	if len(paths) == 0 {
		et.add(c("none"))
	}
	et.render(&tw.b, tw.st)
}

var statusClassOrder = []string{"2xx", "3xx", "4xx", "5xx", "000", "other", "unknown"}

func num[T int | int64](n T) string { return humanize.Comma(int64(n)) }

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

// findings writes the findings, most severe first.
func (tw *textWriter) findings(fv findingsView) {
	b, st := &tw.b, tw.st
	switch {
	case len(fv.Items) == 0 && fv.NoData:
		b.WriteString(st.paint(sgrBold, "Findings: none") + st.paint(sgrDim, " (no data to judge)") + "\n\n")
	case len(fv.Items) == 0:
		b.WriteString(st.paint(sgrBold, "Findings: none") + "\n\n")
	default:
		b.WriteString(st.paint(sgrBold, fmt.Sprintf("Findings (%d)", len(fv.Items))) + "\n")
	}
	for _, f := range fv.Items {
		where := f.Where
		if f.Distribution != "" {
			where += "  (distribution " + f.Distribution + ")"
		}
		sev := fmt.Sprintf("%-8s", f.Severity)
		fmt.Fprintf(b, "  %s  %s  %s\n", st.paint(severitySGR(string(f.Level)), visible.String(sev)),
			st.paint(sgrBold, visible.String(f.Rule)), visible.String(where))
		fmt.Fprintf(b, "            %s\n", visible.String(f.Summary))
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
		for i, r := range f.Related {
			label := ""
			if i == 0 {
				label = "Related:"
			}
			b.WriteString(wrap(fmt.Sprintf("            %-9s - ", label), r, textWidth))
		}
		b.WriteByte('\n')
	}
}

// checks writes the post-deploy checks.
func (tw *textWriter) checks(checks []checkView) {
	b, st := &tw.b, tw.st
	b.WriteString(st.paint(sgrBold, "Post-deploy checks") + "\n")
	for _, ch := range checks {
		status := visible.String(fmt.Sprintf("%-7s", strings.ToUpper(ch.Status)))
		line := wrap(fmt.Sprintf("  %-7s  %-19s ", "", visible.String(ch.Name)), ch.Evidence, textWidth)
		b.WriteString("  " + st.paint(checkSGR(ch.Status), status) + line[2+7:])
	}
	b.WriteByte('\n')
}

// problems lists the files that failed, the first skipped lines and the
// first invalid values.
func (tw *textWriter) problems(problems []problemView) {
	if len(problems) == 0 {
		return
	}
	tw.b.WriteString("\n" + tw.st.paint(sgrBold, "Input problems") + "\n")
	t := textTable{indent: "  "}
	for _, p := range problems {
		switch p.Kind {
		case problemFailed:
			t.add(cell{text: "FAILED", sgr: sgrRedB}, c(p.Text))
		case problemSkipped:
			t.add(cell{text: "skipped", sgr: sgrYellow}, c(p.Text))
		case problemUnknown:
			t.add(cell{text: "unknown", sgr: sgrYellow}, c(p.Text))
		default:
			t.add(c(""), c(p.Text))
		}
	}
	t.render(&tw.b, tw.st)
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

// upperFirst returns s with its first letter upper-cased (ASCII).
func upperFirst(s string) string {
	if s != "" && 'a' <= s[0] && s[0] <= 'z' {
		return string(s[0]-'a'+'A') + s[1:]
	}
	return s
}

// failures writes where the failures come from: the layers, then the
// largest rows per host, endpoint group and layer.
func (tw *textWriter) failures(fv failuresView) {
	b, st := &tw.b, tw.st
	if fv.Empty {
		b.WriteString(st.paint(sgrBold, "Where failures come from") + "\n  no request failed\n\n")
		return
	}
	lt := textTable{indent: "  ", right: []bool{false, true, true, true, false}}
	lt.heading("Where failures come from", "FAILED", "SHARE", "OF ALL", "REASONS")
	for _, l := range fv.Layers {
		lt.add(cell{text: l.Title, sgr: toneSGR(l.Tone)}, c(l.Requests), c(l.Share), c(l.OfAll), c(l.Reasons))
	}
	lt.render(b, st)
	b.WriteString(wrap("  ", fv.Failures+"; SHARE is of the failures, OF ALL of all requests.", textWidth))
	if fv.Configured != "" {
		b.WriteString(wrap("  ", fv.Configured, textWidth))
	}
	b.WriteByte('\n')
	rt := textTable{indent: "  ", right: []bool{false, false, false, true, true, false, false}}
	rt.heading("By host and endpoint group", "GROUP", "LAYER", "FAILED", "SHARE", "STATUS", "DETAILED RESULT TYPES")
	for _, r := range fv.Rows {
		rt.add(c(r.Host), c(r.Group), c(r.LayerID), c(r.Requests), c(r.Share), c(r.Statuses), c(r.Detailed))
	}
	rt.render(b, st)
	if fv.More != "" {
		b.WriteString(wrap("  ", fv.More, textWidth))
	}
	b.WriteByte('\n')
}
