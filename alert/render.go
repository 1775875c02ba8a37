package alert

import (
	"fmt"
	"strings"
	"time"

	"github.com/dustin/go-humanize"
	"github.com/slack-go/slack"

	"github.com/cfwatch/cfwatch/dataset"
	"github.com/cfwatch/cfwatch/detectors"
)

// Status is an incident's state as its message shows it.
type Status string

const (
	StatusOpen     Status = "open"     // failures are still being reported
	StatusResolved Status = "resolved" // the rule has been quiet for the cooldown
)

// MessageContext is what an alert shows beyond the finding itself.
type MessageContext struct {
	Status Status // "" means StatusOpen
	// Ongoing marks a follow-up message about an incident already posted,
	// sent as a new message because a webhook cannot edit the first one.
	Ongoing bool
	// Files is how many log files the finding's evidence was merged from.
	// Above 1 it is shown, and the cause (worded from one file's evidence)
	// is introduced as the latest file's.
	Files int
	// Updated is when evidence last arrived; shown when Files > 1.
	Updated time.Time
	// Resolved is when the incident was resolved, and Cooldown the quiet
	// time that resolved it; shown when Status is StatusResolved.
	Resolved time.Time
	Cooldown time.Duration
	// ReportSources are where `cfwatch report --source` finds the raw logs
	// (see LogSource); none shows SourcePlaceholder.
	ReportSources []string
	// Dataset is the s3:// location of the Parquet dataset and Table its
	// Athena table ("" is dataset.DefaultTable). Without Dataset the message
	// has no Athena query.
	Dataset string
	Table   string
	// IgnorePaths are the detectors' ignore_paths, left out of the Athena
	// query.
	IgnorePaths []string
}

// Block Kit limits the builders stay within (Slack answers invalid_blocks
// beyond them).
const (
	maxHeader   = 150
	maxSection  = 3000
	maxField    = 2000
	maxFallback = 300
)

// Title is a few words saying what f's rule means.
func Title(f detectors.Finding) string {
	switch f.Rule {
	case detectors.RuleAuthCacheHit:
		return "CloudFront serves NextAuth responses from its cache"
	case detectors.RuleAuth403Burst:
		return "Sign-in fails with 403 on NextAuth's endpoints"
	case detectors.RuleMethodRejected:
		if f.Group == "/*" {
			return "CloudFront refuses POSTs to the site's pages (method not allowed)"
		}
		return "CloudFront refuses sign-in POSTs (method not allowed)"
	case detectors.RuleCORSPreflightRejected:
		return "Cross-origin calls fail their CORS preflight"
	case detectors.RuleAuthCookieMissing:
		return "NextAuth requests fail without NextAuth's cookies"
	case detectors.RuleAuthInsecureScheme:
		return "NextAuth is reached over http or the *.cloudfront.net name"
	case detectors.RuleAPIOriginForbidden:
		return "The origin answers 403 to most API requests"
	case detectors.RuleOriginErrors:
		return "The origin is failing (5xx or origin errors)"
	}
	return "cfwatch finding " + ruleID(f.Rule)
}

// ruleID is the rule for display: rule IDs are lowercase words joined by
// '-', anything else is dropped.
func ruleID(rule string) string {
	var b strings.Builder
	for _, r := range rule {
		if r >= 'a' && r <= 'z' || r >= '0' && r <= '9' || r == '-' || r == '_' {
			b.WriteRune(r)
		}
	}
	if b.Len() == 0 {
		return "unknown-rule"
	}
	return cutRunes(b.String(), 60)
}

func severityLabel(s detectors.Severity) string {
	switch s {
	case detectors.SeverityCritical:
		return "Critical"
	case detectors.SeverityWarning:
		return "Warning"
	case detectors.SeverityInfo:
		return "Info"
	}
	return "Alert"
}

func severityEmoji(s detectors.Severity) string {
	switch s {
	case detectors.SeverityCritical:
		return ":red_circle:"
	case detectors.SeverityWarning:
		return ":large_orange_circle:"
	}
	return ":large_blue_circle:"
}

// Blocks returns the Block Kit message for f: severity and rule in the
// header; distribution, host, endpoint, window, the count against its
// denominator and the distinct clients; the failing paths; the cause and
// the fix; example request IDs; and a report command and Athena query to
// dig further. Every value that came from a request is escaped for mrkdwn
// and cut to length, and every mrkdwn text is verbatim (Slack does not turn
// URLs, channel names or mentions in it into links).
func Blocks(f detectors.Finding, mc MessageContext) []slack.Block {
	resolved := mc.Status == StatusResolved
	header := fmt.Sprintf("%s %s: %s", severityEmoji(f.Severity), severityLabel(f.Severity), ruleID(f.Rule))
	if mc.Ongoing {
		header += " (ongoing)"
	}
	if resolved {
		header = fmt.Sprintf(":white_check_mark: Resolved: %s (was %s)", ruleID(f.Rule), strings.ToLower(severityLabel(f.Severity)))
	}
	blocks := []slack.Block{
		slack.NewHeaderBlock(slack.NewTextBlockObject(slack.PlainTextType, cutRunes(header, maxHeader), true, false)),
		sectionBlock("*" + mrkdwn(Title(f), 200) + "*"),
		slack.NewSectionBlock(nil, []*slack.TextBlockObject{
			md(field("Distribution", codeOr(f.DistributionID, 40, "unknown"))),
			md(field("Host", codeOr(f.Host, maxHostLen, "unknown"))),
			md(field("Endpoint", codeOr(f.Group, maxPathLen, "unknown"))),
			md(field("Window", span(f.FirstSeen, f.LastSeen))),
			md(field("Failing", countText(f))),
			md(field("Distinct clients", f.ClientsText())),
		}, nil),
	}
	if len(f.Paths) > 0 {
		blocks = append(blocks, sectionBlock("*Paths*\n"+codeList(f.Paths, maxPathLen, maxSection-20)))
	}
	cause := f.Cause
	if mc.Files > 1 && cause != "" {
		cause = "In the latest log file: " + cause
	}
	if cause != "" {
		blocks = append(blocks, sectionBlock("*Cause*\n"+mrkdwn(cause, maxProseLen)))
	}
	if f.Remedy != "" {
		blocks = append(blocks, sectionBlock("*Fix*\n"+mrkdwn(f.Remedy, maxProseLen)))
	}
	if len(f.Related) > 0 {
		blocks = append(blocks, sectionBlock("*Also affected, same cause*\n"+relatedList(f.Related, maxSection-40)))
	}
	if len(f.Examples) > 0 {
		blocks = append(blocks, contextBlock("Example request IDs: "+codeList(f.Examples, maxExampleLen, maxSection-40)))
	}
	blocks = append(blocks, slack.NewDividerBlock(),
		sectionBlock("*Dig further*\n```"+mrkdwnCode(ReportCommand(f, mc.ReportSources...), maxSection-40)+"```"))
	if mc.Dataset != "" {
		table := mc.Table
		if table == "" {
			table = dataset.DefaultTable
		}
		title := fmt.Sprintf("*Athena* (table %s over %s)\n", code(table, 100), code(mc.Dataset, 300))
		blocks = append(blocks, sectionBlock(title+"```"+mrkdwnCode(AthenaQuery(f, table, mc.IgnorePaths...), maxSection-len(title)-10)+"```"))
	}
	blocks = append(blocks, contextBlock(footer(f, mc)))
	return blocks
}

// footer is the last context line: the incident key, the files merged, and
// when it was updated or resolved.
func footer(f detectors.Finding, mc MessageContext) string {
	parts := []string{"cfwatch", "incident " + code(f.Key, 400)}
	if mc.Files > 1 {
		parts = append(parts, fmt.Sprintf("seen in %s log files", humanize.Comma(int64(mc.Files))))
		if !mc.Updated.IsZero() {
			parts = append(parts, "updated "+mc.Updated.UTC().Format("2006-01-02 15:04 UTC"))
		}
	}
	if mc.Status == StatusResolved {
		parts = append(parts, resolvedLine(f, mc))
	}
	return strings.Join(parts, " · ")
}

func resolvedLine(f detectors.Finding, mc MessageContext) string {
	s := "resolved"
	if !mc.Resolved.IsZero() {
		s += " " + mc.Resolved.UTC().Format("2006-01-02 15:04 UTC")
	}
	if mc.Cooldown > 0 {
		s += fmt.Sprintf(": no new failures for %s", shortDuration(mc.Cooldown))
		if !f.LastSeen.IsZero() {
			s += " after " + f.LastSeen.UTC().Format("2006-01-02 15:04 UTC")
		}
	}
	return s
}

// Fallback returns the message's plain-text `text`, shown in
// notifications and by clients that cannot show blocks: one line, escaped
// for mrkdwn like the blocks.
func Fallback(f detectors.Finding, mc MessageContext) string {
	where := strings.TrimSpace(plain(f.Host, maxHostLen) + " " + plain(f.Group, maxPathLen))
	if mc.Status == StatusResolved {
		return mrkdwn(fmt.Sprintf("Resolved: %s on %s (%s)", ruleID(f.Rule), where, resolvedLine(f, mc)), maxFallback)
	}
	label := severityLabel(f.Severity)
	if mc.Ongoing {
		label += " (ongoing)"
	}
	more := ""
	if n := len(f.Related); n > 0 {
		more = fmt.Sprintf(" (and %d related)", n)
	}
	return mrkdwn(fmt.Sprintf("%s: %s on %s: %s%s", label, ruleID(f.Rule), where, countText(f), more), maxFallback)
}

// resolvedReply is the short thread reply that closes an incident.
func resolvedReply(f detectors.Finding, mc MessageContext) string {
	s := fmt.Sprintf(":white_check_mark: Resolved: %s on %s %s: %s. In all: %s",
		ruleID(f.Rule), code(f.Host, maxHostLen), code(f.Group, maxPathLen), mrkdwn(resolvedLine(f, mc), 200), countText(f))
	if mc.Files > 1 {
		s += fmt.Sprintf(", in %s log files", humanize.Comma(int64(mc.Files)))
	}
	return s + "."
}

// Text returns f as plain text for a terminal or a log: a few labelled
// lines, control, bidi and zero-width characters made visible as escapes
// (internal/visible), long values cut, nothing else escaped.
func Text(f detectors.Finding) string {
	var b strings.Builder
	fmt.Fprintf(&b, "%s %s: %s\n", strings.ToUpper(severityLabel(f.Severity)), ruleID(f.Rule), Title(f))
	line := func(label, value string) {
		if value != "" {
			fmt.Fprintf(&b, "  %-13s %s\n", label, value)
		}
	}
	dist := f.DistributionID
	if dist == "" {
		dist = "unknown"
	}
	line("distribution", plain(dist, 40))
	line("host", plain(f.Host, maxHostLen))
	line("endpoint", plain(f.Group, maxPathLen))
	line("window", span(f.FirstSeen, f.LastSeen))
	line("failing", countText(f))
	line("clients", f.ClientsText()+" distinct")
	line("paths", plainList(f.Paths, maxPathLen))
	line("examples", plainList(f.Examples, maxExampleLen))
	line("cause", plain(f.Cause, maxProseLen))
	line("fix", plain(f.Remedy, maxProseLen))
	for i, r := range f.Related {
		label := ""
		if i == 0 {
			label = "related"
		}
		line(label, relatedText(r, plain(r.Group, maxPathLen)))
	}
	line("key", plain(f.Key, 400))
	return b.String()
}

// relatedList is the findings folded into a finding, one bullet each,
// within max runes, ending in "and N more" when they do not all fit.
func relatedList(rs []detectors.Related, max int) string {
	var lines []string
	n := 0
	for i, r := range rs {
		l := "• " + relatedText(r, code(r.Group, maxPathLen))
		if n+len([]rune(l))+1 > max-20 {
			lines = append(lines, fmt.Sprintf("and %d more", len(rs)-i))
			break
		}
		lines = append(lines, l)
		n += len([]rune(l)) + 1
	}
	return strings.Join(lines, "\n")
}

// relatedText is one folded finding: "auth-cookie-missing on
// /api/auth/session (warning, same failing requests): 382 of 606 session
// requests (63%)", the group as given (escaped by the caller).
func relatedText(r detectors.Related, group string) string {
	how := "same fix"
	if r.How == detectors.FoldAbsorbed {
		how = "same failing requests"
	}
	return fmt.Sprintf("%s on %s (%s, %s): %s", ruleID(r.Rule), group, strings.ToLower(severityLabel(r.Severity)), how,
		countText(detectors.Finding{Count: r.Count, Denominator: r.Denominator, DenominatorLabel: r.DenominatorLabel}))
}

// countText is "412 of 1,530 callback requests (27%)".
func countText(f detectors.Finding) string {
	s := humanize.Comma(f.Count)
	if f.Denominator > 0 {
		label := plain(f.DenominatorLabel, 60)
		if label == "" {
			label = "requests"
		}
		s += fmt.Sprintf(" of %s %s (%s)", humanize.Comma(f.Denominator), label, detectors.Percent(f.Rate()))
	} else {
		s += " requests"
	}
	return s
}

// span is "2026-11-20 14:02–15:58 UTC".
func span(a, b time.Time) string {
	a, b = a.UTC(), b.UTC()
	if a.IsZero() {
		return "time unknown"
	}
	if b.Before(a) {
		b = a
	}
	if a.Format("2006-01-02") == b.Format("2006-01-02") {
		return a.Format("2006-01-02 15:04") + "–" + b.Format("15:04") + " UTC"
	}
	return a.Format("2006-01-02 15:04") + " – " + b.Format("2006-01-02 15:04") + " UTC"
}

func shortDuration(d time.Duration) string {
	s := d.String()
	s = strings.TrimSuffix(s, "0s")
	s = strings.TrimSuffix(s, "0m")
	if s == "" {
		return d.String()
	}
	return s
}

func sectionBlock(text string) *slack.SectionBlock {
	return slack.NewSectionBlock(md(cutEscaped(text, maxSection)), nil, nil)
}

func contextBlock(text string) *slack.ContextBlock {
	return slack.NewContextBlock("", md(cutEscaped(text, maxSection)))
}

// md is a verbatim mrkdwn text object: Slack shows it without turning
// URLs, #channels or @mentions into links.
func md(text string) *slack.TextBlockObject {
	return slack.NewTextBlockObject(slack.MarkdownType, text, false, true)
}

func field(label, value string) string {
	return cutEscaped("*"+label+"*\n"+value, maxField)
}

// codeOr is s as a code span, or fallback (as plain words) when s is empty.
func codeOr(s string, max int, fallback string) string {
	if s == "" {
		return fallback
	}
	return code(s, max)
}

// codeList shows values as code spans separated by spaces, within max
// runes, ending in "and N more" when they do not all fit.
func codeList(values []string, each, max int) string {
	var parts []string
	n := 0
	for i, v := range values {
		c := code(v, each)
		if n+len([]rune(c))+1 > max-20 {
			parts = append(parts, fmt.Sprintf("and %d more", len(values)-i))
			break
		}
		parts = append(parts, c)
		n += len([]rune(c)) + 1
	}
	return strings.Join(parts, " ")
}

// mrkdwnCode is text for inside a ``` block: escaped for mrkdwn, with
// backquotes replaced (a ``` would end the block), newlines kept.
func mrkdwnCode(s string, max int) string {
	lines := strings.Split(s, "\n")
	for i, l := range lines {
		lines[i] = escapeCut(l, maxSection, true)
	}
	return cutEscaped(strings.Join(lines, "\n"), max)
}

func plainList(values []string, each int) string {
	out := make([]string, len(values))
	for i, v := range values {
		out[i] = plain(v, each)
	}
	return strings.Join(out, ", ")
}
