package report

import (
	"fmt"
	"math"
	"strings"
	"time"

	"github.com/cfwatch/cfwatch/internal/visible"
)

// svgChart is the geometry of one chart, computed here and drawn by the
// HTML template (which escapes every text; a label from a finding is made
// visible first, visible.String). Coordinates are in the SVG's
// viewBox units.
type svgChart struct {
	ID          string
	Title, Note string // above the chart
	W, H        int    // viewBox
	// The plot area.
	X0, Y0, X1, Y1 float64
	YTicks         []svgTick
	XTicks         []svgTick
	Bands          []svgBand
	Bars           []svgRect
	Lines          []svgLine
	Hover          []svgHover // one per interval: values on hover, and the data for tests
	Legend         []svgLegend
	Texts          []svgText
	NoData         *svgNoData // time after the last record delivered
	Empty          string     // shown instead of the plot when set
}

// svgNoData is the time after the last record delivered (Series.NoDataAfter)
// on a chart: grey and hatched, labelled "no data yet", so that its zeros
// do not read as a recovery. The hatching is drawn as lines (Stripes, a
// path's d) rather than a pattern: the page refers to nothing, not even by
// url(#id).
type svgNoData struct {
	X, W    float64
	Stripes string
	Label   string
	LX, LY  float64
	Anchor  string
}

type svgText struct {
	X, Y         float64
	Label, Class string
}

type svgTick struct {
	Pos   float64 // y for YTicks, x for XTicks
	Label string
	Major bool
}

type svgBand struct { // a finding's time span
	X, W   float64
	Label  string
	LX, LY float64 // label position
	Anchor string  // label's text-anchor
}

type svgRect struct {
	X, Y, W, H float64
	Class      string
}

type svgLine struct {
	Points string
	Class  string
}

type svgHover struct {
	X, W  float64
	Title string
	// Data attributes.
	Start                          string
	Requests, E4xx, E5xx, AuthFail int64
	HitRatio                       string // "" when no cache decision
	NoData                         bool   // the interval starts after the last record delivered
}

type svgLegend struct {
	Class, Label string
}

// f1 formats a coordinate.
func f1(v float64) string { return fmt.Sprintf("%.1f", v) }

// timeAxis maps the window onto [x0, x1].
type timeAxis struct {
	from, until time.Time
	x0, x1      float64
}

func (a timeAxis) x(t time.Time) float64 {
	d := a.until.Sub(a.from)
	if d <= 0 {
		return a.x0
	}
	f := float64(t.Sub(a.from)) / float64(d)
	return a.x0 + math.Max(0, math.Min(1, f))*(a.x1-a.x0)
}

// tickSteps are the x-axis steps, the first that gives at most 9 ticks wins.
var tickSteps = []time.Duration{
	time.Minute, 5 * time.Minute, 10 * time.Minute, 15 * time.Minute, 30 * time.Minute,
	time.Hour, 2 * time.Hour, 3 * time.Hour, 6 * time.Hour, 12 * time.Hour,
	24 * time.Hour, 2 * 24 * time.Hour, 7 * 24 * time.Hour, 14 * 24 * time.Hour, 28 * 24 * time.Hour,
	56 * 24 * time.Hour, 91 * 24 * time.Hour, 182 * 24 * time.Hour, 364 * 24 * time.Hour,
}

// xTicks returns ticks at round UTC times.
func (a timeAxis) ticks(maxTicks int) []svgTick {
	d := a.until.Sub(a.from)
	step := tickSteps[len(tickSteps)-1]
	for _, s := range tickSteps {
		if d/s <= time.Duration(maxTicks) {
			step = s
			break
		}
	}
	var out []svgTick
	t := a.from.Truncate(step) // Truncate works from the zero time: UTC-aligned for steps dividing a day
	if t.Before(a.from) {
		t = t.Add(step)
	}
	for ; !t.After(a.until); t = t.Add(step) {
		label := t.Format("15:04")
		major := t.Hour() == 0 && t.Minute() == 0
		if step >= 24*time.Hour {
			label = t.Format("Jan 2")
		} else if major && d > 6*time.Hour {
			label = t.Format("Jan 2")
		}
		out = append(out, svgTick{Pos: a.x(t), Label: label, Major: major})
	}
	return out
}

// niceMax returns a round number ≥ v (1, 2, 2.5 or 5 × 10^k) and the tick
// step that divides it in 4 or 5.
func niceMax(v float64) (top, step float64) {
	if v <= 0 {
		return 1, 0.25
	}
	raw := v / 4
	mag := math.Pow(10, math.Floor(math.Log10(raw)))
	for _, m := range []float64{1, 2, 2.5, 5, 10} {
		if m*mag >= raw {
			step = m * mag
			break
		}
	}
	if step < 1 && v >= 1 {
		step = 1
	}
	top = math.Ceil(v/step) * step
	return top, step
}

// count formats an axis label: 1200 → "1.2k".
func count(v float64) string {
	switch {
	case v >= 1e6:
		return strings.TrimSuffix(fmt.Sprintf("%.1f", v/1e6), ".0") + "M"
	case v >= 1e4:
		return fmt.Sprintf("%.0fk", v/1e3)
	case v >= 1e3:
		return strings.TrimSuffix(fmt.Sprintf("%.1f", v/1e3), ".0") + "k"
	case v == math.Trunc(v):
		return fmt.Sprintf("%.0f", v)
	}
	return fmt.Sprintf("%.2g", v)
}

// chartFrame sets up a chart of w×h with room for the axes, and the time
// axis of the series over the window.
func chartFrame(id, title string, w, h int, from, until time.Time, compact bool) (*svgChart, timeAxis) {
	ch := &svgChart{ID: id, Title: title, W: w, H: h, X0: 64, Y0: 30, X1: float64(w) - 16, Y1: float64(h) - 24}
	if compact {
		ch.X0, ch.Y0, ch.X1, ch.Y1 = 34, 6, float64(w)-16, float64(h)-20
	}
	ax := timeAxis{from: from, until: until, x0: ch.X0, x1: ch.X1}
	maxTicks := 9
	if compact {
		maxTicks = 4
	}
	ch.XTicks = ax.ticks(maxTicks)
	return ch, ax
}

// yScale sets the y ticks for values 0..top and returns the mapping.
func (ch *svgChart) yScale(top float64, percent bool, ticks bool) func(float64) float64 {
	var step float64
	if percent {
		top, step = 1, 0.25
	} else {
		top, step = niceMax(top)
	}
	y := func(v float64) float64 { return ch.Y1 - v/top*(ch.Y1-ch.Y0) }
	if ticks {
		for v := 0.0; v <= top+step/2; v += step {
			label := count(v)
			if percent {
				label = fmt.Sprintf("%.0f%%", v*100)
			}
			ch.YTicks = append(ch.YTicks, svgTick{Pos: y(v), Label: label})
		}
	} else {
		ch.YTicks = []svgTick{{Pos: y(0), Label: "0"}, {Pos: y(top), Label: count(top)}}
	}
	return y
}

// maxBands bounds the findings shaded on a chart.
const maxBands = 8

// bands shades the spans of the findings on a chart; with labels, their
// rules are written above the plot, on one of two rows, and left out where
// they would overlap another (several findings of one rule at one time).
// only, when set, keeps the findings whose group covers that path.
func (ch *svgChart) bands(rep *Report, ax timeAxis, labels bool, only string) {
	type extent struct {
		a, b float64
		rule string
	}
	var rows [2][]extent
	n := 0
	for _, f := range rep.Findings {
		if f.FirstSeen.IsZero() || n == maxBands || (only != "" && !groupCovers(f.Group, only)) {
			continue
		}
		n++
		x0, x1 := ax.x(f.FirstSeen), ax.x(f.LastSeen)
		b := svgBand{X: x0, W: math.Max(x1-x0, 2)}
		if labels {
			w := 6.5 * float64(len(f.Rule))
			e, anchor, lx := extent{x0 + 3, x0 + 3 + w, f.Rule}, "start", x0+3
			if e.b > ch.X1 { // near the right edge: end the label there
				lx, anchor = x0+b.W-3, "end"
				e = extent{lx - w, lx, f.Rule}
			}
			dup := false // the same rule's label already stands there
			for _, row := range rows {
				for _, o := range row {
					dup = dup || o.rule == f.Rule && e.a < o.b && o.a < e.b
				}
			}
			for r := range rows {
				if dup {
					break
				}
				free := true
				for _, o := range rows[r] {
					if e.a < o.b+8 && o.a < e.b+8 {
						free = false
					}
				}
				if free {
					rows[r] = append(rows[r], e)
					b.Label, b.LX, b.LY, b.Anchor = visible.String(f.Rule), lx, ch.Y0-18+float64(r)*11, anchor
					break
				}
			}
		}
		ch.Bands = append(ch.Bands, b)
	}
}

// groupCovers reports whether a finding's group ("/api/*", "/api/auth/*",
// "/api/auth/callback/*", "/api/items", "/*") covers the endpoint path p
// ("/api/auth/callback/*").
func groupCovers(group, p string) bool {
	if group == p {
		return true
	}
	if group == "/*" { // the default behavior: not the API, so not NextAuth
		return false
	}
	prefix, ok := strings.CutSuffix(group, "*")
	return ok && strings.HasSuffix(prefix, "/") && strings.HasPrefix(p, prefix)
}

// intervalX returns the x and width of series point i.
func intervalX(ax timeAxis, s *Series, i int) (x, w float64) {
	start := s.Points[i].Start
	end := start.Add(time.Duration(s.IntervalSeconds) * time.Second)
	if start.Before(ax.from) { // the first point starts on a boundary before the window
		start = ax.from
	}
	if end.After(ax.until) {
		end = ax.until
	}
	x0, x1 := ax.x(start), ax.x(end)
	w = x1 - x0
	if w > 3 {
		return x0 + 0.5, w - 1 // a hairline between bars
	}
	return x0, w
}

// bar adds a bar from value lo to hi.
func (ch *svgChart) bar(x, w float64, y func(float64) float64, lo, hi float64, class string) {
	if hi <= lo {
		return
	}
	top, bottom := y(hi), y(lo)
	h := bottom - top
	if h < 1 {
		top, h = bottom-1, 1 // keep a single event visible
	}
	ch.Bars = append(ch.Bars, svgRect{X: x, Y: top, W: w, H: h, Class: class})
}

// polyline joins the points that have a value; a point without one breaks
// the line.
func polylines(xs []float64, ys []float64, ok []bool, class string) []svgLine {
	var out []svgLine
	var cur []string
	flush := func() {
		if len(cur) == 1 { // a lone point: a short dash
			cur = append(cur, cur[0])
		}
		if len(cur) > 0 {
			out = append(out, svgLine{Points: strings.Join(cur, " "), Class: class})
		}
		cur = nil
	}
	for i := range xs {
		if !ok[i] {
			flush()
			continue
		}
		cur = append(cur, f1(xs[i])+","+f1(ys[i]))
	}
	flush()
	return out
}

// noDataLabel marks the time after the last record delivered on the charts.
const noDataLabel = "no data yet"

// noData greys and hatches the chart from the last record delivered to the
// end of the window, when the series has intervals with no data yet. With
// label, "no data yet" is written at the top of the plot: inside the
// region when it is wide enough, else ending at the plot's right edge.
func (ch *svgChart) noData(s *Series, ax timeAxis, label bool) {
	if s.NoDataAfter == nil {
		return
	}
	x0 := ax.x(*s.NoDataAfter)
	if x0 >= ch.X1 {
		return
	}
	nd := &svgNoData{X: x0, W: ch.X1 - x0, Stripes: stripes(x0, ch.Y0, ch.X1, ch.Y1, 7)}
	if label {
		nd.Label, nd.LY = noDataLabel, ch.Y0+12
		if nd.W >= 6.5*float64(len(noDataLabel))+8 {
			nd.LX, nd.Anchor = x0+nd.W/2, "middle"
		} else {
			nd.LX, nd.Anchor = ch.X1-3, "end"
		}
	}
	ch.NoData = nd
}

// stripes is the d of a path of parallel 45° lines, step apart, that fill
// the rectangle (x0, y0)–(x1, y1).
func stripes(x0, y0, x1, y1, step float64) string {
	var b strings.Builder
	// Lines x - y = k, from k = x0 - y1 to x1 - y0.
	for k := x0 - y1 + step/2; k < x1-y0; k += step {
		ax, bx := max(x0, k+y0), min(x1, k+y1)
		if bx-ax < 0.5 {
			continue
		}
		fmt.Fprintf(&b, "M%s %sL%s %s", f1(ax), f1(ax-k), f1(bx), f1(bx-k))
	}
	return b.String()
}
