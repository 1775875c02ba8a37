package report

import (
	_ "embed"
	"fmt"
	"html/template"
	"io"
	"strings"
	"time"

	"github.com/cfwatch/cfwatch/detectors"
	"github.com/cfwatch/cfwatch/internal/visible"
)

//go:embed report.html.tmpl
var htmlSource string

var htmlTemplate = template.Must(template.New("report").Funcs(template.FuncMap{
	"f1":        f1,
	"add":       func(a, b float64) float64 { return a + b },
	"sub":       func(a, b float64) float64 { return a - b },
	"half":      func(n int) int { return n / 2 },
	"pathParts": pathParts,
}).Parse(htmlSource))

// maxPathRun is the longest run of a path without a place to break.
const maxPathRun = 20

// pathParts cuts a path where a line may break: before each "/" but a
// leading one, and every maxPathRun characters of a longer segment (an
// encoded path may go on for hundreds without a "/"). The template puts
// <wbr/> between the parts, each escaped, so that a path wraps at its
// slashes on a narrow screen rather than a character per line.
func pathParts(p string) []string {
	var parts []string
	start, run := 0, 0
	for i, r := range p {
		if i > start && (r == '/' || run >= maxPathRun) {
			parts = append(parts, p[start:i])
			start, run = i, 0
		}
		run++
	}
	return append(parts, p[start:])
}

// WriteHTML writes the report as one self-contained HTML page: inline CSS
// and SVG charts, no script, nothing fetched from the network. Every value
// from the logs is shown with its control characters made visible
// (visible.String, in htmlPage), then goes through html/template's
// escaping. The page is also well-formed XML.
func (rep *Report) WriteHTML(w io.Writer) error {
	var b strings.Builder
	if err := htmlTemplate.Execute(&b, rep.htmlPage()); err != nil {
		return err
	}
	_, err := io.WriteString(w, b.String())
	return err
}

type htmlPage struct {
	Schema     string
	Window     string
	NoData     string   // the title of a report without data, "" with data
	NoDataText []string // its explanation
	Headline   string
	Input      string
	Cards      []htmlCard
	Findings   []htmlFinding
	Checks     []htmlCheck
	Charts     []*svgChart
	StatusBar  []htmlShare
	Codes      []htmlShare
	Results    []htmlShare
	AuthPrefix string
	Endpoints  []htmlEndpoint
	Baseline   *htmlBaseline
	TopPaths   []htmlPath
	ErrorPaths []htmlPath
	Problems   []string
	Interval   string
	Failures   *htmlFailures // nil without requests
}

// htmlFailures is the "Where failures come from" section: a bar of the
// layers' shares, the layers, the rows.
type htmlFailures struct {
	Empty      bool
	Failures   string
	Configured string
	Bar        []htmlShare
	Layers     []htmlLayer
	Rows       []htmlLayerRow
	More       string
}

type htmlLayer struct {
	ID, Title, Means, Requests, Share, OfAll, Reasons, Class string
}

type htmlLayerRow struct {
	Host, Group, Layer, LayerID, Requests, Share string
	Statuses, Reasons, Detailed                  []htmlCount
}

type htmlCount struct{ Name, Count string }

// htmlCounts are counted values (from the logs) as visible.String shows them.
func htmlCounts(cs []detectors.NamedCount) []htmlCount {
	out := make([]htmlCount, len(cs))
	for i, nc := range cs {
		out[i] = htmlCount{Name: visible.String(nc.Name), Count: num(nc.Count)}
	}
	return out
}

type htmlCard struct {
	Label, Value, Sub, Class string
}

type htmlFinding struct {
	Severity, Class, Rule, Where, Short, Summary, Cause, Remedy, Settings string
	Paths, Examples, Related                                              []string
}

type htmlCheck struct {
	Name, Status, Class, Evidence string
}

type htmlShare struct {
	Label, Count, Share, Class string
	X, W                       float64 // in the status bar, 1000 wide
}

type htmlEndpoint struct {
	Path, Requests, Failed, Rate, Codes, Before, Class string
	Chart                                              *svgChart
}

type htmlBaseline struct {
	Title   string
	Empty   bool
	Rows    []htmlCompare
	Changed []htmlChange
	MinNote string
}

// An htmlCompare is a row of the comparison with the baseline; HL marks a
// change for the worse of 5 points or more.
type htmlCompare struct {
	Label, Before, Now, Change, Note, Class string
	HL                                      bool
}

type htmlChange struct {
	Path, Requests, Before, Now, Change, Class string
}

type htmlPath struct {
	Path, Requests, Share, E4xx, E5xx, Bytes, Errors, Rate, Top string
}

// classes for severities, statuses and changes, styled by the template's CSS.
func sevClass(s detectors.Severity) string {
	switch s {
	case detectors.SeverityCritical:
		return "crit"
	case detectors.SeverityWarning:
		return "warn"
	}
	return "info"
}

// toneClass is the class of a tone.
func toneClass(t tone) string {
	switch t {
	case toneBad:
		return "bad"
	case toneWarn:
		return "meh"
	case toneGood:
		return "good"
	}
	return ""
}

// htmlPage is what the template shows: the view, laid out for the page,
// one method per section. Every string that holds a value from the logs is
// made visible here (vis), before html/template escapes it.
func (rep *Report) htmlPage() htmlPage {
	v := rep.view()
	pg := htmlPage{
		Schema:     Schema,
		Window:     v.Window,
		Headline:   plainPhrases(v.Headline),
		AuthPrefix: visible.String(rep.AuthPrefix),
		Interval:   rep.Series.Interval,
		NoData:     v.NoData,
		NoDataText: v.NoDataText,
		Input:      visible.String(plainInput(v.Input)),
		Cards:      htmlCards(v.Glance),
		Findings:   htmlFindings(v.Findings),
		Checks:     htmlChecks(v.Checks),
		Charts:     rep.timeCharts(),
		Endpoints:  rep.htmlEndpoints(v.Endpoints),
		Baseline:   htmlBaselineOf(v.Baseline),
		TopPaths:   htmlPaths(v.TopPaths),
		ErrorPaths: htmlPaths(v.ErrorPaths),
		Problems:   htmlProblems(v.Problems),
	}
	pg.StatusBar, pg.Codes, pg.Results = htmlMix(v.Traffic)
	if !v.Traffic.Empty {
		pg.Failures = htmlFailuresOf(v.Failures)
	}
	return pg
}

// htmlFailuresOf is the HTML of the failures section; the values from the
// logs (hosts, groups, result types) as visible.String shows them, then
// escaped by html/template.
func htmlFailuresOf(fv failuresView) *htmlFailures {
	hf := &htmlFailures{Empty: fv.Empty, Failures: upperFirst(fv.Failures), Configured: fv.Configured, More: fv.More}
	x := 0.0
	for _, l := range fv.Layers {
		hl := htmlLayer{ID: l.ID, Title: l.Title, Means: l.Means, Requests: l.Requests, Share: l.Share, OfAll: l.OfAll,
			Reasons: l.Reasons, Class: toneClass(l.Tone)}
		hf.Layers = append(hf.Layers, hl)
		w := l.ShareOfTotal * 1000
		hf.Bar = append(hf.Bar, htmlShare{Label: l.Title, Count: l.Requests, Share: l.Share, Class: "l-" + l.ID, X: x, W: w})
		x += w
	}
	for _, r := range fv.Rows {
		hr := htmlLayerRow{Host: visible.String(r.Host), Group: visible.String(r.Group), Layer: shortTitle(r.Layer), LayerID: r.LayerID,
			Requests: r.Requests, Share: r.Share, Statuses: htmlCounts(r.StatusItems), Reasons: htmlCounts(r.ReasonItems),
			Detailed: htmlCounts(r.DetailedItems)}
		hf.Rows = append(hf.Rows, hr)
	}
	return hf
}

// htmlCards are the figures at a glance, with the baseline's beside them.
func htmlCards(g glanceView) []htmlCard {
	fc := htmlCard{Label: "findings", Value: fmt.Sprint(g.Findings), Class: "good"}
	switch {
	case g.Critical > 0:
		fc.Class, fc.Sub = "crit", fmt.Sprintf("%d critical", g.Critical)
		if g.Warning > 0 {
			fc.Sub += fmt.Sprintf(", %d warning", g.Warning)
		}
	case g.Warning > 0:
		fc.Class, fc.Sub = "warn", fmt.Sprintf("%d warning", g.Warning)
	case g.NoData:
		fc.Class, fc.Sub = "nodata", "no data to judge"
	default:
		fc.Sub = "none"
	}
	// Checks without data judged nothing: they are neither passed nor
	// failed, and a card of them only is grey, never green.
	cc := htmlCard{Label: "checks failed", Value: fmt.Sprintf("%d of %d", g.ChecksFailed, g.ChecksJudged), Class: "good"}
	switch {
	case g.ChecksJudged == 0:
		cc.Value, cc.Class = "no data", "nodata"
	case g.ChecksFailed > 0:
		cc.Class = "crit"
	}
	if nd := g.Checks - g.ChecksJudged; nd > 0 && g.ChecksJudged > 0 {
		cc.Sub = fmt.Sprintf("%d without data", nd)
	} else if g.ChecksJudged == 0 {
		cc.Sub = fmt.Sprintf("none of %d had data", g.Checks)
	}
	reqCard := htmlCard{Label: "requests", Value: g.Requests, Sub: g.BytesSent + " sent"}
	if g.Compared {
		reqCard.Sub = "was " + g.RequestsBefore
	}
	cards := []htmlCard{fc, cc, reqCard}
	for _, r := range g.Rates {
		card := htmlCard{Label: r.Label, Value: r.Value, Class: toneClass(rateTone(r.Rate)), Sub: r.Counts}
		if r.Rate < 0.01 && r.Rate > 0 {
			card.Class = ""
		}
		if g.Compared {
			card.Sub = "was " + r.Before
		}
		cards = append(cards, card)
	}
	hc := htmlCard{Label: "cache hit ratio", Value: g.HitRatio}
	if g.Compared {
		hc.Sub = "was " + g.HitRatioBefore
	}
	return append(cards, hc)
}

func htmlFindings(fv findingsView) []htmlFinding {
	vis := visible.String
	var out []htmlFinding
	for _, f := range fv.Items {
		where := f.Where
		if f.Distribution != "" {
			where += " (distribution " + f.Distribution + ")"
		}
		out = append(out, htmlFinding{Severity: vis(f.Severity), Class: sevClass(f.Level),
			Rule: vis(f.Rule), Where: vis(where), Short: vis(f.Where), Summary: vis(f.Summary), Cause: vis(f.Cause),
			Remedy: vis(f.Remedy), Settings: vis(f.Settings), Paths: visAll(f.Paths), Examples: visAll(f.Examples),
			Related: visAll(f.Related)})
	}
	return out
}

func htmlChecks(checks []checkView) []htmlCheck {
	var out []htmlCheck
	for _, ch := range checks {
		cls := map[string]string{detectors.CheckPass: "good", detectors.CheckFail: "crit", detectors.CheckNoData: "nodata"}[ch.Status]
		out = append(out, htmlCheck{Name: visible.String(ch.Name), Status: visible.String(strings.ToUpper(ch.Status)), Class: cls, Evidence: visible.String(ch.Evidence)})
	}
	return out
}

// htmlMix is the status bar and the tables of status classes, codes and
// cache results.
func htmlMix(tv trafficView) (bar, codes, results []htmlShare) {
	x := 0.0
	for _, s := range tv.Status {
		w := 1000 * s.Rate
		bar = append(bar, htmlShare{Label: s.Label, Count: s.Count, Share: s.Share, Class: "s" + strings.TrimSuffix(s.Class, "xx"), X: x, W: w})
		x += w
	}
	for _, s := range tv.Codes {
		codes = append(codes, htmlShare{Label: visible.String(s.Label), Count: s.Count, Share: s.Share})
	}
	for _, s := range tv.Results {
		results = append(results, htmlShare{Label: visible.String(s.Label), Count: s.Count, Share: s.Share})
	}
	return bar, codes, results
}

func (rep *Report) htmlEndpoints(eps []endpointView) []htmlEndpoint {
	var out []htmlEndpoint
	for i, e := range eps {
		out = append(out, htmlEndpoint{Path: visible.String(e.Path), Requests: e.Requests, Failed: e.Failed, Rate: e.Rate,
			Class: toneClass(e.RateTone), Codes: visible.String(e.Codes), Before: e.Before, Chart: rep.endpointChart(i)})
	}
	return out
}

func htmlBaselineOf(bv *baselineView) *htmlBaseline {
	if bv == nil {
		return nil
	}
	vis := visible.String
	hb := &htmlBaseline{Title: vis(bv.Title), Empty: bv.Empty,
		MinNote: "No path's error rate moved by more than chance (" + bv.None + ")."}
	for _, r := range bv.Rows {
		hb.Rows = append(hb.Rows, htmlCompare{Label: vis(r.Label), Before: r.Before, Now: r.Now, Change: r.Change, Note: vis(r.Note),
			Class: toneClass(r.Tone), HL: r.Tone == toneBad})
	}
	for _, c := range bv.Changed {
		hb.Changed = append(hb.Changed, htmlChange{Path: vis(c.Path), Requests: c.Requests, Before: c.Before, Now: c.Now,
			Change: c.Change, Class: toneClass(c.Tone)})
	}
	return hb
}

func htmlPaths(paths []pathView) []htmlPath {
	var out []htmlPath
	for _, r := range paths {
		out = append(out, htmlPath{Path: visible.String(r.Path), Requests: r.Requests, Share: r.Share, E4xx: r.E4xx, E5xx: r.E5xx,
			Bytes: r.Bytes, Errors: r.Errors, Rate: r.Rate, Top: r.Top})
	}
	return out
}

func htmlProblems(problems []problemView) []string {
	var out []string
	for _, p := range problems {
		label := map[string]string{problemFailed: "FAILED: ", problemSkipped: "skipped: ", problemUnknown: "unknown value: "}[p.Kind]
		out = append(out, label+visible.String(p.Text))
	}
	return out
}

// plainPhrases joins a sentence's phrases without markup.
func plainPhrases(ps []phrase) string {
	s := make([]string, len(ps))
	for i, p := range ps {
		s[i] = p.Text
	}
	return strings.Join(s, " · ")
}

// visAll returns the strings of ss as visible.String shows them.
func visAll(ss []string) []string {
	out := make([]string, len(ss))
	for i, s := range ss {
		out[i] = visible.String(s)
	}
	return out
}

// timeCharts draws the window's series: requests, errors, cache hits.
func (rep *Report) timeCharts() []*svgChart {
	s := rep.Series
	from, until := rep.Window.From, rep.Window.Until
	per := "per " + s.Interval
	n := len(s.Points)
	var bs *Series
	if rep.Baseline != nil && rep.Baseline.Totals.Requests > 0 {
		bs = rep.Baseline.Series
	}

	// Hover areas, shared by the charts: every value of an interval.
	hover := func(ch *svgChart, ax timeAxis) {
		for i, p := range s.Points {
			x, w := intervalX(ax, s, i)
			start, end := p.Start, p.Start.Add(time.Duration(s.IntervalSeconds)*time.Second)
			if start.Before(from) {
				start = from
			}
			if end.After(until) {
				end = until
			}
			h := svgHover{X: x, W: w, Start: p.Start.Format(time.RFC3339), Requests: p.Requests, E4xx: p.Errors4xx, E5xx: p.Errors5xx, AuthFail: p.AuthFailures}
			if s.NoData(i) {
				h.NoData = true
				h.Title = fmt.Sprintf("%s – %s UTC: no data yet (the logs delivered so far end at %s UTC)", start.Format("Jan 2 15:04"),
					end.Format("15:04"), s.NoDataAfter.Format("Jan 2 15:04:05"))
				ch.Hover = append(ch.Hover, h)
				continue
			}
			title := fmt.Sprintf("%s – %s UTC: %s requests, %s 4xx, %s 5xx, %s auth failures", start.Format("Jan 2 15:04"),
				end.Format("15:04"), num(p.Requests), num(p.Errors4xx), num(p.Errors5xx), num(p.AuthFailures))
			if r := p.CacheHitRatio; r != nil {
				h.HitRatio = fmt.Sprintf("%.4f", *r)
				title += ", cache hit ratio " + percent(*r)
			}
			if nd := s.NoDataAfter; nd != nil && end.After(*nd) {
				title += fmt.Sprintf(" (logs delivered up to %s only)", nd.Format("15:04:05"))
			}
			h.Title = title
			ch.Hover = append(ch.Hover, h)
		}
	}

	// Requests, split by outcome; the baseline as a dashed line.
	req, ax := chartFrame("requests", "Requests "+per, 1000, 190, from, until, false)
	top := 0.0
	for _, p := range s.Points {
		top = max(top, float64(p.Requests))
	}
	if bs != nil {
		for _, p := range bs.Points {
			top = max(top, float64(p.Requests))
		}
	}
	y := req.yScale(top, false, true)
	req.bands(rep, ax, true, "")
	req.noData(s, ax, true)
	for i, p := range s.Points {
		x, w := intervalX(ax, s, i)
		ok := float64(p.Requests - p.Errors4xx - p.Errors5xx)
		req.bar(x, w, y, 0, ok, "ok")
		req.bar(x, w, y, ok, ok+float64(p.Errors4xx), "e4")
		req.bar(x, w, y, ok+float64(p.Errors4xx), float64(p.Requests), "e5")
	}
	req.Legend = []svgLegend{{"ok", "2xx/3xx"}, {"e4", "4xx"}, {"e5", "5xx"}}
	if bs != nil {
		xs, ys, ok := make([]float64, n), make([]float64, n), make([]bool, n)
		for i := range min(n, len(bs.Points)) {
			x, w := intervalX(ax, s, i)
			xs[i], ys[i], ok[i] = x+w/2, y(float64(bs.Points[i].Requests)), true
		}
		req.Lines = polylines(xs, ys, ok, "base")
		req.Legend = append(req.Legend, svgLegend{"base", "baseline, " + rep.Baseline.Offset + " earlier"})
	}
	hover(req, ax)

	// Errors on their own scale, and the auth failures among them.
	errs, ax := chartFrame("errors", "Errors "+per+", and auth failures (4xx/5xx under "+visible.String(rep.AuthPrefix)+")", 1000, 190, from, until, false)
	top = 0
	for _, p := range s.Points {
		top = max(top, float64(p.Errors4xx+p.Errors5xx))
	}
	y = errs.yScale(top, false, true)
	errs.bands(rep, ax, true, "")
	errs.noData(s, ax, true)
	xs, ys, ok := make([]float64, n), make([]float64, n), make([]bool, n)
	for i, p := range s.Points {
		x, w := intervalX(ax, s, i)
		errs.bar(x, w, y, 0, float64(p.Errors4xx), "e4")
		errs.bar(x, w, y, float64(p.Errors4xx), float64(p.Errors4xx+p.Errors5xx), "e5")
		xs[i], ys[i], ok[i] = x+w/2, y(float64(p.AuthFailures)), !s.NoData(i) // no line through time not yet delivered
	}
	errs.Lines = polylines(xs, ys, ok, "auth")
	errs.Legend = []svgLegend{{"e4", "4xx"}, {"e5", "5xx"}, {"auth", "auth failures"}}
	if top == 0 {
		errs.Note = "no error in the window"
	}
	hover(errs, ax)

	// Cache hit ratio, 0–100%.
	cache, ax := chartFrame("cache", "Cache hit ratio "+per+" (Hit + RefreshHit) / (Hit + RefreshHit + Miss)", 1000, 150, from, until, false)
	cache.Y0 = 14 // no labels above the plot
	y = cache.yScale(1, true, true)
	cache.bands(rep, ax, false, "")
	cache.noData(s, ax, true)
	line := func(pts []SeriesPoint, class string) []svgLine {
		xs, ys, ok := make([]float64, n), make([]float64, n), make([]bool, n)
		for i := range min(n, len(pts)) {
			x, w := intervalX(ax, s, i)
			if r := pts[i].CacheHitRatio; r != nil {
				xs[i], ys[i], ok[i] = x+w/2, y(*r), true
			}
		}
		return polylines(xs, ys, ok, class)
	}
	cache.Lines = line(s.Points, "hit")
	cache.Legend = []svgLegend{{"hit", "hit ratio"}}
	if bs != nil {
		cache.Lines = append(line(bs.Points, "base"), cache.Lines...)
		cache.Legend = append(cache.Legend, svgLegend{"base", "baseline"})
	}
	hover(cache, ax)
	return []*svgChart{req, errs, cache}
}

// endpointChart draws one NextAuth endpoint: its requests, and below on a
// scale of their own its failures.
func (rep *Report) endpointChart(i int) *svgChart {
	s, e := rep.Series, rep.AuthEndpoints[i]
	from, until := rep.Window.From, rep.Window.Until
	ch, ax := chartFrame("ep"+fmt.Sprint(i), "", 360, 160, from, until, true)
	if e.Requests == 0 {
		ch.Empty = "no requests"
		return ch
	}
	// Two strips: requests above, failures below.
	mid := ch.Y0 + (ch.Y1-ch.Y0)*0.56
	topReq, topFail := 0.0, 0.0
	for j := range s.Points {
		topReq = max(topReq, float64(e.Series.Requests[j]))
		topFail = max(topFail, float64(e.Series.Failures[j]))
	}
	reqTop, _ := niceMax(topReq)
	failTop, _ := niceMax(max(topFail, 1))
	reqBottom, failTopY := mid-5, mid+7
	yReq := func(v float64) float64 { return reqBottom - v/reqTop*(reqBottom-ch.Y0) }
	yFail := func(v float64) float64 { return ch.Y1 - v/failTop*(ch.Y1-failTopY) }
	ch.YTicks = []svgTick{{Pos: yReq(reqTop), Label: count(reqTop)}, {Pos: yReq(0), Label: "0"}, {Pos: yFail(0), Label: "0"}}
	if topFail > 0 {
		ch.YTicks = append(ch.YTicks, svgTick{Pos: yFail(failTop), Label: count(failTop)})
	}
	ch.bands(rep, ax, false, e.Path)
	ch.noData(s, ax, false)
	for j := range s.Points {
		x, w := intervalX(ax, s, j)
		ch.bar(x, w, yReq, 0, float64(e.Series.Requests[j]), "req")
		ch.bar(x, w, yFail, 0, float64(e.Series.Failures[j]), "fail")
	}
	ch.Texts = []svgText{{X: ch.X0 + 4, Y: ch.Y0 + 9, Label: "requests", Class: "cap"}}
	if topFail > 0 {
		ch.Texts = append(ch.Texts, svgText{X: ch.X0 + 4, Y: failTopY + 9, Label: "failed (own scale)", Class: "cap fail"})
	} else {
		ch.Texts = append(ch.Texts, svgText{X: ch.X0 + 4, Y: ch.Y1 - 4, Label: "no failures", Class: "cap"})
	}
	return ch
}
