package report

import (
	"fmt"
	"io"
	"strings"

	"github.com/cfwatch/cfwatch/detectors"
)

// WriteMarkdown writes the report as Markdown (GitHub flavoured), to paste
// into an incident ticket or a pull request: the findings with their cause
// and fix, the checks, and the traffic picture as tables. Every value from
// the logs is escaped: its control characters made visible
// (visible.String, through mdEscape and mdCode), paths and request IDs are
// code spans, pipes and backticks cannot break a table.
func (rep *Report) WriteMarkdown(w io.Writer) error {
	v := rep.view()
	mw := &mdWriter{}
	mw.head(v)
	mw.findings(v.Findings)
	mw.checks(v.Checks)
	if !v.Traffic.Empty {
		mw.failures(v.Failures)
	}
	mw.traffic(v.Traffic)
	if !v.Traffic.Empty {
		var tl strings.Builder
		rep.writeTimeline(&tl, style{}, "")
		mw.p("```text\n%s\n```\n\n", strings.TrimRight(tl.String(), "\n"))
	}
	mw.endpoints(v.Endpoints)
	mw.baseline(v.Baseline)
	if !v.Traffic.Empty {
		mw.topPaths(v.TopPaths)
		mw.errorPaths(v.ErrorPaths)
	}
	mw.problems(v.Problems)
	_, err := io.WriteString(w, mw.b.String())
	return err
}

// mdWriter lays a view out as Markdown, one method per section.
type mdWriter struct{ b strings.Builder }

func (mw *mdWriter) p(format string, a ...any) { fmt.Fprintf(&mw.b, format, a...) }

func (mw *mdWriter) head(v *view) {
	mw.p("## cfwatch report: %s\n\n", v.Window)
	if v.NoData != "" {
		mw.p("> **NO DATA: %s.**\n", mdEscape(v.NoData))
		for _, l := range v.NoDataText {
			mw.p(">\n> %s\n", mdEscape(l))
		}
		mw.p("\n")
	}
	hl := make([]string, len(v.Headline))
	for i, h := range v.Headline {
		hl[i] = h.Text
		if h.Strong {
			hl[i] = "**" + h.Text + "**"
		}
	}
	mw.p("%s\n\n", strings.Join(hl, " · "))
	parts := make([]string, len(v.Input))
	for i, in := range v.Input {
		parts[i] = mdEscape(in.Text)
		if in.Strong {
			parts[i] = "**" + parts[i] + "** (listed below)"
		}
	}
	mw.p("Input: %s.\n\n", strings.Join(parts, ", "))
}

func (mw *mdWriter) findings(fv findingsView) {
	switch {
	case len(fv.Items) == 0 && fv.NoData:
		mw.p("### Findings: none (no data to judge)\n\n")
	case len(fv.Items) == 0:
		mw.p("### Findings: none\n\n")
	default:
		mw.p("### Findings (%d)\n\n", len(fv.Items))
	}
	for _, f := range fv.Items {
		mw.p("#### %s %s: %s\n\n", mdEscape(f.Severity), mdCode(f.Rule, false), mdEscape(f.Where))
		mw.p("%s\n\n", mdEscape(f.Summary))
		if f.Distribution != "" {
			mw.p("- **Distribution:** %s\n", mdCode(f.Distribution, false))
		}
		if f.Cause != "" {
			mw.p("- **Cause:** %s\n", mdEscape(f.Cause))
		}
		if f.Remedy != "" {
			mw.p("- **Fix:** %s\n", mdEscape(f.Remedy))
		}
		if f.Settings != "" {
			mw.p("- **Settings:** %s\n", mdEscape(f.Settings))
		}
		if len(f.Paths) > 0 {
			mw.p("- **Paths:** %s\n", codeList(f.Paths, false))
		}
		if len(f.Examples) > 0 {
			mw.p("- **Request IDs:** %s\n", codeList(f.Examples, false))
		}
		if len(f.Related) > 0 {
			mw.p("- **Related (folded in, same cause):**\n")
			for _, r := range f.Related {
				mw.p("  - %s\n", mdEscape(r))
			}
		}
		mw.p("\n")
	}
}

func (mw *mdWriter) checks(checks []checkView) {
	mw.p("### Post-deploy checks\n\n| check | status | evidence |\n|---|---|---|\n")
	for _, ch := range checks {
		status := mdEscape(strings.ToUpper(ch.Status))
		if ch.Status == detectors.CheckFail {
			status = "**FAIL**"
		}
		mw.p("| %s | %s | %s |\n", mdCode(ch.Name, true), status, mdEscape(ch.Evidence))
	}
	mw.p("\n")
}

func (mw *mdWriter) traffic(tv trafficView) {
	mw.p("### Traffic\n\n")
	if tv.Empty {
		mw.p("No requests in the window.\n\n")
		return
	}
	mw.p("| | |\n|---|---|\n")
	mw.p("| Requests | %s |\n", tv.Requests)
	mw.p("| Bytes | %s sent, %s received |\n", tv.BytesSent, tv.BytesReceived)
	mw.p("| Cache hit ratio | %s |\n", tv.HitRatio)
	mw.p("| Auth failures | %s under %s (%s) |\n", tv.AuthFailures, mdCode(tv.AuthPrefix, true), tv.AuthRate)
	mw.p("\n| status | requests | share |\n|---|--:|--:|\n")
	for _, s := range tv.Status {
		mw.p("| %s | %s | %s |\n", s.Label, s.Count, s.Share)
	}
	mw.p("\n| cache result | requests |\n|---|--:|\n")
	for _, r := range tv.Results {
		mw.p("| %s | %s |\n", mdCode(r.Label, true), r.Count)
	}
	mw.p("\n")
}

func (mw *mdWriter) endpoints(eps []endpointView) {
	mw.p("### NextAuth endpoints\n\n| endpoint | requests | failed | rate | failed with |\n|---|--:|--:|--:|---|\n")
	for _, e := range eps {
		mw.p("| %s | %s | %s | %s | %s |\n", mdCode(e.Path, true), e.Requests, e.Failed, e.Rate, mdEscape(e.Codes))
	}
	mw.p("\n")
}

func (mw *mdWriter) baseline(bv *baselineView) {
	if bv == nil {
		return
	}
	mw.p("### Compared with %s\n\n", mdEscape(bv.Title))
	if bv.Empty {
		mw.p("No requests in the baseline window: nothing to compare with.\n\n")
		return
	}
	mw.p("| | before | now | change | |\n|---|--:|--:|--:|---|\n")
	for _, r := range bv.Rows {
		label := mdEscape(r.Label)
		if r.Tone == toneBad {
			label = "**" + label + "**"
		}
		mw.p("| %s | %s | %s | %s | %s |\n", label, r.Before, r.Now, r.Change, mdEscape(r.Note))
	}
	mw.p("\n**Error rate changed most**\n\n")
	if len(bv.Changed) == 0 {
		mw.p("No path's error rate moved by more than chance (%s).\n\n", bv.None)
		return
	}
	mw.p("| path | requests before → now | error rate before | now | change |\n|---|--:|--:|--:|--:|\n")
	for _, c := range bv.Changed {
		mw.p("| %s | %s | %s | %s | %s |\n", mdCode(c.Path, true), c.Requests, c.Before, c.Now, c.Change)
	}
	mw.p("\n")
}

func (mw *mdWriter) topPaths(paths []pathView) {
	mw.p("### Top paths\n\n| path | requests | share | 4xx | 5xx | bytes |\n|---|--:|--:|--:|--:|--:|\n")
	for _, r := range paths {
		mw.p("| %s | %s | %s | %s | %s | %s |\n", mdCode(r.Path, true), r.Requests, r.Share, r.E4xx, r.E5xx, r.Bytes)
	}
}

func (mw *mdWriter) errorPaths(paths []pathView) {
	mw.p("\n### Errors by path\n\n")
	if len(paths) == 0 {
		mw.p("None.\n\n")
		return
	}
	mw.p("| path | errors | rate | most common |\n|---|--:|--:|--:|\n")
	for _, r := range paths {
		mw.p("| %s | %s | %s | %s |\n", mdCode(r.Path, true), r.Errors, r.Rate, r.Top)
	}
	mw.p("\n")
}

func (mw *mdWriter) problems(problems []problemView) {
	if len(problems) == 0 {
		return
	}
	mw.p("### Input problems\n\n")
	for _, p := range problems {
		switch p.Kind {
		case problemFailed:
			mw.p("- **Failed:** %s\n", mdCode(p.Text, false))
		case problemSkipped:
			mw.p("- Skipped: %s\n", mdCode(p.Text, false))
		case problemUnknown:
			mw.p("- Unknown value: %s\n", mdCode(p.Text, false))
		default:
			mw.p("- %s\n", p.Text)
		}
	}
	mw.p("\n")
}

func codeList(items []string, inTable bool) string {
	out := make([]string, len(items))
	for i, s := range items {
		out[i] = mdCode(s, inTable)
	}
	return strings.Join(out, ", ")
}

func (mw *mdWriter) failures(fv failuresView) {
	mw.p("### Where failures come from\n\n")
	if fv.Empty {
		mw.p("No request failed.\n\n")
		return
	}
	mw.p("%s.\n\n", mdEscape(upperFirst(fv.Failures)))
	if fv.Configured != "" {
		mw.p("> %s\n\n", mdEscape(fv.Configured))
	}
	mw.p("| layer | what decided | failed | share | of all requests | reasons |\n|---|---|--:|--:|--:|---|\n")
	for _, l := range fv.Layers {
		title := mdEscape(l.Title)
		if l.Tone == toneBad {
			title = "**" + title + "**"
		}
		mw.p("| %s | %s | %s | %s | %s | %s |\n", title, mdEscape(l.Means), l.Requests, l.Share, l.OfAll, mdEscape(l.Reasons))
	}
	mw.p("\n| host | group | layer | failed | share | status | reasons | detailed result types |\n|---|---|---|--:|--:|---|---|---|\n")
	for _, r := range fv.Rows {
		mw.p("| %s | %s | %s | %s | %s | %s | %s | %s |\n", mdCode(r.Host, true), mdCode(r.Group, true), mdEscape(r.LayerID),
			r.Requests, r.Share, mdEscape(r.Statuses), mdEscape(r.Reasons), mdCounts(r.DetailedItems))
	}
	if fv.More != "" {
		mw.p("\n%s\n", mdEscape(fv.More))
	}
	mw.p("\n")
}

// mdCounts lists values from the logs as code spans with their counts.
func mdCounts(cs []detectors.NamedCount) string {
	parts := make([]string, len(cs))
	for i, nc := range cs {
		parts[i] = mdCode(nc.Name, true) + " ×" + num(nc.Count)
	}
	return strings.Join(parts, ", ")
}
