package probe

import (
	"encoding/json"
	"encoding/xml"
	"fmt"
	"io"
	"strings"
)

// WriteJSON writes r as JSON (schema probe.v1.json).
func WriteJSON(w io.Writer, r *Report) error {
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	return enc.Encode(r)
}

func statusWord(s Status) string {
	switch s {
	case StatusPass:
		return "PASS"
	case StatusFail:
		return "FAIL"
	}
	return "SKIP"
}

// WriteText writes r for a terminal. Every value from the server was
// escaped when recorded.
func WriteText(w io.Writer, r *Report) error {
	var b strings.Builder
	fmt.Fprintf(&b, "cfwatch probe %s (auth prefix %s, provider %s, API path %s)\n\n", r.Target, r.AuthPrefix, r.Provider, r.APIPath)
	for _, c := range r.Checks {
		fmt.Fprintf(&b, "%s  %-13s %s\n", statusWord(c.Status), c.ID, c.Summary)
		if c.Status == StatusFail {
			rule := c.Rule
			if rule == "" {
				rule = "(no log rule)"
			}
			fmt.Fprintf(&b, "      [%s] %s\n      cause:  %s\n", c.Severity, rule, c.Cause)
			if c.Remedy != "" {
				fmt.Fprintf(&b, "      remedy: %s\n", c.Remedy)
			}
		}
		for _, n := range c.Notes {
			fmt.Fprintf(&b, "      note: %s\n", n)
		}
		for _, ex := range c.Requests {
			writeExchangeText(&b, "      ", &ex)
		}
		if c.SizeLimit != nil && c.SizeLimit.Limit != "" {
			fmt.Fprintf(&b, "      limit: %s\n", c.SizeLimit.Limit)
		}
	}
	s := r.Summary
	fmt.Fprintf(&b, "\n%d checks: %d passed, %d failed (%d critical, %d warning), %d skipped; %d requests in %d ms\n",
		len(r.Checks), s.Passed, s.Failed, s.Critical, s.Warning, s.Skipped, s.RequestCount, r.DurationMS)
	_, err := io.WriteString(w, b.String())
	return err
}

func namedSizes(list []NamedSize) string {
	parts := make([]string, len(list))
	for i, n := range list {
		parts[i] = fmt.Sprintf("%s (%d B)", n.Name, n.Size)
	}
	return strings.Join(parts, ", ")
}

func writeExchangeText(b *strings.Builder, ind string, ex *Exchange) {
	fmt.Fprintf(b, "%s> %s %s  [%d bytes of headers", ind, ex.Method, ex.URL, ex.HeaderBytes)
	if ex.Attempts > 1 {
		fmt.Fprintf(b, ", %d attempts", ex.Attempts)
	}
	fmt.Fprintf(b, "]\n%s    sent: %s\n", ind, namedSizes(ex.Sent))
	if len(ex.CookiesSent) > 0 {
		fmt.Fprintf(b, "%s    cookies: %s\n", ind, namedSizes(ex.CookiesSent))
	}
	if ex.Status == 0 {
		fmt.Fprintf(b, "%s< no answer: %s\n", ind, ex.Error)
		return
	}
	fmt.Fprintf(b, "%s< %d from %s", ind, ex.Status, ex.AnsweredBy)
	if ex.Signature != "" {
		fmt.Fprintf(b, " (%s)", ex.Signature)
	}
	b.WriteString("\n")
	for _, h := range ex.Headers {
		fmt.Fprintf(b, "%s    %s: %s\n", ind, h.Name, h.Value)
	}
	if len(ex.CookiesSet) > 0 {
		fmt.Fprintf(b, "%s    set-cookie: %s\n", ind, namedSizes(ex.CookiesSet))
	}
}

// mdCell makes s safe inside a Markdown table cell or line.
func mdCell(s string) string {
	r := strings.NewReplacer("|", `\|`, "\n", " ", "`", "'", "<", "&lt;", ">", "&gt;")
	return r.Replace(s)
}

// WriteMarkdown writes r as Markdown (a table, then each failure's cause,
// remedy and requests), e.g. for a pull request comment or a job summary.
func WriteMarkdown(w io.Writer, r *Report) error {
	var b strings.Builder
	s := r.Summary
	fmt.Fprintf(&b, "## cfwatch probe: %s\n\n%d passed, %d failed (%d critical, %d warning), %d skipped\n\n", mdCell(r.Target), s.Passed, s.Failed, s.Critical, s.Warning, s.Skipped)
	b.WriteString("| Check | Result | Severity | Rule | Observed |\n|---|---|---|---|---|\n")
	for _, c := range r.Checks {
		fmt.Fprintf(&b, "| %s | %s | %s | %s | %s |\n", c.ID, statusWord(c.Status), c.Severity, mdCell(c.Rule), mdCell(c.Summary))
	}
	for _, c := range r.Checks {
		if c.Status != StatusFail {
			continue
		}
		fmt.Fprintf(&b, "\n### %s: %s\n\n", c.ID, mdCell(c.Title))
		if c.Rule != "" {
			fmt.Fprintf(&b, "- **Rule:** `%s` (%s)\n", c.Rule, c.Severity)
		}
		fmt.Fprintf(&b, "- **Cause:** %s\n", mdCell(c.Cause))
		if c.Remedy != "" {
			fmt.Fprintf(&b, "- **Remedy:** %s\n", mdCell(c.Remedy))
		}
		var t strings.Builder
		for _, ex := range c.Requests {
			writeExchangeText(&t, "", &ex)
		}
		fmt.Fprintf(&b, "\n```text\n%s```\n", strings.ReplaceAll(t.String(), "```", "'''"))
	}
	_, err := io.WriteString(w, b.String())
	return err
}

type junitSuites struct {
	XMLName  xml.Name   `xml:"testsuites"`
	Name     string     `xml:"name,attr"`
	Tests    int        `xml:"tests,attr"`
	Failures int        `xml:"failures,attr"`
	Skipped  int        `xml:"skipped,attr"`
	Time     string     `xml:"time,attr"`
	Suite    junitSuite `xml:"testsuite"`
}

type junitSuite struct {
	Name      string      `xml:"name,attr"`
	Tests     int         `xml:"tests,attr"`
	Failures  int         `xml:"failures,attr"`
	Errors    int         `xml:"errors,attr"`
	Skipped   int         `xml:"skipped,attr"`
	Time      string      `xml:"time,attr"`
	Timestamp string      `xml:"timestamp,attr"`
	Cases     []junitCase `xml:"testcase"`
}

type junitCase struct {
	Name      string        `xml:"name,attr"`
	Classname string        `xml:"classname,attr"`
	Time      string        `xml:"time,attr"`
	Failure   *junitFailure `xml:"failure,omitempty"`
	Skipped   *junitSkipped `xml:"skipped,omitempty"`
	SystemOut string        `xml:"system-out,omitempty"`
}

type junitFailure struct {
	Message string `xml:"message,attr"`
	Type    string `xml:"type,attr"`
	Text    string `xml:",chardata"`
}

type junitSkipped struct {
	Message string `xml:"message,attr"`
}

func secs(ms int64) string { return fmt.Sprintf("%.3f", float64(ms)/1000) }

// WriteJUnit writes r as JUnit XML: one testsuite, one testcase per check
// (failure or skipped elements), for CI systems' test reports.
func WriteJUnit(w io.Writer, r *Report) error {
	s := junitSuite{
		Name: "cfwatch probe " + r.Target, Tests: len(r.Checks), Failures: r.Summary.Failed, Skipped: r.Summary.Skipped,
		Time: secs(r.DurationMS), Timestamp: r.StartedAt.Format("2006-01-02T15:04:05Z"),
	}
	for _, c := range r.Checks {
		tc := junitCase{Name: c.ID, Classname: "cfwatch.probe", Time: secs(c.DurationMS)}
		var out strings.Builder
		for _, ex := range c.Requests {
			writeExchangeText(&out, "", &ex)
		}
		for _, n := range c.Notes {
			fmt.Fprintf(&out, "note: %s\n", n)
		}
		tc.SystemOut = out.String()
		switch c.Status {
		case StatusFail:
			typ := c.Rule
			if typ == "" {
				typ = "probe-failure"
			}
			text := fmt.Sprintf("severity: %s\ncause: %s\n", c.Severity, c.Cause)
			if c.Remedy != "" {
				text += "remedy: " + c.Remedy + "\n"
			}
			tc.Failure = &junitFailure{Message: fmt.Sprintf("[%s] %s: %s", c.Severity, typ, c.Summary), Type: typ, Text: text}
		case StatusSkip:
			tc.Skipped = &junitSkipped{Message: c.Summary}
		}
		s.Cases = append(s.Cases, tc)
	}
	doc := junitSuites{Name: "cfwatch probe", Tests: s.Tests, Failures: s.Failures, Skipped: s.Skipped, Time: s.Time, Suite: s}
	if _, err := io.WriteString(w, xml.Header); err != nil {
		return err
	}
	enc := xml.NewEncoder(w)
	enc.Indent("", "  ")
	if err := enc.Encode(doc); err != nil {
		return err
	}
	_, err := io.WriteString(w, "\n")
	return err
}
