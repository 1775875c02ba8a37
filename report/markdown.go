package report

import (
	"fmt"
	"io"
	"strings"

	"github.com/dustin/go-humanize"
)

// WriteMarkdown writes the report as Markdown (GitHub flavoured), to paste
// into an incident ticket or a pull request: the findings with their cause
// and fix, the checks, and the traffic picture as tables. Every value from
// the logs is escaped: its control characters made visible
// (visible.String, through mdEscape and mdCode), paths and request IDs are
// code spans, pipes and backticks cannot break a table.
func (rep *Report) WriteMarkdown(w io.Writer) error {
	var b strings.Builder
	p := func(format string, a ...any) { fmt.Fprintf(&b, format, a...) }
	from, until := rep.Window.From, rep.Window.Until
	p("## cfwatch report: %s → %s UTC (%s)\n\n", from.Format("2006-01-02 15:04"), until.Format("2006-01-02 15:04"), span(until.Sub(from)))
	if title := rep.noDataTitle(); title != "" {
		p("> **NO DATA: %s.**\n", mdEscape(title))
		for _, l := range rep.noDataLines() {
			p(">\n> %s\n", mdEscape(l))
		}
		p("\n")
	}
	p("%s\n\n", rep.headline(true))
	in := rep.Input
	if q := in.queried(); q != "" {
		p("Input: %s", mdEscape(q))
	} else {
		p("Input: %s files (%s), %s records, %s skipped lines%s%s", num(in.Files), humanize.IBytes(uint64(in.Bytes)), num(in.Records), num(in.SkippedLines), invalidText(in), filteredText(in))
	}
	if in.FilesOutsideWindow > 0 {
		p(", %s files outside the window not read", num(in.FilesOutsideWindow))
	}
	if len(in.FailedFiles) > 0 {
		p(", **%s files not read to the end** (listed below)", num(len(in.FailedFiles)))
	}
	p(".\n\n")

	// Findings.
	switch {
	case len(rep.Findings) == 0 && rep.Coverage.NoData:
		p("### Findings: none (no data to judge)\n\n")
	case len(rep.Findings) == 0:
		p("### Findings: none\n\n")
	default:
		p("### Findings (%d)\n\n", len(rep.Findings))
	}
	for _, f := range rep.Findings {
		p("#### %s %s: %s\n\n", mdEscape(strings.ToUpper(string(f.Severity))), mdCode(f.Rule, false), mdEscape(f.Host+" "+f.Group))
		p("%s\n\n", mdEscape(f.Summary()))
		if f.DistributionID != "" {
			p("- **Distribution:** %s\n", mdCode(f.DistributionID, false))
		}
		if f.Cause != "" {
			p("- **Cause:** %s\n", mdEscape(f.Cause))
		}
		if f.Remedy != "" {
			p("- **Fix:** %s\n", mdEscape(f.Remedy))
		}
		if f.Settings != "" {
			p("- **Settings:** %s\n", mdEscape(f.Settings))
		}
		if len(f.Paths) > 0 {
			p("- **Paths:** %s\n", codeList(f.Paths, false))
		}
		if len(f.Examples) > 0 {
			p("- **Request IDs:** %s\n", codeList(f.Examples, false))
		}
		p("\n")
	}

	// Checks.
	p("### Post-deploy checks\n\n| check | status | evidence |\n|---|---|---|\n")
	for _, ch := range rep.Checks {
		status := mdEscape(strings.ToUpper(ch.Status))
		if ch.Status == "fail" {
			status = "**FAIL**"
		}
		p("| %s | %s | %s |\n", mdCode(ch.Name, true), status, mdEscape(ch.Evidence))
	}
	p("\n")

	// Traffic.
	t := rep.Totals
	p("### Traffic\n\n")
	if t.Requests == 0 {
		p("No requests in the window.\n\n")
	} else {
		p("| | |\n|---|---|\n")
		p("| Requests | %s |\n", num(t.Requests))
		p("| Bytes | %s sent, %s received |\n", humanize.IBytes(uint64(t.BytesSent)), humanize.IBytes(uint64(t.BytesReceived)))
		p("| Cache hit ratio | %.1f%% |\n", rep.Cache.HitRatio*100)
		auth := rep.Series.total()
		p("| Auth failures | %s of %s requests under %s (%s) |\n", num(auth.AuthFailures), num(auth.AuthRequests),
			mdCode(rep.AuthPrefix, true), pct(auth.AuthFailures, auth.AuthRequests))
		p("\n| status | requests | share |\n|---|--:|--:|\n")
		for _, class := range statusClassOrder {
			if n := rep.Status.Classes[class]; n > 0 {
				p("| %s | %s | %s |\n", class, num(n), pct(n, t.Requests))
			}
		}
		p("\n| cache result | requests |\n|---|--:|\n")
		for _, k := range sortedByCount(rep.Cache.ResultTypes) {
			p("| %s | %s |\n", mdCode(k, true), num(rep.Cache.ResultTypes[k]))
		}
		p("\n")
		var tl strings.Builder
		rep.writeTimeline(&tl, style{}, "")
		p("```text\n%s\n```\n\n", strings.TrimRight(tl.String(), "\n"))
	}

	// NextAuth endpoints.
	p("### NextAuth endpoints\n\n| endpoint | requests | failed | rate | failed with |\n|---|--:|--:|--:|---|\n")
	for _, e := range rep.AuthEndpoints {
		var codes []string
		for _, cc := range e.topCodes() {
			codes = append(codes, cc.code+" ×"+num(cc.n))
		}
		p("| %s | %s | %s | %s | %s |\n", mdCode(e.Path, true), num(e.Requests), num(e.Failures), pct(e.Failures, e.Requests), mdEscape(strings.Join(codes, ", ")))
	}
	p("\n")

	// Baseline.
	if bl := rep.Baseline; bl != nil {
		p("### Compared with %s\n\n", mdEscape(rep.baselineTitle()))
		if bl.Totals.Requests == 0 {
			p("No requests in the baseline window: nothing to compare with.\n\n")
		} else {
			p("| | before | now | change | |\n|---|--:|--:|--:|---|\n")
			for _, r := range rep.comparisons() {
				label := mdEscape(r.Label)
				if d := r.RateNow - r.RateBefore; d >= 0.05 {
					label = "**" + label + "**"
				}
				p("| %s | %s | %s | %s | %s |\n", label, r.Before, r.Now, r.Change, mdEscape(r.Note))
			}
			p("\n**Error rate changed most**\n\n")
			if len(bl.ChangedPaths) == 0 {
				p("No path's error rate moved by more than chance (paths with %d requests or more, seen in both periods).\n\n", minChangeRequests)
			} else {
				p("| path | requests before → now | error rate before | now | change |\n|---|--:|--:|--:|--:|\n")
				for _, c := range bl.ChangedPaths {
					p("| %s | %s → %s | %s | %s | %s |\n", mdCode(c.Path, true), num(c.RequestsBefore), num(c.Requests),
						ratePct(c.ErrorRateBefore), ratePct(c.ErrorRate), pts(c.Change))
				}
				p("\n")
			}
		}
	}

	// Paths.
	if t.Requests > 0 {
		p("### Top paths\n\n| path | requests | share | 4xx | 5xx | bytes |\n|---|--:|--:|--:|--:|--:|\n")
		for _, r := range rep.Paths {
			p("| %s | %s | %s | %s | %s | %s |\n", mdCode(r.Path, true), num(r.Requests), pct(r.Requests, t.Requests),
				num(r.Errors4xx), num(r.Errors5xx), humanize.IBytes(uint64(r.BytesSent)))
		}
		p("\n### Errors by path\n\n")
		if len(rep.Errors) == 0 {
			p("None.\n\n")
		} else {
			p("| path | errors | rate | most common |\n|---|--:|--:|--:|\n")
			for _, r := range rep.Errors {
				e := r.Errors4xx + r.Errors5xx
				p("| %s | %s | %s | %d |\n", mdCode(r.Path, true), num(e), pct(e, r.Requests), r.TopError)
			}
			p("\n")
		}
	}

	// Input problems.
	if len(in.FailedFiles) > 0 || in.SkippedLines > 0 || in.InvalidValues > 0 {
		p("### Input problems\n\n")
		for _, f := range in.FailedFiles {
			p("- **Failed:** %s\n", mdCode(f.Error, false))
		}
		for _, e := range in.LineErrors {
			p("- Skipped: %s\n", mdCode(e.Error, false))
		}
		if in.SkippedLines > int64(len(in.LineErrors)) {
			p("- … and %s more skipped lines\n", num(in.SkippedLines-int64(len(in.LineErrors))))
		}
		for _, e := range in.FieldErrors {
			p("- Unknown value: %s\n", mdCode(e.Error, false))
		}
		if in.InvalidValues > int64(len(in.FieldErrors)) {
			p("- … and %s more invalid values\n", num(in.InvalidValues-int64(len(in.FieldErrors))))
		}
		p("\n")
	}
	_, err := io.WriteString(w, b.String())
	return err
}

func codeList(items []string, inTable bool) string {
	out := make([]string, len(items))
	for i, s := range items {
		out[i] = mdCode(s, inTable)
	}
	return strings.Join(out, ", ")
}

// headline is the report in one sentence: the worst findings and the
// main figures. md marks it up as Markdown.
func (rep *Report) headline(md bool) string {
	var parts []string
	crit, warn := 0, 0
	for _, f := range rep.Findings {
		switch f.Severity {
		case "critical":
			crit++
		case "warning":
			warn++
		}
	}
	plural := func(n int, s string) string {
		if n == 1 {
			return fmt.Sprintf("%d %s finding", n, s)
		}
		return fmt.Sprintf("%d %s findings", n, s)
	}
	bold := func(s string) string {
		if md {
			return "**" + s + "**"
		}
		return s
	}
	switch {
	case crit > 0 && warn > 0:
		parts = append(parts, bold(plural(crit, "critical")+", "+plural(warn, "warning")))
	case crit > 0:
		parts = append(parts, bold(plural(crit, "critical")))
	case warn > 0:
		parts = append(parts, bold(plural(warn, "warning")))
	case len(rep.Findings) > 0:
		parts = append(parts, fmt.Sprintf("%d findings", len(rep.Findings)))
	case rep.Coverage.NoData:
		parts = append(parts, bold("no data"))
	default:
		parts = append(parts, "no finding")
	}
	failed := 0
	for _, ch := range rep.Checks {
		if ch.Status == "fail" {
			failed++
		}
	}
	if failed > 0 {
		parts = append(parts, bold(fmt.Sprintf("%d of %d checks failed", failed, len(rep.Checks))))
	}
	t := rep.Totals
	parts = append(parts, num(t.Requests)+" requests")
	if t.Requests > 0 {
		parts = append(parts, "4xx "+pct(rep.Status.Classes["4xx"], t.Requests), "5xx "+pct(rep.Status.Classes["5xx"], t.Requests))
		a := rep.Series.total()
		if a.AuthRequests > 0 {
			parts = append(parts, "auth failures "+pct(a.AuthFailures, a.AuthRequests))
		}
		parts = append(parts, fmt.Sprintf("cache hit ratio %.1f%%", rep.Cache.HitRatio*100))
	}
	return strings.Join(parts, " · ")
}
