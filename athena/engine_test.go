package athena

import (
	"bytes"
	"context"
	"database/sql"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/cfwatch/cfwatch/dataset"
	"github.com/cfwatch/cfwatch/detectors"
	"github.com/cfwatch/cfwatch/internal/athenatest"
	"github.com/cfwatch/cfwatch/internal/datasettest"
	"github.com/cfwatch/cfwatch/internal/duckdbtest"
	"github.com/cfwatch/cfwatch/internal/schematest"
	"github.com/cfwatch/cfwatch/local"
	"github.com/cfwatch/cfwatch/loggen"
	"github.com/cfwatch/cfwatch/report"
	"github.com/cfwatch/cfwatch/source"
)

var t0 = time.Date(2026, 11, 20, 0, 0, 0, 0, time.UTC)

// incidents is every incident kind in its own hour (datasettest.Incidents),
// and auth-cookie-oversize in the first.
func incidents() loggen.Config {
	cfg := datasettest.Incidents(t0, 29, 4000)
	k := loggen.AuthCookieOversize
	cfg.Incidents = append(cfg.Incidents, loggen.Incident{Kind: k, From: t0, Until: t0.Add(time.Hour), Rate: k.DefaultRate()})
	return cfg
}

var (
	dsOnce sync.Once
	dsDir  string
	dsErr  error
)

// testDataset writes the incidents' dataset once per test run and returns
// its root.
func testDataset(t *testing.T) string {
	t.Helper()
	dsOnce.Do(func() {
		if dsDir, dsErr = os.MkdirTemp("", "cfwatch-athena"); dsErr != nil {
			return
		}
		logs := filepath.Join(dsDir, "logs")
		if _, dsErr = loggen.WriteDir(context.Background(), logs, incidents()); dsErr != nil {
			return
		}
		datasettest.Write(t, logs, filepath.Join(dsDir, "ds"), dataset.Options{RowGroupRows: 2000})
	})
	if dsErr != nil || dsDir == "" {
		t.Fatalf("writing the dataset: %v", dsErr)
	}
	return filepath.Join(dsDir, "ds")
}

func TestMain(m *testing.M) {
	code := m.Run()
	if dsDir != "" {
		os.RemoveAll(dsDir)
	}
	os.Exit(code)
}

func openTable(t *testing.T, root string) *sql.DB { return athenatest.OpenTable(t, root) }

// duck runs statements on DuckDB. rewrite, when set, changes each
// statement first.
type duck struct {
	db      *sql.DB
	rewrite func(string) string
	mu      sync.Mutex
	sqls    map[string]string
}

func (d *duck) Start(_ context.Context, name, q string) (Query, error) {
	if d.rewrite != nil {
		q = d.rewrite(q)
	}
	d.mu.Lock()
	if d.sqls == nil {
		d.sqls = map[string]string{}
	}
	d.sqls[name] = q
	d.mu.Unlock()
	return &duckQuery{db: d.db, sql: q}, nil
}

type duckQuery struct {
	db  *sql.DB
	sql string
}

func (q *duckQuery) Rows(ctx context.Context, fn func([]*string) error) error {
	return athenatest.Rows(ctx, q.db, q.sql, fn)
}

// athenaOrder makes DuckDB's detect statement order failing requests
// within a file as the Athena one must, without row numbers.
func athenaOrder(q string) string {
	q = strings.Replace(q, "file_row_number AS rn", "0 AS rn", 1)
	i := strings.LastIndex(q, "\nORDER BY ")
	if i < 0 {
		return q // not the detect statement
	}
	return q[:i] + strings.Replace(q[i:], "o_detail, o_file, o_rn, o_t,", "o_detail, o_file, o_t, o_rid,", 1)
}

func localReport(t *testing.T, root string, opts report.Options) *report.Report {
	t.Helper()
	l, err := source.LocalListing([]string{root}, report.Union(opts.Window, opts.Baseline), nil)
	if err != nil {
		t.Fatal(err)
	}
	var eng report.Engine = &local.Engine{Listing: l}
	rep, err := eng.Report(context.Background(), opts)
	if err != nil {
		t.Fatal(err)
	}
	return rep
}

// jsonOf is a report's JSON without its input section and the nearest
// times of a window without data (the local engine knows them from file
// names, to the hour; Athena from the records), and with each finding's
// examples dropped when noExamples is set.
func jsonOf(t *testing.T, rep *report.Report, noExamples bool) string {
	t.Helper()
	c := *rep
	c.Input = report.Input{}
	c.Coverage.NearestBefore, c.Coverage.NearestAfter = nil, nil
	c.Findings = slices.Clone(rep.Findings)
	if noExamples {
		// Nor the order of the first failing paths, which follows the
		// order the failures sharing a timestamp are replayed in.
		for i := range c.Findings {
			c.Findings[i].Examples = nil
			c.Findings[i].Paths = slices.Sorted(slices.Values(c.Findings[i].Paths))
		}
	}
	var b bytes.Buffer
	if err := c.WriteJSON(&b); err != nil {
		t.Fatal(err)
	}
	return b.String()
}

func firstDiff(a, b string) string {
	al, bl := strings.Split(a, "\n"), strings.Split(b, "\n")
	for i := 0; i < min(len(al), len(bl)); i++ {
		if al[i] != bl[i] {
			return fmt.Sprintf("line %d:\n  local:  %s\n  athena: %s", i+1, al[i], bl[i])
		}
	}
	return fmt.Sprintf("%d lines and %d lines", len(al), len(bl))
}

func window(from, until time.Duration) source.Window {
	return source.Window{From: t0.Add(from), Until: t0.Add(until)}
}

// TestSameAsLocal: the statements Athena runs, run by DuckDB over the same
// dataset, give the local engine's report: traffic figures, status and
// cache mix, path tables, NextAuth endpoints, time series, comparison,
// checks, and findings down to their clients, paths, causes and example
// request IDs.
func TestSameAsLocal(t *testing.T) {
	schema := schematest.Compile(t, report.JSONSchema())
	root := testDataset(t)
	db := openTable(t, root)
	cfg := detectors.DefaultConfig()
	cfg.AuthPrefix = "/api/auth/"
	cfg.APIPrefixes = []string{"/api", "/api/v1/*"}
	for _, c := range []struct {
		name string
		opts report.Options
	}{
		{"day", report.Options{Window: window(0, 12*time.Hour)}},
		{"baseline", func() report.Options {
			w := window(6*time.Hour+30*time.Minute, 11*time.Hour)
			b := report.Shifted(w, 5*time.Hour)
			return report.Options{Window: w, Baseline: &b, TopN: 15}
		}()},
		{"overlapping-baseline", func() report.Options {
			w := window(8*time.Hour, 12*time.Hour)
			b := report.Shifted(w, time.Hour)
			return report.Options{Window: w, Baseline: &b, Interval: 10 * time.Minute}
		}()},
		{"edges", report.Options{Window: window(2*time.Hour+7*time.Minute+30*time.Second, 3*time.Hour+55*time.Minute)}},
		// A baseline whose offset is no whole number of intervals: its
		// points lie that offset before the window's, off the boundaries.
		{"edges-baseline", func() report.Options {
			w := window(4*time.Hour+7*time.Minute+30*time.Second, 6*time.Hour+55*time.Minute)
			b := report.Shifted(w, 97*time.Minute)
			return report.Options{Window: w, Baseline: &b, Interval: 15 * time.Minute}
		}()},
		{"settings", report.Options{Window: window(time.Hour, 11*time.Hour), Detectors: &cfg, TopN: 5}},
		{"empty", report.Options{Window: window(20*time.Hour, 21*time.Hour)}},
		// The logs end at 12:00: the last intervals have no data yet, in
		// the window and in a baseline that reaches past 12:00.
		{"no-data-yet", func() report.Options {
			w := window(10*time.Hour, 13*time.Hour+30*time.Minute)
			b := report.Shifted(w, time.Hour)
			return report.Options{Window: w, Baseline: &b, Filter: report.Filter{Hosts: []string{"app.example.com"}}}
		}()},
		// --host (any case) leaves out the *.cloudfront.net requests of the
		// insecure-scheme hour; --distribution of another one leaves nothing.
		{"host-filter", report.Options{Window: window(0, 12*time.Hour), Filter: report.Filter{Hosts: []string{"APP.example.COM"}}}},
		{"distribution-filter", report.Options{Window: window(0, 12*time.Hour), Filter: report.Filter{Distributions: []string{"E9OTHERDIST"}}}},
	} {
		t.Run(c.name, func(t *testing.T) {
			local := localReport(t, root, c.opts)
			var eng report.Engine = &Engine{Querier: &duck{db: db}, Options: Options{Dialect: DuckDB, Engine: "duckdb"}}
			rep, err := eng.Report(context.Background(), c.opts)
			if err != nil {
				t.Fatal(err)
			}
			if l, a := jsonOf(t, local, false), jsonOf(t, rep, false); l != a {
				t.Errorf("reports differ:\n%s", firstDiff(l, a))
			}
			// The engine's JSON, its input section included, is the
			// documented one.
			var doc bytes.Buffer
			if err := rep.WriteJSON(&doc); err != nil {
				t.Fatal(err)
			}
			if err := schema.Validate(doc.Bytes()); err != nil {
				t.Errorf("athena's JSON: %v", err)
			}
			var lt, at bytes.Buffer
			local.Input, rep.Input = report.Input{}, report.Input{}
			lc, ac := local.Coverage, rep.Coverage
			local.Coverage.NearestBefore, local.Coverage.NearestAfter = nil, nil
			rep.Coverage.NearestBefore, rep.Coverage.NearestAfter = nil, nil
			if err := local.WriteText(&lt); err != nil {
				t.Fatal(err)
			}
			if err := rep.WriteText(&at); err != nil {
				t.Fatal(err)
			}
			if lt.String() != at.String() {
				t.Errorf("text differs:\n%s", firstDiff(lt.String(), at.String()))
			}
			if c.name == "no-data-yet" {
				// Records to 11:59:59.x, and none after: the intervals from
				// 12:00 have no data.
				for _, s := range []*report.Series{local.Series, local.Baseline.Series} {
					if s.NoDataAfter == nil || s.NoDataAfter.Before(t0.Add(12*time.Hour-time.Minute)) || !s.NoDataAfter.Before(t0.Add(12*time.Hour)) {
						t.Errorf("no_data_after %v, want just before 12:00", s.NoDataAfter)
					}
				}
			} else if local.Series.NoDataAfter != nil {
				t.Errorf("no_data_after %v in a window whose logs are all delivered", local.Series.NoDataAfter)
			}
			if c.name == "empty" {
				// No data, and both say where the nearest is: the last hour
				// of the dataset (12:00 by its partition's name locally).
				if local.Totals.Requests != 0 || !lc.NoData || !ac.NoData {
					t.Errorf("the empty window has %d requests, coverage %+v and %+v", local.Totals.Requests, lc, ac)
				}
				if lc.NearestBefore == nil || ac.NearestBefore == nil || lc.NearestAfter != nil || ac.NearestAfter != nil {
					t.Fatalf("nearest: local %+v, athena %+v", lc, ac)
				}
				if lb, ab := *lc.NearestBefore, *ac.NearestBefore; !lb.Equal(t0.Add(12*time.Hour)) || ab.After(lb) || lb.Sub(ab) > time.Hour {
					t.Errorf("nearest before: local %v, athena %v", lb, ab)
				}
			} else if rep.Coverage.NoData != (c.name == "distribution-filter") {
				t.Errorf("coverage %+v", rep.Coverage)
			}
		})
	}
	t.Run("scanners", sameAsLocalScanners)
	// The comparison means something only if every rule fired.
	rep := localReport(t, root, report.Options{Window: window(0, 12*time.Hour)})
	var rules []string
	for _, f := range rep.Findings {
		if !slices.Contains(rules, f.Rule) {
			rules = append(rules, f.Rule)
		}
		// A rule folded into another finding fired too (Finding.Related).
		for _, r := range f.Related {
			if !slices.Contains(rules, r.Rule) {
				rules = append(rules, r.Rule)
			}
		}
	}
	want := detectors.Rules()
	if len(rules) != len(want) {
		t.Errorf("rules found: %v, want all of %v", rules, want)
	}
}

// TestAthenaOrder: without row numbers (Athena), failing requests of one
// file that share a timestamp are replayed by request ID: the report is the
// same but for which of them a finding gives as examples.
func TestAthenaOrder(t *testing.T) {
	root := testDataset(t)
	db := openTable(t, root)
	opts := report.Options{Window: window(0, 12*time.Hour)}
	local := localReport(t, root, opts)
	q := &duck{db: db, rewrite: athenaOrder}
	rep, err := Run(context.Background(), q, opts, Options{Dialect: DuckDB})
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(q.sqls["detect"], "o_detail, o_file, o_t, o_rid,") {
		t.Fatal("the detect statement was not rewritten")
	}
	if l, a := jsonOf(t, local, true), jsonOf(t, rep, true); l != a {
		t.Errorf("reports differ beyond the examples:\n%s", firstDiff(l, a))
	}
	for i, f := range rep.Findings {
		lf := local.Findings[i]
		if len(f.Examples) != len(lf.Examples) || len(f.Examples) == 0 {
			t.Errorf("%s: %d examples, %d locally", f.Key, len(f.Examples), len(lf.Examples))
		}
		seen := map[string]bool{}
		for _, x := range f.Examples {
			if seen[x] || x == "" {
				t.Errorf("%s: example %q repeated or empty", f.Key, x)
			}
			seen[x] = true
		}
	}
}

// TestDialects: the statements Athena receives are the ones DuckDB ran in
// these tests, but for the dialect's documented differences (Dialect).
func TestDialects(t *testing.T) {
	cfg := detectors.DefaultConfig()
	w := window(time.Hour, 3*time.Hour)
	b := report.Shifted(w, 24*time.Hour)
	trino := newPlan(`"cloudfront_logs"`, Trino, w, &b, 5*time.Minute, 10, cfg, []string{"E2QWRUHEXAMPLE"})
	duckdb := newPlan(`"cloudfront_logs"`, DuckDB, w, &b, 5*time.Minute, 10, cfg, []string{"E2QWRUHEXAMPLE"})
	if trino.figuresSQL() != duckdb.figuresSQL() || trino.pathsSQL() != duckdb.pathsSQL() {
		t.Error("figures or paths statements differ between dialects")
	}
	td, dd := trino.detectSQL(), duckdb.detectSQL()
	dd = strings.ReplaceAll(athenaOrder(dd), "regexp_matches(", "regexp_like(")
	dd = strings.ReplaceAll(dd, "list_max(list_transform(", "array_max(transform(")
	if td != dd {
		t.Errorf("detect statements differ beyond the dialect:\n%s", firstDiff(td, dd))
	}
	for _, s := range []string{trino.figuresSQL(), trino.pathsSQL(), td} {
		if !strings.Contains(s, "distribution IN ('E2QWRUHEXAMPLE') AND day BETWEEN") {
			t.Errorf("no partition filter:\n%s", s)
		}
	}
}

// TestPartitions: the partition filter selects exactly the hours the log
// source would open for the windows, and no others.
func TestPartitions(t *testing.T) {
	root := t.TempDir()
	start := t0.Add(-48 * time.Hour)
	type hourKey struct{ day, hour string }
	var all []time.Time
	for h := range 5 * 24 {
		all = append(all, start.Add(time.Duration(h)*time.Hour))
	}
	// One empty-schema row per partition is enough: write a tiny file each.
	recs := []byte("#Version: 1.0\n#Fields: date time cs-uri-stem\n2026-11-20\t00:00:00\t/\n")
	for _, h := range all {
		dir := filepath.FromSlash(dataset.PartitionPath(filepath.ToSlash(root), "E2QWRUHEXAMPLE", h))
		if err := os.MkdirAll(dir, 0o755); err != nil {
			t.Fatal(err)
		}
		writeOne(t, filepath.Join(dir, "f.parquet"), recs)
	}
	db := openTable(t, root)
	for _, ws := range [][]source.Window{
		{window(10*time.Hour, 12*time.Hour)},
		{window(23*time.Hour+30*time.Minute, 24*time.Hour+30*time.Minute)},
		{window(0, 72*time.Hour)},
		{window(5*time.Hour, 6*time.Hour), window(5*time.Hour-7*24*time.Hour, 6*time.Hour-7*24*time.Hour)},
		{window(5*time.Hour, 8*time.Hour), window(3*time.Hour, 6*time.Hour)},
	} {
		p := newPlan(`"cloudfront_logs"`, DuckDB, ws[0], nil, time.Hour, 10, detectors.DefaultConfig(), nil)
		got := map[hourKey]bool{}
		for _, r := range duckdbtest.Query(t, db, `SELECT DISTINCT day, hour FROM cloudfront_logs WHERE `+p.partitions(ws...)) {
			got[hourKey{r["day"].(string), fmt.Sprintf("%02d", r["hour"])}] = true
		}
		want := map[hourKey]bool{}
		for _, h := range all {
			for _, w := range ws {
				if w.MayHold(h) {
					want[hourKey{h.Format("2006-01-02"), h.Format("15")}] = true
				}
			}
		}
		if len(got) != len(want) || len(want) == 0 {
			t.Errorf("windows %v: %d partitions, want %d", ws, len(got), len(want))
		}
		for k := range want {
			if !got[k] {
				t.Errorf("windows %v: partition %v not read", ws, k)
			}
		}
	}
}

// writeOne writes a log's records as one dataset file.
func writeOne(t *testing.T, path string, log []byte) {
	t.Helper()
	logs := filepath.Join(t.TempDir(), "l")
	if err := os.MkdirAll(logs, 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(logs, "x.log"), log, 0o644); err != nil {
		t.Fatal(err)
	}
	out := filepath.Join(t.TempDir(), "o")
	files := datasettest.Write(t, logs, out, dataset.Options{})
	b, err := os.ReadFile(files[0])
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(path, b, 0o644); err != nil {
		t.Fatal(err)
	}
}

// TestRunErrors: a statement that fails stops the others and says which.
func TestRunErrors(t *testing.T) {
	root := testDataset(t)
	db := openTable(t, root)
	q := &duck{db: db, rewrite: func(s string) string {
		if strings.Contains(s, "FROM ps JOIN sel") {
			return strings.Replace(s, "FROM ps JOIN sel", "FROM no_such_table JOIN sel", 1)
		}
		return s
	}}
	_, err := Run(context.Background(), q, report.Options{Window: window(0, time.Hour)}, Options{Dialect: DuckDB})
	if err == nil || !strings.Contains(err.Error(), "paths query") || !strings.Contains(err.Error(), "no_such_table") {
		t.Errorf("err = %v", err)
	}
	if _, err := Run(context.Background(), q, report.Options{Window: window(0, time.Hour)}, Options{Table: "a.b.c"}); err == nil {
		t.Error("a three-part table name is accepted")
	}
}
