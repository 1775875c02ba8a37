package report

import (
	"fmt"
	"math"
	"strings"

	"github.com/dustin/go-humanize"

	"github.com/cfwatch/cfwatch/detectors"
	"github.com/cfwatch/cfwatch/traffic"
)

// The view: a report as people read it, whatever the format.
//
// view builds, once, every section of a report as formatted values: the
// numbers with their thousands separators, the percentages (percent), the
// byte sizes, the window, and a tone for what deserves attention. The text,
// Markdown and HTML renderers each lay the same sections out, one method per
// section, and add only their markup: colours (text), escaping and tables
// (Markdown), classes and charts (HTML). A figure is therefore formatted
// the same way in every format, and a part of a section (the input line's)
// comes in the same order.
//
// Values from the logs are kept as they are in the view; each renderer
// makes them safe for where they go (visible.String, mdEscape/mdCode,
// html/template).

// A tone says how a value should stand out: a renderer turns it into a
// colour (text) or a class (HTML).
type tone int

const (
	toneNone tone = iota
	toneGood      // better than before
	toneWarn      // some failures, or a change worth a look
	toneBad       // a failure rate of 10% or more, a large change for the worse
)

// percent formats a rate (0.27) as a percentage: every percentage of every
// format goes through it. It is detectors.Percent ("27%", "99.6%",
// "0.35%"), so the report's figures read the same as the checks' evidence
// and the Slack alerts, with "<0.01%" for a rate above zero it would show
// as zero.
func percent(r float64) string {
	if r > 0 && r < 0.00005 {
		return "<0.01%"
	}
	return detectors.Percent(r)
}

// share is n of of as a percentage, "-" when of is 0.
func share(n, of int64) string {
	if of == 0 {
		return "-"
	}
	return percent(float64(n) / float64(of))
}

// signedPercent formats a relative change (-0.063) as "-6.3%", "+12%".
func signedPercent(r float64) string {
	if r < 0 {
		return "-" + percent(-r)
	}
	return "+" + percent(r)
}

// rateTone is the tone of a failure rate: bad from 10%, a warning below.
func rateTone(r float64) tone {
	switch {
	case r >= 0.1:
		return toneBad
	case r > 0:
		return toneWarn
	}
	return toneNone
}

// changeTone is the tone of a change of error rate: worse is bad.
func changeTone(d float64) tone {
	switch {
	case d >= 0.05:
		return toneBad
	case d >= 0.01:
		return toneWarn
	case d <= -0.01:
		return toneGood
	}
	return toneNone
}

// A view is a report's sections, formatted.
type view struct {
	Window     string // "2026-11-20 02:00 → 2026-11-20 04:00 UTC (2h)"
	NoData     string // why the report has no data ("" with data), after "NO DATA: "
	NoDataText []string
	Headline   []phrase // the report in one sentence (Markdown, HTML)
	Glance     glanceView
	Input      []phrase
	Findings   findingsView
	Checks     []checkView
	Traffic    trafficView
	Endpoints  []endpointView
	Baseline   *baselineView
	TopPaths   []pathView
	ErrorPaths []pathView
	Failures   failuresView // where failures come from
	Problems   []problemView
}

// A phrase is one clause of a sentence: of the headline, of the input line.
// Strong marks one that needs attention (a critical finding, files not read
// to the end).
type phrase struct {
	Text   string
	Strong bool
}

// glanceView is the main figures at a glance (HTML's cards), each with the
// baseline's when it has requests.
type glanceView struct {
	Findings                   int
	Critical, Warning          int
	NoData                     bool
	ChecksFailed, ChecksJudged int
	Checks                     int
	Compared                   bool // the baseline has requests: Before fields are set
	Requests, RequestsBefore   string
	BytesSent                  string
	Rates                      []rateView // 4xx, 5xx, auth failures
	HitRatio, HitRatioBefore   string
}

// A rateView is a rate at a glance: n of of, and the baseline's.
type rateView struct {
	Label, Value, Counts, Before string
	Rate                         float64
}

type findingsView struct {
	NoData bool // no finding because the window has no data
	Items  []findingView
}

type findingView struct {
	Severity     string // "CRITICAL"
	Level        detectors.Severity
	Rule         string
	Where        string // host and group
	Distribution string
	Summary      string
	Cause        string
	Remedy       string
	Settings     string
	Paths        []string
	Examples     []string
	// Related are the findings folded into this one, one line each
	// (detectors.Related.Summary).
	Related []string
}

type checkView struct {
	Name     string
	Status   string // detectors.CheckPass, CheckFail, CheckNoData
	Evidence string
}

// trafficView is the window's traffic picture.
type trafficView struct {
	Requests      string
	Empty         bool // no request in the window
	BytesSent     string
	BytesReceived string
	Status        []shareView // by class, in statusClassOrder
	Codes         []shareView // the 12 most common status codes
	Results       []shareView // cache results, most common first
	HitRatio      string
	AuthFailures  string // "12 of 345 requests", of the requests under AuthPrefix
	AuthRate      string
	AuthPrefix    string
}

type shareView struct {
	Label, Count, Share string
	Class               string // the status class ("4xx"), for colours
	Rate                float64
}

type endpointView struct {
	Path, Requests, Failed, Rate, Codes string
	FailedTone, RateTone                tone
	Before                              string // the baseline's rate, "" without one
}

type baselineView struct {
	Title   string
	Empty   bool // no request in the baseline window
	Rows    []comparisonView
	Changed []changeView
	None    string // what to say when no path's error rate changed
}

type comparisonView struct {
	Label, Before, Now, Change, Note string
	Tone                             tone
}

type changeView struct {
	Path, Requests, Before, Now, Change string
	Tone                                tone
}

type pathView struct {
	Path, Requests, Share, E4xx, E5xx, Bytes string
	E4xxTone, E5xxTone                       tone // warn, bad: not zero
	Errors, Rate, Top                        string
}

// A problemView is one line of the input problems.
type problemView struct {
	Kind string // problemFailed, problemSkipped, problemUnknown, or "" for a count of more
	Text string
}

const (
	problemFailed  = "failed"
	problemSkipped = "skipped"
	problemUnknown = "unknown"
)

// view builds the report's view.
func (rep *Report) view() *view {
	from, until := rep.Window.From, rep.Window.Until
	v := &view{
		Window:     fmt.Sprintf("%s → %s UTC (%s)", from.Format("2006-01-02 15:04"), until.Format("2006-01-02 15:04"), span(until.Sub(from))),
		NoData:     rep.noDataTitle(),
		NoDataText: rep.noDataLines(),
		Headline:   rep.headline(),
		Glance:     rep.glance(),
		Input:      rep.phrases(),
		Findings:   rep.findingsView(),
		Traffic:    rep.trafficView(),
		Endpoints:  rep.endpointsView(),
		Baseline:   rep.baselineView(),
		Failures:   rep.failuresView(),
		Problems:   rep.problemsView(),
	}
	for _, ch := range rep.Checks {
		v.Checks = append(v.Checks, checkView{Name: ch.Name, Status: ch.Status, Evidence: ch.Evidence})
	}
	t := rep.Totals
	for _, r := range rep.Paths {
		v.TopPaths = append(v.TopPaths, pathView{Path: r.Path, Requests: num(r.Requests), Share: share(r.Requests, t.Requests),
			E4xx: num(r.Errors4xx), E5xx: num(r.Errors5xx), E4xxTone: nonZeroTone(r.Errors4xx, toneWarn), E5xxTone: nonZeroTone(r.Errors5xx, toneBad),
			Bytes: humanize.IBytes(uint64(r.BytesSent))})
	}
	for _, r := range rep.Errors {
		e := r.Errors4xx + r.Errors5xx
		v.ErrorPaths = append(v.ErrorPaths, pathView{Path: r.Path, Errors: num(e), Rate: share(e, r.Requests), Top: fmt.Sprint(r.TopError)})
	}
	return v
}

func nonZeroTone(n int64, t tone) tone {
	if n == 0 {
		return toneNone
	}
	return t
}

// phrases says what was read: the files, records and bad lines, or the
// query engine's cost; then what was left out, and what failed.
func (rep *Report) phrases() []phrase {
	in := rep.Input
	var parts []phrase
	add := func(format string, a ...any) { parts = append(parts, phrase{Text: fmt.Sprintf(format, a...)}) }
	if q := in.queried(); q != "" {
		add("%s", q)
	} else {
		add("%s files (%s), %s records, %s skipped lines", num(in.Files), humanize.IBytes(uint64(in.Bytes)), num(in.Records), num(in.SkippedLines))
		if in.InvalidValues > 0 {
			add("%s invalid values (kept as unknown)", num(in.InvalidValues))
		}
		if in.FilesFiltered > 0 {
			add("%s files of other distributions not read", num(in.FilesFiltered))
		}
		if in.RecordsFiltered > 0 {
			add("%s records of other distributions or hosts left out", num(in.RecordsFiltered))
		}
	}
	if in.FilesOutsideWindow > 0 {
		add("%s files outside the window not read", num(in.FilesOutsideWindow))
	}
	if len(in.FailedFiles) > 0 {
		parts = append(parts, phrase{Text: fmt.Sprintf("%s files not read to the end", num(len(in.FailedFiles))), Strong: true})
	}
	return parts
}

// plainInput is the input line without markup; the failed files are
// listed below it.
func plainInput(parts []phrase) string {
	s := make([]string, len(parts))
	for i, p := range parts {
		s[i] = p.Text
		if p.Strong {
			s[i] += " (listed below)"
		}
	}
	return strings.Join(s, ", ")
}

func (rep *Report) findingsView() findingsView {
	fv := findingsView{NoData: rep.Coverage.NoData}
	for _, f := range rep.Findings {
		var related []string
		for _, r := range f.Related {
			related = append(related, r.Summary())
		}
		fv.Items = append(fv.Items, findingView{Severity: strings.ToUpper(string(f.Severity)), Level: f.Severity, Rule: f.Rule,
			Where: f.Host + " " + f.Group, Distribution: f.DistributionID, Summary: f.Summary(), Cause: f.Cause, Remedy: f.Remedy,
			Settings: f.Settings, Paths: f.Paths, Examples: f.Examples, Related: related})
	}
	return fv
}

func (rep *Report) trafficView() trafficView {
	t := rep.Totals
	tv := trafficView{Requests: num(t.Requests), Empty: t.Requests == 0, BytesSent: humanize.IBytes(uint64(t.BytesSent)),
		BytesReceived: humanize.IBytes(uint64(t.BytesReceived)), HitRatio: percent(rep.Cache.HitRatio), AuthPrefix: rep.AuthPrefix}
	for _, class := range statusClassOrder {
		if n := rep.Status.Classes[class]; n > 0 {
			tv.Status = append(tv.Status, shareView{Label: class, Count: num(n), Share: share(n, t.Requests), Class: class, Rate: rate(n, t.Requests)})
		}
	}
	for _, k := range sortedByCount(rep.Status.Codes) {
		if len(tv.Codes) == 12 {
			break
		}
		n := rep.Status.Codes[k]
		tv.Codes = append(tv.Codes, shareView{Label: k, Count: num(n), Share: share(n, t.Requests)})
	}
	for _, k := range sortedByCount(rep.Cache.ResultTypes) {
		n := rep.Cache.ResultTypes[k]
		tv.Results = append(tv.Results, shareView{Label: k, Count: num(n), Share: share(n, t.Requests)})
	}
	if rep.Series != nil {
		a := rep.Series.total()
		tv.AuthFailures = fmt.Sprintf("%s of %s requests", num(a.AuthFailures), num(a.AuthRequests))
		tv.AuthRate = share(a.AuthFailures, a.AuthRequests)
	}
	return tv
}

func (rep *Report) endpointsView() []endpointView {
	var out []endpointView
	for i, e := range rep.AuthEndpoints {
		var codes []string
		for _, cc := range e.topCodes() {
			codes = append(codes, cc.code+" ×"+num(cc.n))
		}
		ev := endpointView{Path: e.Path, Requests: num(e.Requests), Failed: num(e.Failures), Rate: share(e.Failures, e.Requests),
			Codes: strings.Join(codes, ", "), FailedTone: nonZeroTone(e.Failures, toneWarn), RateTone: rateTone(e.FailureRate)}
		if bl := rep.Baseline; bl != nil && bl.Totals.Requests > 0 && i < len(bl.AuthEndpoints) {
			be := bl.AuthEndpoints[i]
			ev.Before = fmt.Sprintf("before: %s failed of %s", percent(be.FailureRate), num(be.Requests))
		}
		out = append(out, ev)
	}
	return out
}

func (rep *Report) baselineView() *baselineView {
	bl := rep.Baseline
	if bl == nil {
		return nil
	}
	bv := &baselineView{Title: rep.baselineTitle(), Empty: bl.Totals.Requests == 0,
		None: fmt.Sprintf("paths with %d requests or more, seen in both periods", minChangeRequests)}
	if bv.Empty {
		return bv
	}
	for _, r := range rep.comparisons() {
		bv.Rows = append(bv.Rows, comparisonView{Label: r.Label, Before: r.Before, Now: r.Now, Change: r.Change, Note: r.Note,
			Tone: changeTone(r.RateNow - r.RateBefore)})
	}
	for _, p := range bl.ChangedPaths {
		bv.Changed = append(bv.Changed, changeView{Path: p.Path, Requests: num(p.RequestsBefore) + " → " + num(p.Requests),
			Before: percent(p.ErrorRateBefore), Now: percent(p.ErrorRate), Change: pts(p.Change), Tone: changeTone(p.Change)})
	}
	return bv
}

func (rep *Report) problemsView() []problemView {
	in := rep.Input
	var out []problemView
	for _, f := range in.FailedFiles {
		out = append(out, problemView{Kind: problemFailed, Text: f.Error})
	}
	for _, e := range in.LineErrors {
		out = append(out, problemView{Kind: problemSkipped, Text: e.Error})
	}
	if in.SkippedLines > int64(len(in.LineErrors)) {
		out = append(out, problemView{Text: fmt.Sprintf("… and %s more skipped lines", num(in.SkippedLines-int64(len(in.LineErrors))))})
	}
	for _, e := range in.FieldErrors {
		out = append(out, problemView{Kind: problemUnknown, Text: e.Error})
	}
	if in.InvalidValues > int64(len(in.FieldErrors)) {
		out = append(out, problemView{Text: fmt.Sprintf("… and %s more invalid values", num(in.InvalidValues-int64(len(in.FieldErrors))))})
	}
	return out
}

// pts formats a change of rate in percentage points: "+38.1 pts".
func pts(d float64) string {
	if math.Abs(d) < 0.0005 {
		return ""
	}
	return fmt.Sprintf("%+.1f pts", d*100)
}

// headline is the report in one sentence: the worst findings and the
// main figures, the first strong.
func (rep *Report) headline() []phrase {
	var parts []phrase
	add := func(s string) { parts = append(parts, phrase{Text: s}) }
	bold := func(s string) { parts = append(parts, phrase{Text: s, Strong: true}) }
	crit, warn := 0, 0
	for _, f := range rep.Findings {
		switch f.Severity {
		case detectors.SeverityCritical:
			crit++
		case detectors.SeverityWarning:
			warn++
		}
	}
	plural := func(n int, s string) string {
		if n == 1 {
			return fmt.Sprintf("%d %s finding", n, s)
		}
		return fmt.Sprintf("%d %s findings", n, s)
	}
	switch {
	case crit > 0 && warn > 0:
		bold(plural(crit, "critical") + ", " + plural(warn, "warning"))
	case crit > 0:
		bold(plural(crit, "critical"))
	case warn > 0:
		bold(plural(warn, "warning"))
	case len(rep.Findings) > 0:
		add(fmt.Sprintf("%d findings", len(rep.Findings)))
	case rep.Coverage.NoData:
		bold("no data")
	default:
		add("no finding")
	}
	failed := 0
	for _, ch := range rep.Checks {
		if ch.Status == detectors.CheckFail {
			failed++
		}
	}
	if failed > 0 {
		bold(fmt.Sprintf("%d of %d checks failed", failed, len(rep.Checks)))
	}
	t := rep.Totals
	add(num(t.Requests) + " requests")
	if t.Requests > 0 {
		add("4xx " + share(rep.Status.Classes["4xx"], t.Requests))
		add("5xx " + share(rep.Status.Classes["5xx"], t.Requests))
		a := rep.Series.total()
		if a.AuthRequests > 0 {
			add("auth failures " + share(a.AuthFailures, a.AuthRequests))
		}
		add("cache hit ratio " + percent(rep.Cache.HitRatio))
	}
	return parts
}

func (rep *Report) glance() glanceView {
	g := glanceView{Findings: len(rep.Findings), NoData: rep.Coverage.NoData, Checks: len(rep.Checks)}
	for _, f := range rep.Findings {
		switch f.Severity {
		case detectors.SeverityCritical:
			g.Critical++
		case detectors.SeverityWarning:
			g.Warning++
		}
	}
	for _, ch := range rep.Checks {
		switch ch.Status {
		case detectors.CheckFail:
			g.ChecksFailed++
			g.ChecksJudged++
		case detectors.CheckPass:
			g.ChecksJudged++
		}
	}
	t, auth := rep.Totals, rep.Series.total()
	var bt Totals
	var bauth traffic.Point
	var bs StatusMix
	bl := rep.Baseline
	if bl != nil && bl.Totals.Requests > 0 {
		g.Compared = true
		bt, bauth, bs = bl.Totals, bl.Series.total(), bl.Status
		g.RequestsBefore, g.HitRatioBefore = num(bt.Requests), percent(bl.Cache.HitRatio)
	}
	g.Requests, g.BytesSent, g.HitRatio = num(t.Requests), humanize.IBytes(uint64(t.BytesSent)), percent(rep.Cache.HitRatio)
	rateOf := func(label string, n, of, bn, bof int64) rateView {
		r := rateView{Label: label, Value: share(n, of), Counts: num(n) + " of " + num(of), Rate: rate(n, of)}
		if g.Compared {
			r.Before = share(bn, bof)
		}
		return r
	}
	g.Rates = []rateView{
		rateOf("4xx", rep.Status.Classes["4xx"], t.Requests, bs.Classes["4xx"], bt.Requests),
		rateOf("5xx", rep.Status.Classes["5xx"], t.Requests, bs.Classes["5xx"], bt.Requests),
		rateOf("auth failures", auth.AuthFailures, auth.AuthRequests, bauth.AuthFailures, bauth.AuthRequests),
	}
	return g
}
