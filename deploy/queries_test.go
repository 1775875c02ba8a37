package deploy

import (
	"regexp"
	"slices"
	"strings"
	"testing"

	"github.com/cfwatch/cfwatch/dataset"
	"github.com/cfwatch/cfwatch/detectors"
)

// The saved Athena queries: in the stack's database and workgroup, every
// one filtering on the day partition (Athena reads only those days), one
// per detector rule, and none naming a column the dataset lacks.
//
// This does not run the SQL: Athena (Trino) is not available here. The
// checks catch a misspelt column or a forgotten partition filter, not a
// syntax error.
func TestNamedQueries(t *testing.T) {
	s, err := load(t).Resolve(nil)
	if err != nil {
		t.Fatal(err)
	}
	columns := map[string]bool{dataset.PartitionDistribution: true, dataset.PartitionDay: true, dataset.PartitionHour: true}
	for _, c := range dataset.Columns() {
		columns[c.Name] = true
	}
	named := s.CFN.GetAllAthenaNamedQueryResources()
	if len(named) < len(detectors.Rules())+5 {
		t.Errorf("%d saved queries, want one per rule (%d) and AWS's common ones", len(named), len(detectors.Rules()))
	}
	// Identifiers that look like a column of the dataset: snake_case
	// words starting with one of its columns' prefixes.
	columnLike := regexp.MustCompile(`\b(?:cs|sc|c|x|ssl|fle|time|request|distribution|origin|cache)_[a-z0-9_]+\b`)
	alias := regexp.MustCompile(`(?i)\bAS\s+([a-z_][a-z0-9_]*)`)
	cte := regexp.MustCompile(`(?i)\b([a-z_][a-z0-9_]*)\s+AS\s*\(`)
	rules := map[string]string{}
	for name, q := range named {
		sql := q.QueryString
		if q.Database != "{GlueDatabase}" || deref(q.WorkGroup) != "{AthenaWorkGroup}" {
			t.Errorf("%s: database %q, workgroup %q", name, q.Database, deref(q.WorkGroup))
		}
		if deref(q.Name) == "" || deref(q.Description) == "" {
			t.Errorf("%s: no name or description", name)
		}
		if len(deref(q.Description)) > 1024 {
			t.Errorf("%s: description longer than Athena's 1024 characters", name)
		}
		if !strings.Contains(sql, "FROM cloudfront_logs") {
			t.Errorf("%s: does not read cloudfront_logs", name)
		}
		if !regexp.MustCompile(`WHERE "day" >= date_format\(current_date - interval '\d+' day, '%Y-%m-%d'\)`).MatchString(sql) {
			t.Errorf("%s: no filter on the day partition", name)
		}
		// Identifiers are quoted with double quotes; a backtick or a
		// single-quoted identifier is Hive DDL, not Athena DML.
		if strings.Contains(sql, "`") {
			t.Errorf("%s: backticks are not Athena (Trino) SQL", name)
		}
		if strings.Count(sql, "(") != strings.Count(sql, ")") {
			t.Errorf("%s: unbalanced parentheses", name)
		}
		local := map[string]bool{}
		for _, m := range alias.FindAllStringSubmatch(sql, -1) {
			local[m[1]] = true
		}
		for _, m := range cte.FindAllStringSubmatch(sql, -1) {
			local[m[1]] = true
		}
		code := stripSQLComments(stripSQLStrings(sql))
		for _, id := range columnLike.FindAllString(code, -1) {
			if !columns[id] && !local[id] {
				t.Errorf("%s: %q is not a column of the dataset", name, id)
			}
		}
		if r, ok := strings.CutPrefix(deref(q.Name), "cfwatch rule - "); ok {
			if prev, dup := rules[r]; dup {
				t.Errorf("rule %s has two queries, %s and %s", r, prev, name)
			}
			rules[r] = name
			if !strings.Contains(sql, "-- "+r+" (") {
				t.Errorf("%s: its comment does not start with the rule ID %s and severity", name, r)
			}
		}
	}
	for _, r := range detectors.Rules() {
		if _, ok := rules[r]; !ok {
			t.Errorf("no saved query for rule %s", r)
		}
	}
	for r := range rules {
		if !slices.Contains(detectors.Rules(), r) {
			t.Errorf("saved query for %s, which is not a detector rule", r)
		}
	}
}

// stripSQLStrings blanks single-quoted literals ('%.cloudfront.net').
func stripSQLStrings(sql string) string {
	return regexp.MustCompile(`'(?:[^']|'')*'`).ReplaceAllString(sql, "''")
}

func stripSQLComments(sql string) string {
	return regexp.MustCompile(`--[^\n]*`).ReplaceAllString(sql, "")
}
