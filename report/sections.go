package report

import (
	"fmt"
	"math"
	"slices"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/cfwatch/cfwatch/traffic"
)

// maxMarks bounds the width of the text timelines.
const maxMarks = 60

// A timeline is the series regrouped into at most maxMarks marks, for
// sparklines: mark i sums points [i×per, (i+1)×per).
type timeline struct {
	starts []time.Time
	per    int           // points per mark
	span   time.Duration // time per mark
	points []traffic.Point
}

func (s *Series) timeline(limit int) timeline {
	per := max(1, (len(s.Points)+limit-1)/limit)
	tl := timeline{per: per, span: time.Duration(per) * time.Duration(s.IntervalSeconds) * time.Second}
	for i, p := range s.Points {
		if i%per == 0 {
			tl.starts = append(tl.starts, p.Start)
			tl.points = append(tl.points, traffic.Point{})
		}
		tl.points[len(tl.points)-1].Add(p.point())
	}
	return tl
}

func (tl timeline) values(f func(traffic.Point) int64) []int64 {
	out := make([]int64, len(tl.points))
	for i, p := range tl.points {
		out[i] = f(p)
	}
	return out
}

// peak returns the index of the largest value (the first if tied).
func peak(v []int64) int {
	best := 0
	for i, x := range v {
		if x > v[best] {
			best = i
		}
	}
	return best
}

// writeTimeline draws the window's series as sparklines. indent prefixes
// every line (Markdown puts them in a code block).
func (rep *Report) writeTimeline(b *strings.Builder, st style, indent string) {
	s := rep.Series
	if s == nil || len(s.Points) == 0 {
		return
	}
	tl := s.timeline(maxMarks)
	d := rep.Window
	fmt.Fprintf(b, "%s%s  one mark per %s, %s → %s UTC\n", indent, st.paint(sgrBold, "Over time"), span(tl.span),
		clock(rep.Window.From, d), clock(rep.Window.Until, d))
	t := textTable{indent: indent + "  "}
	// The marks that start after the last record delivered have no data
	// yet: a mark of their own, not the zero that would look like a
	// recovery.
	data := len(tl.points)
	if s.NoDataAfter != nil {
		for data > 0 && tl.starts[data-1].After(*s.NoDataAfter) {
			data--
		}
	}
	noData := strings.Repeat(string(noDataMark), len(tl.points)-data)
	line := func(label string, sgr string, f func(traffic.Point) int64) {
		v := tl.values(f)[:data]
		if len(v) == 0 {
			t.add(c(label), cell{text: noData, sgr: sgrDim})
			return
		}
		i := peak(v)
		if v[i] == 0 {
			t.add(c(label), cell{text: "none", sgr: sgrDim})
			return
		}
		t.add(c(label), cell{text: sparkline(v, v[i]) + noData, sgr: sgr}, c(fmt.Sprintf("peak %s at %s", num(v[i]), clock(tl.starts[i], d))))
	}
	line("Requests", sgrCyan, func(p traffic.Point) int64 { return p.Requests })
	line("4xx", sgrYellow, func(p traffic.Point) int64 { return p.Errors4xx })
	line("5xx", sgrRed, func(p traffic.Point) int64 { return p.Errors5xx })
	line("Auth failures", sgrRedB, func(p traffic.Point) int64 { return p.AuthFailures })
	// The cache hit ratio on a fixed scale of 0 to 100%; a blank where
	// nothing was a cache decision.
	var hit strings.Builder
	low, lowAt := 2.0, -1
	for i, p := range tl.points[:data] {
		r, ok := p.HitRatio()
		if !ok {
			hit.WriteByte(' ')
			continue
		}
		hit.WriteRune(sparkMarks[int(math.Round(r*float64(len(sparkMarks)-1)))])
		if r < low {
			low, lowAt = r, i
		}
	}
	if lowAt < 0 {
		t.add(c("Cache hits"), cell{text: "no cache decision", sgr: sgrDim})
	} else {
		t.add(c("Cache hits"), cell{text: hit.String() + noData, sgr: sgrGreen}, c(fmt.Sprintf("scale 0–100%%, lowest %s at %s", percent(low), clock(tl.starts[lowAt], d))))
	}
	// The time axis under the marks.
	first, last := clock(rep.Window.From, d), clock(rep.Window.Until, d)
	gap := len(tl.points) - utf8.RuneCountInString(first) - utf8.RuneCountInString(last)
	if gap >= 1 {
		t.add(c(""), cell{text: first + strings.Repeat(" ", gap) + last, sgr: sgrDim})
	}
	switch {
	case noData != "":
		t.add(c(""), cell{text: fmt.Sprintf("%c no data yet: the logs delivered so far end at %s UTC", noDataMark, clock(*s.NoDataAfter, d)), sgr: sgrDim})
	case s.NoDataAfter != nil: // only the last mark's end
		t.add(c(""), cell{text: fmt.Sprintf("no data yet after %s UTC: the logs delivered so far end there", clock(*s.NoDataAfter, d)), sgr: sgrDim})
	}
	t.render(b, st)
	b.WriteByte('\n')
}

// A comparison row: a figure then and now.
type comparison struct {
	Label               string
	Before, Now         string
	Change, Note        string
	RateBefore, RateNow float64 // for rates: to colour the change
}

// comparisons are the baseline section's rows: totals, error rates by
// class, auth failures, cache, and each NextAuth endpoint.
func (rep *Report) comparisons() []comparison {
	bl := rep.Baseline
	var out []comparison
	reqChange := ""
	if bl.Totals.Requests > 0 {
		reqChange = signedPercent(float64(rep.Totals.Requests)/float64(bl.Totals.Requests) - 1)
	}
	out = append(out, comparison{Label: "Requests", Before: num(bl.Totals.Requests), Now: num(rep.Totals.Requests), Change: reqChange})
	for _, class := range []string{"4xx", "5xx"} {
		rb, rn := rate(bl.Status.Classes[class], bl.Totals.Requests), rate(rep.Status.Classes[class], rep.Totals.Requests)
		out = append(out, comparison{Label: class + " rate", Before: percent(rb), Now: percent(rn), Change: pts(rn - rb), RateBefore: rb, RateNow: rn})
	}
	tb, tn := bl.Series.total(), rep.Series.total()
	rb, rn := rate(tb.AuthFailures, tb.AuthRequests), rate(tn.AuthFailures, tn.AuthRequests)
	out = append(out, comparison{Label: "Auth failure rate", Before: percent(rb), Now: percent(rn), Change: pts(rn - rb), RateBefore: rb, RateNow: rn})
	out = append(out, comparison{Label: "Cache hit ratio", Before: percent(bl.Cache.HitRatio), Now: percent(rep.Cache.HitRatio),
		Change: pts(rep.Cache.HitRatio - bl.Cache.HitRatio)})
	for i, e := range rep.AuthEndpoints {
		be := bl.AuthEndpoints[i]
		cmp := comparison{Label: e.Path + " failed",
			Before: fmt.Sprintf("%s of %s", percent(be.FailureRate), num(be.Requests)),
			Now:    fmt.Sprintf("%s of %s", percent(e.FailureRate), num(e.Requests)),
			Change: pts(e.FailureRate - be.FailureRate), RateBefore: be.FailureRate, RateNow: e.FailureRate}
		if code, cb, cn, ok := mostChangedCode(be, e); ok {
			cmp.Note = fmt.Sprintf("%s: %s → %s", code, percent(cb), percent(cn))
		}
		out = append(out, cmp)
	}
	return out
}

// mostChangedCode returns the failing status whose share of the endpoint's
// requests changed most between before and now.
func mostChangedCode(before, now AuthEndpoint) (code string, rb, rn float64, ok bool) {
	var codes []string
	for k := range before.Codes {
		codes = append(codes, k)
	}
	for k := range now.Codes {
		if _, seen := before.Codes[k]; !seen {
			codes = append(codes, k)
		}
	}
	slices.Sort(codes)
	best := -1.0
	for _, k := range codes {
		b, n := rate(before.Codes[k], before.Requests), rate(now.Codes[k], now.Requests)
		if d := math.Abs(n - b); d > best {
			best, code, rb, rn, ok = d, k, b, n, true
		}
	}
	return code, rb, rn, ok
}

// baselineTitle describes the baseline window.
func (rep *Report) baselineTitle() string {
	bl := rep.Baseline
	return fmt.Sprintf("%s → %s UTC (%s earlier)", bl.Window.From.Format("2006-01-02 15:04"),
		bl.Window.Until.Format("2006-01-02 15:04"), bl.Offset)
}

// endpoints writes the NextAuth endpoints' requests and failures.
func (tw *textWriter) endpoints(eps []endpointView) {
	t := textTable{indent: "  ", right: []bool{false, true, true, true}}
	t.heading("NextAuth endpoints", "REQUESTS", "FAILED", "RATE", "FAILED WITH")
	for _, e := range eps {
		t.add(c(e.Path), c(e.Requests), cell{text: e.Failed, sgr: toneSGR(e.FailedTone)}, cell{text: e.Rate, sgr: toneSGR(e.RateTone)}, c(e.Codes))
	}
	t.render(&tw.b, tw.st)
	tw.b.WriteByte('\n')
}

// baseline writes the "Compared with" section.
func (tw *textWriter) baseline(bv *baselineView) {
	if bv == nil {
		return
	}
	b, st := &tw.b, tw.st
	b.WriteString(st.paint(sgrBold, "Compared with "+bv.Title) + "\n")
	if bv.Empty {
		b.WriteString("  " + st.paint(sgrYellow, "no requests in the baseline window: nothing to compare with") + "\n\n")
		return
	}
	t := textTable{indent: "  ", right: []bool{false, true, true, true}}
	t.add(c(""), cell{text: "BEFORE", sgr: sgrDim}, cell{text: "NOW", sgr: sgrDim}, cell{text: "CHANGE", sgr: sgrDim})
	for _, r := range bv.Rows {
		row := []cell{c(r.Label), c(r.Before), c(r.Now), cell{text: r.Change, sgr: toneSGR(r.Tone)}}
		if r.Note != "" {
			row = append(row, c(r.Note))
		}
		t.add(row...)
	}
	t.render(b, st)
	b.WriteByte('\n')
	pt := textTable{indent: "  ", right: []bool{false, true, true, true, true}}
	pt.heading("Error rate changed most", "REQUESTS", "BEFORE", "NOW", "CHANGE")
	for _, p := range bv.Changed {
		pt.add(c(p.Path), c(p.Requests), c(p.Before), c(p.Now), cell{text: p.Change, sgr: toneSGR(p.Tone)})
	}
	if len(bv.Changed) == 0 {
		pt.add(c("none moved by more than chance (" + bv.None + ")"))
	}
	pt.render(b, st)
	b.WriteByte('\n')
}
