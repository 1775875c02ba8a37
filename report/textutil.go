package report

import (
	"strings"
	"time"
	"unicode/utf8"

	"github.com/cfwatch/cfwatch/internal/visible"
)

// style paints text with ANSI colours, or leaves it alone when off.
type style struct{ on bool }

const (
	sgrBold   = "1"
	sgrDim    = "2"
	sgrRed    = "31"
	sgrGreen  = "32"
	sgrYellow = "33"
	sgrCyan   = "36"
	sgrRedB   = "1;31"
)

func (s style) paint(sgr, text string) string {
	if !s.on || sgr == "" || text == "" {
		return text
	}
	return "\x1b[" + sgr + "m" + text + "\x1b[0m"
}

// severityColour is the colour of a finding's severity.
func severitySGR(sev string) string {
	switch sev {
	case "critical":
		return sgrRedB
	case "warning":
		return sgrYellow
	}
	return sgrCyan
}

// checkSGR is the colour of a check's status.
func checkSGR(status string) string {
	switch status {
	case "pass":
		return sgrGreen
	case "fail":
		return sgrRedB
	}
	return sgrDim
}

// A cell is one table cell: its text and the colour it is painted in.
// The table shows the text as visible.String does; painted marks a text
// that is already painted (made of the report's own words and figures
// only), which is written as it is.
type cell struct {
	text    string
	sgr     string
	painted bool
}

func c(text string) cell { return cell{text: text} }

// textTable lays out rows in columns, two spaces apart, numbers aligned
// right. Colours are applied after the layout, so they never shift it.
// A row's indent counts as part of its first cell.
type textTable struct {
	indent string // of the rows added with add
	right  []bool // per column
	rows   []textRow
}

type textRow struct {
	indent string
	cells  []cell
}

func (t *textTable) add(cells ...cell) { t.rows = append(t.rows, textRow{t.indent, cells}) }

// heading adds a row of headings that starts at the margin: title, then
// the column names, dimmed.
func (t *textTable) heading(title string, cols ...string) {
	r := textRow{cells: []cell{{text: title, sgr: sgrBold}}}
	for _, col := range cols {
		r.cells = append(r.cells, cell{text: col, sgr: sgrDim})
	}
	t.rows = append(t.rows, r)
}

// render writes the table. Every cell is shown with its values' control
// characters made visible (visible.String), before the layout, so that the
// escapes count in the widths.
func (t *textTable) render(b *strings.Builder, st style) {
	for _, r := range t.rows {
		for i, c := range r.cells {
			if !c.painted {
				r.cells[i].text = visible.String(c.text)
			}
		}
	}
	width := func(r textRow, i int) int {
		n := utf8.RuneCountInString(r.cells[i].text)
		if i == 0 {
			n += len(r.indent)
		}
		return n
	}
	var widths []int
	for _, r := range t.rows {
		for i := range r.cells {
			if i == len(r.cells)-1 && !t.isRight(i) {
				continue // a last, left-aligned cell is not padded
			}
			for len(widths) <= i {
				widths = append(widths, 0)
			}
			widths[i] = max(widths[i], width(r, i))
		}
	}
	for _, r := range t.rows {
		var line strings.Builder
		line.WriteString(r.indent)
		for i, c := range r.cells {
			if i > 0 {
				line.WriteString("  ")
			}
			pad := 0
			if i < len(widths) {
				pad = widths[i] - width(r, i)
			}
			if t.isRight(i) {
				line.WriteString(strings.Repeat(" ", pad))
				line.WriteString(st.paint(c.sgr, c.text))
			} else {
				line.WriteString(st.paint(c.sgr, c.text))
				if i < len(r.cells)-1 {
					line.WriteString(strings.Repeat(" ", pad))
				}
			}
		}
		b.WriteString(strings.TrimRight(line.String(), " "))
		b.WriteByte('\n')
	}
}

func (t *textTable) isRight(i int) bool { return i < len(t.right) && t.right[i] }

// sparkMarks are the levels of a sparkline, lowest first: zero has a mark of
// its own, so that a single error still shows.
var sparkMarks = []rune("▁▂▃▄▅▆▇█")

// noDataMark stands in a timeline for time after the last record delivered
// (Series.NoDataAfter): not a zero, which would look like a recovery.
const noDataMark = '·'

// sparkline draws values on a scale of 0 to top.
func sparkline(values []int64, top int64) string {
	var b strings.Builder
	for _, v := range values {
		switch {
		case v <= 0 || top <= 0:
			b.WriteRune(sparkMarks[0])
		default:
			l := 1 + int((v*int64(len(sparkMarks)-2)+top/2)/top)
			b.WriteRune(sparkMarks[min(l, len(sparkMarks)-1)])
		}
	}
	return b.String()
}

// clock formats a time of window w for an axis or a label: the time of day
// when the window lies within one day, with the date when it spans more,
// the date alone beyond two weeks.
func clock(t time.Time, w Window) string {
	switch {
	case w.Until.Sub(w.From) > 14*24*time.Hour:
		return t.Format("2006-01-02")
	case w.From.Format("20060102") != w.Until.Add(-time.Nanosecond).Format("20060102"):
		return t.Format("Jan 2 15:04")
	}
	return t.Format("15:04")
}

// mdEscape escapes text for a Markdown paragraph or table cell: control
// characters made visible (visible.String: a newline shows as \n), then
// Markdown's punctuation backslash-escaped, "<" and ">" too.
func mdEscape(s string) string {
	var b strings.Builder
	for _, r := range visible.String(s) {
		switch r {
		case '\\', '`', '*', '_', '[', ']', '<', '>', '|', '#', '!', '~':
			b.WriteByte('\\')
			b.WriteRune(r)
		default:
			b.WriteRune(r)
		}
	}
	return b.String()
}

// mdCode writes s as a Markdown code span that survives any backtick in s,
// with its control characters made visible (visible.String). In a table
// cell (inTable) pipes are escaped, as GitHub's tables need even inside
// code.
func mdCode(s string, inTable bool) string {
	s = visible.String(s)
	if inTable {
		s = strings.ReplaceAll(s, "|", `\|`)
	}
	run, longest := 0, 0
	for _, r := range s {
		if r == '`' {
			run++
			longest = max(longest, run)
		} else {
			run = 0
		}
	}
	fence := strings.Repeat("`", longest+1)
	if strings.HasPrefix(s, "`") || strings.HasSuffix(s, "`") {
		s = " " + s + " "
	}
	return fence + s + fence
}
