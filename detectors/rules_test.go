package detectors

import (
	"os"
	"slices"
	"strings"
	"testing"
)

// The rule table is complete: every rule has what Observe, Findings, the
// docs and the SQL users need, under a unique ID.
func TestRuleTable(t *testing.T) {
	doc, err := os.ReadFile("doc.go")
	if err != nil {
		t.Fatal(err)
	}
	e := mustNew(t, DefaultConfig())
	var ids []string
	for i := range e.rules {
		r := &e.rules[i]
		if slices.Contains(ids, r.id) {
			t.Errorf("rule %s twice", r.id)
		}
		ids = append(ids, r.id)
		if r.idx != i || r.settings == nil || r.explain == nil || r.doc == "" || r.failsSQL == "" || r.severity.Rank() == 0 || r.scope == 0 {
			t.Errorf("rule %s lacks a setting, explanation, doc line, SQL, severity or scope", r.id)
		}
		if (r.series == nil) != (r.fails == nil) || r.series == nil && r.extra == nil {
			t.Errorf("rule %s counts nothing: series %v, fails %v, extra %v", r.id, r.series != nil, r.fails != nil, r.extra != nil)
		}
		if !strings.Contains(string(doc), "//\t"+r.id+" ") {
			t.Errorf("rule %s is not in doc.go's table", r.id)
		}
		for _, x := range r.absorbs {
			if e.ruleByID(x) == nil {
				t.Errorf("rule %s absorbs unknown rule %s", r.id, x)
			}
		}
		spec, ok := RuleSpecFor(r.id)
		if !ok || spec.FailsSQL != r.failsSQL || spec.Scope != r.scope {
			t.Errorf("RuleSpecFor(%s) = %+v, %v", r.id, spec, ok)
		}
		if spec.CountsSQL != "" && !strings.Contains(spec.FailsSQL, spec.CountsSQL) && !strings.Contains(spec.FailsSQL, "cs_method") {
			t.Errorf("rule %s: FailsSQL does not imply CountsSQL: %q, %q", r.id, spec.FailsSQL, spec.CountsSQL)
		}
	}
	if !slices.Equal(ids, Rules()) {
		t.Errorf("table %v, Rules %v", ids, Rules())
	}
	if _, ok := RuleSpecFor("no-such-rule"); ok {
		t.Error("a spec for an unknown rule")
	}
}
