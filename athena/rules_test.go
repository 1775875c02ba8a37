package athena

import (
	"context"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/cfwatch/cfwatch/alert"
	"github.com/cfwatch/cfwatch/dataset"
	"github.com/cfwatch/cfwatch/detectors"
	"github.com/cfwatch/cfwatch/internal/datasettest"
	"github.com/cfwatch/cfwatch/internal/duckdbtest"
	"github.com/cfwatch/cfwatch/loggen"
	"github.com/cfwatch/cfwatch/report"
)

// TestRuleSQL holds every rule's SQL in the rule table
// (detectors.RuleSpec) to its Go predicate: on the scenario dataset, for
// every finding of the local engine, the Athena query an alert gives
// (alert.AthenaQuery, with the rule's FailsSQL) runs on DuckDB and returns
// the finding's failing requests: its example request IDs, and at least
// as many failing requests as the finding counts over its time span. The
// rule's CountsSQL counts at least the finding's denominator.
//
// Nor does the query return a request the rule leaves out: a configured
// refusal for auth-403-burst, one of the edge-compute layer for
// origin-errors.
//
// The dataset is the incidents' (TestSameAsLocal's) with edge refusals in
// the hour of the callback 403s and edge-function failures in the hour of
// the origin's 5xx.
func TestRuleSQL(t *testing.T) {
	root := ruleSQLDataset(t)
	db := openTable(t, root)
	rep := localReport(t, root, report.Options{Window: window(0, 12*time.Hour)})
	fired := map[string]bool{}
	// A finding folded into another (Finding.Related) is checked as the
	// finding it would be on its own: its rule's SQL is tested too.
	var all []detectors.Finding
	for _, f := range rep.Findings {
		all = append(all, f)
		for _, r := range f.Related {
			all = append(all, detectors.Finding{Rule: r.Rule, Severity: r.Severity, Key: r.Key + " (folded)", DistributionID: f.DistributionID, Host: f.Host,
				Group: r.Group, FirstSeen: r.FirstSeen, LastSeen: r.LastSeen, Count: r.Count, Denominator: r.Denominator})
		}
	}
	for _, f := range all {
		spec, ok := detectors.RuleSpecFor(f.Rule)
		if !ok || spec.FailsSQL == "" {
			t.Errorf("rule %s has no SQL", f.Rule)
			continue
		}
		fired[f.Rule] = true
		t.Run(f.Key, func(t *testing.T) {
			// The alert's query, its row limit aside, in DuckDB's spelling
			// of a regular-expression match.
			q := alert.AthenaQuery(f, "")
			if !strings.Contains(q, spec.FailsSQL) {
				t.Fatalf("the alert's query does not use the rule's SQL:\n%s", q)
			}
			q = strings.Replace(q, "\nLIMIT 200", "", 1)
			duck := func(q string) string { return strings.ReplaceAll(q, "regexp_like(", "regexp_matches(") }
			rows := duckdbtest.Query(t, db, duck(q))
			ids := make(map[string]bool, len(rows))
			var inSpan int64
			for _, r := range rows {
				id, _ := r["x_edge_request_id"].(string)
				ids[id] = true
				if at, ok := r["request_time"].(time.Time); ok && !at.Before(f.FirstSeen.Truncate(time.Millisecond)) && !at.After(f.LastSeen) {
					inSpan++
				}
			}
			for _, id := range f.Examples {
				if !ids[id] {
					t.Errorf("example %s of %d failing requests is not among the query's %d rows", id, f.Count, len(rows))
				}
			}
			if inSpan < f.Count {
				t.Errorf("the query returns %d requests between first_seen and last_seen, the finding counts %d", inSpan, f.Count)
			}
			// Nor does it return more than the rule's Go predicate fails:
			// none of its requests is one the rule leaves out (by layer).
			if left, ok := leftOut[f.Rule]; ok {
				lq := strings.Replace(q, alertColumns, "SELECT count(*) AS n", 1)
				lq = strings.Replace(lq, "\nORDER BY request_time", "", 1) + "\n  AND " + left
				if n := duckdbtest.Scalar[int64](t, db, duck(lq)); n != 0 {
					t.Errorf("the query returns %d requests the rule leaves out", n)
				}
			}

			// The denominator: requests the rule counts in the finding's
			// group, host and span. method-rejected's pages count their
			// GETs as well, auth-insecure-scheme's split hosts the whole
			// input: their denominators are no such condition.
			if (f.Rule == detectors.RuleMethodRejected && f.Group == "/*") || f.Rule == detectors.RuleAuthInsecureScheme {
				return
			}
			cq := strings.Replace(q, spec.FailsSQL, cond(spec.CountsSQL), 1)
			var counted int64
			for _, r := range duckdbtest.Query(t, db, duck(cq)) {
				if at, ok := r["request_time"].(time.Time); ok && !at.Before(f.FirstSeen.Add(-15*time.Minute)) {
					counted++
				}
			}
			if counted < f.Denominator {
				t.Errorf("CountsSQL counts %d requests around the finding, its denominator is %d", counted, f.Denominator)
			}
		})
	}
	for _, r := range detectors.Rules() {
		if !fired[r] {
			t.Errorf("no finding of %s in the scenario dataset: its SQL went untested", r)
		}
	}
	// Every rule has its SQL, and alert's filter is it.
	for _, s := range detectors.RuleSpecs() {
		if s.FailsSQL == "" || !slices.Contains(detectors.Rules(), s.ID) {
			t.Errorf("rule %q: no SQL or not listed", s.ID)
		}
	}
}

// alertColumns is the select list of alert.AthenaQuery.
const alertColumns = `SELECT request_time, cs_method, coalesce(x_host_header, cs_host) AS host, cs_uri_stem, sc_status,
       x_edge_result_type, x_edge_detailed_result_type, cs_protocol, c_ip, x_edge_request_id`

// leftOut is, per rule, the requests of its scope its Go predicate does
// not count, in the long SQL of the layer attribution.
var leftOut = map[string]string{
	detectors.RuleAuth403Burst: detectors.ConfiguredRefusalSQL(),
	detectors.RuleOriginErrors: "(" + detectors.LayerSQL() + " = 'edge-compute')",
}

var (
	rsOnce sync.Once
	rsDir  string
	rsErr  error
)

// ruleSQLDataset writes, once per test run, the incidents' dataset with
// the requests auth-403-burst and origin-errors leave out beside theirs,
// and returns its root.
func ruleSQLDataset(t *testing.T) string {
	t.Helper()
	rsOnce.Do(func() {
		if rsDir, rsErr = os.MkdirTemp("", "cfwatch-rulesql"); rsErr != nil {
			return
		}
		cfg := incidents()
		at := func(k loggen.Kind, hour int) loggen.Incident {
			from := t0.Add(time.Duration(hour) * time.Hour)
			return loggen.Incident{Kind: k, From: from, Until: from.Add(time.Hour), Rate: k.DefaultRate()}
		}
		// Configured refusals beside the callback 403s, edge-function
		// failures beside the origin's 5xx: the requests auth-403-burst
		// and origin-errors leave out are in their queries' windows.
		cfg.Incidents = append(cfg.Incidents, at(loggen.EdgeRefusalsOnAuth, 3), at(loggen.EdgeFunctionError, 9))
		logs := filepath.Join(rsDir, "logs")
		if _, rsErr = loggen.WriteDir(context.Background(), logs, cfg); rsErr != nil {
			return
		}
		datasettest.Write(t, logs, filepath.Join(rsDir, "ds"), dataset.Options{RowGroupRows: 2000})
	})
	if rsErr != nil || rsDir == "" {
		t.Fatalf("writing the dataset: %v", rsErr)
	}
	return filepath.Join(rsDir, "ds")
}

func cond(sql string) string {
	if sql == "" {
		return "1 = 1"
	}
	return sql
}
