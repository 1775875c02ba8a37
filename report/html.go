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
	"github.com/cfwatch/cfwatch/traffic"
	"github.com/dustin/go-humanize"
)

//go:embed report.html.tmpl
var htmlSource string

var htmlTemplate = template.Must(template.New("report").Funcs(template.FuncMap{
	"f1":          f1,
	"add":         func(a, b float64) float64 { return a + b },
	"sub":         func(a, b float64) float64 { return a - b },
	"half":        func(n int) int { return n / 2 },
	"changeClass": changeClass,
	"pathParts":   pathParts,
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
}

type htmlCard struct {
	Label, Value, Sub, Class string
}

type htmlFinding struct {
	Severity, Class, Rule, Where, Short, Summary, Cause, Remedy, Settings string
	Paths, Examples                                                       []string
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
	Rows    []comparison
	Changed []htmlChange
	MinNote string
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

func rateClass(r float64) string {
	switch {
	case r >= 0.1:
		return "bad"
	case r > 0:
		return "meh"
	}
	return ""
}

func changeClass(d float64) string {
	switch {
	case d >= 0.05:
		return "bad"
	case d >= 0.01:
		return "meh"
	case d <= -0.01:
		return "good"
	}
	return ""
}

// htmlPage is what the template shows. Every string that holds a value from
// the logs is made visible here (vis), before html/template escapes it.
func (rep *Report) htmlPage() htmlPage {
	vis := visible.String
	from, until := rep.Window.From, rep.Window.Until
	d := until.Sub(from)
	pg := htmlPage{
		Schema:     Schema,
		Window:     fmt.Sprintf("%s → %s UTC (%s)", from.Format("2006-01-02 15:04"), until.Format("2006-01-02 15:04"), span(d)),
		Headline:   rep.headline(false),
		AuthPrefix: vis(rep.AuthPrefix),
		Interval:   rep.Series.Interval,
		NoData:     rep.noDataTitle(),
		NoDataText: rep.noDataLines(),
	}
	in := rep.Input
	pg.Input = fmt.Sprintf("%s files (%s), %s records, %s skipped lines", num(in.Files), humanize.IBytes(uint64(in.Bytes)), num(in.Records), num(in.SkippedLines)) + invalidText(in) + filteredText(in)
	if in.FilesOutsideWindow > 0 {
		pg.Input += fmt.Sprintf(", %s files outside the window not read", num(in.FilesOutsideWindow))
	}
	if len(in.FailedFiles) > 0 {
		pg.Input += fmt.Sprintf(", %s files not read to the end", num(len(in.FailedFiles)))
	}
	if q := in.queried(); q != "" {
		pg.Input = vis(q)
	}

	// Cards: the figures at a glance, with the baseline's beside them.
	t, auth := rep.Totals, rep.Series.total()
	var bt Totals
	var bauth traffic.Point
	var bl *Baseline
	if rep.Baseline != nil && rep.Baseline.Totals.Requests > 0 {
		bl = rep.Baseline
		bt, bauth = bl.Totals, bl.Series.total()
	}
	crit, warn := 0, 0
	for _, f := range rep.Findings {
		switch f.Severity {
		case detectors.SeverityCritical:
			crit++
		case detectors.SeverityWarning:
			warn++
		}
	}
	fc := htmlCard{Label: "findings", Value: fmt.Sprint(len(rep.Findings)), Class: "good"}
	switch {
	case crit > 0:
		fc.Class, fc.Sub = "crit", fmt.Sprintf("%d critical", crit)
		if warn > 0 {
			fc.Sub += fmt.Sprintf(", %d warning", warn)
		}
	case warn > 0:
		fc.Class, fc.Sub = "warn", fmt.Sprintf("%d warning", warn)
	case rep.Coverage.NoData:
		fc.Class, fc.Sub = "nodata", "no data to judge"
	default:
		fc.Sub = "none"
	}
	// Checks without data judged nothing: they are neither passed nor
	// failed, and a card of them only is grey, never green.
	failed, judged := 0, 0
	for _, ch := range rep.Checks {
		switch ch.Status {
		case detectors.CheckFail:
			failed++
			judged++
		case detectors.CheckPass:
			judged++
		}
	}
	cc := htmlCard{Label: "checks failed", Value: fmt.Sprintf("%d of %d", failed, judged), Class: "good"}
	switch {
	case judged == 0:
		cc.Value, cc.Class = "no data", "nodata"
	case failed > 0:
		cc.Class = "crit"
	}
	if nd := len(rep.Checks) - judged; nd > 0 && judged > 0 {
		cc.Sub = fmt.Sprintf("%d without data", nd)
	} else if judged == 0 {
		cc.Sub = fmt.Sprintf("none of %d had data", len(rep.Checks))
	}
	pg.Cards = append(pg.Cards, fc, cc)
	rateCard := func(label string, n, of, bn, bof int64) htmlCard {
		r := rate(n, of)
		card := htmlCard{Label: label, Value: pct(n, of), Class: rateClass(r)}
		if r < 0.01 && r > 0 {
			card.Class = ""
		}
		if bl != nil {
			card.Sub = "was " + pct(bn, bof)
		} else {
			card.Sub = num(n) + " of " + num(of)
		}
		return card
	}
	reqCard := htmlCard{Label: "requests", Value: num(t.Requests)}
	if bl != nil {
		reqCard.Sub = "was " + num(bt.Requests)
	} else {
		reqCard.Sub = humanize.IBytes(uint64(t.BytesSent)) + " sent"
	}
	pg.Cards = append(pg.Cards, reqCard,
		rateCard("4xx", rep.Status.Classes["4xx"], t.Requests, classOf(bl, "4xx"), bt.Requests),
		rateCard("5xx", rep.Status.Classes["5xx"], t.Requests, classOf(bl, "5xx"), bt.Requests),
		rateCard("auth failures", auth.AuthFailures, auth.AuthRequests, bauth.AuthFailures, bauth.AuthRequests))
	hc := htmlCard{Label: "cache hit ratio", Value: ratePct(rep.Cache.HitRatio)}
	if bl != nil {
		hc.Sub = "was " + ratePct(bl.Cache.HitRatio)
	}
	pg.Cards = append(pg.Cards, hc)

	for _, f := range rep.Findings {
		where := f.Host + " " + f.Group
		if f.DistributionID != "" {
			where += " (distribution " + f.DistributionID + ")"
		}
		pg.Findings = append(pg.Findings, htmlFinding{Severity: vis(strings.ToUpper(string(f.Severity))), Class: sevClass(f.Severity),
			Rule: vis(f.Rule), Where: vis(where), Short: vis(f.Host + " " + f.Group), Summary: vis(f.Summary()), Cause: vis(f.Cause),
			Remedy: vis(f.Remedy), Settings: vis(f.Settings), Paths: visAll(f.Paths), Examples: visAll(f.Examples)})
	}
	for _, ch := range rep.Checks {
		cls := map[string]string{detectors.CheckPass: "good", detectors.CheckFail: "crit", detectors.CheckNoData: "nodata"}[ch.Status]
		pg.Checks = append(pg.Checks, htmlCheck{Name: vis(ch.Name), Status: vis(strings.ToUpper(ch.Status)), Class: cls, Evidence: vis(ch.Evidence)})
	}

	pg.Charts = rep.timeCharts()

	x := 0.0
	for _, class := range statusClassOrder {
		if n := rep.Status.Classes[class]; n > 0 {
			w := 1000 * rate(n, t.Requests)
			pg.StatusBar = append(pg.StatusBar, htmlShare{Label: class, Count: num(n), Share: pct(n, t.Requests),
				Class: "s" + strings.TrimSuffix(class, "xx"), X: x, W: w})
			x += w
		}
	}
	for _, k := range sortedByCount(rep.Status.Codes) {
		if len(pg.Codes) == 12 {
			break
		}
		n := rep.Status.Codes[k]
		pg.Codes = append(pg.Codes, htmlShare{Label: vis(k), Count: num(n), Share: pct(n, t.Requests)})
	}
	for _, k := range sortedByCount(rep.Cache.ResultTypes) {
		n := rep.Cache.ResultTypes[k]
		pg.Results = append(pg.Results, htmlShare{Label: vis(k), Count: num(n), Share: pct(n, t.Requests)})
	}

	for i, e := range rep.AuthEndpoints {
		he := htmlEndpoint{Path: vis(e.Path), Requests: num(e.Requests), Failed: num(e.Failures), Rate: pct(e.Failures, e.Requests),
			Class: rateClass(e.FailureRate)}
		var codes []string
		for _, cc := range e.topCodes() {
			codes = append(codes, cc.code+" ×"+num(cc.n))
		}
		he.Codes = vis(strings.Join(codes, ", "))
		if bl != nil {
			be := bl.AuthEndpoints[i]
			he.Before = fmt.Sprintf("before: %s failed of %s", ratePct(be.FailureRate), num(be.Requests))
		}
		he.Chart = rep.endpointChart(i)
		pg.Endpoints = append(pg.Endpoints, he)
	}

	if rep.Baseline != nil {
		hb := &htmlBaseline{Title: vis(rep.baselineTitle()), Empty: rep.Baseline.Totals.Requests == 0,
			MinNote: fmt.Sprintf("No path's error rate moved by more than chance (paths with %d requests or more, seen in both periods).", minChangeRequests)}
		if !hb.Empty {
			hb.Rows = rep.comparisons()
			for i := range hb.Rows {
				hb.Rows[i].Label, hb.Rows[i].Note = vis(hb.Rows[i].Label), vis(hb.Rows[i].Note)
			}
			for _, c := range rep.Baseline.ChangedPaths {
				hb.Changed = append(hb.Changed, htmlChange{Path: vis(c.Path), Requests: num(c.RequestsBefore) + " → " + num(c.Requests),
					Before: ratePct(c.ErrorRateBefore), Now: ratePct(c.ErrorRate), Change: pts(c.Change), Class: changeClass(c.Change)})
			}
		}
		pg.Baseline = hb
	}

	for _, r := range rep.Paths {
		pg.TopPaths = append(pg.TopPaths, htmlPath{Path: vis(r.Path), Requests: num(r.Requests), Share: pct(r.Requests, t.Requests),
			E4xx: num(r.Errors4xx), E5xx: num(r.Errors5xx), Bytes: humanize.IBytes(uint64(r.BytesSent))})
	}
	for _, r := range rep.Errors {
		e := r.Errors4xx + r.Errors5xx
		pg.ErrorPaths = append(pg.ErrorPaths, htmlPath{Path: vis(r.Path), Errors: num(e), Rate: pct(e, r.Requests), Top: fmt.Sprint(r.TopError)})
	}
	for _, f := range in.FailedFiles {
		pg.Problems = append(pg.Problems, "FAILED: "+vis(f.Error))
	}
	for _, e := range in.LineErrors {
		pg.Problems = append(pg.Problems, "skipped: "+vis(e.Error))
	}
	if in.SkippedLines > int64(len(in.LineErrors)) {
		pg.Problems = append(pg.Problems, fmt.Sprintf("… and %s more skipped lines", num(in.SkippedLines-int64(len(in.LineErrors)))))
	}
	for _, e := range in.FieldErrors {
		pg.Problems = append(pg.Problems, "unknown value: "+e.Error)
	}
	if in.InvalidValues > int64(len(in.FieldErrors)) {
		pg.Problems = append(pg.Problems, fmt.Sprintf("… and %s more invalid values", num(in.InvalidValues-int64(len(in.FieldErrors)))))
	}
	return pg
}

// visAll returns the strings of ss as visible.String shows them.
func visAll(ss []string) []string {
	out := make([]string, len(ss))
	for i, s := range ss {
		out[i] = visible.String(s)
	}
	return out
}

func classOf(bl *Baseline, class string) int64 {
	if bl == nil {
		return 0
	}
	return bl.Status.Classes[class]
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
				title += fmt.Sprintf(", cache hit ratio %.1f%%", *r*100)
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
