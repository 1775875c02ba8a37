package audit

import (
	"encoding/json"
	"fmt"
	"github.com/cfwatch/cfwatch/internal/visible"
	"io"
	"path/filepath"
	"strings"
)

// SchemaID names the JSON document's schema (schema/audit.v1.json).
const SchemaID = "cfwatch.audit/v1"

// A Report is the result of an audit; its JSON form is the documented
// schema.
type Report struct {
	Schema        string               `json:"schema"`
	AuthPrefix    string               `json:"auth_prefix"`
	APIPrefixes   []string             `json:"api_prefixes"`
	Inputs        []Input              `json:"inputs"`
	Distributions []DistributionReport `json:"distributions"`
	Findings      []Finding            `json:"findings"`
	Summary       Summary              `json:"summary"`
	Rules         []Rule               `json:"rules"`
}

// Summary counts the findings by severity.
type Summary struct {
	Critical int `json:"critical"`
	Warning  int `json:"warning"`
}

// A DistributionReport says how the paths were routed and what was checked.
type DistributionReport struct {
	Name     string  `json:"name"`
	ID       string  `json:"id,omitempty"`
	Resource string  `json:"resource,omitempty"`
	File     string  `json:"file,omitempty"`
	Line     int     `json:"line,omitempty"`
	Routes   []Route `json:"routes"`
	Checks   []Check `json:"checks"`
}

// A Route is the behavior and origin CloudFront uses for a path.
type Route struct {
	Path        string `json:"path"`
	PathPattern string `json:"path_pattern"`
	Origin      string `json:"origin"`
	OriginKind  string `json:"origin_kind"`
	Note        string `json:"note,omitempty"`
}

// A Check is one setting a rule read, and what it decided.
type Check struct {
	Rule        string `json:"rule"`
	PathPattern string `json:"path_pattern,omitempty"`
	Setting     string `json:"setting"`
	Value       string `json:"value"`
	Result      string `json:"result"`
	Note        string `json:"note,omitempty"`
}

// A Finding is a setting that breaks NextAuth.
type Finding struct {
	Rule         string `json:"rule"`
	Severity     string `json:"severity"`
	Distribution string `json:"distribution,omitempty"`
	Resource     string `json:"resource,omitempty"`
	File         string `json:"file,omitempty"`
	Line         int    `json:"line,omitempty"`
	PathPattern  string `json:"path_pattern,omitempty"`
	Setting      string `json:"setting"`
	Value        string `json:"value"`
	Cause        string `json:"cause"`
	Fix          string `json:"fix"`
	Prevents     string `json:"prevents"`
}

func (f Finding) where() string {
	var parts []string
	if f.Distribution != "" {
		parts = append(parts, "distribution "+f.Distribution)
	}
	if f.Resource != "" {
		parts = append(parts, "resource "+f.Resource)
	}
	if f.File != "" {
		loc := f.File
		if f.Line > 0 {
			loc = fmt.Sprintf("%s:%d", f.File, f.Line)
		}
		parts = append(parts, loc)
	}
	return strings.Join(parts, ", ")
}

// Failed reports whether a finding is at or above failOn (critical,
// warning; none never fails).
func (r *Report) Failed(failOn string) bool {
	switch failOn {
	case "critical":
		return r.Summary.Critical > 0
	case "warning":
		return r.Summary.Critical+r.Summary.Warning > 0
	}
	return false
}

// Render writes the report in format: text, json, markdown or sarif.
func (r *Report) Render(w io.Writer, format string) error {
	switch format {
	case "text", "":
		return r.renderText(w)
	case "markdown":
		return r.renderMarkdown(w)
	case "json":
		enc := json.NewEncoder(w)
		enc.SetIndent("", "  ")
		return enc.Encode(r)
	case "sarif":
		enc := json.NewEncoder(w)
		enc.SetIndent("", "  ")
		return enc.Encode(r.SARIF())
	}
	return fmt.Errorf("unknown format %q (text, json, markdown, sarif)", format)
}

// safeText shows a value from a configuration (attacker- or user-written
// names, IDs, paths) with the shared rule of internal/visible: control,
// bidi and zero-width characters and invalid UTF-8 as escapes.
func safeText(s string) string { return visible.String(s) }

// safeMarkdown also escapes what Markdown would interpret.
func safeMarkdown(s string) string {
	s = safeText(s)
	r := strings.NewReplacer("\\", "\\\\", "`", "\\`", "*", "\\*", "_", "\\_", "|", "\\|", "<", "&lt;", ">", "&gt;", "[", "\\[", "]", "\\]")
	return r.Replace(s)
}

func (r *Report) renderText(w io.Writer) error {
	ew := &errWriter{w: w}
	ew.printf("cfwatch audit: %d distribution(s); auth path %s, API prefixes %s\n", len(r.Distributions), safeText(r.AuthPrefix), safeText(strings.Join(r.APIPrefixes, ", ")))
	for _, f := range r.Findings {
		ew.printf("\n%s %s  %s\n", strings.ToUpper(f.Severity), f.Rule, safeText(f.where()))
		if f.PathPattern != "" {
			ew.printf("  behavior: %s\n", safeText(f.PathPattern))
		}
		ew.printf("  setting:  %s = %s\n", safeText(f.Setting), safeText(f.Value))
		ew.printf("  cause:    %s\n", safeText(f.Cause))
		ew.printf("  fix:      %s\n", safeText(f.Fix))
		ew.printf("  prevents: %s (log rule)\n", f.Prevents)
	}
	for _, d := range r.Distributions {
		ew.printf("\nChecked %s:\n", safeText(d.Name))
		for _, rt := range d.Routes {
			ew.printf("  %s → behavior %s → origin %s (%s)\n", safeText(rt.Path), safeText(rt.PathPattern), safeText(rt.Origin), rt.OriginKind)
		}
		for _, c := range d.Checks {
			line := fmt.Sprintf("  [%s] %s", c.Result, c.Rule)
			if c.PathPattern != "" {
				line += " " + safeText(c.PathPattern)
			}
			line += ": " + safeText(c.Setting)
			if c.Value != "" {
				line += " = " + safeText(c.Value)
			}
			if c.Note != "" {
				line += " (" + safeText(c.Note) + ")"
			}
			ew.printf("%s\n", line)
		}
	}
	if len(r.Findings) == 0 {
		ew.printf("\nNo finding.\n")
	} else {
		ew.printf("\n%d critical, %d warning\n", r.Summary.Critical, r.Summary.Warning)
	}
	return ew.err
}

func (r *Report) renderMarkdown(w io.Writer) error {
	ew := &errWriter{w: w}
	ew.printf("# cfwatch audit\n\nAuth path `%s`; API prefixes %s. %d critical, %d warning.\n", strings.ReplaceAll(r.AuthPrefix, "`", ""), safeMarkdown(strings.Join(r.APIPrefixes, ", ")), r.Summary.Critical, r.Summary.Warning)
	if len(r.Findings) > 0 {
		ew.printf("\n## Findings\n\n| severity | rule | where | behavior | setting | value | cause | fix | prevents |\n|---|---|---|---|---|---|---|---|---|\n")
		for _, f := range r.Findings {
			ew.printf("| %s | %s | %s | %s | %s | %s | %s | %s | %s |\n", f.Severity, f.Rule, safeMarkdown(f.where()), safeMarkdown(f.PathPattern), safeMarkdown(f.Setting), safeMarkdown(f.Value), safeMarkdown(f.Cause), safeMarkdown(f.Fix), f.Prevents)
		}
	} else {
		ew.printf("\nNo finding.\n")
	}
	for _, d := range r.Distributions {
		ew.printf("\n## Checked: %s\n\n| rule | behavior | setting | value | result |\n|---|---|---|---|---|\n", safeMarkdown(d.Name))
		for _, c := range d.Checks {
			res := c.Result
			if c.Note != "" {
				res += ": " + safeMarkdown(c.Note)
			}
			ew.printf("| %s | %s | %s | %s | %s |\n", c.Rule, safeMarkdown(c.PathPattern), safeMarkdown(c.Setting), safeMarkdown(c.Value), res)
		}
	}
	return ew.err
}

type errWriter struct {
	w   io.Writer
	err error
}

func (e *errWriter) printf(format string, args ...any) {
	if e.err == nil {
		_, e.err = fmt.Fprintf(e.w, format, args...)
	}
}

// SARIF returns the report as a SARIF 2.1.0 log.
func (r *Report) SARIF() map[string]any {
	var rules []map[string]any
	index := map[string]int{}
	for i, rule := range r.Rules {
		index[rule.ID] = i
		level := "warning"
		if rule.Severity == SeverityCritical {
			level = "error"
		}
		rules = append(rules, map[string]any{
			"id":                   rule.ID,
			"name":                 rule.ID,
			"shortDescription":     map[string]any{"text": rule.Title},
			"fullDescription":      map[string]any{"text": rule.Help},
			"help":                 map[string]any{"text": rule.Help + " Prevents the log rule " + rule.Prevents + ".", "markdown": rule.Help + "\n\nPrevents the log rule `" + rule.Prevents + "`."},
			"defaultConfiguration": map[string]any{"level": level},
			"properties":           map[string]any{"security-severity": map[string]string{SeverityCritical: "8.0", SeverityWarning: "5.0"}[rule.Severity], "tags": []string{"cloudfront", "nextauth"}},
		})
	}
	results := []map[string]any{}
	for _, f := range r.Findings {
		level := "warning"
		if f.Severity == SeverityCritical {
			level = "error"
		}
		msg := fmt.Sprintf("%s: %s = %s. %s. Fix: %s.", f.PathPattern, f.Setting, f.Value, f.Cause, f.Fix)
		if f.PathPattern == "" {
			msg = msg[2:]
		}
		res := map[string]any{
			"ruleId":    f.Rule,
			"ruleIndex": index[f.Rule],
			"level":     level,
			"message":   map[string]any{"text": msg},
		}
		if f.File != "" && f.File != "-" {
			region := map[string]any{"startLine": max(f.Line, 1)}
			res["locations"] = []map[string]any{{
				"physicalLocation": map[string]any{
					"artifactLocation": map[string]any{"uri": filepath.ToSlash(filepath.Clean(f.File)), "uriBaseId": "%SRCROOT%"},
					"region":           region,
				},
				"logicalLocations": []map[string]any{{"name": firstNonEmpty(f.Resource, f.Distribution), "kind": "resource"}},
			}}
		}
		res["partialFingerprints"] = map[string]any{"cfwatchAudit/v1": f.Rule + "|" + f.Resource + f.Distribution + "|" + f.PathPattern + "|" + f.Setting}
		results = append(results, res)
	}
	return map[string]any{
		"$schema": "https://json.schemastore.org/sarif-2.1.0.json",
		"version": "2.1.0",
		"runs": []map[string]any{{
			"tool": map[string]any{"driver": map[string]any{
				"name":           "cfwatch audit",
				"informationUri": "https://github.com/cfwatch/cfwatch#audit",
				"rules":          rules,
			}},
			"results": results,
		}},
	}
}

func firstNonEmpty(s ...string) string {
	for _, v := range s {
		if v != "" {
			return v
		}
	}
	return "distribution"
}
